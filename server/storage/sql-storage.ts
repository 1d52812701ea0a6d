// The exchange's storage over the one SQL layer (server/storage/sql.ts): the same statements on
// SQLite (embedded) and PostgreSQL (several instances). Per-subscriber event sequences are
// bumped with UPDATE … RETURNING, which locks the subscriber's row until the commit, so
// concurrent writers on any instance append gap-free.
import { randomUUID } from 'node:crypto';
import {
  workflowTransition,
  type CertificateSummary,
  type Document,
  type DocumentWorkflow,
  type HubEvent,
  type ServiceDocument,
} from '../../src/protocol';
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
  type StoredWorkflow,
  type SubscriberRecord,
  type TrustedCa,
  type UserRecord,
  type WorkflowStepRecord,
  type WorkflowStepRecorded,
} from './storage';
import { both, type SchemaComponent, type Sql, type SqlDatabase } from './sql';

/** The exchange's tables. PostgreSQL starts at the schema SQLite reached in two steps. */
export const exchangeSchema: SchemaComponent = {
  name: 'exchange',
  migrations: [
    {
      sqlite: `
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
      postgres: `
  CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  CREATE TABLE counters (name TEXT PRIMARY KEY, value BIGINT NOT NULL);
  INSERT INTO counters VALUES ('subscribers', 0), ('contacts', 0);
  CREATE TABLE subscribers (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, inn TEXT NOT NULL, kpp TEXT,
    operating_mode TEXT NOT NULL, revision BIGINT NOT NULL UNIQUE, updated_at TEXT NOT NULL,
    last_event_seq BIGINT NOT NULL DEFAULT 0
  );
  CREATE TABLE users (
    id TEXT PRIMARY KEY, subscriber_id TEXT NOT NULL REFERENCES subscribers(id), kind TEXT NOT NULL,
    name TEXT NOT NULL, login TEXT UNIQUE, password_hash TEXT,
    certificate BYTEA, certificate_fingerprint TEXT UNIQUE, certificate_summary TEXT,
    -- insertion order (SQLite's rowid)
    ord BIGSERIAL NOT NULL
  );
  CREATE TABLE trusted_cas (fingerprint TEXT PRIMARY KEY, der BYTEA NOT NULL, subject TEXT NOT NULL, added_at TEXT NOT NULL);
  CREATE TABLE challenges (id TEXT PRIMARY KEY, nonce BYTEA NOT NULL, expires_at TEXT NOT NULL, used_at TEXT);
  CREATE TABLE access_tokens (
    token_hash TEXT PRIMARY KEY, user_id TEXT NOT NULL REFERENCES users(id),
    subscriber_id TEXT NOT NULL, expires_at TEXT NOT NULL
  );
  CREATE TABLE contacts (
    low_id TEXT NOT NULL, high_id TEXT NOT NULL, inviter_id TEXT NOT NULL, invitee_id TEXT NOT NULL,
    state TEXT NOT NULL, message TEXT, revision BIGINT NOT NULL UNIQUE, updated_at TEXT NOT NULL,
    PRIMARY KEY (low_id, high_id)
  );
  CREATE TABLE blobs (sha256 TEXT PRIMARY KEY, size BIGINT NOT NULL, created_at TEXT NOT NULL);
  CREATE TABLE blob_uploads (sha256 TEXT NOT NULL REFERENCES blobs(sha256), subscriber_id TEXT NOT NULL, PRIMARY KEY (sha256, subscriber_id));
  CREATE TABLE idempotency (
    subscriber_id TEXT NOT NULL, scope TEXT NOT NULL, key TEXT NOT NULL, body_hash TEXT NOT NULL,
    state TEXT NOT NULL, status INTEGER, response TEXT, created_at TEXT NOT NULL, claim_id TEXT,
    PRIMARY KEY (subscriber_id, scope, key)
  );
  CREATE TABLE documents (
    id TEXT PRIMARY KEY, sender_id TEXT NOT NULL, recipient_id TEXT NOT NULL, data TEXT NOT NULL,
    sha256 TEXT NOT NULL, status TEXT NOT NULL, delivered_at TEXT
  );
  CREATE INDEX documents_by_blob ON documents(sha256);
  CREATE TABLE service_documents (
    id TEXT PRIMARY KEY, document_id TEXT NOT NULL REFERENCES documents(id), type TEXT NOT NULL,
    data TEXT NOT NULL, posted_at TEXT NOT NULL, receipt_of TEXT, ord BIGSERIAL NOT NULL
  );
  CREATE INDEX service_documents_by_document ON service_documents(document_id, posted_at);
  CREATE UNIQUE INDEX one_receipt_per_parent ON service_documents(document_id, receipt_of);
  CREATE TABLE events (
    subscriber_id TEXT NOT NULL, seq BIGINT NOT NULL, type TEXT NOT NULL, payload TEXT NOT NULL, at TEXT NOT NULL,
    PRIMARY KEY (subscriber_id, seq)
  );
  -- the database is created UTF-8 with a C.UTF-8 (or richer) ctype, so lower() folds Cyrillic
  CREATE FUNCTION fold(value TEXT) RETURNS TEXT LANGUAGE sql IMMUTABLE AS $$ SELECT lower(value) $$;
  `,
    },
    {
      sqlite: `
  -- A claim is finished or released only by the request that holds it.
  ALTER TABLE idempotency ADD COLUMN claim_id TEXT;
  -- The parent a receipt notice answers (NULL for a clarification request): one receipt per parent.
  -- Receipts stored twice before this index existed are kept, the later ones with NULL.
  ALTER TABLE service_documents ADD COLUMN receipt_of TEXT;
  UPDATE service_documents SET receipt_of = json_extract(data, '$.parentId')
    WHERE rowid IN (SELECT min(rowid) FROM service_documents WHERE type = 'receipt' GROUP BY document_id, json_extract(data, '$.parentId'));
  CREATE UNIQUE INDEX one_receipt_per_parent ON service_documents(document_id, receipt_of);
  `,
      postgres: '',
    },
    // The document's own workflow (docs/architecture.md §5a): the recipient's signature and the annulment.
    both(`
  ALTER TABLE documents ADD COLUMN signature_state TEXT;
  ALTER TABLE documents ADD COLUMN recipient_signature TEXT;
  ALTER TABLE documents ADD COLUMN annulment_state TEXT;
  ALTER TABLE documents ADD COLUMN annulment_proposal_id TEXT;
  ALTER TABLE documents ADD COLUMN annulment_proposed_by TEXT;
  `),
    {
      // Several instances on one database (docs/architecture.md §8): each pending claim names the
      // instance holding it, and an instance whose heartbeat stopped has its claims freed; the
      // login throttle's failures are shared by every instance.
      sqlite: `
  ALTER TABLE idempotency ADD COLUMN instance_id TEXT;
  CREATE TABLE hub_instances (id TEXT PRIMARY KEY, started_at TEXT NOT NULL, heartbeat_at TEXT NOT NULL);
  CREATE TABLE login_failures (key TEXT PRIMARY KEY, failures INTEGER NOT NULL, blocked_until INTEGER NOT NULL, last_failure INTEGER NOT NULL);
  `,
      postgres: `
  ALTER TABLE idempotency ADD COLUMN instance_id TEXT;
  CREATE TABLE hub_instances (id TEXT PRIMARY KEY, started_at TEXT NOT NULL, heartbeat_at TEXT NOT NULL);
  CREATE TABLE login_failures (key TEXT PRIMARY KEY, failures INTEGER NOT NULL, blocked_until BIGINT NOT NULL, last_failure BIGINT NOT NULL);
  `,
    },
    // The organization's OGRN, where the operator registered it with one (edo-hub org add --ogrn):
    // an МЧД's principal must then name the same.
    both(`
  ALTER TABLE subscribers ADD COLUMN ogrn TEXT;
  `),
  ],
  // Files from before the runner kept the exchange's version in PRAGMA user_version.
  adopt: async (db) =>
    db.dialect === 'sqlite' ? ((await db.get<{ user_version: number }>('PRAGMA user_version'))?.user_version ?? 0) : 0,
};

interface SubscriberRow {
  id: string;
  name: string;
  inn: string;
  kpp: string | null;
  ogrn: string | null;
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
interface WorkflowRow {
  signature_state: string | null;
  recipient_signature: string | null;
  annulment_state: string | null;
}
interface DocumentRow extends WorkflowRow {
  data: string;
  status: string;
  delivered_at: string | null;
}
const documentColumns = 'data, status, delivered_at, signature_state, recipient_signature, annulment_state';

const toWorkflow = (r: WorkflowRow): DocumentWorkflow => ({
  ...(r.signature_state ? { signatureState: r.signature_state as DocumentWorkflow['signatureState'] } : {}),
  ...(r.recipient_signature
    ? { recipientSignature: JSON.parse(r.recipient_signature) as DocumentWorkflow['recipientSignature'] }
    : {}),
  ...(r.annulment_state ? { annulmentState: r.annulment_state as DocumentWorkflow['annulmentState'] } : {}),
});

const toSubscriber = (r: SubscriberRow): SubscriberRecord => ({
  id: r.id,
  name: r.name,
  inn: r.inn,
  ...(r.kpp ? { kpp: r.kpp } : {}),
  ...(r.ogrn ? { ogrn: r.ogrn } : {}),
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
  ...(r.certificate && r.certificate_summary
    ? { certificate: { der: r.certificate, summary: JSON.parse(r.certificate_summary) as CertificateSummary } }
    : {}),
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
  return {
    ...d,
    // Documents stored before the workflow existed were sent without a signature request.
    signatureRequested: d.signatureRequested ?? false,
    status: r.status as Document['status'],
    ...(r.delivered_at ? { deliveredAt: r.delivered_at } : {}),
    ...toWorkflow(r),
  };
};

const pair = (a: string, b: string) => (a < b ? [a, b] : [b, a]) as [string, string];

/** The channel PostgreSQL announces a subscriber's new events on (payload: the subscriber id), to every instance. */
export const EVENTS_CHANNEL = 'edo_hub_events';

export class SqlStorage implements HubStorage {
  /** SQLite's rowid; PostgreSQL's ord column. */
  private readonly insertionOrder: string;
  /** This process's name on its pending claims (a new one per start). */
  readonly instanceId: string;

  constructor(
    readonly db: SqlDatabase,
    options: { instanceId?: string } = {},
  ) {
    this.insertionOrder = db.dialect === 'sqlite' ? 'rowid' : 'ord';
    this.instanceId = options.instanceId ?? randomUUID();
  }

  private async next(q: Sql, counter: string): Promise<number> {
    const row = await q.get<{ value: number }>('UPDATE counters SET value = value + 1 WHERE name = ? RETURNING value', [
      counter,
    ]);
    return row!.value;
  }

  async appendEvents(events: EventToAppend[], at: string): Promise<AppendedEvents> {
    return this.db.transaction((tx) => this.appendEventsIn(tx, events, at));
  }

  /** Appends events; must run inside a write transaction (the bump locks the subscriber's row till the commit). */
  private async appendEventsIn(q: Sql, events: EventToAppend[], at: string): Promise<AppendedEvents> {
    const appended: AppendedEvents = [];
    // Subscribers' rows are locked in one order (by id; each one's events keep theirs), so two
    // transactions on different instances never wait for each other in a circle.
    const ordered = [...events].sort((x, y) =>
      x.subscriberId < y.subscriberId ? -1 : x.subscriberId > y.subscriberId ? 1 : 0,
    );
    for (const { subscriberId, payload } of ordered) {
      const row = await q.get<{ seq: number }>(
        'UPDATE subscribers SET last_event_seq = last_event_seq + 1 WHERE id = ? RETURNING last_event_seq AS seq',
        [subscriberId],
      );
      if (!row) throw new Error(`event for unknown subscriber ${subscriberId}`);
      await q.run('INSERT INTO events (subscriber_id, seq, type, payload, at) VALUES (?, ?, ?, ?, ?)', [
        subscriberId,
        row.seq,
        payload.type,
        JSON.stringify(payload),
        at,
      ]);
      appended.push({ subscriberId, seq: row.seq });
    }
    // Delivered at the commit to every instance's listener (server/notifier.ts), which wakes its long polls.
    if (q.dialect === 'postgres') {
      for (const subscriberId of new Set(ordered.map((e) => e.subscriberId)))
        await q.get('SELECT pg_notify(?, ?)', [EVENTS_CHANNEL, subscriberId]);
    }
    return appended;
  }

  /** Stores the result under the request's own claim; must run inside the write transaction it rolls back otherwise. */
  private async finishIdempotent(q: Sql, r: IdempotentResult): Promise<void> {
    const finished = await q.run(
      `UPDATE idempotency SET state = 'done', status = ?, response = ? WHERE subscriber_id = ? AND scope = ? AND key = ? AND state = 'pending' AND claim_id = ?`,
      [r.status, JSON.stringify(r.response), r.subscriberId, r.scope, r.key, r.claimId],
    );
    if (finished !== 1) throw new IdempotencyClaimLost(r);
  }

  async getSetting(key: string) {
    return (await this.db.get<{ value: string }>('SELECT value FROM settings WHERE key = ?', [key]))?.value;
  }

  async setSetting(key: string, value: string) {
    await this.db.run(
      'INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
      [key, value],
    );
  }

  async initSetting(key: string, value: string) {
    await this.db.run('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT DO NOTHING', [key, value]);
    return (await this.getSetting(key))!;
  }

  async addSubscriber(s: Parameters<HubStorage['addSubscriber']>[0]) {
    return this.db.transaction(async (tx) => {
      const revision = await this.next(tx, 'subscribers');
      await tx.run(
        'INSERT INTO subscribers (id, name, inn, kpp, ogrn, operating_mode, revision, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
        [s.id, s.name, s.inn, s.kpp ?? null, s.ogrn ?? null, s.operatingMode, revision, s.at],
      );
      return toSubscriber((await tx.get<SubscriberRow>('SELECT * FROM subscribers WHERE id = ?', [s.id]))!);
    });
  }

  async getSubscriber(id: string) {
    const row = await this.db.get<SubscriberRow>('SELECT * FROM subscribers WHERE id = ?', [id]);
    return row && toSubscriber(row);
  }

  async findSubscribersByInn(inn: string) {
    return (await this.db.all<SubscriberRow>('SELECT * FROM subscribers WHERE inn = ? ORDER BY revision', [inn])).map(
      toSubscriber,
    );
  }

  async listSubscribers(after: number, limit: number) {
    return (
      await this.db.all<SubscriberRow>('SELECT * FROM subscribers WHERE revision > ? ORDER BY revision LIMIT ?', [
        after,
        limit,
      ])
    ).map(toSubscriber);
  }

  async searchSubscribers(query: string, limit: number) {
    const literal = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);
    const rows = await this.db.all<SubscriberRow>(
      `SELECT * FROM subscribers WHERE inn LIKE ? ESCAPE '\\' OR fold(name) LIKE ? ESCAPE '\\' ORDER BY name LIMIT ?`,
      [`${literal(query)}%`, `%${literal(query.toLocaleLowerCase('ru'))}%`, limit],
    );
    return rows.map(toSubscriber);
  }

  async addUser(u: UserRecord) {
    await this.db.run(
      'INSERT INTO users (id, subscriber_id, kind, name, login, password_hash, certificate, certificate_fingerprint, certificate_summary) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      [
        u.id,
        u.subscriberId,
        u.kind,
        u.name,
        u.login ?? null,
        u.passwordHash ?? null,
        u.certificate?.der ?? null,
        u.certificate?.summary.fingerprint ?? null,
        u.certificate ? JSON.stringify(u.certificate.summary) : null,
      ],
    );
    return u;
  }

  async getUser(id: string) {
    const row = await this.db.get<UserRow>('SELECT * FROM users WHERE id = ?', [id]);
    return row && toUser(row);
  }

  async listUsers(subscriberId?: string) {
    const rows = subscriberId
      ? await this.db.all<UserRow>(`SELECT * FROM users WHERE subscriber_id = ? ORDER BY ${this.insertionOrder}`, [
          subscriberId,
        ])
      : await this.db.all<UserRow>(`SELECT * FROM users ORDER BY ${this.insertionOrder}`);
    return rows.map(toUser);
  }

  async findUserByLogin(login: string) {
    const row = await this.db.get<UserRow>('SELECT * FROM users WHERE login = ?', [login]);
    return row && toUser(row);
  }

  async findUserByCertificate(fingerprint: string) {
    const row = await this.db.get<UserRow>('SELECT * FROM users WHERE certificate_fingerprint = ?', [fingerprint]);
    return row && toUser(row);
  }

  async addTrustedCa(ca: TrustedCa) {
    const added = await this.db.run(
      'INSERT INTO trusted_cas (fingerprint, der, subject, added_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING',
      [ca.fingerprint, ca.der, ca.subject, ca.addedAt],
    );
    return added > 0;
  }

  async listTrustedCas() {
    return this.db.all<TrustedCa>(
      'SELECT fingerprint, der, subject, added_at AS "addedAt" FROM trusted_cas ORDER BY added_at',
    );
  }

  async createChallenge(c: Challenge) {
    await this.db.run('INSERT INTO challenges (id, nonce, expires_at) VALUES (?, ?, ?)', [c.id, c.nonce, c.expiresAt]);
  }

  async useChallenge(id: string, now: string): Promise<ChallengeUse> {
    // One statement marks it used and says what it was: two instances racing for it get one "ok".
    const row = await this.db.get<{ nonce: Buffer; expires_at: string }>(
      'UPDATE challenges SET used_at = ? WHERE id = ? AND used_at IS NULL RETURNING nonce, expires_at',
      [now, id],
    );
    if (!row)
      return (await this.db.get('SELECT 1 AS one FROM challenges WHERE id = ?', [id]))
        ? { kind: 'used' }
        : { kind: 'unknown' };
    if (row.expires_at <= now) return { kind: 'expired' };
    return { kind: 'ok', nonce: row.nonce };
  }

  async createAccessToken(tokenHash: string, t: AccessTokenRecord) {
    await this.db.run(
      'INSERT INTO access_tokens (token_hash, user_id, subscriber_id, expires_at) VALUES (?, ?, ?, ?)',
      [tokenHash, t.userId, t.subscriberId, t.expiresAt],
    );
  }

  async findAccessToken(tokenHash: string, now: string) {
    return this.db.get<AccessTokenRecord>(
      'SELECT user_id AS "userId", subscriber_id AS "subscriberId", expires_at AS "expiresAt" FROM access_tokens WHERE token_hash = ? AND expires_at > ?',
      [tokenHash, now],
    );
  }

  async purgeExpired(now: string) {
    return this.db.transaction(async (tx) => ({
      challenges: await tx.run('DELETE FROM challenges WHERE expires_at <= ?', [now]),
      tokens: await tx.run('DELETE FROM access_tokens WHERE expires_at <= ?', [now]),
    }));
  }

  async getContact(a: string, b: string) {
    const [low, high] = pair(a, b);
    const row = await this.db.get<ContactRow>('SELECT * FROM contacts WHERE low_id = ? AND high_id = ?', [low, high]);
    return row && toContact(row);
  }

  async saveContact(change: ContactChange) {
    return this.db.transaction(async (tx) => {
      const [low, high] = pair(change.inviterId, change.inviteeId);
      const revision = await this.next(tx, 'contacts');
      await tx.run(
        `INSERT INTO contacts (low_id, high_id, inviter_id, invitee_id, state, message, revision, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (low_id, high_id) DO UPDATE SET inviter_id = excluded.inviter_id, invitee_id = excluded.invitee_id,
           state = excluded.state, message = excluded.message, revision = excluded.revision, updated_at = excluded.updated_at`,
        [low, high, change.inviterId, change.inviteeId, change.state, change.message ?? null, revision, change.at],
      );
      const contact = toContact(
        (await tx.get<ContactRow>('SELECT * FROM contacts WHERE low_id = ? AND high_id = ?', [low, high]))!,
      );
      return { contact, appended: await this.appendEventsIn(tx, change.events(contact), change.at) };
    });
  }

  async listContacts(subscriberId: string, after: number, limit: number) {
    const rows = await this.db.all<ContactRow>(
      'SELECT * FROM contacts WHERE (low_id = ? OR high_id = ?) AND revision > ? ORDER BY revision LIMIT ?',
      [subscriberId, subscriberId, after, limit],
    );
    return rows.map(toContact);
  }

  async recordBlob(sha256: string, size: number, uploaderId: string, at: string) {
    await this.db.transaction(async (tx) => {
      await tx.run('INSERT INTO blobs (sha256, size, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING', [
        sha256,
        size,
        at,
      ]);
      await tx.run('INSERT INTO blob_uploads (sha256, subscriber_id) VALUES (?, ?) ON CONFLICT DO NOTHING', [
        sha256,
        uploaderId,
      ]);
    });
  }

  async getBlobSize(sha256: string) {
    return (await this.db.get<{ size: number }>('SELECT size FROM blobs WHERE sha256 = ?', [sha256]))?.size;
  }

  async uploadedBy(sha256: string, subscriberId: string) {
    return (
      (await this.db.get('SELECT 1 AS one FROM blob_uploads WHERE sha256 = ? AND subscriber_id = ?', [
        sha256,
        subscriberId,
      ])) !== undefined
    );
  }

  async documentReferencingBlob(sha256: string, subscriberId: string) {
    return this.db.get<{ id: string; recipientId: string }>(
      'SELECT id, recipient_id AS "recipientId" FROM documents WHERE sha256 = ? AND (sender_id = ? OR recipient_id = ?) ORDER BY recipient_id = ? DESC LIMIT 1',
      [sha256, subscriberId, subscriberId, subscriberId],
    );
  }

  async claimIdempotencyKey(s: IdempotencyScope, bodyHash: string, now: string): Promise<IdempotencyClaim> {
    return this.db.transaction(async (tx) => {
      // Inserted or not in one statement: of two instances claiming at once, one inserts and the other waits for its commit.
      const claimId = randomUUID();
      const inserted = await tx.run(
        `INSERT INTO idempotency (subscriber_id, scope, key, body_hash, state, claim_id, instance_id, created_at) VALUES (?, ?, ?, ?, 'pending', ?, ?, ?) ON CONFLICT DO NOTHING`,
        [s.subscriberId, s.scope, s.key, bodyHash, claimId, this.instanceId, now],
      );
      if (inserted === 1) return { kind: 'claimed', claimId };
      const row = (await tx.get<{ body_hash: string; state: string; status: number | null; response: string | null }>(
        'SELECT body_hash, state, status, response FROM idempotency WHERE subscriber_id = ? AND scope = ? AND key = ?',
        [s.subscriberId, s.scope, s.key],
      ))!;
      if (row.body_hash !== bodyHash) return { kind: 'conflict' };
      if (row.state === 'done')
        return { kind: 'replay', status: row.status!, response: JSON.parse(row.response!) as unknown };
      // However old, a pending claim may belong to a request still running: only a hub start
      // (SQLite) or its instance's lapsed heartbeat (several instances) clears it.
      return { kind: 'in-progress' };
    });
  }

  async releaseIdempotencyKey(s: IdempotencyScope, claimId: string) {
    await this.db.run(
      `DELETE FROM idempotency WHERE subscriber_id = ? AND scope = ? AND key = ? AND state = 'pending' AND claim_id = ?`,
      [s.subscriberId, s.scope, s.key, claimId],
    );
  }

  async releasePendingClaims() {
    return this.db.run(`DELETE FROM idempotency WHERE state = 'pending'`);
  }

  async heartbeat(now: string, leaseMs: number) {
    const lapsed = new Date(Date.parse(now) - leaseMs).toISOString();
    return this.db.transaction(async (tx) => {
      await tx.run(
        'INSERT INTO hub_instances (id, started_at, heartbeat_at) VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at',
        [this.instanceId, now, now],
      );
      // A claim of no instance was left by a hub from before instances were named.
      const freed = await tx.run(
        `DELETE FROM idempotency WHERE state = 'pending' AND (instance_id IN (SELECT id FROM hub_instances WHERE heartbeat_at < ?) OR (instance_id IS NULL AND created_at < ?))`,
        [lapsed, lapsed],
      );
      await tx.run('DELETE FROM hub_instances WHERE heartbeat_at < ?', [lapsed]);
      return freed;
    });
  }

  async leave() {
    await this.db.run('DELETE FROM hub_instances WHERE id = ?', [this.instanceId]);
  }

  async recordDocument(d: DocumentRecord, events: EventToAppend[], result: IdempotentResult) {
    return this.db.transaction(async (tx) => {
      await tx.run(
        'INSERT INTO documents (id, sender_id, recipient_id, data, sha256, status, signature_state) VALUES (?, ?, ?, ?, ?, ?, ?)',
        [d.id, d.senderId, d.recipientId, JSON.stringify(d), d.blob.sha256, d.status, d.signatureState ?? null],
      );
      await this.finishIdempotent(tx, result);
      return this.appendEventsIn(tx, events, d.sentAt);
    });
  }

  async getDocument(id: string) {
    const row = await this.db.get<DocumentRow>(`SELECT ${documentColumns} FROM documents WHERE id = ?`, [id]);
    return row && toDocument(row);
  }

  async getWorkflow(documentId: string): Promise<StoredWorkflow | undefined> {
    const row = await this.db.get<
      WorkflowRow & { annulment_proposal_id: string | null; annulment_proposed_by: string | null }
    >(
      'SELECT signature_state, recipient_signature, annulment_state, annulment_proposal_id, annulment_proposed_by FROM documents WHERE id = ?',
      [documentId],
    );
    if (!row) return undefined;
    return {
      workflow: toWorkflow(row),
      ...(row.annulment_proposal_id ? { annulmentProposalId: row.annulment_proposal_id } : {}),
      ...(row.annulment_proposed_by ? { annulmentProposedBy: row.annulment_proposed_by } : {}),
    };
  }

  async recordWorkflowStep(
    step: WorkflowStepRecord,
    result: (workflow: DocumentWorkflow) => IdempotentResult,
  ): Promise<WorkflowStepRecorded> {
    return this.db.transaction(async (tx) => {
      // The document's row is locked first (FOR UPDATE on PostgreSQL; SQLite's write lock is
      // whole-file), so two steps on one document are judged one after the other.
      const row = await tx.get<
        WorkflowRow & { sender_id: string; annulment_proposal_id: string | null; annulment_proposed_by: string | null }
      >(
        `SELECT sender_id, signature_state, recipient_signature, annulment_state, annulment_proposal_id, annulment_proposed_by FROM documents WHERE id = ?${
          tx.dialect === 'postgres' ? ' FOR UPDATE' : ''
        }`,
        [step.documentId],
      );
      if (!row) throw new Error(`workflow step for unknown document ${step.documentId}`);
      const sideOf = (id: string) => (id === row.sender_id ? 'sender' : 'recipient');
      const verdict = workflowTransition(step.step, {
        workflow: toWorkflow(row),
        actor: sideOf(step.actorId),
        ...(row.annulment_proposed_by ? { annulmentProposedBy: sideOf(row.annulment_proposed_by) } : {}),
      });
      if (!verdict.ok) return { kind: 'refused', error: verdict.error, message: verdict.message };
      if (step.proposalId !== undefined && step.proposalId !== row.annulment_proposal_id) {
        return {
          kind: 'refused',
          error: 'annulment-not-pending',
          message: `The annulment proposal ${step.proposalId} is not the one waiting for an answer`,
        };
      }
      const { workflow } = verdict;
      const proposed = step.step === 'propose-annulment' && step.serviceDocument;
      await tx.run(
        'UPDATE documents SET signature_state = ?, recipient_signature = ?, annulment_state = ?, annulment_proposal_id = ?, annulment_proposed_by = ? WHERE id = ?',
        [
          workflow.signatureState ?? null,
          step.recipientSignature ? JSON.stringify(step.recipientSignature) : row.recipient_signature,
          workflow.annulmentState ?? null,
          proposed ? proposed.id : row.annulment_proposal_id,
          proposed ? step.actorId : row.annulment_proposed_by,
          step.documentId,
        ],
      );
      const recorded: DocumentWorkflow = step.recipientSignature
        ? { ...workflow, recipientSignature: step.recipientSignature }
        : workflow;
      const sd = step.serviceDocument;
      if (sd) {
        await tx.run(
          'INSERT INTO service_documents (id, document_id, type, data, posted_at, receipt_of) VALUES (?, ?, ?, ?, ?, NULL)',
          [sd.id, sd.documentId, sd.type, JSON.stringify(sd), sd.postedAt],
        );
      }
      await this.finishIdempotent(tx, result(recorded));
      return {
        kind: 'recorded',
        workflow: recorded,
        appended: await this.appendEventsIn(tx, step.events(recorded), step.at),
      };
    });
  }

  async listServiceDocuments(documentId: string) {
    const rows = await this.db.all<{ data: string }>(
      `SELECT data FROM service_documents WHERE document_id = ? ORDER BY posted_at, ${this.insertionOrder}`,
      [documentId],
    );
    return rows.map((r) => JSON.parse(r.data) as ServiceDocument);
  }

  async recordServiceDocument(
    sd: ServiceDocument,
    change: ServiceDocumentStatusChange,
    result: IdempotentResult,
  ): Promise<ServiceDocumentRecorded> {
    return this.db.transaction(async (tx) => {
      const receiptOf = sd.type === 'receipt' ? sd.parentId : null;
      // The document's row is locked first (FOR UPDATE on PostgreSQL; SQLite's write lock is
      // whole-file), so service documents of one document are recorded one at a time.
      const row = await tx.get<{ status: Document['status'] }>(
        `SELECT status FROM documents WHERE id = ?${tx.dialect === 'postgres' ? ' FOR UPDATE' : ''}`,
        [sd.documentId],
      );
      if (!row) throw new Error(`service document for unknown document ${sd.documentId}`);
      // Checked in the transaction, so two receipts posted at once cannot both pass; the unique index backs it.
      if (
        receiptOf &&
        (await tx.get('SELECT 1 AS one FROM service_documents WHERE document_id = ? AND receipt_of = ?', [
          sd.documentId,
          receiptOf,
        ]))
      ) {
        return { kind: 'receipt-exists' };
      }
      const status = change.next(row.status);
      await tx.run(
        'INSERT INTO service_documents (id, document_id, type, data, posted_at, receipt_of) VALUES (?, ?, ?, ?, ?, ?)',
        [sd.id, sd.documentId, sd.type, JSON.stringify(sd), sd.postedAt, receiptOf],
      );
      if (status !== row.status) await tx.run('UPDATE documents SET status = ? WHERE id = ?', [status, sd.documentId]);
      await this.finishIdempotent(tx, result);
      return {
        kind: 'recorded',
        appended: await this.appendEventsIn(tx, change.events(row.status, status), sd.postedAt),
      };
    });
  }

  async markDelivered(documentId: string, at: string, events: (status: Document['status']) => EventToAppend[]) {
    return this.db.transaction(async (tx) => {
      // Only the first fetch counts, and a later status (receipt) is never set back.
      const row = await tx.get<{ status: Document['status'] }>(
        `UPDATE documents SET delivered_at = ?, status = CASE status WHEN 'sent' THEN 'delivered' ELSE status END WHERE id = ? AND delivered_at IS NULL RETURNING status`,
        [at, documentId],
      );
      return row ? this.appendEventsIn(tx, events(row.status), at) : undefined;
    });
  }

  async listEvents(subscriberId: string, after: number, limit: number) {
    const rows = await this.db.all<{ seq: number; payload: string; at: string }>(
      'SELECT seq, payload, at FROM events WHERE subscriber_id = ? AND seq > ? ORDER BY seq LIMIT ?',
      [subscriberId, after, limit],
    );
    return rows.map((r) => ({ ...(JSON.parse(r.payload) as object), seq: r.seq, at: r.at }) as HubEvent);
  }

  async close() {
    await this.db.close();
  }
}
