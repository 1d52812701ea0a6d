// The embedded storage: SQLite through better-sqlite3 in WAL mode (the server and `edo-hub`
// administration commands may open the same file at once). Migrations are in code.
import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import type { CertificateSummary, Document, HubEvent, ServiceDocument } from '../../src/protocol';
import {
  IdempotencyClaimLost,
  type AccessTokenRecord,
  type AppendedEvents,
  type ChallengeUse,
  type Challenge,
  type ContactChange,
  type ContactRecord,
  type DocumentRecord,
  type EventToAppend,
  type HubStorage,
  type IdempotencyClaim,
  type IdempotencyScope,
  type IdempotentResult,
  type ServiceDocumentRecorded,
  type ServiceDocumentStatusChange,
  type SubscriberRecord,
  type TrustedCa,
  type UserRecord,
} from './storage';

const migrations: string[] = [
  `
  CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
  INSERT INTO counters VALUES ('subscribers', 0), ('contacts', 0);
  CREATE TABLE subscribers (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, inn TEXT NOT NULL, kpp TEXT,
    operating_mode TEXT NOT NULL, revision INTEGER NOT NULL UNIQUE, updated_at TEXT NOT NULL,
    last_event_seq INTEGER NOT NULL DEFAULT 0
  );
  CREATE TABLE users (
    id TEXT PRIMARY KEY, subscriber_id TEXT NOT NULL REFERENCES subscribers(id), kind TEXT NOT NULL,
    name TEXT NOT NULL, login TEXT UNIQUE, password_hash TEXT,
    certificate BLOB, certificate_fingerprint TEXT UNIQUE, certificate_summary TEXT
  );
  CREATE TABLE trusted_cas (fingerprint TEXT PRIMARY KEY, der BLOB NOT NULL, subject TEXT NOT NULL, added_at TEXT NOT NULL);
  CREATE TABLE challenges (id TEXT PRIMARY KEY, nonce BLOB NOT NULL, expires_at TEXT NOT NULL, used_at TEXT);
  CREATE TABLE access_tokens (
    token_hash TEXT PRIMARY KEY, user_id TEXT NOT NULL REFERENCES users(id),
    subscriber_id TEXT NOT NULL, expires_at TEXT NOT NULL
  );
  CREATE TABLE contacts (
    low_id TEXT NOT NULL, high_id TEXT NOT NULL, inviter_id TEXT NOT NULL, invitee_id TEXT NOT NULL,
    state TEXT NOT NULL, message TEXT, revision INTEGER NOT NULL UNIQUE, updated_at TEXT NOT NULL,
    PRIMARY KEY (low_id, high_id)
  );
  CREATE TABLE blobs (sha256 TEXT PRIMARY KEY, size INTEGER NOT NULL, created_at TEXT NOT NULL);
  CREATE TABLE blob_uploads (sha256 TEXT NOT NULL REFERENCES blobs(sha256), subscriber_id TEXT NOT NULL, PRIMARY KEY (sha256, subscriber_id));
  CREATE TABLE idempotency (
    subscriber_id TEXT NOT NULL, scope TEXT NOT NULL, key TEXT NOT NULL, body_hash TEXT NOT NULL,
    state TEXT NOT NULL, status INTEGER, response TEXT, created_at TEXT NOT NULL,
    PRIMARY KEY (subscriber_id, scope, key)
  );
  CREATE TABLE documents (
    id TEXT PRIMARY KEY, sender_id TEXT NOT NULL, recipient_id TEXT NOT NULL, data TEXT NOT NULL,
    sha256 TEXT NOT NULL, status TEXT NOT NULL, delivered_at TEXT
  );
  CREATE INDEX documents_by_blob ON documents(sha256);
  CREATE TABLE service_documents (
    id TEXT PRIMARY KEY, document_id TEXT NOT NULL REFERENCES documents(id), type TEXT NOT NULL,
    data TEXT NOT NULL, posted_at TEXT NOT NULL
  );
  CREATE INDEX service_documents_by_document ON service_documents(document_id, posted_at);
  CREATE TABLE events (
    subscriber_id TEXT NOT NULL, seq INTEGER NOT NULL, type TEXT NOT NULL, payload TEXT NOT NULL, at TEXT NOT NULL,
    PRIMARY KEY (subscriber_id, seq)
  ) WITHOUT ROWID;
  `,
  `
  -- A claim is finished or released only by the request that holds it.
  ALTER TABLE idempotency ADD COLUMN claim_id TEXT;
  -- The parent a receipt notice answers (NULL for a clarification request): one receipt per parent.
  -- Receipts stored twice before this index existed are kept, the later ones with NULL.
  ALTER TABLE service_documents ADD COLUMN receipt_of TEXT;
  UPDATE service_documents SET receipt_of = json_extract(data, '$.parentId')
    WHERE rowid IN (SELECT min(rowid) FROM service_documents WHERE type = 'receipt' GROUP BY document_id, json_extract(data, '$.parentId'));
  CREATE UNIQUE INDEX one_receipt_per_parent ON service_documents(document_id, receipt_of);
  `,
];

interface SubscriberRow {
  id: string;
  name: string;
  inn: string;
  kpp: string | null;
  operating_mode: string;
  revision: number;
  updated_at: string;
}
interface UserRow {
  id: string;
  subscriber_id: string;
  kind: string;
  name: string;
  login: string | null;
  password_hash: string | null;
  certificate: Buffer | null;
  certificate_summary: string | null;
}
interface ContactRow {
  inviter_id: string;
  invitee_id: string;
  state: string;
  message: string | null;
  revision: number;
  updated_at: string;
}
interface DocumentRow {
  data: string;
  status: string;
  delivered_at: string | null;
}

const toSubscriber = (r: SubscriberRow): SubscriberRecord => ({
  id: r.id,
  name: r.name,
  inn: r.inn,
  ...(r.kpp ? { kpp: r.kpp } : {}),
  operatingMode: r.operating_mode as SubscriberRecord['operatingMode'],
  revision: r.revision,
  updatedAt: r.updated_at,
});

const toUser = (r: UserRow): UserRecord => ({
  id: r.id,
  subscriberId: r.subscriber_id,
  kind: r.kind as UserRecord['kind'],
  name: r.name,
  ...(r.login ? { login: r.login } : {}),
  ...(r.password_hash ? { passwordHash: r.password_hash } : {}),
  ...(r.certificate && r.certificate_summary ? { certificate: { der: r.certificate, summary: JSON.parse(r.certificate_summary) as CertificateSummary } } : {}),
});

const toContact = (r: ContactRow): ContactRecord => ({
  inviterId: r.inviter_id,
  inviteeId: r.invitee_id,
  state: r.state as ContactRecord['state'],
  ...(r.message ? { message: r.message } : {}),
  revision: r.revision,
  updatedAt: r.updated_at,
});

const toDocument = (r: DocumentRow): DocumentRecord => {
  const d = JSON.parse(r.data) as DocumentRecord;
  return { ...d, status: r.status as Document['status'], ...(r.delivered_at ? { deliveredAt: r.delivered_at } : {}) };
};

const pair = (a: string, b: string) => (a < b ? [a, b] : [b, a]) as [string, string];

export class SqliteStorage implements HubStorage {
  private readonly db: Database.Database;

  constructor(file: string) {
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('foreign_keys = ON');
    // The server and an administration command may write at once: wait instead of failing.
    this.db.pragma('busy_timeout = 5000');
    // SQLite's lower() folds ASCII only; names are Cyrillic.
    this.db.function('fold', { deterministic: true }, (value: unknown) => (typeof value === 'string' ? value.toLocaleLowerCase('ru') : value));
    this.migrate();
  }

  private migrate(): void {
    const version = this.db.pragma('user_version', { simple: true }) as number;
    for (let v = version; v < migrations.length; v++) {
      this.db.transaction(() => {
        this.db.exec(migrations[v]!);
        this.db.pragma(`user_version = ${v + 1}`);
      }).immediate();
    }
  }

  private readonly statements = new Map<string, Database.Statement>();

  /** A prepared statement, compiled once per SQL text. */
  private sql(text: string): Database.Statement {
    let statement = this.statements.get(text);
    if (!statement) {
      statement = this.db.prepare(text);
      this.statements.set(text, statement);
    }
    return statement;
  }

  /** Runs `fn` in a write transaction taken at the start (no upgrade deadlocks between processes). */
  private write<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  private next(counter: string): number {
    const row = this.sql('UPDATE counters SET value = value + 1 WHERE name = ? RETURNING value').get(counter) as { value: number };
    return row.value;
  }

  async appendEvents(events: EventToAppend[], at: string): Promise<AppendedEvents> {
    return this.write(() => this.appendEventsInTransaction(events, at));
  }

  /** Appends events; must run inside a write transaction. */
  private appendEventsInTransaction(events: EventToAppend[], at: string): AppendedEvents {
    const bump = this.sql('UPDATE subscribers SET last_event_seq = last_event_seq + 1 WHERE id = ? RETURNING last_event_seq AS seq');
    const insert = this.sql('INSERT INTO events (subscriber_id, seq, type, payload, at) VALUES (?, ?, ?, ?, ?)');
    return events.map(({ subscriberId, payload }) => {
      const row = bump.get(subscriberId) as { seq: number } | undefined;
      if (!row) throw new Error(`event for unknown subscriber ${subscriberId}`);
      insert.run(subscriberId, row.seq, payload.type, JSON.stringify(payload), at);
      return { subscriberId, seq: row.seq };
    });
  }

  /** Stores the result under the request's own claim; must run inside the write transaction it rolls back otherwise. */
  private finishIdempotent(r: IdempotentResult): void {
    const finished = this.sql(`UPDATE idempotency SET state = 'done', status = ?, response = ? WHERE subscriber_id = ? AND scope = ? AND key = ? AND state = 'pending' AND claim_id = ?`)
      .run(r.status, JSON.stringify(r.response), r.subscriberId, r.scope, r.key, r.claimId);
    if (finished.changes !== 1) throw new IdempotencyClaimLost(r);
  }

  async getSetting(key: string) {
    return (this.sql('SELECT value FROM settings WHERE key = ?').get(key) as { value: string } | undefined)?.value;
  }

  async setSetting(key: string, value: string) {
    this.sql('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(key, value);
  }

  async addSubscriber(s: Parameters<HubStorage['addSubscriber']>[0]) {
    return this.write(() => {
      const revision = this.next('subscribers');
      this.sql('INSERT INTO subscribers (id, name, inn, kpp, operating_mode, revision, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
        .run(s.id, s.name, s.inn, s.kpp ?? null, s.operatingMode, revision, s.at);
      return toSubscriber(this.sql('SELECT * FROM subscribers WHERE id = ?').get(s.id) as SubscriberRow);
    });
  }

  async getSubscriber(id: string) {
    const row = this.sql('SELECT * FROM subscribers WHERE id = ?').get(id) as SubscriberRow | undefined;
    return row && toSubscriber(row);
  }

  async findSubscribersByInn(inn: string) {
    return (this.sql('SELECT * FROM subscribers WHERE inn = ? ORDER BY revision').all(inn) as SubscriberRow[]).map(toSubscriber);
  }

  async listSubscribers(after: number, limit: number) {
    return (this.sql('SELECT * FROM subscribers WHERE revision > ? ORDER BY revision LIMIT ?').all(after, limit) as SubscriberRow[]).map(toSubscriber);
  }

  async searchSubscribers(query: string, limit: number) {
    const literal = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);
    const rows = this.sql(`SELECT * FROM subscribers WHERE inn LIKE ? ESCAPE '\\' OR fold(name) LIKE ? ESCAPE '\\' ORDER BY name LIMIT ?`).all(
      `${literal(query)}%`,
      `%${literal(query.toLocaleLowerCase('ru'))}%`,
      limit,
    ) as SubscriberRow[];
    return rows.map(toSubscriber);
  }

  async addUser(u: UserRecord) {
    this.sql(
        'INSERT INTO users (id, subscriber_id, kind, name, login, password_hash, certificate, certificate_fingerprint, certificate_summary) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      )
      .run(
        u.id,
        u.subscriberId,
        u.kind,
        u.name,
        u.login ?? null,
        u.passwordHash ?? null,
        u.certificate?.der ?? null,
        u.certificate?.summary.fingerprint ?? null,
        u.certificate ? JSON.stringify(u.certificate.summary) : null,
      );
    return u;
  }

  async getUser(id: string) {
    const row = this.sql('SELECT * FROM users WHERE id = ?').get(id) as UserRow | undefined;
    return row && toUser(row);
  }

  async listUsers(subscriberId?: string) {
    const rows = (subscriberId ? this.sql('SELECT * FROM users WHERE subscriber_id = ? ORDER BY rowid').all(subscriberId) : this.sql('SELECT * FROM users ORDER BY rowid').all()) as UserRow[];
    return rows.map(toUser);
  }

  async findUserByLogin(login: string) {
    const row = this.sql('SELECT * FROM users WHERE login = ?').get(login) as UserRow | undefined;
    return row && toUser(row);
  }

  async findUserByCertificate(fingerprint: string) {
    const row = this.sql('SELECT * FROM users WHERE certificate_fingerprint = ?').get(fingerprint) as UserRow | undefined;
    return row && toUser(row);
  }

  async addTrustedCa(ca: TrustedCa) {
    return this.sql('INSERT OR IGNORE INTO trusted_cas (fingerprint, der, subject, added_at) VALUES (?, ?, ?, ?)').run(ca.fingerprint, ca.der, ca.subject, ca.addedAt).changes > 0;
  }

  async listTrustedCas() {
    const rows = this.sql('SELECT fingerprint, der, subject, added_at AS addedAt FROM trusted_cas ORDER BY added_at').all() as TrustedCa[];
    return rows;
  }

  async createChallenge(c: Challenge) {
    this.sql('INSERT INTO challenges (id, nonce, expires_at) VALUES (?, ?, ?)').run(c.id, c.nonce, c.expiresAt);
  }

  async useChallenge(id: string, now: string): Promise<ChallengeUse> {
    return this.write(() => {
      const row = this.sql('SELECT nonce, expires_at, used_at FROM challenges WHERE id = ?').get(id) as
        | { nonce: Buffer; expires_at: string; used_at: string | null }
        | undefined;
      if (!row) return { kind: 'unknown' };
      if (row.used_at) return { kind: 'used' };
      this.sql('UPDATE challenges SET used_at = ? WHERE id = ?').run(now, id);
      if (row.expires_at <= now) return { kind: 'expired' };
      return { kind: 'ok', nonce: row.nonce };
    });
  }

  async createAccessToken(tokenHash: string, t: AccessTokenRecord) {
    this.sql('INSERT INTO access_tokens (token_hash, user_id, subscriber_id, expires_at) VALUES (?, ?, ?, ?)').run(tokenHash, t.userId, t.subscriberId, t.expiresAt);
  }

  async findAccessToken(tokenHash: string, now: string) {
    const row = this.sql('SELECT user_id AS userId, subscriber_id AS subscriberId, expires_at AS expiresAt FROM access_tokens WHERE token_hash = ? AND expires_at > ?')
      .get(tokenHash, now) as AccessTokenRecord | undefined;
    return row;
  }

  async purgeExpired(now: string) {
    return this.write(() => ({
      challenges: this.sql('DELETE FROM challenges WHERE expires_at <= ?').run(now).changes,
      tokens: this.sql('DELETE FROM access_tokens WHERE expires_at <= ?').run(now).changes,
    }));
  }

  async getContact(a: string, b: string) {
    const [low, high] = pair(a, b);
    const row = this.sql('SELECT * FROM contacts WHERE low_id = ? AND high_id = ?').get(low, high) as ContactRow | undefined;
    return row && toContact(row);
  }

  async saveContact(change: ContactChange) {
    return this.write(() => {
      const [low, high] = pair(change.inviterId, change.inviteeId);
      const revision = this.next('contacts');
      this.sql(
          `INSERT INTO contacts (low_id, high_id, inviter_id, invitee_id, state, message, revision, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT(low_id, high_id) DO UPDATE SET inviter_id = excluded.inviter_id, invitee_id = excluded.invitee_id,
             state = excluded.state, message = excluded.message, revision = excluded.revision, updated_at = excluded.updated_at`,
        )
        .run(low, high, change.inviterId, change.inviteeId, change.state, change.message ?? null, revision, change.at);
      const contact = toContact(this.sql('SELECT * FROM contacts WHERE low_id = ? AND high_id = ?').get(low, high) as ContactRow);
      return { contact, appended: this.appendEventsInTransaction(change.events(contact), change.at) };
    });
  }

  async listContacts(subscriberId: string, after: number, limit: number) {
    const rows = this.sql('SELECT * FROM contacts WHERE (low_id = ? OR high_id = ?) AND revision > ? ORDER BY revision LIMIT ?')
      .all(subscriberId, subscriberId, after, limit) as ContactRow[];
    return rows.map(toContact);
  }

  async recordBlob(sha256: string, size: number, uploaderId: string, at: string) {
    this.write(() => {
      this.sql('INSERT OR IGNORE INTO blobs (sha256, size, created_at) VALUES (?, ?, ?)').run(sha256, size, at);
      this.sql('INSERT OR IGNORE INTO blob_uploads (sha256, subscriber_id) VALUES (?, ?)').run(sha256, uploaderId);
    });
  }

  async getBlobSize(sha256: string) {
    return (this.sql('SELECT size FROM blobs WHERE sha256 = ?').get(sha256) as { size: number } | undefined)?.size;
  }

  async uploadedBy(sha256: string, subscriberId: string) {
    return this.sql('SELECT 1 FROM blob_uploads WHERE sha256 = ? AND subscriber_id = ?').get(sha256, subscriberId) !== undefined;
  }

  async documentReferencingBlob(sha256: string, subscriberId: string) {
    const row = this.sql('SELECT id, recipient_id AS recipientId FROM documents WHERE sha256 = ? AND (sender_id = ? OR recipient_id = ?) ORDER BY recipient_id = ? DESC LIMIT 1')
      .get(sha256, subscriberId, subscriberId, subscriberId) as { id: string; recipientId: string } | undefined;
    return row;
  }

  async claimIdempotencyKey(s: IdempotencyScope, bodyHash: string, now: string): Promise<IdempotencyClaim> {
    return this.write(() => {
      const row = this.sql('SELECT body_hash, state, status, response FROM idempotency WHERE subscriber_id = ? AND scope = ? AND key = ?').get(s.subscriberId, s.scope, s.key) as
        | { body_hash: string; state: string; status: number | null; response: string | null }
        | undefined;
      if (row && row.body_hash !== bodyHash) return { kind: 'conflict' };
      if (row?.state === 'done') return { kind: 'replay', status: row.status!, response: JSON.parse(row.response!) as unknown };
      // However old, a pending claim may belong to a request still running: only a hub start clears it.
      if (row) return { kind: 'in-progress' };
      const claimId = randomUUID();
      this.sql(`INSERT INTO idempotency (subscriber_id, scope, key, body_hash, state, claim_id, created_at) VALUES (?, ?, ?, ?, 'pending', ?, ?)`)
        .run(s.subscriberId, s.scope, s.key, bodyHash, claimId, now);
      return { kind: 'claimed', claimId };
    });
  }

  async releaseIdempotencyKey(s: IdempotencyScope, claimId: string) {
    this.sql(`DELETE FROM idempotency WHERE subscriber_id = ? AND scope = ? AND key = ? AND state = 'pending' AND claim_id = ?`).run(s.subscriberId, s.scope, s.key, claimId);
  }

  async releasePendingClaims() {
    return this.sql(`DELETE FROM idempotency WHERE state = 'pending'`).run().changes;
  }

  async recordDocument(d: DocumentRecord, events: EventToAppend[], result: IdempotentResult) {
    return this.write(() => {
      this.sql('INSERT INTO documents (id, sender_id, recipient_id, data, sha256, status) VALUES (?, ?, ?, ?, ?, ?)')
        .run(d.id, d.senderId, d.recipientId, JSON.stringify(d), d.blob.sha256, d.status);
      this.finishIdempotent(result);
      return this.appendEventsInTransaction(events, d.sentAt);
    });
  }

  async getDocument(id: string) {
    const row = this.sql('SELECT data, status, delivered_at FROM documents WHERE id = ?').get(id) as DocumentRow | undefined;
    return row && toDocument(row);
  }

  async listServiceDocuments(documentId: string) {
    const rows = this.sql('SELECT data FROM service_documents WHERE document_id = ? ORDER BY posted_at, rowid').all(documentId) as { data: string }[];
    return rows.map((r) => JSON.parse(r.data) as ServiceDocument);
  }

  async recordServiceDocument(sd: ServiceDocument, change: ServiceDocumentStatusChange, result: IdempotentResult): Promise<ServiceDocumentRecorded> {
    return this.write(() => {
      const receiptOf = sd.type === 'receipt' ? sd.parentId : null;
      // Checked in the transaction, so two receipts posted at once cannot both pass; the unique index backs it.
      if (receiptOf && this.sql('SELECT 1 FROM service_documents WHERE document_id = ? AND receipt_of = ?').get(sd.documentId, receiptOf)) return { kind: 'receipt-exists' };
      // Read in the transaction: a service document recorded since the route read the document counts.
      const row = this.sql('SELECT status FROM documents WHERE id = ?').get(sd.documentId) as { status: Document['status'] } | undefined;
      if (!row) throw new Error(`service document for unknown document ${sd.documentId}`);
      const status = change.next(row.status);
      this.sql('INSERT INTO service_documents (id, document_id, type, data, posted_at, receipt_of) VALUES (?, ?, ?, ?, ?, ?)')
        .run(sd.id, sd.documentId, sd.type, JSON.stringify(sd), sd.postedAt, receiptOf);
      if (status !== row.status) this.sql('UPDATE documents SET status = ? WHERE id = ?').run(status, sd.documentId);
      this.finishIdempotent(result);
      return { kind: 'recorded', appended: this.appendEventsInTransaction(change.events(row.status, status), sd.postedAt) };
    });
  }

  async markDelivered(documentId: string, at: string, events: (status: Document['status']) => EventToAppend[]) {
    return this.write(() => {
      // Only the first fetch counts, and a later status (receipt) is never set back.
      const row = this.sql(`UPDATE documents SET delivered_at = ?, status = CASE status WHEN 'sent' THEN 'delivered' ELSE status END WHERE id = ? AND delivered_at IS NULL RETURNING status`)
        .get(at, documentId) as { status: Document['status'] } | undefined;
      return row ? this.appendEventsInTransaction(events(row.status), at) : undefined;
    });
  }

  async listEvents(subscriberId: string, after: number, limit: number) {
    const rows = this.sql('SELECT seq, payload, at FROM events WHERE subscriber_id = ? AND seq > ? ORDER BY seq LIMIT ?').all(subscriberId, after, limit) as {
      seq: number;
      payload: string;
      at: string;
    }[];
    return rows.map((r) => ({ ...(JSON.parse(r.payload) as object), seq: r.seq, at: r.at }) as HubEvent);
  }

  async close() {
    this.db.close();
  }
}
