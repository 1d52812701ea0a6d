// Blob store memory bench: a 1 GiB document through an `edo-hub serve` instance with
// `--blob-store database` on PostgreSQL: uploaded, sent (the hub hashes the blob for the signature
// check) and downloaded, streamed each way, while the instance's resident size is read from
// /proc/PID/status every 20 ms. Growth is that peak above the peak while a 16 MiB document went
// the same way just before. The limit is 64 MiB, however large the document: the instance must
// move the blob in chunks, never hold it.
// PostgreSQL: EDO_TEST_POSTGRES's server, else a throwaway cluster (scripts/test-postgres.sh).
// Run: npx tsx bench/hub-blobs/run.ts [--mib 1024]
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { parseArgs } from 'node:util';
import { signDetached } from '../../src/crypto/cms';
import { closeHubData, openHubData } from '../../server/data-dir';
import { startHub, type StartedHub } from '../../test/support/hub';
import { createTestPki, type TestPki } from '../../test/support/test-pki';
import { pkiSigner, twoOrganizations } from '../hub/setup';

const { values } = parseArgs({ options: { mib: { type: 'string' } } });
const mib = Number(values.mib ?? 1024);
const limitMib = 64;
const warmMib = 16;
const MiB = 1024 * 1024;
const root = resolve(import.meta.dirname, '../..');

/** The document: a random MiB repeated, each copy numbered (so no two MiB are the same), generated as read. */
const block = randomBytes(MiB);
function* documentBytes(size: number) {
  for (let i = 0; i < size; i++) {
    const piece = Buffer.from(block);
    piece.writeUInt32BE(i, 0);
    yield piece;
  }
}

/** The instance's resident size in MiB, sampled until stopped; `peak` since the last `reset`. */
function rssSampler(pid: number) {
  const now = () => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
  let peak = now();
  const timer = setInterval(() => (peak = Math.max(peak, now())), 20);
  return {
    now,
    get peak() {
      return Math.max(peak, now());
    },
    reset: () => (peak = now()),
    stop: () => clearInterval(timer),
  };
}

let ownCluster: string | undefined;
if (!process.env.EDO_TEST_POSTGRES) {
  const started = spawnSync('bash', [join(root, 'scripts/test-postgres.sh'), 'start'], { encoding: 'utf8' });
  if (started.status !== 0) throw new Error(`no PostgreSQL for the bench: ${started.stderr}`);
  for (const [, name, value] of started.stdout.matchAll(/(EDO_TEST_POSTGRES\w*)=(\S+)/g)) process.env[name!] = value;
  ownCluster = process.env.EDO_TEST_POSTGRES_DIR;
}
// Read at import: after the cluster is known.
const { closeDatabases, freshPostgresDatabase } = await import('../../test/support/databases');

let pki: TestPki | undefined;
let hub: StartedHub | undefined;
const dir = mkdtempSync(join(tmpdir(), 'edo-hub-blobs-bench-'));
try {
  pki = await createTestPki([], { revocation: true });
  const a = await pkiSigner(pki);
  const databaseUrl = await freshPostgresDatabase();
  hub = await startHub({
    databaseUrl,
    args: ['--blob-store', 'database', '--max-blob-size', String((mib + 1) * MiB), '--log-level', 'warn'],
  });
  const data = await openHubData(join(dir, 'admin'), { databaseUrl });
  const { orgB, tokenA, tokenB, call } = await twoOrganizations(data, hub.url, a).finally(() => closeHubData(data));

  const rss = rssSampler(hub.pid);
  /** Upload, send and download a document of `size` MiB; the seconds each step took and the peak RSS by its end. */
  const carry = async (size: number) => {
    const hash = createHash('sha256');
    for (const piece of documentBytes(size)) hash.update(piece);
    const sha256 = hash.digest('hex');
    const signature = (await signDetached(Readable.from(documentBytes(size)), a.signer)).toString('base64');
    const seconds: Record<'upload' | 'send' | 'download', number> = { upload: 0, send: 0, download: 0 };
    const peaks: Record<keyof typeof seconds, number> = { upload: 0, send: 0, download: 0 };
    const timed = async (step: keyof typeof seconds, work: () => Promise<void>) => {
      const started = performance.now();
      await work();
      seconds[step] = (performance.now() - started) / 1000;
      peaks[step] = rss.peak;
    };
    await timed('upload', async () => {
      const r = await fetch(`${hub!.url}/v1/blobs/${sha256}`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${tokenA}`, 'content-type': 'application/octet-stream' },
        body: Readable.toWeb(Readable.from(documentBytes(size))) as ReadableStream,
        duplex: 'half',
      } as RequestInit);
      if (r.status !== 201) throw new Error(`upload: ${r.status} ${await r.text()}`);
    });
    await timed('send', async () => {
      const document = { recipientId: orgB.id, title: `${size} MiB`, kind: 'letter', fileName: 'big.bin', sha256 };
      const r = await call(
        tokenA,
        'POST',
        '/v1/documents',
        { ...document, signature },
        { 'idempotency-key': randomUUID() },
      );
      if (r.status !== 201) throw new Error(`send: ${r.status} ${await r.text()}`);
      await r.arrayBuffer();
    });
    await timed('download', async () => {
      const r = await call(tokenB, 'GET', `/v1/blobs/${sha256}`);
      if (r.status !== 200) throw new Error(`download: ${r.status} ${await r.text()}`);
      const back = createHash('sha256');
      let bytes = 0;
      for await (const chunk of r.body!) {
        back.update(chunk);
        bytes += chunk.length;
      }
      if (back.digest('hex') !== sha256 || bytes !== size * MiB) throw new Error(`download: other bytes came back`);
    });
    return { seconds, peaks };
  };

  try {
    // The baseline: the instance's peak while a small document goes the same way (code loaded,
    // connection pool and caches filled, the heap at its working size). What a large one adds
    // above it is what grows with the document's size.
    const started = rss.now();
    rss.reset();
    await carry(warmMib);
    const baseline = rss.peak;
    rss.reset();
    const { seconds, peaks } = await carry(mib);
    const peak = rss.peak;
    const growth = peak - baseline;
    const steps = Object.entries(seconds).map(
      ([step, s]) =>
        `${step} ${s.toFixed(1)} s (${(mib / s).toFixed(0)} MiB/s, RSS peak by then ${peaks[step as keyof typeof peaks].toFixed(0)} MiB)`,
    );
    console.log(`a ${mib} MiB document through serve --blob-store database on PostgreSQL: ${steps.join(', ')}`);
    console.log(
      `instance RSS ${started.toFixed(0)} MiB started, peak ${baseline.toFixed(0)} MiB with a ${warmMib} MiB document, ` +
        `peak ${peak.toFixed(0)} MiB with ${mib} MiB: growth ${growth.toFixed(1)} MiB`,
    );
    console.log(`growth / limit ${limitMib} MiB = ${(growth / limitMib).toFixed(3)} (must stay below 1)`);
    console.log(
      JSON.stringify({
        mib,
        warmMib,
        startedMib: started,
        baselineMib: baseline,
        peakMib: peak,
        growthMib: growth,
        limitMib,
        seconds,
        peaks,
      }),
    );
    if (growth >= limitMib) process.exitCode = 1;
  } finally {
    rss.stop();
  }
} finally {
  await hub?.stop();
  pki?.cleanup();
  await closeDatabases();
  rmSync(dir, { recursive: true, force: true });
  if (ownCluster) spawnSync('bash', [join(root, 'scripts/test-postgres.sh'), 'stop', ownCluster]);
}
