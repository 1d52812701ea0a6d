// Content is hashed as a stream: a 512 MB file or stream passes through without the process
// growing anywhere near its size.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { digestContent } from './digest';

const dir = mkdtempSync(join(tmpdir(), 'edo-digest-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const MB = 1024 * 1024;
// Large enough that holding the content would dwarf the allowance below (a quarter of it),
// which covers the garbage of read buffers that the GC has not collected yet.
const size = 512 * MB;
const allowance = size / 4;

/** Peak resident set size while `work` runs, sampled on a timer and on demand. */
async function peakRss<T>(work: (sample: () => void) => Promise<T>): Promise<{ result: T; peak: number }> {
  let peak = process.memoryUsage.rss();
  const sample = () => {
    peak = Math.max(peak, process.memoryUsage.rss());
  };
  const timer = setInterval(sample, 5);
  try {
    const result = await work(sample);
    sample();
    return { result, peak };
  } finally {
    clearInterval(timer);
  }
}

/** 512 MB generated on the fly, 1 MB at a time, each chunk different; `witness` sees every chunk too. */
function* generated(sample: () => void, witness: ReturnType<typeof createHash>): Generator<Buffer> {
  for (let i = 0; i < size / MB; i++) {
    sample();
    const chunk = Buffer.alloc(MB, i % 251);
    witness.update(chunk);
    yield chunk;
  }
}

describe('digestContent', () => {
  it('gives the same digest for a buffer, a file and a stream, in SHA-256 and SHA-384', async () => {
    const content = Buffer.from('Договор поставки № 42\n'.repeat(5000));
    const file = join(dir, 'small.txt');
    writeFileSync(file, content);
    for (const hash of ['sha256', 'sha384'] as const) {
      const expected = createHash(hash).update(content).digest();
      expect(await digestContent(content, hash)).toEqual(expected);
      expect(await digestContent({ path: file }, hash)).toEqual(expected);
      expect(await digestContent(Readable.from([content.subarray(0, 7), content.subarray(7)]), hash)).toEqual(expected);
    }
  });

  it('hashes a 512 MB file as a stream: memory stays far below the file size', async () => {
    const file = join(dir, 'large.bin');
    writeFileSync(file, 'head');
    truncateSync(file, size); // sparse: 512 MB to read, little disk
    const before = process.memoryUsage.rss();
    const { result, peak } = await peakRss(() => digestContent({ path: file }));
    const expected = execFileSync('sha256sum', [file], { encoding: 'utf8' }).split(' ')[0];
    expect(result.toString('hex')).toBe(expected);
    expect(peak - before).toBeLessThan(allowance);
  });

  it('hashes a 512 MB generated stream: memory stays far below its size', async () => {
    const before = process.memoryUsage.rss();
    const witness = createHash('sha256');
    const { result, peak } = await peakRss((sample) => digestContent(Readable.from(generated(sample, witness))));
    expect(result).toEqual(witness.digest());
    expect(peak - before).toBeLessThan(allowance);
  });
});

describe('a range of a file (a stored ZIP entry)', () => {
  it('hashes exactly length bytes from start, in SHA-256 and Streebog alike', async () => {
    const file = join(dir, 'ranged.bin');
    const bytes = Buffer.from(Array.from({ length: 3 * MB + 17 }, (_, i) => (i * 7) % 251));
    writeFileSync(file, bytes);
    const slice = bytes.subarray(1000, 1000 + 2 * MB + 5);
    expect((await digestContent({ path: file, start: 1000, length: slice.length })).toString('hex')).toBe(
      createHash('sha256').update(slice).digest('hex'),
    );
    expect(
      (await digestContent({ path: file, start: 1000, length: slice.length }, 'streebog256')).equals(
        await digestContent(slice, 'streebog256'),
      ),
    ).toBe(true);
    expect((await digestContent({ path: file })).toString('hex')).toBe(
      createHash('sha256').update(bytes).digest('hex'),
    );
  });
});
