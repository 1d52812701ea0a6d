// Archive benchmark: appends per second, and inclusion / consistency proof generation and
// verification at 10^3, 10^5 and 10^6 entries, each set against SHA-256 of the same entry data
// measured in the same run (so the ratios hold on any machine). Proof work must grow like
// log2(n): the "per log2 n" columns stay flat when it does.
// Run: npx tsx bench/archive/run.ts [--max 1000000]
import { randomBytes, randomInt } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  encodeArchiveEntry,
  hashesFromHex,
  leafHash,
  verifyConsistency,
  verifyInclusion,
  type ArchiveEntry,
} from '../../src/archive';
import { createTestOperator } from '../../test/support/test-operator';
import { ArchiveLog, type NewArchiveEntry } from '../../server/archive/log';
import { DirectoryBlobStore } from '../../test/support/archive-blobs';
import { archiveSchema } from '../../server/archive/log';
import { migrate } from '../../server/storage/sql';
import { SqliteDatabase } from '../../server/storage/sqlite-db';

const maxArg = process.argv.indexOf('--max');
const max = maxArg > 0 ? Number(process.argv[maxArg + 1]) : 1_000_000;
const checkpoints = [1_000, 100_000, 1_000_000].filter((n) => n <= max);
const BATCH = 10_000;
const PROOFS = 2_000;

const dir = mkdtempSync(join(tmpdir(), 'edo-archive-bench-'));
const db = new SqliteDatabase(join(dir, 'hub.sqlite'));
await migrate(db, [archiveSchema]);
const blobs = new DirectoryBlobStore(join(dir, 'blobs'));
// Every entry points at one stored blob: the log never reads blob contents, only checks them.
const blob = blobs.put(randomBytes(64 * 1024));
const operator = createTestOperator();
const log = new ArchiveLog({ db, signer: operator.signer, blobs, defaultQuotaBytes: Number.MAX_SAFE_INTEGER });

/** An entry like a signed document's: a 256-byte detached CMS (no certificates) as its signature. */
function makeEntry(i: number): NewArchiveEntry {
  return {
    orgId: `org-${i % 50}`,
    userId: `user-${i % 700}`,
    documentId: `doc-${i.toString(36)}-${randomBytes(4).toString('hex')}`,
    kind: i % 3 === 0 ? 'receipt-notice' : 'document',
    fileName: `ON_NSCHFDOPPR_${i}.xml`,
    blobSha256: blob.sha256,
    size: blob.size,
    signatures: [randomBytes(256).toString('base64')],
  };
}

function seconds(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e9;
}

/**
 * Microseconds per call of fn: the best of five rounds over `count` calls, after a warm-up, so
 * that other processes on a shared machine disturb the figures less.
 */
async function perCall(count: number, fn: (i: number) => unknown): Promise<number> {
  for (let i = 0; i < Math.min(count, 500); i++) await fn(i);
  let best = Infinity;
  for (let round = 0; round < 5; round++) {
    const start = process.hrtime.bigint();
    for (let i = round; i < count; i += 5) await fn(i);
    best = Math.min(best, (seconds(start) * 1e6) / Math.ceil((count - round) / 5));
  }
  return best;
}

const fmt = (x: number, digits = 1) => x.toFixed(digits).padStart(9);

async function main(): Promise<void> {
  const t0 = process.hrtime.bigint();
  console.log(
    `archive bench: RFC 9162 Merkle log over SQLite (WAL), batches of ${BATCH} appends per transaction, ${PROOFS} proofs per size`,
  );
  console.log(`data in ${dir}\n`);
  const rows: string[] = [];
  let size = 0;
  for (const target of checkpoints) {
    // Appends from the previous checkpoint to this one.
    const appendStart = process.hrtime.bigint();
    const sample: ArchiveEntry[] = [];
    while (size < target) {
      const n = Math.min(BATCH, target - size);
      const batch = Array.from({ length: n }, (_, k) => makeEntry(size + k));
      const receipts = await log.appendMany(batch);
      if (sample.length < 1000) sample.push(...receipts.slice(0, 1000 - sample.length).map((r) => r.entry));
      size += n;
    }
    const appended = target - (rows.length === 0 ? 0 : checkpoints[rows.length - 1]!);
    const appendsPerSecond = appended / seconds(appendStart);
    // Baseline: the SHA-256 leaf hash of the same entries' bytes, in this run, on this machine.
    const encoded = sample.map((e) => encodeArchiveEntry(e));
    const hashUs = await perCall(50_000, (i) => leafHash(encoded[i % encoded.length]!));
    const hashesPerSecond = 1e6 / hashUs;

    const head = await log.treeHead();
    const indexes = Array.from({ length: PROOFS }, () => randomInt(size));
    const leaves = await Promise.all(indexes.map(async (i) => Buffer.from((await log.entry(i))!.leafHash, 'hex')));
    const proofs: Buffer[][] = [];
    const inclusionGenUs = await perCall(
      PROOFS,
      async (k) => (proofs[k] = hashesFromHex((await log.inclusionProof(indexes[k]!, size)).hashes)),
    );
    const inclusionVerifyUs = await perCall(PROOFS, (k) =>
      verifyInclusion(indexes[k]!, size, leaves[k]!, proofs[k]!, head.rootHash),
    );
    const firsts = Array.from({ length: PROOFS }, () => 1 + randomInt(size - 1));
    const oldRoots = await Promise.all(firsts.map((m) => log.rootHash(m)));
    const readsBefore = log.storedHashReads();
    for (const k of indexes.keys()) await log.inclusionProof(indexes[k]!, size);
    const inclusionReads = (log.storedHashReads() - readsBefore) / PROOFS;
    const consistency: Buffer[][] = [];
    const consistencyGenUs = await perCall(
      PROOFS,
      async (k) => (consistency[k] = hashesFromHex((await log.consistencyProof(firsts[k]!, size)).hashes)),
    );
    const consistencyVerifyUs = await perCall(PROOFS, (k) =>
      verifyConsistency(firsts[k]!, size, consistency[k]!, oldRoots[k]!, head.rootHash),
    );
    const pathLength = proofs.reduce((s, p) => s + p.length, 0) / PROOFS;
    const log2n = Math.log2(size);

    rows.push(
      [
        String(size).padStart(9),
        fmt(appendsPerSecond, 0),
        fmt(hashesPerSecond, 0),
        fmt(appendsPerSecond / hashesPerSecond, 3),
        fmt(pathLength),
        fmt(inclusionReads),
        fmt(inclusionGenUs),
        fmt(inclusionVerifyUs),
        fmt(consistencyGenUs),
        fmt(consistencyVerifyUs),
        fmt(inclusionGenUs / hashUs),
        fmt(inclusionVerifyUs / hashUs),
        fmt(inclusionGenUs / hashUs / log2n, 2),
        fmt(inclusionVerifyUs / hashUs / log2n, 2),
      ].join(' '),
    );
    console.log(
      `${size} entries: done at ${seconds(t0).toFixed(1)} s, database ${(statSync(join(dir, 'hub.sqlite')).size / 1024 ** 2).toFixed(0)} MB`,
    );
  }
  console.log(`
columns: n | appends/s | leaf hashes/s (SHA-256 of the same entries' bytes) | appends/hashes |
  mean inclusion path length | stored hashes read per inclusion proof | µs: inclusion proof generate, verify; consistency proof generate, verify |
  inclusion generate and verify in units of one entry hash | the same per log2(n) (flat = grows like log n)`);
  console.log(
    [
      '        n',
      'appends/s',
      ' hashes/s',
      'app/hash',
      ' path len',
      '    reads',
      ' incl gen',
      ' incl ver',
      ' cons gen',
      ' cons ver',
      ' gen/hash',
      ' ver/hash',
      'gen/h/lgn',
      'ver/h/lgn',
    ].join(' '),
  );
  for (const row of rows) console.log(row);
  console.log(`\ntotal ${seconds(t0).toFixed(1)} s`);
}

try {
  await main();
} finally {
  await db.close();
  rmSync(dir, { recursive: true, force: true });
}
