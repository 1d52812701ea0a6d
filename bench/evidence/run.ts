// Evidence package benchmark: verify-evidence's memory on a package whose original is 1 GiB.
// The package is written here (the original streamed from disk into the ZIP, signed over its
// file), then verified in a child process that reports its RSS growth: the peak resident size
// (getrusage maxrss) above the size once its modules are loaded. The limit is 64 MiB, however
// large the original: the verifier must stream it, never hold it.
// Run: npx tsx bench/evidence/run.ts [--mib 1024]
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, createReadStream, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Zip, ZipDeflate, ZipPassThrough } from 'fflate';
import { pemToDer } from '../../src/crypto/certificates';
import { signDetached } from '../../src/crypto/cms';
import { KeySigner } from '../../src/crypto/key-signer';
import { readPrivateKey } from '../../src/crypto/private-keys';
import { manifestPath, type Manifest, type ManifestPart } from '../../src/evidence/package';
import { createTestOperator } from '../../test/support/test-operator';

const mibArg = process.argv.indexOf('--mib');
const mib = mibArg > 0 ? Number(process.argv[mibArg + 1]) : 1024;
const limitMib = 64;

const dir = mkdtempSync(join(tmpdir(), 'edo-evidence-bench-'));
try {
  // The original: a random MiB repeated (random enough that deflate would not shrink it; it is stored).
  const originalFile = join(dir, 'original.bin');
  const block = randomBytes(1024 * 1024);
  const fd = openSync(originalFile, 'w');
  const digest = createHash('sha256');
  for (let i = 0; i < mib; i++) {
    writeSync(fd, block);
    digest.update(block);
  }
  closeSync(fd);
  const sha256 = digest.digest('hex');
  const size = mib * 1024 * 1024;

  // One self-signed key signs the original and is the package's root and operator certificate.
  const operator = createTestOperator();
  const certificate = pemToDer(operator.certificatePem)[0]!;
  const signer = new KeySigner(readPrivateKey(Buffer.from(operator.keyPem)), certificate);
  const signature = await signDetached({ path: originalFile }, signer);
  const pem = Buffer.from(operator.certificatePem);

  const hex = (b: Buffer) => createHash('sha256').update(b).digest('hex');
  const now = new Date().toISOString();
  const parts: ManifestPart[] = [
    { path: 'original/original.bin', role: 'original', sha256, size },
    {
      path: 'signatures/original.bin.1.p7s',
      role: 'signature',
      sha256: hex(signature),
      size: signature.length,
      signs: 'original/original.bin',
      at: now,
    },
    { path: 'certificates/operator.pem', role: 'operator-certificate', sha256: hex(pem), size: pem.length },
    { path: 'certificates/roots/root-1.pem', role: 'trusted-root', sha256: hex(pem), size: pem.length },
  ];
  const manifest: Manifest = {
    format: 'edo-clerk-evidence/1',
    createdAt: now,
    reference: `edo-clerk:verify?document=1&sha256=${sha256}`,
    document: {
      hubId: '1',
      title: 'bench',
      fileName: 'original.bin',
      size,
      sha256,
      streebog256: '',
      sentAt: now,
      sender: { name: 'A', inn: '7701234560' },
      recipient: { name: 'B', inn: '7809876543' },
    },
    parts,
  };

  const zipFile = join(dir, 'evidence.zip');
  const out = openSync(zipFile, 'w');
  const zip = new Zip((error, chunk) => {
    if (error) throw error;
    writeSync(out, chunk);
  });
  const original = new ZipPassThrough(parts[0]!.path);
  zip.add(original);
  for await (const chunk of createReadStream(originalFile, { highWaterMark: 1024 * 1024 }))
    original.push(chunk as Buffer);
  original.push(new Uint8Array(0), true);
  for (const [path, bytes] of [
    [parts[1]!.path, signature],
    [parts[2]!.path, pem],
    [parts[3]!.path, pem],
    [manifestPath, Buffer.from(JSON.stringify(manifest))],
  ] as const) {
    const entry = new ZipDeflate(path);
    zip.add(entry);
    entry.push(bytes, true);
  }
  zip.end();
  closeSync(out);
  rmSync(originalFile);

  const child = spawnSync(
    process.execPath,
    ['--import', 'tsx', join(import.meta.dirname, 'verify-child.ts'), zipFile],
    { encoding: 'utf8' },
  );
  if (child.status !== 0) throw new Error(`the verifier failed: ${child.stderr}`);
  const r = JSON.parse(child.stdout) as {
    ok: boolean;
    failed: string[];
    baselineMib: number;
    peakMib: number;
    seconds: number;
  };
  const growth = r.peakMib - r.baselineMib;
  console.log(
    `verify-evidence of a package with a ${mib} MiB original: ${r.ok ? 'holds' : `FAILS (${r.failed.join(', ')})`}, ${r.seconds.toFixed(1)} s`,
  );
  console.log(
    `RSS ${r.baselineMib.toFixed(0)} MiB after loading, peak ${r.peakMib.toFixed(0)} MiB: growth ${growth.toFixed(1)} MiB`,
  );
  console.log(`growth / limit ${limitMib} MiB = ${(growth / limitMib).toFixed(3)} (must stay below 1)`);
  if (!r.ok || growth >= limitMib) process.exitCode = 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
