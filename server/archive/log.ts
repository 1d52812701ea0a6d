// The hub's signed-data archive: an append-only RFC 9162 Merkle log over SQLite. Entries and
// the hashes of complete subtrees are only ever inserted (no statement here updates or deletes
// them, and triggers refuse it as a second wall), so proofs need O(log n) lookups at any size.
// The archived bytes themselves stay in the hub's content-addressed blob store.
import type { Readable } from 'node:stream';
import type Database from 'better-sqlite3';
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
import { ArchiveBlobError, ArchiveEntryInvalidError, ArchiveNotFoundError, ArchiveQuotaExceededError, ArchiveStorageDamagedError } from './errors';
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
  db: Database.Database;
  /** The operator key that signs tree heads. */
  signer: TreeHeadSigner;
  blobs: ArchiveBlobStore;
  clock?: () => Date;
  defaultQuotaBytes?: number;
  /** Hears entries archived and refused, and quota thresholds (each once per crossing). */
  onEvent?: ArchiveEventListener;
}

const APPEND_ONLY_TABLES = ['archive_entries', 'archive_nodes', 'archive_tree_heads', 'archive_refused'] as const;

const schema = `
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
  if (!Number.isInteger(value) || value < 1 || value > MAX_PAGE) throw new RangeError(`limit must be an integer from 1 to ${MAX_PAGE}, got ${value}`);
  return value;
}

/** The notification level a usage is at: 0, 80 or 100 percent of the quota. */
function quotaLevel(usedBytes: number, quotaBytes: number): 0 | 80 | 100 {
  if (usedBytes >= quotaBytes) return 100;
  return usedBytes >= quotaBytes * 0.8 ? 80 : 0;
}

export class ArchiveLog {
  private readonly db: Database.Database;
  private readonly signer: TreeHeadSigner;
  private readonly blobs: ArchiveBlobStore;
  private readonly clock: () => Date;
  private readonly defaultQuotaBytes: number;
  private readonly onEvent: ArchiveEventListener;
  private readonly sql;
  private hashReads = 0;

  constructor(options: ArchiveLogOptions) {
    this.db = options.db;
    this.signer = options.signer;
    this.blobs = options.blobs;
    this.clock = options.clock ?? (() => new Date());
    this.defaultQuotaBytes = options.defaultQuotaBytes ?? DEFAULT_ARCHIVE_QUOTA_BYTES;
    this.onEvent = options.onEvent ?? (() => undefined);
    this.db.exec(schema);
    const db = this.db;
    this.sql = {
      size: db.prepare<[], { size: number | null }>('SELECT MAX(idx) + 1 AS size FROM archive_entries'),
      leaf: db.prepare<[number], { leaf_hash: Buffer }>('SELECT leaf_hash FROM archive_entries WHERE idx = ?'),
      node: db.prepare<[number, number], { hash: Buffer }>('SELECT hash FROM archive_nodes WHERE level = ? AND idx = ?'),
      insertEntry: db.prepare(
        `INSERT INTO archive_entries (idx, org_id, user_id, document_id, kind, file_name, blob_sha256, size, signatures, archived_at, leaf_hash, org_bytes_after)
         VALUES (@idx, @orgId, @userId, @documentId, @kind, @fileName, @blobSha256, @size, @signatures, @archivedAt, @leafHash, @orgBytesAfter)`,
      ),
      insertNode: db.prepare<[number, number, Buffer]>('INSERT INTO archive_nodes (level, idx, hash) VALUES (?, ?, ?)'),
      entry: db.prepare<[number], EntryRow>('SELECT * FROM archive_entries WHERE idx = ?'),
      entriesOf: db.prepare<[string, number, number], EntryRow>('SELECT * FROM archive_entries WHERE org_id = ? AND idx > ? ORDER BY idx LIMIT ?'),
      entriesOfDocument: db.prepare<[string, string], EntryRow>('SELECT * FROM archive_entries WHERE document_id = ? AND org_id = ? ORDER BY idx'),
      used: db.prepare<[string], { used: number }>('SELECT org_bytes_after AS used FROM archive_entries WHERE org_id = ? ORDER BY idx DESC LIMIT 1'),
      quota: db.prepare<[string], { quota_bytes: number | null; notified_percent: number }>(
        'SELECT quota_bytes, notified_percent FROM archive_quotas WHERE org_id = ?',
      ),
      setQuota: db.prepare<[string, number]>(
        'INSERT INTO archive_quotas (org_id, quota_bytes) VALUES (?, ?) ON CONFLICT (org_id) DO UPDATE SET quota_bytes = excluded.quota_bytes',
      ),
      setNotified: db.prepare<[string, number]>(
        'INSERT INTO archive_quotas (org_id, notified_percent) VALUES (?, ?) ON CONFLICT (org_id) DO UPDATE SET notified_percent = excluded.notified_percent',
      ),
      head: db.prepare<[number], { tree_size: number; root_hash: Buffer; timestamp: number; signature: Buffer }>(
        'SELECT * FROM archive_tree_heads WHERE tree_size = ?',
      ),
      insertHead: db.prepare<[number, Buffer, number, Buffer]>(
        'INSERT OR IGNORE INTO archive_tree_heads (tree_size, root_hash, timestamp, signature) VALUES (?, ?, ?, ?)',
      ),
      insertRefused: db.prepare(
        `INSERT INTO archive_refused (org_id, user_id, document_id, kind, file_name, blob_sha256, size, signatures, refused_at, reason)
         VALUES (@orgId, @userId, @documentId, @kind, @fileName, @blobSha256, @size, @signatures, @refusedAt, @reason)`,
      ),
      refusedOf: db.prepare<[string, number, number], RefusedRow>('SELECT * FROM archive_refused WHERE org_id = ? AND id > ? ORDER BY id LIMIT ?'),
    };
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
  size(): number {
    return this.sql.size.get()?.size ?? 0;
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
   * Archives several entries in one transaction (imports, the benchmark). Entries that do not
   * fit are recorded as refused; the first refusal is thrown after the others are stored.
   */
  async appendMany(entries: readonly NewArchiveEntry[]): Promise<AppendReceipt[]> {
    const archivedAt = this.clock().toISOString();
    const valid = entries.map((e) => this.validate({ ...e, archivedAt }));
    // One look per distinct blob: a batch often shares one (a document and its receipts do not).
    const checked = new Set<string>();
    for (const e of valid) {
      if (checked.has(`${e.blobSha256}:${e.size}`)) continue;
      await this.checkBlob(e);
      checked.add(`${e.blobSha256}:${e.size}`);
    }
    const { receipts, refusals, events } = this.db.transaction(() => {
      const batch = this.newBatch();
      const out = { receipts: [] as AppendReceipt[], refusals: [] as ArchiveQuotaExceededError[], events: batch.events };
      let size = this.size();
      for (const e of valid) {
        const refusal = this.admit(e, batch);
        if (refusal) {
          out.refusals.push(refusal);
          continue;
        }
        out.receipts.push(this.insert(size++, e, batch));
      }
      return out;
    })();
    for (const event of events) this.onEvent(event);
    if (refusals.length > 0) throw refusals[0]!;
    return receipts;
  }

  private validate(entry: ArchiveEntry): ArchiveEntry {
    const parsed = archiveEntrySchema.safeParse(entry);
    if (!parsed.success) {
      throw new ArchiveEntryInvalidError(`archive entry for document ${String(entry.documentId)} is invalid: ${z.prettifyError(parsed.error)}`);
    }
    return parsed.data;
  }

  private async checkBlob(entry: ArchiveEntry): Promise<void> {
    const stat = await this.blobs.stat(entry.blobSha256);
    if (!stat) throw new ArchiveBlobError(`cannot archive ${entry.fileName}: blob ${entry.blobSha256} is not in the hub's blob store`);
    if (stat.size !== entry.size) {
      throw new ArchiveBlobError(`cannot archive ${entry.fileName}: the entry says ${entry.size} bytes, blob ${entry.blobSha256} has ${stat.size}`);
    }
  }

  private newBatch(): Batch {
    return { events: [], orgs: new Map(), nodes: new Map() };
  }

  /** An organization's quota state, read once per transaction and kept current in it. */
  private orgState(batch: Batch, orgId: string): OrgState {
    let state = batch.orgs.get(orgId);
    if (!state) {
      const { usedBytes, quotaBytes } = this.figures(orgId);
      state = { usedBytes, quotaBytes, notified: this.sql.quota.get(orgId)?.notified_percent ?? 0 };
      batch.orgs.set(orgId, state);
    }
    return state;
  }

  /** Inside the transaction: checks the quota; a refusal is recorded and returned. */
  private admit(e: ArchiveEntry, batch: Batch): ArchiveQuotaExceededError | undefined {
    const state = this.orgState(batch, e.orgId);
    const { usedBytes, quotaBytes } = state;
    if (usedBytes + e.size <= quotaBytes) return undefined;
    const usage = formatArchiveUsage(usedBytes, quotaBytes);
    const reason = `does not fit the archive quota (${usage}; the document is ${formatMegabytes(e.size)})`;
    const { lastInsertRowid } = this.sql.insertRefused.run({
      ...e,
      signatures: JSON.stringify(e.signatures),
      refusedAt: e.archivedAt,
      reason,
    });
    const refusedId = Number(lastInsertRowid);
    batch.events.push({ type: 'archive.entry-refused', orgId: e.orgId, refusedId, documentId: e.documentId, kind: e.kind, fileName: e.fileName, size: e.size, usedBytes, quotaBytes, usage });
    // A refusal means the archive is full for this organization: the 100% notice, once.
    this.crossThresholds(e.orgId, state, 100, batch.events);
    return new ArchiveQuotaExceededError(
      `${e.fileName} was not archived: it ${reason}. It is listed among the organization's entries that did not fit; raise the quota to archive more.`,
      e.orgId,
      refusedId,
      usedBytes,
      quotaBytes,
    );
  }

  private insert(index: number, e: ArchiveEntry, batch: Batch): AppendReceipt {
    const leaf = validEntryLeafHash(e);
    const state = this.orgState(batch, e.orgId);
    state.usedBytes += e.size;
    this.sql.insertEntry.run({ ...e, idx: index, signatures: JSON.stringify(e.signatures), leafHash: leaf, orgBytesAfter: state.usedBytes });
    batch.nodes.set(`0:${index}`, leaf);
    // Complete every subtree this leaf closes: at most log2(n) inserts, one on average. The left
    // siblings were mostly written in this same batch, so they come from its memory.
    let hash = leaf;
    for (let level = 0, i = index; i % 2 === 1; level++, i = Math.floor(i / 2)) {
      hash = nodeHash(batch.nodes.get(`${level}:${i - 1}`) ?? this.completeSubtree(level, i - 1), hash);
      this.sql.insertNode.run(level + 1, Math.floor(i / 2), hash);
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
    this.crossThresholds(e.orgId, state, quotaLevel(usedBytes, quotaBytes), batch.events);
    return { index, leafHash: leaf.toString('hex'), entry: { ...e, index, leafHash: leaf.toString('hex') } };
  }

  /** Emits each threshold above the last one notified, up to `level`; remembers the level. */
  private crossThresholds(orgId: string, state: OrgState, level: 0 | 80 | 100, events: ArchiveEvent[]): void {
    if (level <= state.notified) return;
    const figures = { usedBytes: state.usedBytes, quotaBytes: state.quotaBytes, usage: formatArchiveUsage(state.usedBytes, state.quotaBytes) };
    for (const percent of [80, 100] as const) {
      if (percent > state.notified && percent <= level) events.push({ type: 'archive.quota-threshold', orgId, percent, ...figures });
    }
    state.notified = level;
    this.sql.setNotified.run(orgId, level);
  }

  /** Node (level, i): a leaf at level 0, a stored complete subtree above. */
  private completeSubtree(level: number, i: number): Buffer {
    this.hashReads++;
    const row = level === 0 ? this.sql.leaf.get(i)?.leaf_hash : this.sql.node.get(level, i)?.hash;
    if (!row) throw new ArchiveStorageDamagedError(`archive storage is damaged: ${level === 0 ? `leaf ${i}` : `subtree node (${level}, ${i})`} is missing`);
    return row;
  }

  /** MTH(D[start:end]) from stored complete subtrees; memoized per proof. */
  private subtreeHasher(): (start: number, end: number) => Buffer {
    const memo = new Map<string, Buffer>();
    const hashOf = (start: number, end: number): Buffer => {
      const n = end - start;
      if (n === 0) return EMPTY_TREE_HASH;
      if (isPowerOfTwo(n) && start % n === 0) return this.completeSubtree(Math.log2(n), start / n);
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

  private checkTreeSize(treeSize: number): void {
    const size = this.size();
    if (!Number.isInteger(treeSize) || treeSize < 0 || treeSize > size) {
      throw new RangeError(`tree size must be an integer from 0 to ${size} (the archive's size), got ${treeSize}`);
    }
  }

  rootHash(treeSize = this.size()): Buffer {
    this.checkTreeSize(treeSize);
    return this.subtreeHasher()(0, treeSize);
  }

  /** The signed head of the current tree; one signature per tree size, kept. */
  async treeHead(): Promise<SignedTreeHead> {
    const treeSize = this.size();
    const stored = this.sql.head.get(treeSize);
    if (stored) return { treeSize, rootHash: stored.root_hash, timestamp: stored.timestamp, signature: stored.signature };
    const signed = await signTreeHead({ treeSize, rootHash: this.rootHash(treeSize), timestamp: this.clock().getTime() }, this.signer);
    this.sql.insertHead.run(signed.treeSize, signed.rootHash, signed.timestamp, signed.signature);
    // A concurrent call may have stored its own signature for this size first: serve that one.
    const kept = this.sql.head.get(treeSize)!;
    return { treeSize, rootHash: kept.root_hash, timestamp: kept.timestamp, signature: kept.signature };
  }

  /**
   * The hub's own audit (`edo-hub archive check`): recomputes every leaf and stored subtree and
   * checks every stored tree head. O(n); returns what is wrong, at most `limit` findings.
   */
  checkIntegrity(limit = 100): string[] {
    const problems: string[] = [];
    const report = (problem: string) => problems.length < limit && problems.push(problem);
    const size = this.size();
    let expected = 0;
    for (const row of this.db.prepare<[], EntryRow>('SELECT * FROM archive_entries ORDER BY idx').iterate()) {
      if (row.idx !== expected) report(`entries ${expected}..${row.idx - 1} are missing`);
      expected = row.idx + 1;
      const entry = entryFromRow(row);
      const parsed = archiveEntrySchema.safeParse(entry);
      const leaf = parsed.success ? validEntryLeafHash(parsed.data) : undefined;
      if (!leaf) report(`entry ${row.idx} is malformed: ${parsed.error ? z.prettifyError(parsed.error) : ''}`);
      else if (!leaf.equals(row.leaf_hash)) report(`entry ${row.idx} (${row.file_name}) hashes to ${leaf.toString('hex')}, its stored leaf hash is ${entry.leafHash}`);
    }
    for (let level = 1; 2 ** level <= size; level++) {
      for (let i = 0; (i + 1) * 2 ** level <= size; i++) {
        try {
          const stored = this.completeSubtree(level, i);
          const computed = nodeHash(this.completeSubtree(level - 1, 2 * i), this.completeSubtree(level - 1, 2 * i + 1));
          if (!computed.equals(stored)) report(`subtree node (${level}, ${i}) does not match its children`);
        } catch (e) {
          if (!(e instanceof ArchiveStorageDamagedError)) throw e;
          report(e.message.replace('archive storage is damaged: ', ''));
        }
      }
    }
    type HeadRow = { tree_size: number; root_hash: Buffer; timestamp: number; signature: Buffer };
    for (const h of this.db.prepare<[], HeadRow>('SELECT * FROM archive_tree_heads ORDER BY tree_size').iterate()) {
      const head = { treeSize: h.tree_size, rootHash: h.root_hash, timestamp: h.timestamp, signature: h.signature };
      if (head.treeSize > size) {
        report(`a tree head was signed for ${head.treeSize} entries, the archive has ${size}`);
        continue;
      }
      try {
        verifyTreeHead(head, this.signer.certificate);
        if (!this.rootHash(head.treeSize).equals(head.rootHash)) report(`the signed tree head of ${head.treeSize} entries does not match the stored entries`);
      } catch (e) {
        if (!(e instanceof ArchiveVerificationError || e instanceof ArchiveStorageDamagedError)) throw e;
        report(`tree head of ${head.treeSize} entries: ${e.message}`);
      }
    }
    return problems;
  }

  inclusionProof(index: number, treeSize: number): InclusionProofJson {
    this.checkTreeSize(treeSize);
    if (!Number.isInteger(index) || index < 0 || index >= treeSize) {
      throw new RangeError(`entry index must be an integer below the tree size ${treeSize}, got ${index}`);
    }
    return { leafIndex: index, treeSize, hashes: hashesToHex(inclusionPath(index, treeSize, this.subtreeHasher())) };
  }

  consistencyProof(first: number, second: number): ConsistencyProofJson {
    this.checkTreeSize(second);
    if (!Number.isInteger(first) || first < 0 || first > second) {
      throw new RangeError(`first tree size must be an integer from 0 to ${second}, got ${first}`);
    }
    return { first, second, hashes: hashesToHex(consistencyPath(first, second, this.subtreeHasher())) };
  }

  entry(index: number): ArchivedEntry | undefined {
    const row = this.sql.entry.get(index);
    return row && entryFromRow(row);
  }

  /** The organization's entries in log order, after the cursor (an entry index). */
  entries(orgId: string, options: { after?: number; limit?: number } = {}): Page<ArchivedEntry> {
    const limit = pageLimit(options.limit);
    const rows = this.sql.entriesOf.all(orgId, options.after ?? -1, limit);
    return { items: rows.map(entryFromRow), next: rows.length === limit ? rows[rows.length - 1]!.idx : null };
  }

  /** The organization's entries of one signed item (a document or service document id), oldest first. */
  entriesOfDocument(orgId: string, documentId: string): ArchivedEntry[] {
    return this.sql.entriesOfDocument.all(documentId, orgId).map(entryFromRow);
  }

  /** The organization's entries that did not fit the quota (cursor: refusal id). */
  refused(orgId: string, options: { after?: number; limit?: number } = {}): Page<RefusedEntry> {
    const limit = pageLimit(options.limit);
    const rows = this.sql.refusedOf.all(orgId, options.after ?? 0, limit);
    const items = rows.map(
      (r): RefusedEntry => ({
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
      }),
    );
    return { items, next: rows.length === limit ? rows[rows.length - 1]!.id : null };
  }

  /** The original data of an entry, streamed from the blob store; its signatures are in the entry. */
  original(index: number): { entry: ArchivedEntry; data: Readable } {
    const entry = this.entry(index);
    if (!entry) throw new ArchiveNotFoundError(`archive entry ${index} does not exist`);
    return { entry, data: this.blobs.open(entry.blobSha256) };
  }

  private figures(orgId: string): QuotaFigures {
    const usedBytes = this.sql.used.get(orgId)?.used ?? 0;
    const quotaBytes = this.sql.quota.get(orgId)?.quota_bytes ?? this.defaultQuotaBytes;
    return { usedBytes, quotaBytes, usage: formatArchiveUsage(usedBytes, quotaBytes) };
  }

  usage(orgId: string): QuotaFigures {
    return this.figures(orgId);
  }

  /**
   * Sets the organization's quota. Raising it below a threshold re-arms that threshold's
   * notice; lowering it past one notifies now.
   */
  setQuota(orgId: string, quotaBytes: number): QuotaFigures {
    if (!Number.isSafeInteger(quotaBytes) || quotaBytes <= 0) throw new RangeError(`quota must be a positive number of bytes, got ${quotaBytes}`);
    const batch = this.newBatch();
    const figures = this.db.transaction(() => {
      this.sql.setQuota.run(orgId, quotaBytes);
      const state = this.orgState(batch, orgId);
      const level = quotaLevel(state.usedBytes, state.quotaBytes);
      if (level < state.notified) this.sql.setNotified.run(orgId, level);
      else this.crossThresholds(orgId, state, level, batch.events);
      return this.figures(orgId);
    })();
    for (const event of batch.events) this.onEvent(event);
    return figures;
  }
}
