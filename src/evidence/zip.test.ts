// The evidence package's ZIP writer and reader with ZIP64, judged by other tools: Info-ZIP's
// `zip -fz` writes ZIP64 records the reader must follow, and the writer's ZIP64 package (forced
// for a small one: the records are the same as a 4 GiB package's, only their values are small)
// passes `unzip -t`, `zipinfo` and Python's zipfile. 4 GiB of disk is not needed for that.
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { onPath, systemPart } from '../../test/support/system';
import { ZipReader } from './zip-reader';
import { writeZip, type ZipInput } from './zip-writer';

const tools = systemPart(
  'Info-ZIP zip, unzip and Python 3',
  onPath('zip', 'unzip', 'zipinfo', 'python3'),
  'install zip unzip python3',
);
const dir = mkdtempSync(join(tmpdir(), 'edo-zip64-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const inputs: ZipInput[] = [
  { path: 'original/Счёт № 5.bin', bytes: randomBytes(200_000), stored: true },
  { path: 'manifest.json', bytes: Buffer.from(`${JSON.stringify({ parts: ['Счёт'] }, null, 2)}\n`), stored: false },
  { path: 'empty.txt', bytes: Buffer.alloc(0), stored: false },
];

async function readBack(file: string): Promise<Record<string, Buffer>> {
  const zip = await ZipReader.open(file);
  try {
    const out: Record<string, Buffer> = {};
    for (const entry of zip.entries.values()) {
      const chunks: Buffer[] = [];
      for await (const chunk of await zip.stream(entry)) chunks.push(chunk as Buffer);
      out[entry.name] = Buffer.concat(chunks);
    }
    return out;
  } finally {
    await zip.close();
  }
}

describe.skipIf(!tools.ok)(`ZIP64 in the evidence package ${tools.reason}`, () => {
  it('reads what Info-ZIP writes with ZIP64 forced (its end record, locator and extra fields), stored and deflated', async () => {
    const files = join(dir, 'info-zip');
    mkdirSync(files);
    writeFileSync(join(files, 'a.txt'), 'Акт № 5\n'.repeat(1000));
    writeFileSync(join(files, 'b.bin'), inputs[0]!.bytes);
    const file = join(dir, 'info-zip.zip');
    execFileSync('zip', ['-q', '-fz', file, 'a.txt'], { cwd: files });
    execFileSync('zip', ['-q', '-fz', '-0', file, 'b.bin'], { cwd: files });
    expect(execFileSync('zipinfo', ['-v', file], { encoding: 'utf8' })).toMatch(
      /minimum software version required to extract:\s+4\.5/,
    );
    const read = await readBack(file);
    expect(Object.keys(read).sort()).toEqual(['a.txt', 'b.bin']);
    expect(read['a.txt']!.toString('utf8')).toBe('Акт № 5\n'.repeat(1000));
    expect(read['b.bin']!.equals(inputs[0]!.bytes)).toBe(true);
  });

  it('writes ZIP64 records when forced: unzip -t, zipinfo and Python’s zipfile accept them, and the reader gives the bytes back', async () => {
    const file = join(dir, 'forced.zip');
    await writeZip(file, inputs, { zip64: 'always' });
    const bytes = readFileSync(file);
    // The ZIP64 end record and its locator are there, and the classic end record defers to them.
    expect(bytes.indexOf(Buffer.from([0x50, 0x4b, 0x06, 0x06]))).toBeGreaterThan(0);
    expect(bytes.indexOf(Buffer.from([0x50, 0x4b, 0x06, 0x07]))).toBeGreaterThan(0);
    expect(bytes.readUInt32LE(bytes.length - 22 + 16)).toBe(0xffffffff);
    execFileSync('unzip', ['-t', file], { stdio: 'pipe' });
    const info = execFileSync('zipinfo', ['-v', file], { encoding: 'utf8' });
    expect(info.match(/minimum software version required to extract:\s+4\.5/g)).toHaveLength(inputs.length);
    const python = execFileSync(
      'python3',
      [
        '-c',
        [
          'import sys, zipfile, hashlib, json',
          'z = zipfile.ZipFile(sys.argv[1])',
          'assert z.testzip() is None',
          'print(json.dumps({i.filename: hashlib.sha256(z.read(i)).hexdigest() for i in z.infolist()}))',
        ].join('\n'),
        file,
      ],
      { encoding: 'utf8' },
    );
    const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
    expect(JSON.parse(python)).toEqual(Object.fromEntries(inputs.map((i) => [i.path, sha(i.bytes)])));
    const read = await readBack(file);
    for (const input of inputs) expect(read[input.path]!.equals(input.bytes), input.path).toBe(true);
  });

  it('writes a plain ZIP where nothing needs 64 bits, which unzip -t and the reader accept', async () => {
    const file = join(dir, 'plain.zip');
    await writeZip(file, inputs);
    const bytes = readFileSync(file);
    expect(bytes.indexOf(Buffer.from([0x50, 0x4b, 0x06, 0x06]))).toBe(-1);
    execFileSync('unzip', ['-t', file], { stdio: 'pipe' });
    const read = await readBack(file);
    expect(Object.keys(read)).toEqual(inputs.map((i) => i.path));
    for (const input of inputs) expect(read[input.path]!.equals(input.bytes), input.path).toBe(true);
  });

  it('names an end record that points to a ZIP64 record which is not there', async () => {
    const file = join(dir, 'forced.zip');
    const bytes = readFileSync(file);
    const broken = Buffer.from(bytes);
    const locator = broken.lastIndexOf(Buffer.from([0x50, 0x4b, 0x06, 0x07]));
    broken[locator] = 0; // the locator no longer reads as one
    const damaged = join(dir, 'damaged.zip');
    writeFileSync(damaged, broken);
    await expect(ZipReader.open(damaged)).rejects.toThrow(/ZIP64 end record that is not there/);
  });
});
