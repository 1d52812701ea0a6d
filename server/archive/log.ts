// The hub's signed-data archive: an append-only RFC 9162 Merkle log over the hub's SQL layer
// (SQLite or PostgreSQL). Entries and the hashes of complete subtrees are only ever inserted
// (no statement here updates or deletes them, and triggers refuse it as a second wall), so
// proofs need O(log n) lookups at any size. Appends take one lock (an advisory lock on
// PostgreSQL), so hub instances sharing the database append to one log. The archived bytes
// themselves stay in the hub's blob store.
import type { Readable } from 'node:stream';
import { z } from 'zod';
import {
  archiveEntrySchema,
  consistencyPath,
  DEFAULT_ARCHIVE_QUOTA_BYTES,
  EMPTY_TREE_HASH,
  formatArchiveUsage,
  formatMegabytes,
  hashesToHex,
  inclusionPath,
  isPowerOfTwo,
  nodeHash,
  signTreeHead,
  splitPoint,
  type ArchivedEntry,
  type ArchiveEntry,
  type ConsistencyProofJson,
  type InclusionProofJson,
  type SignedTreeHead,
  type TreeHeadSigner,
  validEntryLeafHash,
  verifyTreeHead,
  ArchiveVerificationError,
} from '../../src/archive';
import {
  ArchiveBlobError,
  ArchiveEntryInvalidError,
  ArchiveNotFoundError,
  ArchiveQuotaExceededError,
  ArchiveStorageDamagedError,
} from './errors';
import type { SchemaComponent, Sql, SqlDatabase } from '../storage/sql';
import type { ArchiveEvent, ArchiveEventListener, QuotaFigures } from './events';

/** The hub's content-addressed blob store, as far as the archive needs it. */
export interface ArchiveBlobStore {
  /** The stored size of the blob, or undefined when the store does not hold it. */
  stat(sha256: string): Promise<{ size: number } | undefined>;
  open(sha256: string): Readable;
}

/** What the hub hands in: the entry without the time, which the log sets. */
export type NewArchiveEntry = Omit<ArchiveEntry, 'archivedAt'>;

export interface AppendReceipt {
  index: number;
  leafHash: string;
  entry: ArchivedEntry;
}

export interface RefusedEntry extends NewArchiveEntry {
  id: number;
  refusedAt: string;
  reason: string;
}

export interface Page<T> {
  items: T[];
  /** Pass as `after` for the next page; null when this page is the last. */
  next: number | null;
}

export interface ArchiveLogOptions {
  db: SqlDatabase;
  /** The operator key that signs tree heads. */
  signer: TreeHeadSigner;
  blobs: ArchiveBlobStore;
  clock?: () => Date;
  defaultQuotaBytes?: number;
  /** Hears entries archived and refused, and quota thresholds (each once per crossing). */
  onEvent?: ArchiveEventListener;
}

const APPEND_ONLY_TABLES = ['archive_entries', 'archive_nodes', 'archive_tree_heads', 'archive_refused'] as const;

const sqliteSchema = `
CREATE TABLE IF NOT EXISTS archive_entries (
  idx INTEGER PRIMARY KEY,
  org_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  document_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  file_name TEXT NOT NULL,
  blob_sha256 TEXT NOT NULL,
  size INTEGER NOT NULL,
  signatures TEXT NOT NULL,
  archived_at TEXT NOT NULL,
  leaf_hash BLOB NOT NULL,
  -- the organization's usage including this entry: usage is one lookup and needs no counter to update
  org_bytes_after INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS archive_entries_by_org ON archive_entries (org_id, idx);
CREATE INDEX IF NOT EXISTS archive_entries_by_document ON archive_entries (document_id, idx);
-- hashes of complete subtrees above the leaves: node (level, i) covers leaves [i·2^level, (i+1)·2^level)
CREATE TABLE IF NOT EXISTS archive_nodes (
  level INTEGER NOT NULL,
  idx INTEGER NOT NULL,
  hash BLOB NOT NULL,
  PRIMARY KEY (level, idx)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS archive_tree_heads (
  tree_size INTEGER PRIMARY KEY,
  root_hash BLOB NOT NULL,
  timestamp INTEGER NOT NULL,
  signature BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS archive_refused (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  org_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  document_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  file_name TEXT NOT NULL,
  blob_sha256 TEXT NOT NULL,
  size INTEGER NOT NULL,
  signatures TEXT NOT NULL,
  refused_at TEXT NOT NULL,
  reason TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS archive_refused_by_org ON archive_refused (org_id, id);
-- settings and notification state, not archived data: these rows do change
CREATE TABLE IF NOT EXISTS archive_quotas (
  org_id TEXT PRIMARY KEY,
  quota_bytes INTEGER,
  notified_percent INTEGER NOT NULL DEFAULT 0
);
${APPEND_ONLY_TABLES.map(
  (table) => `
CREATE TRIGGER IF NOT EXISTS ${table}_no_update BEFORE UPDATE ON ${table}
BEGIN SELECT RAISE(ABORT, '${table} is append-only: archived data is never changed'); END;
CREATE TRIGGER IF NOT EXISTS ${table}_no_delete BEFORE DELETE ON ${table}
BEGIN SELECT RAISE(ABORT, '${table} is append-only: archived data is never deleted'); END;`,
).join('')}
`;

const postgresSchema = `
CREATE TABLE archive_entries (
  idx BIGINT PRIMARY KEY,
  org_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  document_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  file_name TEXT NOT NULL,
  blob_sha256 TEXT NOT NULL,
  size BIGINT NOT NULL,
  signatures TEXT NOT NULL,
  archived_at TEXT NOT NULL,
  leaf_hash BYTEA NOT NULL,
  org_bytes_after BIGINT NOT NULL
);
CREATE INDEX archive_entries_by_org ON archive_entries (org_id, idx);
CREATE INDEX archive_entries_by_document ON archive_entries (document_id, idx);
CREATE TABLE archive_nodes (level INTEGER NOT NULL, idx BIGINT NOT NULL, hash BYTEA NOT NULL, PRIMARY KEY (level, idx));
CREATE TABLE archive_tree_heads (tree_size BIGINT PRIMARY KEY, root_hash BYTEA NOT NULL, timestamp BIGINT NOT NULL, signature BYTEA NOT NULL);
CREATE TABLE archive_refused (
  id BIGSERIAL PRIMARY KEY,
  org_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  document_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  file_name TEXT NOT NULL,
  blob_sha256 TEXT NOT NULL,
  size BIGINT NOT NULL,
  signatures TEXT NOT NULL,
  refused_at TEXT NOT NULL,
  reason TEXT NOT NULL
);
CREATE INDEX archive_refused_by_org ON archive_refused (org_id, id);
CREATE TABLE archive_quotas (org_id TEXT PRIMARY KEY, quota_bytes BIGINT, notified_percent INTEGER NOT NULL DEFAULT 0);
CREATE FUNCTION archive_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION '% is append-only: archived data is never %', TG_TABLE_NAME, CASE TG_OP WHEN 'DELETE' THEN 'deleted' ELSE 'changed' END; END $$;
${APPEND_ONLY_TABLES.map((table) => `CREATE TRIGGER ${table}_append_only BEFORE UPDATE OR DELETE ON ${table} FOR EACH ROW EXECUTE FUNCTION archive_append_only();`).join('\n')}
`;

/** The archive's tables: SQLite's first version is idempotent (files from before the runner had them). */
export const archiveSchema: SchemaComponent = {
  name: 'archive',
  migrations: [{ sqlite: sqliteSchema, postgres: postgresSchema }],
};

interface EntryRow {
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
  leaf_hash: Buffer;
}

interface RefusedRow extends Omit<EntryRow, 'idx' | 'archived_at' | 'leaf_hash'> {
  id: number;
  refused_at: string;
  reason: string;
}

const entryFromRow = (r: EntryRow): ArchivedEntry => ({
  index: r.idx,
  leafHash: r.leaf_hash.toString('hex'),
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

/** What one append transaction keeps in memory: its events, quota states and new nodes. */
interface Batch {
  events: ArchiveEvent[];
  orgs: Map<string, OrgState>;
  nodes: Map<string, Buffer>;
}

interface OrgState {
  usedBytes: number;
  quotaBytes: number;
  notified: number;
}

const MAX_PAGE = 1000;

function pageLimit(limit: number | undefined): number {
  const value = limit ?? 100;
  if (!Number.isInteger(value) || value < 1 || value > MAX_PAGE)
    throw new RangeError(`limit must be an integer from 1 to ${MAX_PAGE}, got ${value}`);
  return value;
}

/** The notification level a usage is at: 0, 80 or 100 percent of the quota. */
function quotaLevel(usedBytes: number, quotaBytes: number): 0 | 80 | 100 {
  if (usedBytes >= quotaBytes) return 100;
  return usedBytes >= quotaBytes * 0.8 ? 80 : 0;
}

export class ArchiveLog {
  private readonly db: SqlDatabase;
  private readonly signer: TreeHeadSigner;
  private readonly blobs: ArchiveBlobStore;
  private readonly clock: () => Date;
  private readonly defaultQuotaBytes: number;
  private readonly onEvent: ArchiveEventListener;
  private hashReads = 0;

  constructor(options: ArchiveLogOptions) {
    this.db = options.db;
    this.signer = options.signer;
    this.blobs = options.blobs;
    this.clock = options.clock ?? (() => new Date());
    this.defaultQuotaBytes = options.defaultQuotaBytes ?? DEFAULT_ARCHIVE_QUOTA_BYTES;
    this.onEvent = options.onEvent ?? (() => undefined);
  }

  /** DER of the certificate whose key signs the tree heads (clients pin it; this is for display and setup). */
  operatorCertificate(): Buffer {
    return this.signer.certificate;
  }

  /** Stored hashes read so far (for the benchmark: proofs must read O(log n) of them). */
  storedHashReads(): number {
    return this.hashReads;
  }

  /** The number of entries: the size of the current tree. */
  async size(q: Sql = this.db): Promise<number> {
    return (await q.get<{ size: number | null }>('SELECT MAX(idx) + 1 AS size FROM archive_entries'))?.size ?? 0;
  }

  /**
   * Archives one signed document or service document. Refuses (and records as refused) an entry
   * that would pass the organization's quota: ArchiveQuotaExceededError.
   */
  async append(entry: NewArchiveEntry): Promise<AppendReceipt> {
    const [receipt] = await this.appendMany([entry]);
    return receipt!;
  }

  /**
   * Archives the entry unless the log holds it already (the organization's entry of that kind for
   * that document): a replayed request finishing what an instance killed after the commit began.
   */
  async appendMissing(entry: NewArchiveEntry): Promise<void> {
    await this.appendMany([entry], { missingOnly: true });
  }

  /**
   * Archives several entries in one transaction (imports, the benchmark). Entries that do not
   * fit are recorded as refused; the first refusal is thrown after the others are stored.
   */
  async appendMany(entries: readonly NewArchiveEntry[], o: { missingOnly?: boolean } = {}): Promise<AppendReceipt[]> {
    const archivedAt = this.clock().toISOString();
    const valid = entries.map((e) => this.validate({ ...e, archivedAt }));
    // One look per distinct blob: a batch often shares one (a document and its receipts do not).
    const checked = new Set<string>();
    for (const e of valid) {
      if (checked.has(`${e.blobSha256}:${e.size}`)) continue;
      await this.checkBlob(e);
      checked.add(`${e.blobSha256}:${e.size}`);
    }
    const { receipts, refusals, events } = await this.db.transaction(async (tx) => {
      // One log whichever instance appends: the size is read and grown under the archive's lock.
      await tx.lock('archive');
      const batch = this.newBatch();
      const out = {
        receipts: [] as AppendReceipt[],
        refusals: [] as ArchiveQuotaExceededError[],
        events: batch.events,
      };
      let size = await this.size(tx);
      for (const e of valid) {
        if (o.missingOnly && (await this.holds(tx, e))) continue;
        const refusal = await this.admit(tx, e, batch);
        if (refusal) {
          out.refusals.push(refusal);
          continue;
        }
        out.receipts.push(await this.insert(tx, size++, e, batch));
      }
      return out;
    });
    for (const event of events) this.onEvent(event);
    if (refusals.length > 0) throw refusals[0]!;
    return receipts;
  }

  private async holds(q: Sql, e: ArchiveEntry): Promise<boolean> {
    const sql = 'SELECT 1 AS one FROM archive_entries WHERE org_id = ? AND kind = ? AND document_id = ?';
    return (await q.get(sql, [e.orgId, e.kind, e.documentId])) !== undefined;
  }

  private validate(entry: ArchiveEntry): ArchiveEntry {
    const parsed = archiveEntrySchema.safeParse(entry);
    if (!parsed.success) {
      throw new ArchiveEntryInvalidError(
        `archive entry for document ${String(entry.documentId)} is invalid: ${z.prettifyError(parsed.error)}`,
      );
    }
    return parsed.data;
  }

  private async checkBlob(entry: ArchiveEntry): Promise<void> {
    const stat = await this.blobs.stat(entry.blobSha256);
    if (!stat)
      throw new ArchiveBlobError(
        `cannot archive ${entry.fileName}: blob ${entry.blobSha256} is not in the hub's blob store`,
      );
    if (stat.size !== entry.size) {
      throw new ArchiveBlobError(
        `cannot archive ${entry.fileName}: the entry says ${entry.size} bytes, blob ${entry.blobSha256} has ${stat.size}`,
      );
    }
  }

  private newBatch(): Batch {
    return { events: [], orgs: new Map(), nodes: new Map() };
  }

  /** An organization's quota state, read once per transaction and kept current in it. */
  private async orgState(q: Sql, batch: Batch, orgId: string): Promise<OrgState> {
    let state = batch.orgs.get(orgId);
    if (!state) {
      const { usedBytes, quotaBytes } = await this.figures(orgId, q);
      state = { usedBytes, quotaBytes, notified: (await this.quotaRow(q, orgId))?.notified_percent ?? 0 };
      batch.orgs.set(orgId, state);
    }
    return state;
  }

  /** Inside the transaction: checks the quota; a refusal is recorded and returned. */
  private async admit(tx: Sql, e: ArchiveEntry, batch: Batch): Promise<ArchiveQuotaExceededError | undefined> {
    const state = await this.orgState(tx, batch, e.orgId);
    const { usedBytes, quotaBytes } = state;
    if (usedBytes + e.size <= quotaBytes) return undefined;
    const usage = formatArchiveUsage(usedBytes, quotaBytes);
    const reason = `does not fit the archive quota (${usage}; the document is ${formatMegabytes(e.size)})`;
    const { id: refusedId } = (await tx.get<{ id: number }>(
      `INSERT INTO archive_refused (org_id, user_id, document_id, kind, file_name, blob_sha256, size, signatures, refused_at, reason)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
      [
        e.orgId,
        e.userId,
        e.documentId,
        e.kind,
        e.fileName,
        e.blobSha256,
        e.size,
        JSON.stringify(e.signatures),
        e.archivedAt,
        reason,
      ],
    ))!;
    batch.events.push({
      type: 'archive.entry-refused',
      orgId: e.orgId,
      refusedId,
      documentId: e.documentId,
      kind: e.kind,
      fileName: e.fileName,
      size: e.size,
      usedBytes,
      quotaBytes,
      usage,
    });
    // A refusal means the archive is full for this organization: the 100% notice, once.
    await this.crossThresholds(tx, e.orgId, state, 100, batch.events);
    return new ArchiveQuotaExceededError(
      `${e.fileName} was not archived: it ${reason}. It is listed among the organization's entries that did not fit; raise the quota to archive more.`,
      e.orgId,
      refusedId,
      usedBytes,
      quotaBytes,
    );
  }

  private async insert(tx: Sql, index: number, e: ArchiveEntry, batch: Batch): Promise<AppendReceipt> {
    const leaf = validEntryLeafHash(e);
    const state = await this.orgState(tx, batch, e.orgId);
    state.usedBytes += e.size;
    await tx.run(
      `INSERT INTO archive_entries (idx, org_id, user_id, document_id, kind, file_name, blob_sha256, size, signatures, archived_at, leaf_hash, org_bytes_after)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        index,
        e.orgId,
        e.userId,
        e.documentId,
        e.kind,
        e.fileName,
        e.blobSha256,
        e.size,
        JSON.stringify(e.signatures),
        e.archivedAt,
        leaf,
        state.usedBytes,
      ],
    );
    batch.nodes.set(`0:${index}`, leaf);
    // Complete every subtree this leaf closes: at most log2(n) inserts, one on average. The left
    // siblings were mostly written in this same batch, so they come from its memory.
    let hash = leaf;
    for (let level = 0, i = index; i % 2 === 1; level++, i = Math.floor(i / 2)) {
      hash = nodeHash(batch.nodes.get(`${level}:${i - 1}`) ?? (await this.completeSubtree(level, i - 1, tx)), hash);
      await tx.run('INSERT INTO archive_nodes (level, idx, hash) VALUES (?, ?, ?)', [
        level + 1,
        Math.floor(i / 2),
        hash,
      ]);
      batch.nodes.set(`${level + 1}:${Math.floor(i / 2)}`, hash);
    }
    const { usedBytes, quotaBytes } = state;
    batch.events.push({
      type: 'archive.entry-archived',
      orgId: e.orgId,
      index,
      documentId: e.documentId,
      kind: e.kind,
      fileName: e.fileName,
      size: e.size,
      usedBytes,
      quotaBytes,
      usage: formatArchiveUsage(usedBytes, quotaBytes),
    });
    await this.crossThresholds(tx, e.orgId, state, quotaLevel(usedBytes, quotaBytes), batch.events);
    return { index, leafHash: leaf.toString('hex'), entry: { ...e, index, leafHash: leaf.toString('hex') } };
  }

  /** Emits each threshold above the last one notified, up to `level`; remembers the level. */
  private async crossThresholds(
    q: Sql,
    orgId: string,
    state: OrgState,
    level: 0 | 80 | 100,
    events: ArchiveEvent[],
  ): Promise<void> {
    if (level <= state.notified) return;
    const figures = {
      usedBytes: state.usedBytes,
      quotaBytes: state.quotaBytes,
      usage: formatArchiveUsage(state.usedBytes, state.quotaBytes),
    };
    for (const percent of [80, 100] as const) {
      if (percent > state.notified && percent <= level)
        events.push({ type: 'archive.quota-threshold', orgId, percent, ...figures });
    }
    state.notified = level;
    await this.setNotified(q, orgId, level);
  }

  private setNotified(q: Sql, orgId: string, level: number): Promise<number> {
    return q.run(
      'INSERT INTO archive_quotas (org_id, notified_percent) VALUES (?, ?) ON CONFLICT (org_id) DO UPDATE SET notified_percent = excluded.notified_percent',
      [orgId, level],
    );
  }

  private quotaRow(q: Sql, orgId: string) {
    return q.get<{ quota_bytes: number | null; notified_percent: number }>(
      'SELECT quota_bytes, notified_percent FROM archive_quotas WHERE org_id = ?',
      [orgId],
    );
  }

  /** Node (level, i): a leaf at level 0, a stored complete subtree above. */
  private async completeSubtree(level: number, i: number, q: Sql = this.db): Promise<Buffer> {
    this.hashReads++;
    const row =
      level === 0
        ? (await q.get<{ hash: Buffer }>('SELECT leaf_hash AS hash FROM archive_entries WHERE idx = ?', [i]))?.hash
        : (await q.get<{ hash: Buffer }>('SELECT hash FROM archive_nodes WHERE level = ? AND idx = ?', [level, i]))
            ?.hash;
    if (!row)
      throw new ArchiveStorageDamagedError(
        `archive storage is damaged: ${level === 0 ? `leaf ${i}` : `subtree node (${level}, ${i})`} is missing`,
      );
    return row;
  }

  /**
   * Runs a proof computation (sync, over MTH(D[start:end])) on stored complete subtrees. Which
   * subtrees a proof needs depends on the sizes only, not on the hashes: a first run with
   * placeholder hashes lists them, they are read (O(log n)), and the second run uses them.
   */
  private async withSubtrees<T>(compute: (hashOf: (start: number, end: number) => Buffer) => T): Promise<T> {
    const needed = new Map<string, [number, number]>();
    compute(this.subtreeHasher((level, i) => (needed.set(`${level}:${i}`, [level, i]), EMPTY_TREE_HASH)));
    const loaded = new Map<string, Buffer>();
    for (const [key, [level, i]] of needed) loaded.set(key, await this.completeSubtree(level, i));
    return compute(this.subtreeHasher((level, i) => loaded.get(`${level}:${i}`)!));
  }

  /** MTH(D[start:end]) from complete subtrees; memoized per proof. */
  private subtreeHasher(complete: (level: number, i: number) => Buffer): (start: number, end: number) => Buffer {
    const memo = new Map<string, Buffer>();
    const hashOf = (start: number, end: number): Buffer => {
      const n = end - start;
      if (n === 0) return EMPTY_TREE_HASH;
      if (isPowerOfTwo(n) && start % n === 0) return complete(Math.log2(n), start / n);
      const key = `${start}:${end}`;
      let hash = memo.get(key);
      if (!hash) {
        const k = splitPoint(n);
        hash = nodeHash(hashOf(start, start + k), hashOf(start + k, end));
        memo.set(key, hash);
      }
      return hash;
    };
    return hashOf;
  }

  private async checkTreeSize(treeSize: number): Promise<void> {
    const size = await this.size();
    if (!Number.isInteger(treeSize) || treeSize < 0 || treeSize > size) {
      throw new RangeError(`tree size must be an integer from 0 to ${size} (the archive's size), got ${treeSize}`);
    }
  }

  async rootHash(treeSize?: number): Promise<Buffer> {
    const size = treeSize ?? (await this.size());
    await this.checkTreeSize(size);
    return this.withSubtrees((hashOf) => hashOf(0, size));
  }

  /** The signed head of the current tree; one signature per tree size, kept. */
  async treeHead(): Promise<SignedTreeHead> {
    type HeadRow = { tree_size: number; root_hash: Buffer; timestamp: number; signature: Buffer };
    const head = () => this.db.get<HeadRow>('SELECT * FROM archive_tree_heads WHERE tree_size = ?', [treeSize]);
    const treeSize = await this.size();
    const stored = await head();
    if (stored)
      return { treeSize, rootHash: stored.root_hash, timestamp: stored.timestamp, signature: stored.signature };
    const signed = await signTreeHead(
      { treeSize, rootHash: await this.rootHash(treeSize), timestamp: this.clock().getTime() },
      this.signer,
    );
    await this.db.run(
      'INSERT INTO archive_tree_heads (tree_size, root_hash, timestamp, signature) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING',
      [signed.treeSize, signed.rootHash, signed.timestamp, signed.signature],
    );
    // A concurrent call (on any instance) may have stored its own signature for this size first: serve that one.
    const kept = (await head())!;
    return { treeSize, rootHash: kept.root_hash, timestamp: kept.timestamp, signature: kept.signature };
  }

  /**
   * The hub's own audit (`edo-hub archive check`): recomputes every leaf and stored subtree and
   * checks every stored tree head. O(n); returns what is wrong, at most `limit` findings.
   */
  async checkIntegrity(limit = 100): Promise<string[]> {
    const problems: string[] = [];
    const report = (problem: string) => problems.length < limit && problems.push(problem);
    const size = await this.size();
    let expected = 0;
    for (const row of await this.db.all<EntryRow>('SELECT * FROM archive_entries ORDER BY idx')) {
      if (row.idx !== expected) report(`entries ${expected}..${row.idx - 1} are missing`);
      expected = row.idx + 1;
      const entry = entryFromRow(row);
      const parsed = archiveEntrySchema.safeParse(entry);
      const leaf = parsed.success ? validEntryLeafHash(parsed.data) : undefined;
      if (!leaf) report(`entry ${row.idx} is malformed: ${parsed.error ? z.prettifyError(parsed.error) : ''}`);
      else if (!leaf.equals(row.leaf_hash))
        report(
          `entry ${row.idx} (${row.file_name}) hashes to ${leaf.toString('hex')}, its stored leaf hash is ${entry.leafHash}`,
        );
    }
    for (let level = 1; 2 ** level <= size; level++) {
      for (let i = 0; (i + 1) * 2 ** level <= size; i++) {
        try {
          const stored = await this.completeSubtree(level, i);
          const computed = nodeHash(
            await this.completeSubtree(level - 1, 2 * i),
            await this.completeSubtree(level - 1, 2 * i + 1),
          );
          if (!computed.equals(stored)) report(`subtree node (${level}, ${i}) does not match its children`);
        } catch (e) {
          if (!(e instanceof ArchiveStorageDamagedError)) throw e;
          report(e.message.replace('archive storage is damaged: ', ''));
        }
      }
    }
    type HeadRow = { tree_size: number; root_hash: Buffer; timestamp: number; signature: Buffer };
    for (const h of await this.db.all<HeadRow>('SELECT * FROM archive_tree_heads ORDER BY tree_size')) {
      const head = { treeSize: h.tree_size, rootHash: h.root_hash, timestamp: h.timestamp, signature: h.signature };
      if (head.treeSize > size) {
        report(`a tree head was signed for ${head.treeSize} entries, the archive has ${size}`);
        continue;
      }
      try {
        verifyTreeHead(head, this.signer.certificate);
        if (!(await this.rootHash(head.treeSize)).equals(head.rootHash))
          report(`the signed tree head of ${head.treeSize} entries does not match the stored entries`);
      } catch (e) {
        if (!(e instanceof ArchiveVerificationError || e instanceof ArchiveStorageDamagedError)) throw e;
        report(`tree head of ${head.treeSize} entries: ${e.message}`);
      }
    }
    return problems;
  }

  async inclusionProof(index: number, treeSize: number): Promise<InclusionProofJson> {
    await this.checkTreeSize(treeSize);
    if (!Number.isInteger(index) || index < 0 || index >= treeSize) {
      throw new RangeError(`entry index must be an integer below the tree size ${treeSize}, got ${index}`);
    }
    return {
      leafIndex: index,
      treeSize,
      hashes: hashesToHex(await this.withSubtrees((hashOf) => inclusionPath(index, treeSize, hashOf))),
    };
  }

  async consistencyProof(first: number, second: number): Promise<ConsistencyProofJson> {
    await this.checkTreeSize(second);
    if (!Number.isInteger(first) || first < 0 || first > second) {
      throw new RangeError(`first tree size must be an integer from 0 to ${second}, got ${first}`);
    }
    return {
      first,
      second,
      hashes: hashesToHex(await this.withSubtrees((hashOf) => consistencyPath(first, second, hashOf))),
    };
  }

  async entry(index: number): Promise<ArchivedEntry | undefined> {
    const row = await this.db.get<EntryRow>('SELECT * FROM archive_entries WHERE idx = ?', [index]);
    return row && entryFromRow(row);
  }

  /** The organization's entries in log order, after the cursor (an entry index). */
  async entries(orgId: string, options: { after?: number; limit?: number } = {}): Promise<Page<ArchivedEntry>> {
    const limit = pageLimit(options.limit);
    const rows = await this.db.all<EntryRow>(
      'SELECT * FROM archive_entries WHERE org_id = ? AND idx > ? ORDER BY idx LIMIT ?',
      [orgId, options.after ?? -1, limit],
    );
    return { items: rows.map(entryFromRow), next: rows.length === limit ? rows[rows.length - 1]!.idx : null };
  }

  /** The organization's entries of one signed item (a document or service document id), oldest first. */
  async entriesOfDocument(orgId: string, documentId: string): Promise<ArchivedEntry[]> {
    return (
      await this.db.all<EntryRow>('SELECT * FROM archive_entries WHERE document_id = ? AND org_id = ? ORDER BY idx', [
        documentId,
        orgId,
      ])
    ).map(entryFromRow);
  }

  /** The organization's entries that did not fit the quota (cursor: refusal id). */
  async refused(orgId: string, options: { after?: number; limit?: number } = {}): Promise<Page<RefusedEntry>> {
    const limit = pageLimit(options.limit);
    const rows = await this.db.all<RefusedRow>(
      'SELECT * FROM archive_refused WHERE org_id = ? AND id > ? ORDER BY id LIMIT ?',
      [orgId, options.after ?? 0, limit],
    );
    const items = rows.map((r): RefusedEntry => ({
      id: r.id,
      orgId: r.org_id,
      userId: r.user_id,
      documentId: r.document_id,
      kind: r.kind,
      fileName: r.file_name,
      blobSha256: r.blob_sha256,
      size: r.size,
      signatures: JSON.parse(r.signatures) as string[],
      refusedAt: r.refused_at,
      reason: r.reason,
    }));
    return { items, next: rows.length === limit ? rows[rows.length - 1]!.id : null };
  }

  /** The original data of an entry, streamed from the blob store; its signatures are in the entry. */
  async original(index: number): Promise<{ entry: ArchivedEntry; data: Readable }> {
    const entry = await this.entry(index);
    if (!entry) throw new ArchiveNotFoundError(`archive entry ${index} does not exist`);
    return { entry, data: this.blobs.open(entry.blobSha256) };
  }

  private async figures(orgId: string, q: Sql = this.db): Promise<QuotaFigures> {
    const usedBytes =
      (
        await q.get<{ used: number }>(
          'SELECT org_bytes_after AS used FROM archive_entries WHERE org_id = ? ORDER BY idx DESC LIMIT 1',
          [orgId],
        )
      )?.used ?? 0;
    const quotaBytes = (await this.quotaRow(q, orgId))?.quota_bytes ?? this.defaultQuotaBytes;
    return { usedBytes, quotaBytes, usage: formatArchiveUsage(usedBytes, quotaBytes) };
  }

  usage(orgId: string): Promise<QuotaFigures> {
    return this.figures(orgId);
  }

  /**
   * Sets the organization's quota. Raising it below a threshold re-arms that threshold's
   * notice; lowering it past one notifies now.
   */
  async setQuota(orgId: string, quotaBytes: number): Promise<QuotaFigures> {
    if (!Number.isSafeInteger(quotaBytes) || quotaBytes <= 0)
      throw new RangeError(`quota must be a positive number of bytes, got ${quotaBytes}`);
    const batch = this.newBatch();
    const figures = await this.db.transaction(async (tx) => {
      await tx.lock('archive');
      await tx.run(
        'INSERT INTO archive_quotas (org_id, quota_bytes) VALUES (?, ?) ON CONFLICT (org_id) DO UPDATE SET quota_bytes = excluded.quota_bytes',
        [orgId, quotaBytes],
      );
      const state = await this.orgState(tx, batch, orgId);
      const level = quotaLevel(state.usedBytes, state.quotaBytes);
      if (level < state.notified) await this.setNotified(tx, orgId, level);
      else await this.crossThresholds(tx, orgId, state, level, batch.events);
      return this.figures(orgId, tx);
    });
    for (const event of batch.events) this.onEvent(event);
    return figures;
  }
}
