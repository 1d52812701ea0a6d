import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buffer } from 'node:stream/consumers';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ArchiveAuditor,
  archiveEntryLeafHash,
  EMPTY_TREE_HASH,
  formatArchiveUsage,
  hashesFromHex,
  JsonFileTreeHeadStore,
  MB,
  nodeHash,
  rootFromLeafHashes,
  TreeHeadMonitor,
  verifyConsistency,
  verifyInclusion,
  type ArchiveReceipt,
  type ArchiveSource,
} from '../../src/archive';
import { backends, closeDatabases, type TestBackend } from '../../test/support/databases';
import { createTestOperator } from '../../test/support/test-operator';
import { PostgresDatabase } from '../storage/postgres-db';
import type { Sql } from '../storage/sql';
import { SqliteDatabase } from '../storage/sqlite-db';
import { ArchiveBlobError, ArchiveEntryInvalidError, ArchiveQuotaExceededError } from './errors';
import type { ArchiveEvent } from './events';
import { archiveSchema, ArchiveLog } from './log';
import { DirectoryBlobStore, sampleEntry } from '../../test/support/archive-blobs';
import { expectArchiveProblem } from '../../test/support/archive-problems';

const root = mkdtempSync(join(tmpdir(), 'edo-archive-log-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const operator = createTestOperator();

afterEach(closeDatabases);
let backend: TestBackend;
let counter = 0;
async function hub(options: { defaultQuotaBytes?: number } = {}) {
  const dir = join(root, `hub-${++counter}`);
  const blobs = new DirectoryBlobStore(join(dir, 'blobs'));
  const db = await backend.open([archiveSchema], { dir: root });
  const file = db.location;
  const events: ArchiveEvent[] = [];
  const log = new ArchiveLog({ db, signer: operator.signer, blobs, onEvent: (e) => events.push(e), ...options });
  const archive = async (data: string | Buffer, overrides = {}) =>
    log.append(sampleEntry(blobs.put(Buffer.from(data)), overrides));
  const source: ArchiveSource = {
    treeHead: () => log.treeHead(),
    entry: async (i) => await log.entry(i),
    inclusionProof: async (i, size) => await log.inclusionProof(i, size),
  };
  const monitor = new TreeHeadMonitor({
    operatorCertificate: operator.certificatePem,
    store: new JsonFileTreeHeadStore(join(dir, 'client', 'last-tree-head.json')),
    consistencyProof: async (a, b) => hashesFromHex((await log.consistencyProof(a, b)).hashes),
  });
  const auditor = new ArchiveAuditor(source, monitor, operator.certificatePem);
  return { dir, db, file, blobs, log, events, archive, auditor, monitor };
}

/**
 * The attacker: a second connection to the hub's database, past the append-only triggers
 * (SQLite: dropped; PostgreSQL: the superuser's replica mode, which fires no triggers).
 */
async function tamper(location: string, edit: (db: Sql) => Promise<unknown>): Promise<void> {
  const db = location.startsWith('postgres') ? new PostgresDatabase(location) : new SqliteDatabase(location);
  try {
    await db.transaction(async (tx) => {
      if (db.dialect === 'postgres') await tx.exec('SET LOCAL session_replication_role = replica');
      else
        for (const { name } of await tx.all<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'trigger'"))
          await tx.exec(`DROP TRIGGER "${name}"`);
      await edit(tx);
    });
  } finally {
    await db.close();
  }
}

/** The attacker who knows the format: recomputes every leaf hash and every stored subtree. */
async function rebuildTree(db: Sql): Promise<void> {
  type Row = {
    idx: number;
    org_id: string;
    user_id: string;
    document_id: string;
    kind: string;
    file_name: string;
    blob_sha256: string;
    size: number;
    signatures: string;
    archived_at: string;
  };
  const rows = await db.all<Row>('SELECT * FROM archive_entries ORDER BY idx');
  await db.exec('DELETE FROM archive_nodes');
  let level: Buffer[] = [];
  for (const [i, r] of rows.entries()) {
    const hash = archiveEntryLeafHash({
      orgId: r.org_id,
      userId: r.user_id,
      documentId: r.document_id,
      kind: r.kind,
      fileName: r.file_name,
      blobSha256: r.blob_sha256,
      size: r.size,
      signatures: JSON.parse(r.signatures) as string[],
      archivedAt: r.archived_at,
    });
    await db.run('UPDATE archive_entries SET leaf_hash = ? WHERE idx = ?', [hash, r.idx]);
    if (r.idx !== i) throw new Error('rebuildTree expects contiguous indexes');
    level.push(hash);
  }
  for (let l = 1; level.length > 1; l++) {
    const up: Buffer[] = [];
    for (let i = 0; i + 1 < level.length; i += 2) {
      up.push(nodeHash(level[i]!, level[i + 1]!));
      await db.run('INSERT INTO archive_nodes (level, idx, hash) VALUES (?, ?, ?)', [l, i / 2, up[up.length - 1]!]);
    }
    level = up;
  }
}

const receiptOf = ({ index, leafHash: h }: { index: number; leafHash: string }): ArchiveReceipt => ({
  index,
  leafHash: h,
});

describe.each(backends)('the archive log, on $name', (current) => {
  beforeEach((context) => {
    backend = current;
    if (current.skip) context.skip(current.skip);
  });

  it('archives entries whose inclusion proofs verify against the signed tree head', async () => {
    const { log, archive, auditor, blobs } = await hub();
    const receipts = [];
    for (let i = 0; i < 13; i++) receipts.push(receiptOf(await archive(`document ${i}`, { userId: `user-${i % 3}` })));
    expect(receipts.map((r) => r.index)).toEqual([...Array(13).keys()]);
    const report = await auditor.audit(receipts);
    expect(report.head.treeSize).toBe(13);
    expect(report.entries.every((v) => v.verified)).toBe(true);

    // The original data streams back from the blob store, byte for byte.
    const { entry, data } = await log.original(4);
    expect((await buffer(data)).toString()).toBe('document 4');
    expect(entry.blobSha256).toBe(blobs.put(Buffer.from('document 4')).sha256);
  });

  it('builds the same roots and proofs as the RFC tree in memory, at every size', async () => {
    const { log, archive } = await hub();
    const leaves: Buffer[] = [];
    for (let size = 1; size <= 40; size++) {
      const { leafHash: h } = await archive(`entry ${size}`);
      leaves.push(Buffer.from(h, 'hex'));
      expect((await log.rootHash()).equals(rootFromLeafHashes(leaves))).toBe(true);
    }
    for (let size = 1; size <= 40; size++) {
      const rootOf = rootFromLeafHashes(leaves, 0, size);
      for (let i = 0; i < size; i++)
        verifyInclusion(i, size, leaves[i]!, hashesFromHex((await log.inclusionProof(i, size)).hashes), rootOf);
      for (let first = 0; first <= size; first++) {
        verifyConsistency(
          first,
          size,
          hashesFromHex((await log.consistencyProof(first, size)).hashes),
          rootFromLeafHashes(leaves, 0, first),
          rootOf,
        );
      }
    }
    await expect(log.inclusionProof(40, 40)).rejects.toThrow(/below the tree size 40/);
    await expect(log.consistencyProof(3, 41)).rejects.toThrow(/from 0 to 40/);
  });

  it('signs one tree head per size and keeps it', async () => {
    const { log, archive } = await hub();
    const empty = await log.treeHead();
    expect(empty).toMatchObject({ treeSize: 0, rootHash: EMPTY_TREE_HASH });
    const receipt = await archive('a');
    const first = await log.treeHead();
    expect(first.rootHash.toString('hex')).toBe(receipt.leafHash);
    expect(await log.treeHead()).toEqual(first);
  });

  it('lists an organization’s entries with a cursor, and nothing of another organization', async () => {
    const { log, archive } = await hub();
    for (let i = 0; i < 7; i++)
      await archive(`doc ${i}`, { orgId: i % 2 === 0 ? 'org-a' : 'org-b', fileName: `file-${i}.pdf` });
    const first = await log.entries('org-a', { limit: 3 });
    expect(first.items.map((e) => e.fileName)).toEqual(['file-0.pdf', 'file-2.pdf', 'file-4.pdf']);
    const second = await log.entries('org-a', { after: first.next!, limit: 3 });
    expect(second.items.map((e) => e.fileName)).toEqual(['file-6.pdf']);
    expect(second.next).toBeNull();
    expect((await log.entries('org-c')).items).toEqual([]);
    await expect(log.entries('org-a', { limit: 0 })).rejects.toThrow(/limit must be an integer from 1 to 1000/);
  });

  it('refuses an entry whose blob is missing or of another size, or that lacks signatures', async () => {
    const { log, blobs } = await hub();
    const blob = blobs.put(Buffer.from('real data'));
    await expect(log.append(sampleEntry({ sha256: 'ab'.repeat(32), size: 3 }))).rejects.toThrow(ArchiveBlobError);
    await expect(log.append(sampleEntry({ ...blob, size: blob.size + 1 }))).rejects.toThrow(
      /the entry says 10 bytes, blob .* has 9/,
    );
    await expect(log.append(sampleEntry(blob, { signatures: [] }))).rejects.toThrow(ArchiveEntryInvalidError);
    await expect(log.append(sampleEntry(blob, { signatures: [] }))).rejects.toThrow(
      /at least one signature[\s\S]*at signatures/,
    );
    expect(await log.size()).toBe(0);
  });
});

describe.each(backends)('append-only storage, on $name', (current) => {
  beforeEach((context) => {
    backend = current;
    if (current.skip) context.skip(current.skip);
  });

  it('refuses UPDATE and DELETE of archived rows even through the hub’s own connection', async () => {
    const { log, archive, db } = await hub();
    await archive('kept forever');
    await archive('and this one too');
    await log.treeHead();
    for (const table of ['archive_entries', 'archive_nodes', 'archive_tree_heads']) {
      await expect(db.exec(`DELETE FROM ${table}`), table).rejects.toThrow(
        `${table} is append-only: archived data is never deleted`,
      );
    }
    await expect(db.exec("UPDATE archive_entries SET file_name = 'x'")).rejects.toThrow(
      /append-only: archived data is never changed/,
    );
  });

  it('has no UPDATE or DELETE statement on archived tables in its source', () => {
    for (const source of ['log.ts', 'notify.ts']) {
      const text = readFileSync(new URL(source, import.meta.url), 'utf8');
      expect(text, source).not.toMatch(
        /\b(UPDATE|DELETE\s+FROM|REPLACE\s+INTO)\s+archive_(entries|nodes|tree_heads|refused)\b/i,
      );
    }
  });
});

describe.each(backends)('a hub whose storage was edited by hand is caught by the client, on $name', (current) => {
  beforeEach((context) => {
    backend = current;
    if (current.skip) context.skip(current.skip);
  });

  async function archived(count: number) {
    const h = await hub();
    const receipts: ArchiveReceipt[] = [];
    for (let i = 0; i < count; i++)
      receipts.push(receiptOf(await h.archive(`document ${i}`, { fileName: `act-${i}.pdf` })));
    // The client has seen the tree before the attack.
    const before = await h.auditor.audit(receipts);
    expect(before.entries.every((v) => v.verified)).toBe(true);
    return { ...h, receipts };
  }

  it('a changed byte in an entry: the entry no longer hashes to its leaf', async () => {
    const { file, auditor, receipts, log } = await archived(9);
    expect(await log.checkIntegrity()).toEqual([]);
    await tamper(file, async (db) => await db.run("UPDATE archive_entries SET file_name = 'act-5.pdF' WHERE idx = 5"));
    const { entries } = await auditor.audit(receipts);
    expect(entries.filter((v) => !v.verified)).toEqual([
      {
        index: 5,
        verified: false,
        problem: 'entry-changed',
        message: expect.stringMatching(/entry 5 \(act-5.pdF\) hashes to [0-9a-f]{64} but the hub lists leaf hash/),
      },
    ]);
    expect(await log.checkIntegrity()).toEqual([
      expect.stringMatching(/^entry 5 \(act-5.pdF\) hashes to [0-9a-f]{64}, its stored leaf hash is/),
    ]);
  });

  it('a changed signature byte with its leaf hash recomputed: the proof no longer reaches the signed root', async () => {
    const { file, auditor, receipts, log } = await archived(9);
    const entry = (await log.entry(2))!;
    const signature = Buffer.from(entry.signatures[0]!, 'base64');
    signature[100]! ^= 1;
    const forged = { ...entry, signatures: [signature.toString('base64')] };
    await tamper(
      file,
      async (db) =>
        await db.run('UPDATE archive_entries SET signatures = ?, leaf_hash = ? WHERE idx = 2', [
          JSON.stringify(forged.signatures),
          archiveEntryLeafHash(forged),
        ]),
    );
    const { entries } = await auditor.audit(receipts);
    const verdict = entries.find((v) => !v.verified);
    expect(verdict).toMatchObject({ index: 2, problem: 'entry-changed' });
    expect(verdict && !verdict.verified && verdict.message).toMatch(/when it was archived its leaf hash was/);
    // A client without the receipt's leaf hash still catches it: the entry is not in the signed tree.
    const blind = await auditor.audit([{ index: 2, leafHash: archiveEntryLeafHash(forged).toString('hex') }]);
    expect(blind.entries[0]).toMatchObject({
      verified: false,
      problem: 'not-included',
      message: expect.stringMatching(/entry 2 \(act-2.pdf\) is not in the signed tree/),
    });
  });

  it('a removed row: the entry is missing, and removing the newest entries is a truncation', async () => {
    const { file, auditor, receipts, log } = await archived(8);
    await tamper(file, async (db) => await db.run('DELETE FROM archive_entries WHERE idx = 3'));
    expect(await log.checkIntegrity()).toEqual(['entries 3..3 are missing', 'leaf 3 is missing']);
    const { entries } = await auditor.audit(receipts.filter((r) => r.index !== 2));
    expect(entries.filter((v) => !v.verified)).toEqual([
      { index: 3, verified: false, problem: 'missing', message: expect.stringMatching(/no longer lists entry 3/) },
    ]);

    await tamper(file, async (db) => {
      await db.run('DELETE FROM archive_entries WHERE idx >= 6');
      await db.run('DELETE FROM archive_nodes WHERE (idx + 1) * (1 << level) > 6');
    });
    await expectArchiveProblem(auditor.audit(receipts), 'truncated', /had 8 entries .* now claims 6/);
  });

  it('a rewritten tree with the stored heads kept: no entry reaches the signed root any more', async () => {
    const { file, auditor, receipts, log } = await archived(11);
    await tamper(file, async (db) => {
      await db.run("UPDATE archive_entries SET file_name = 'act-7 (corrected).pdf' WHERE idx = 7");
      await rebuildTree(db);
    });
    const { entries } = await auditor.audit(receipts);
    expect(entries.map((v) => (v.verified ? 'ok' : v.problem))).toEqual([
      ...Array(7).fill('not-included'),
      'entry-changed',
      ...Array(3).fill('not-included'),
    ]);
    // Even trusting the hub's new leaf hash for entry 7, it is not in the tree the operator signed.
    const blind = await auditor.audit([{ index: 7, leafHash: (await log.entry(7))!.leafHash }]);
    expect(blind.entries[0]).toMatchObject({ verified: false, problem: 'not-included' });
    expect(await log.checkIntegrity()).toEqual([
      'the signed tree head of 11 entries does not match the stored entries',
    ]);
  });

  it('a rewritten tree re-signed by the hub: the client sees two roots for one size, then an inconsistent tree', async () => {
    const { file, auditor, receipts, archive } = await archived(11);
    await tamper(file, async (db) => {
      await db.run("UPDATE archive_entries SET file_name = 'act-7 (corrected).pdf' WHERE idx = 7");
      await rebuildTree(db);
      await db.run('DELETE FROM archive_tree_heads');
    });
    await expectArchiveProblem(auditor.audit(receipts), 'root-mismatch', /two signed roots for 11 entries/);
    await archive('a later document');
    await expectArchiveProblem(
      auditor.audit(receipts),
      'inconsistent',
      /tree of 12 entries does not extend the tree of 11 entries/,
    );
  });
});

describe.each(backends)('the quota, on $name', (current) => {
  beforeEach((context) => {
    backend = current;
    if (current.skip) context.skip(current.skip);
  });

  it('formats usage as "used X MB of Y GB"', () => {
    expect(formatArchiveUsage(Math.round(209.59 * MB), 5 * 1024 ** 3)).toBe('used 209.59 MB of 5 GB');
    expect(formatArchiveUsage(0, 5 * 1024 ** 3)).toBe('used 0 MB of 5 GB');
    expect(formatArchiveUsage(1.5 * MB, 0.5 * 1024 ** 3)).toBe('used 1.5 MB of 0.5 GB');
  });

  it('defaults to 5 GB and counts bytes per organization', async () => {
    const { log, archive } = await hub();
    await archive('x'.repeat(1000));
    await archive('y'.repeat(24), { orgId: 'org-other' });
    expect(await log.usage('org-romashka')).toEqual({
      usedBytes: 1000,
      quotaBytes: 5 * 1024 ** 3,
      usage: 'used 0 MB of 5 GB',
    });
    expect((await log.usage('org-other')).usedBytes).toBe(24);
  });

  it('notifies at 80% and 100% once per crossing, refuses what does not fit and lists it', async () => {
    const { log, archive, events } = await hub({ defaultQuotaBytes: 10 * MB });
    const megabytes = (n: number) => Buffer.alloc(n * MB, n);
    const thresholds = () => events.flatMap((e) => (e.type === 'archive.quota-threshold' ? [e.percent] : []));
    await archive(megabytes(7));
    expect(thresholds()).toEqual([]);
    await archive(megabytes(1)); // 8 MB: 80%
    await archive(megabytes(1)); // 9 MB: still past 80%, no second notice
    expect(thresholds()).toEqual([80]);
    expect(events.find((e) => e.type === 'archive.quota-threshold')).toMatchObject({
      orgId: 'org-romashka',
      usedBytes: 8 * MB,
      usage: 'used 8 MB of 0.01 GB',
    });

    const refusal = await archive(megabytes(2), { fileName: 'too-big.pdf' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(refusal).toBeInstanceOf(ArchiveQuotaExceededError);
    expect((refusal as Error).message).toMatch(
      /^too-big.pdf was not archived: it does not fit the archive quota \(used 9 MB of 0.01 GB; the document is 2 MB\)/,
    );
    expect(thresholds()).toEqual([80, 100]);
    await expect(archive(megabytes(3))).rejects.toThrow(ArchiveQuotaExceededError);
    expect(thresholds()).toEqual([80, 100]);

    const refused = await log.refused('org-romashka');
    expect(refused.items.map((r) => [r.fileName, r.size])).toEqual([
      ['too-big.pdf', 2 * MB],
      ['Договор поставки №17.pdf', 3 * MB],
    ]);
    expect(refused.items[0]!.reason).toMatch(/does not fit the archive quota/);
    expect(events.filter((e) => e.type === 'archive.entry-refused')).toHaveLength(2);
    expect(await log.size()).toBe(3);
    expect((await log.refused('org-other')).items).toEqual([]);

    // Raising the quota re-arms the notices; the refused document fits now.
    await log.setQuota('org-romashka', 20 * MB);
    await archive(megabytes(2), { fileName: 'too-big.pdf' });
    await archive(megabytes(5)); // 16 of 20 MB: 80% again
    expect(thresholds()).toEqual([80, 100, 80]);
    await archive(megabytes(4)); // exactly 20 MB: 100%
    expect(thresholds()).toEqual([80, 100, 80, 100]);
    expect(await log.usage('org-romashka')).toMatchObject({ usedBytes: 20 * MB, quotaBytes: 20 * MB });
  });
});
