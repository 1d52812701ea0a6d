import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ArchiveVerificationError } from './errors';
import { consistencyPath, leafHash, rootFromLeafHashes } from './merkle';
import { JsonFileTreeHeadStore, MemoryTreeHeadStore, TreeHeadMonitor, type TreeHeadStore } from './monitor';
import { createTestOperator } from '../../test/support/test-operator';
import { signTreeHead, type TreeHeadSigner } from './tree-head';
import { expectArchiveProblem } from '../../test/support/archive-problems';

const dir = mkdtempSync(join(tmpdir(), 'edo-monitor-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const operator = createTestOperator();
const stranger = createTestOperator('ECDSA-P256', 'Not the operator');

/** A log in memory, as honest or as dishonest as the test makes it. */
class FakeLog {
  leaves: Buffer[] = [];
  constructor(private readonly signer: TreeHeadSigner = operator.signer) {}
  append(n: number) {
    for (let i = 0; i < n; i++) this.leaves.push(leafHash(Buffer.from(`doc ${this.leaves.length}`)));
  }
  head(size = this.leaves.length, signer = this.signer) {
    return signTreeHead(
      { treeSize: size, rootHash: rootFromLeafHashes(this.leaves, 0, size), timestamp: Date.now() },
      signer,
    );
  }
  proof = async (first: number, second: number) =>
    consistencyPath(first, second, (s, e) => rootFromLeafHashes(this.leaves, s, e));
}

function monitorOf(log: FakeLog, store: TreeHeadStore = new MemoryTreeHeadStore()) {
  const alarms: ArchiveVerificationError[] = [];
  const monitor = new TreeHeadMonitor({
    operatorCertificate: operator.certificatePem,
    store,
    consistencyProof: log.proof,
    onAlarm: (e) => alarms.push(e),
  });
  return { monitor, alarms, store };
}

describe('TreeHeadMonitor', () => {
  it('accepts a growing honest log and remembers the newest head in a JSON file', async () => {
    const log = new FakeLog();
    const file = join(dir, 'honest', 'tree-head.json');
    const { monitor, alarms } = monitorOf(log, new JsonFileTreeHeadStore(file));
    log.append(5);
    expect((await monitor.observe(await log.head())).previous).toBeUndefined();
    for (const n of [1, 3, 27, 100]) {
      log.append(n);
      const seen = await monitor.observe(await log.head());
      expect(seen.current.treeSize).toBe(log.leaves.length);
    }
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ treeSize: 136 });
    const reopened = new TreeHeadMonitor({
      operatorCertificate: operator.certificatePem,
      store: new JsonFileTreeHeadStore(file),
      consistencyProof: log.proof,
    });
    expect((await reopened.lastSeen())?.treeSize).toBe(136);
    expect(alarms).toEqual([]);
  });

  it('reports a truncated archive and keeps the larger head it saw', async () => {
    const log = new FakeLog();
    const { monitor, alarms, store } = monitorOf(log);
    log.append(20);
    await monitor.observe(await log.head());
    log.leaves.splice(15);
    await expectArchiveProblem(monitor.observe(await log.head()), 'truncated', /had 20 entries .* now claims 15/);
    expect((await store.load())?.treeSize).toBe(20);
    expect(alarms.map((a) => a.problem)).toEqual(['truncated']);
  });

  it('reports a rewritten archive: the same size with another root, and a failed consistency proof after growth', async () => {
    const log = new FakeLog();
    const { monitor, alarms } = monitorOf(log);
    log.append(12);
    await monitor.observe(await log.head());
    log.leaves[4] = leafHash(Buffer.from('a rewritten document'));
    await expectArchiveProblem(monitor.observe(await log.head()), 'root-mismatch', /two signed roots for 12 entries/);
    log.append(9);
    await expectArchiveProblem(
      monitor.observe(await log.head()),
      'inconsistent',
      /21 entries does not extend the tree of 12/,
    );
    expect(alarms.map((a) => a.problem)).toEqual(['root-mismatch', 'inconsistent']);
  });

  it('reports a head that the operator did not sign, and never remembers it', async () => {
    const log = new FakeLog();
    const { monitor, store } = monitorOf(log);
    log.append(3);
    await expectArchiveProblem(
      monitor.observe(await log.head(3, stranger.signer)),
      'bad-signature',
      /not signed by the operator certificate/,
    );
    expect(await store.load()).toBeUndefined();
  });

  it('refuses to forget: an unreadable remembered head is an error, not a fresh start', async () => {
    const file = join(dir, 'damaged.json');
    writeFileSync(file, '{"treeSize": "many"}');
    const { monitor } = monitorOf(new FakeLog(), new JsonFileTreeHeadStore(file));
    const log = new FakeLog();
    log.append(1);
    await expect(monitor.observe(await log.head())).rejects.toThrow(/damaged.json is unreadable/);
  });
});
