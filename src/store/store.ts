// The client's local database: what the clerk sees (Inbox, Outbox, pending service documents)
// and what makes a session exactly-once in effect (the outbox with its idempotency keys, the
// cursors). One SQLite file per profile, WAL, opened by whichever process runs a session.
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type {
  AnnulmentState,
  ContactState,
  Direction,
  DocumentStatus,
  ListStatus,
  LogLevel,
  PendingReason,
  RecipientSignatureState,
  SessionOutcome,
  SessionStep,
  SessionTrigger,
  ServiceDocumentStatus,
  ServiceDocumentType,
  SignatureProblem,
  SignatureState,
  WorkflowStep,
} from '../vocabulary';
import { SignatureStatusLine, type LongTermVerdict } from '../vocabulary/signature-status';
import type { DocumentWorkflow, WorkflowStepBody } from '../protocol/documents';
import type { PowerOfAttorneyRecord, SignedUnderPowerOfAttorney } from '../protocol/powers-of-attorney';
import type { Contact as HubContact } from '../protocol/directory';
import { BlobStore } from './blobs';
import { migrate } from './migrations';

export interface Subscriber {
  id: string;
  name: string;
  inn?: string | null;
  kpp?: string | null;
  operator?: string | null;
}

export interface Contact {
  id: string;
  counterpartyId: string;
  state: ContactState;
  /** When the relation last changed, as the hub said. */
  updatedAt: string;
}

export interface DocumentRow {
  id: number;
  hubId: string | null;
  direction: Direction;
  status: DocumentStatus;
  /** The status the lists show (see ListStatus), computed by the query. */
  listStatus: ListStatus;
  statusReason: string | null;
  counterpartyId: string;
  counterpartyName: string;
  title: string;
  kind: string;
  fileName: string;
  blobHash: string;
  size: number;
  needsReceipt: boolean;
  signatureState: SignatureState;
  signatureProblem: string | null;
  /** The document's own workflow (docs/architecture.md §5a), as the hub last said it. */
  signatureRequested: boolean;
  recipientSignatureState: RecipientSignatureState | null;
  recipientSignature: Buffer | null;
  /** The МЧД the recipient signed under (a personal certificate), as the hub found it at the signing time. */
  recipientSignerPowerOfAttorney: SignedUnderPowerOfAttorney | null;
  annulmentState: AnnulmentState | null;
  annulmentProposalHubId: string | null;
  /** Whether the annulment proposal waiting (or answered last) is ours. */
  annulmentProposedByUs: boolean | null;
  /** The МЧД its signer (the sender) signed under: the hub's account at the signing time; null: none needed. */
  signerPowerOfAttorney: SignedUnderPowerOfAttorney | null;
  createdAt: string;
  sentAt: string | null;
  receivedAt: string | null;
  updatedAt: string;
}

export interface ServiceDocumentRow {
  id: number;
  hubId: string | null;
  documentId: number;
  parentId: number | null;
  type: ServiceDocumentType;
  direction: Direction;
  status: ServiceDocumentStatus;
  /** Why it waits (ours, pending); `pendingReason` says it in words for the log and the CLI. */
  pendingCode: PendingReason | null;
  pendingReason: string | null;
  text: string | null;
  fileName: string | null;
  xmlHash: string | null;
  signature: Buffer | null;
  signatureState: SignatureState;
  signatureProblem: string | null;
  /** A received one's signature problems as codes (certificate-revoked, ...); empty when valid or judged before codes were kept. */
  signatureProblems: { code: SignatureProblem; message: string }[];
  /** A received one's long-term status line (docs/architecture.md §7); null for our own and for rows from before. */
  statusLine: SignatureStatusLine | null;
  /** When its signature was last checked. */
  verifiedAt: string | null;
  /** The hub's time of its posting: the time that counts when its signature carries no time-stamp. */
  postedAt: string | null;
  /** The МЧД its signer signed under (see DocumentRow). */
  signerPowerOfAttorney: SignedUnderPowerOfAttorney | null;
  createdAt: string;
  updatedAt: string;
}

/** A received service document's signature as the session judged it: a long-term verdict (valid null: undetermined). */
export type ServiceSignatureCheck = Pick<SignatureCheck, 'valid' | 'problems' | 'statusLine'>;

/** A received service document whose signature's verdict is still undetermined: the session's recheck step. */
export interface UndeterminedServiceDocument {
  id: number;
  documentId: number;
  type: ServiceDocumentType;
  signature: Buffer;
  xmlHash: string;
  postedAt: string | null;
}

/** An МЧД a signature in this profile was made under, its files in the blob store as the hub keeps them. */
export interface StoredPowerOfAttorney {
  principalInn: string;
  number: string;
  fileName: string;
  xmlHash: string;
  signatureHash: string;
  record: PowerOfAttorneyRecord;
  storedAt: string;
}

const jsonOrNull = <T>(v: unknown): T | null => (typeof v === 'string' ? (JSON.parse(v) as T) : null);

/** A workflow step the clerk signed, waiting to be posted with its key (or posted, or refused for good). */
export interface WorkflowStepRow {
  id: number;
  documentId: number;
  step: WorkflowStep;
  proposalHubId: string | null;
  /** The route's JSON body, exactly as first posted. */
  body: WorkflowStepBody;
  idempotencyKey: string;
  state: 'waiting' | 'done' | 'failed';
  attempts: number;
  lastError: string | null;
  refusal: string | null;
  createdAt: string;
}

export interface SignatureCheck {
  cms: Buffer;
  signer?: string | null;
  signingTime?: string | null;
  /** null: not verified (our own signature, made a moment ago), or its long-term verdict is undetermined */
  valid: boolean | null;
  problems?: { code: SignatureProblem; message: string }[];
  /** A received signature's long-term verdict and its status line (docs/architecture.md §7); absent for our own. */
  verdict?: LongTermVerdict | null;
  statusLine?: SignatureStatusLine | null;
}

/** A stored signature, with when it was last checked. */
export type StoredSignature = SignatureCheck & { id: number; verifiedAt: string | null };

/** A received signature whose verdict is still undetermined, with what its next check needs. */
export interface UndeterminedSignature {
  id: number;
  documentId: number;
  cms: Buffer;
  blobHash: string;
  /** The operator's send time: the time that counts when the signature carries no time-stamp. */
  sentAt: string | null;
  title: string;
}

export interface OutboxItem {
  id: number;
  itemType: 'document' | 'service-document';
  itemId: number;
  idempotencyKey: string;
  attempts: number;
  lastError: string | null;
  /** Why it stopped for good: the hub's error code, or "unsendable" (it cannot be sent from here). */
  refusal: string | null;
}

export interface DocumentQuery {
  direction: Direction;
  /** words from the title, file name or counterparty */
  search?: string;
  counterpartyId?: string;
  status?: ListStatus | readonly ListStatus[];
  /** ISO date-times, inclusive bounds on the send date (or the local creation date before sending) */
  from?: string;
  to?: string;
  limit?: number;
  offset?: number;
}

export interface SessionRunRow {
  id: number;
  trigger: SessionTrigger;
  mode: string;
  pid: number;
  startedAt: string;
  finishedAt: string | null;
  outcome: SessionOutcome;
  summary: Record<string, unknown>;
}

type Row = Record<string, unknown>;

export interface LogLine {
  runId: number;
  at: string;
  level: LogLevel;
  step: SessionStep;
  message: string;
}

const now = () => new Date().toISOString();

function toDocument(r: Row): DocumentRow {
  return {
    id: r.id as number,
    hubId: r.hub_id as string | null,
    direction: r.direction as Direction,
    status: r.status as DocumentStatus,
    listStatus: r.list_status as ListStatus,
    statusReason: r.status_reason as string | null,
    counterpartyId: r.counterparty_id as string,
    counterpartyName: r.counterparty_name as string,
    title: r.title as string,
    kind: r.kind as string,
    fileName: r.file_name as string,
    blobHash: r.blob_hash as string,
    size: r.size as number,
    needsReceipt: r.needs_receipt === 1,
    signatureState: r.signature_state as SignatureState,
    signatureProblem: r.signature_problem as string | null,
    signatureRequested: r.signature_requested === 1,
    recipientSignatureState: r.recipient_signature_state as RecipientSignatureState | null,
    recipientSignature: r.recipient_signature as Buffer | null,
    recipientSignerPowerOfAttorney: jsonOrNull(r.recipient_signer_power_of_attorney),
    annulmentState: r.annulment_state as AnnulmentState | null,
    annulmentProposalHubId: r.annulment_proposal_hub_id as string | null,
    annulmentProposedByUs:
      r.annulment_proposed_by_us === null || r.annulment_proposed_by_us === undefined
        ? null
        : r.annulment_proposed_by_us === 1,
    signerPowerOfAttorney: jsonOrNull(r.signer_power_of_attorney),
    createdAt: r.created_at as string,
    sentAt: r.sent_at as string | null,
    receivedAt: r.received_at as string | null,
    updatedAt: r.updated_at as string,
  };
}

function toWorkflowStep(r: Row): WorkflowStepRow {
  return {
    id: r.id as number,
    documentId: r.document_id as number,
    step: r.step as WorkflowStep,
    proposalHubId: r.proposal_hub_id as string | null,
    body: JSON.parse(r.body as string) as WorkflowStepBody,
    idempotencyKey: r.idempotency_key as string,
    state: r.state as WorkflowStepRow['state'],
    attempts: r.attempts as number,
    lastError: r.last_error as string | null,
    refusal: r.refusal as string | null,
    createdAt: r.created_at as string,
  };
}

function toServiceDocument(r: Row): ServiceDocumentRow {
  return {
    id: r.id as number,
    hubId: r.hub_id as string | null,
    documentId: r.document_id as number,
    parentId: r.parent_id as number | null,
    type: r.type as ServiceDocumentType,
    direction: r.direction as Direction,
    status: r.status as ServiceDocumentStatus,
    pendingCode: r.pending_code as PendingReason | null,
    pendingReason: r.pending_reason as string | null,
    text: r.text as string | null,
    fileName: r.file_name as string | null,
    xmlHash: r.xml_hash as string | null,
    signature: r.signature as Buffer | null,
    signatureState: r.signature_state as SignatureState,
    signatureProblem: r.signature_problem as string | null,
    signatureProblems: jsonOrNull<{ code: SignatureProblem; message: string }[]>(r.signature_problems) ?? [],
    statusLine: r.status_line === null ? null : SignatureStatusLine.parse(JSON.parse(r.status_line as string)),
    verifiedAt: r.verified_at as string | null,
    postedAt: r.posted_at as string | null,
    signerPowerOfAttorney: jsonOrNull(r.signer_power_of_attorney),
    createdAt: r.created_at as string,
    updatedAt: r.updated_at as string,
  };
}

/** The service_documents columns of a signature check: undetermined is "unverified", never "valid". */
function serviceSignatureColumns(check: ServiceSignatureCheck) {
  const problems = check.valid === false ? (check.problems ?? []) : [];
  return {
    state: (check.valid === null ? 'unverified' : check.valid ? 'valid' : 'invalid') satisfies SignatureState,
    problem: check.valid === false ? problems.map((p) => p.message).join('; ') || 'the signature is not valid' : null,
    problems: JSON.stringify(problems),
    statusLine: check.statusLine ? JSON.stringify(check.statusLine) : null,
  };
}

function toRun(r: Row): SessionRunRow {
  return {
    id: r.id as number,
    trigger: r.trigger as SessionTrigger,
    mode: r.mode as string,
    pid: r.pid as number,
    startedAt: r.started_at as string,
    finishedAt: r.finished_at as string | null,
    outcome: r.outcome as SessionOutcome,
    summary: JSON.parse(r.summary as string) as Record<string, unknown>,
  };
}

function toOutbox(r: Row): OutboxItem {
  return {
    id: r.id as number,
    itemType: r.item_type as OutboxItem['itemType'],
    itemId: r.item_id as number,
    idempotencyKey: r.idempotency_key as string,
    attempts: r.attempts as number,
    lastError: r.last_error as string | null,
    refusal: r.refusal as string | null,
  };
}

function signatureSummary(checks: SignatureCheck[]): { state: SignatureState; problem: string | null } {
  if (checks.length === 0) return { state: 'invalid', problem: 'the document carries no signature' };
  if (checks.some((c) => c.valid === false)) {
    const problems = checks.flatMap((c) => (c.valid === false ? (c.problems ?? []).map((p) => p.message) : []));
    return { state: 'invalid', problem: problems.join('; ') || 'the signature is not valid' };
  }
  return { state: checks.every((c) => c.valid === true) ? 'valid' : 'unverified', problem: null };
}

const invalidReason = (problem: string | null) =>
  `the signature does not verify (${problem}): a receipt notice is not due; send a clarification request`;

/** FTS5 trigram needs 3 characters; shorter words fall back to LIKE. Quotes make words literal. */
function ftsQuery(search: string): string | undefined {
  const words = search.split(/\s+/).filter((w) => w.length >= 3);
  if (words.length === 0) return undefined;
  return words.map((w) => `"${w.replaceAll('"', '""')}"`).join(' AND ');
}

/**
 * A receipt notice of ours for the document `d` still to be signed or sent; the lookup uses the
 * partial unique index of our receipt notices.
 */
const receiptWaitingSql = `EXISTS (SELECT 1 FROM service_documents r
    WHERE r.document_id = d.id AND r.direction = 'out' AND r.type = 'receipt' AND r.status IN ('pending', 'signed'))`;

/**
 * The list status of `d` (a row of documents): a received document whose signature does not
 * verify, or whose signature's verdict is still undetermined (the session checks it again), or
 * whose receipt notice still waits, shows that; every other one its stored status.
 */
export const listStatusSql = `CASE
  WHEN d.direction = 'in' AND d.signature_state = 'invalid' THEN 'signature-invalid'
  WHEN d.direction = 'in' AND d.signature_state = 'unverified' THEN 'signature-unchecked'
  WHEN d.status = 'received' AND ${receiptWaitingSql} THEN 'receipt-pending'
  ELSE d.status END`;
const documentColumns = `d.*, ${listStatusSql} AS list_status`;

/** The list statuses a received document's signature state gives (listStatusSql's first branches). */
const signatureStateOf: Partial<Record<ListStatus, SignatureState>> = {
  'signature-invalid': 'invalid',
  'signature-unchecked': 'unverified',
};

/**
 * The rows listStatusSql gives one list status, branch by branch, as conditions on the columns
 * the indexes hold (migration 7): a filter counts 100,000 rows from an index instead of
 * evaluating the CASE on each row. A stored status it compares is the statement parameter `param`.
 */
function listStatusCondition(
  direction: Direction,
  status: ListStatus,
  param: string,
): { sql: string; stored?: ListStatus } {
  const signature = signatureStateOf[status];
  if (signature) return { sql: direction === 'in' ? `d.signature_state = '${signature}'` : '0' };
  // An incoming document shows its stored status only when its signature is neither invalid nor unchecked.
  const all = (...conditions: string[]) =>
    `(${[...conditions, ...(direction === 'in' ? ["d.signature_state = 'valid'"] : [])].join(' AND ')})`;
  if (status === 'receipt-pending') return { sql: all(`d.status = 'received'`, receiptWaitingSql) };
  if (status === 'received') return { sql: all(`d.status = 'received'`, `NOT ${receiptWaitingSql}`) };
  return { sql: all(`d.status = @${param}`), stored: status };
}

export class ClerkStore {
  readonly blobs: BlobStore;

  private readonly statements = new Map<string, Database.Statement>();
  /** Session log lines wait for the next commit: they land with the work they describe, without a flush of their own. */
  private pendingLog: LogLine[] = [];

  private constructor(
    readonly db: Database.Database,
    readonly dir: string,
  ) {
    this.blobs = new BlobStore(join(dir, 'blobs'));
  }

  /** Prepared once per SQL text: preparing costs more than running a small statement. */
  private sql(text: string): Database.Statement {
    let statement = this.statements.get(text);
    if (!statement) {
      statement = this.db.prepare(text);
      this.statements.set(text, statement);
    }
    return statement;
  }

  /** Opens (creating and migrating if needed) the store of a profile directory. */
  static open(profileDir: string): ClerkStore {
    mkdirSync(profileDir, { recursive: true });
    const db = new Database(join(profileDir, 'clerk.sqlite'));
    db.pragma('journal_mode = WAL');
    // FULL: a commit survives a power cut, which is what lets the cursor and the outbox vouch for what was stored.
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 10000');
    migrate(db);
    return new ClerkStore(db, profileDir);
  }

  close(): void {
    if (this.pendingLog.length > 0) this.transaction(() => undefined);
    this.db.close();
  }

  transaction<T>(fn: () => T): T {
    return this.db
      .transaction(() => {
        const result = fn();
        this.flushLog();
        return result;
      })
      .immediate();
  }

  private flushLog(): void {
    const lines = this.pendingLog;
    this.pendingLog = [];
    for (const l of lines)
      this.sql('INSERT INTO session_log(run_id, at, level, step, message) VALUES (?, ?, ?, ?, ?)').run(
        l.runId,
        l.at,
        l.level,
        l.step,
        l.message,
      );
  }

  // ---- cursors

  cursor(name: string): string | undefined {
    const r = this.sql('SELECT value FROM cursors WHERE name = ?').get(name) as { value: string } | undefined;
    return r?.value;
  }

  setCursor(name: string, value: string): void {
    this.sql(
      'INSERT INTO cursors(name, value, updated_at) VALUES (?, ?, ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at',
    ).run(name, value, now());
  }

  // ---- subscribers and contacts

  upsertSubscriber(s: Subscriber & { data?: unknown }): void {
    this.sql(
      `INSERT INTO subscribers(id, name, inn, kpp, operator, data, updated_at) VALUES (@id, @name, @inn, @kpp, @operator, @data, @at)
         ON CONFLICT(id) DO UPDATE SET name = excluded.name, inn = excluded.inn, kpp = excluded.kpp, operator = excluded.operator, data = excluded.data, updated_at = excluded.updated_at`,
    ).run({
      id: s.id,
      name: s.name,
      inn: s.inn ?? null,
      kpp: s.kpp ?? null,
      operator: s.operator ?? null,
      data: JSON.stringify(s.data ?? {}),
      at: now(),
    });
  }

  subscriber(id: string): Subscriber | undefined {
    const r = this.sql('SELECT id, name, inn, kpp, operator FROM subscribers WHERE id = ?').get(id) as
      Subscriber | undefined;
    return r;
  }

  /** By exact id or INN, else by a part of the name. */
  findSubscribers(query: string, limit = 20): Subscriber[] {
    return this.sql(
      `SELECT id, name, inn, kpp, operator FROM subscribers
         WHERE id = @q OR inn = @q OR name LIKE '%' || @q || '%' COLLATE NOCASE
         ORDER BY (id = @q OR inn = @q) DESC, name LIMIT @limit`,
    ).all({ q: query, limit }) as Subscriber[];
  }

  upsertContact(c: Contact & { data?: unknown }): void {
    this.sql(
      `INSERT INTO contacts(id, counterparty_id, state, data, updated_at) VALUES (@id, @counterpartyId, @state, @data, @at)
         ON CONFLICT(id) DO UPDATE SET counterparty_id = excluded.counterparty_id, state = excluded.state, data = excluded.data, updated_at = excluded.updated_at`,
    ).run({
      id: c.id,
      counterpartyId: c.counterpartyId,
      state: c.state,
      data: JSON.stringify(c.data ?? {}),
      at: c.updatedAt,
    });
  }

  /** A contact as the hub reports it (a session's feed, or the answer to an invitation); keyed by the other subscriber. */
  recordContact(c: HubContact): Contact {
    const contact = { id: c.subscriber.id, counterpartyId: c.subscriber.id, state: c.state, updatedAt: c.updatedAt };
    this.upsertContact({ ...contact, data: c });
    return contact;
  }

  contact(id: string): Contact | undefined {
    return this.sql(
      'SELECT id, counterparty_id AS counterpartyId, state, updated_at AS updatedAt FROM contacts WHERE id = ?',
    ).get(id) as Contact | undefined;
  }

  contacts(): Contact[] {
    return this.sql(
      'SELECT id, counterparty_id AS counterpartyId, state, updated_at AS updatedAt FROM contacts ORDER BY id',
    ).all() as Contact[];
  }

  // ---- documents

  document(id: number): DocumentRow | undefined {
    const r = this.sql(`SELECT ${documentColumns} FROM documents d WHERE d.id = ?`).get(id) as Row | undefined;
    return r && toDocument(r);
  }

  documentByHubId(hubId: string): DocumentRow | undefined {
    const r = this.sql(`SELECT ${documentColumns} FROM documents d WHERE d.hub_id = ?`).get(hubId) as Row | undefined;
    return r && toDocument(r);
  }

  signatures(documentId: number): StoredSignature[] {
    return (this.sql('SELECT * FROM signatures WHERE document_id = ? ORDER BY id').all(documentId) as Row[]).map(
      (r) => ({
        id: r.id as number,
        cms: r.cms as Buffer,
        signer: r.signer as string | null,
        signingTime: r.signing_time as string | null,
        valid: r.valid === null ? null : r.valid === 1,
        problems: JSON.parse(r.problems as string) as { code: SignatureProblem; message: string }[],
        verdict: r.verdict as LongTermVerdict | null,
        statusLine: r.status_line === null ? null : SignatureStatusLine.parse(JSON.parse(r.status_line as string)),
        verifiedAt: r.verified_at as string | null,
      }),
    );
  }

  private insertSignature(documentId: number, s: SignatureCheck): void {
    this.sql(
      'INSERT INTO signatures(document_id, cms, signer, signing_time, valid, problems, verdict, status_line, verified_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    ).run(
      documentId,
      s.cms,
      s.signer ?? null,
      s.signingTime ?? null,
      s.valid === null ? null : s.valid ? 1 : 0,
      JSON.stringify(s.problems ?? []),
      s.verdict ?? null,
      s.statusLine ? JSON.stringify(s.statusLine) : null,
      s.valid === null && !s.verdict ? null : now(),
    );
  }

  /** Received signatures whose verdict is still undetermined, oldest first: the session's recheck step. */
  undeterminedSignatures(limit = 1000): UndeterminedSignature[] {
    return this.sql(
      `SELECT s.id, s.document_id AS documentId, s.cms, d.blob_hash AS blobHash, d.sent_at AS sentAt, d.title
         FROM signatures s JOIN documents d ON d.id = s.document_id WHERE s.verdict = 'undetermined' ORDER BY s.id LIMIT ?`,
    ).all(limit) as UndeterminedSignature[];
  }

  /**
   * A signature checked again (the recheck step): its verdict and status line replace the old
   * ones, and its document's signature state follows. Once it is found invalid, a receipt notice
   * still waiting for its signature is withdrawn (none is due; the flow answers with a
   * clarification request), as when a signature fails on arrival; one already signed or sent stands.
   */
  recordRecheck(signatureId: number, check: SignatureCheck): void {
    this.transaction(() => {
      const { document_id: documentId } = this.sql('SELECT document_id FROM signatures WHERE id = ?').get(
        signatureId,
      ) as { document_id: number };
      this.sql(
        'UPDATE signatures SET valid = ?, problems = ?, verdict = ?, status_line = ?, verified_at = ? WHERE id = ?',
      ).run(
        check.valid === null ? null : check.valid ? 1 : 0,
        JSON.stringify(check.problems ?? []),
        check.verdict ?? null,
        check.statusLine ? JSON.stringify(check.statusLine) : null,
        now(),
        signatureId,
      );
      const summary = signatureSummary(this.signatures(documentId));
      this.sql('UPDATE documents SET signature_state = ?, signature_problem = ?, updated_at = ? WHERE id = ?').run(
        summary.state,
        summary.problem,
        now(),
        documentId,
      );
      if (summary.state !== 'invalid') return;
      const withdrawn = this.sql(
        `DELETE FROM service_documents WHERE document_id = ? AND direction = 'out' AND type = 'receipt' AND status = 'pending'
           AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.item_type = 'service-document' AND o.item_id = service_documents.id)`,
      ).run(documentId).changes;
      if (withdrawn)
        this.sql('UPDATE documents SET status_reason = ? WHERE id = ?').run(invalidReason(summary.problem), documentId);
    });
  }

  /**
   * Puts a signed document into the outbox: the document, its signature and the outbox entry
   * with its idempotency key are written together, before any attempt to send.
   */
  queueOutgoingDocument(input: {
    counterpartyId: string;
    counterpartyName?: string;
    title: string;
    kind?: string;
    fileName: string;
    blobHash: string;
    size: number;
    needsReceipt?: boolean;
    signatureRequested?: boolean;
    signature: SignatureCheck;
    /** The МЧД the signature is made under (a personal certificate), as the pre-check found it. */
    signerPowerOfAttorney?: SignedUnderPowerOfAttorney;
  }): { documentId: number; idempotencyKey: string } {
    return this.transaction(() => {
      const at = now();
      const { lastInsertRowid } = this.sql(
        `INSERT INTO documents(direction, status, counterparty_id, counterparty_name, title, kind, file_name, blob_hash, size, needs_receipt, signature_requested, signature_state, signer_power_of_attorney, created_at, updated_at, sort_at)
           VALUES ('out', 'queued', @counterpartyId, @counterpartyName, @title, @kind, @fileName, @blobHash, @size, @needsReceipt, @signatureRequested, @state, @poa, @at, @at, @at)`,
      ).run({
        counterpartyId: input.counterpartyId,
        counterpartyName: input.counterpartyName ?? this.subscriber(input.counterpartyId)?.name ?? '',
        title: input.title,
        kind: input.kind ?? '',
        fileName: input.fileName,
        blobHash: input.blobHash,
        size: input.size,
        needsReceipt: input.needsReceipt === false ? 0 : 1,
        signatureRequested: input.signatureRequested ? 1 : 0,
        state: signatureSummary([input.signature]).state,
        poa: input.signerPowerOfAttorney ? JSON.stringify(input.signerPowerOfAttorney) : null,
        at,
      });
      const documentId = Number(lastInsertRowid);
      this.insertSignature(documentId, input.signature);
      const idempotencyKey = this.addToOutbox('document', documentId);
      return { documentId, idempotencyKey };
    });
  }

  private addToOutbox(itemType: OutboxItem['itemType'], itemId: number): string {
    const key = randomUUID();
    this.sql('INSERT INTO outbox(item_type, item_id, idempotency_key, created_at) VALUES (?, ?, ?, ?)').run(
      itemType,
      itemId,
      key,
      now(),
    );
    return key;
  }

  waitingOutbox(): OutboxItem[] {
    return (this.sql("SELECT * FROM outbox WHERE state = 'waiting' ORDER BY id").all() as Row[]).map(toOutbox);
  }

  /** An attempt that failed on the way (the item stays waiting). Attempts are counted with their outcome, not before: a crash mid-request leaves the count one short, nothing else. */
  noteOutboxError(outboxId: number, error: string): void {
    this.sql('UPDATE outbox SET last_error = ?, attempts = attempts + 1 WHERE id = ?').run(error, outboxId);
  }

  /** The hub accepted an outgoing document: record its id and close the outbox entry, together. */
  completeDocumentSend(
    outboxId: number,
    documentId: number,
    hub: { hubId: string; sentAt?: string | null; signerPowerOfAttorney?: SignedUnderPowerOfAttorney },
  ): void {
    this.transaction(() => {
      const at = now();
      this.sql(
        `UPDATE documents SET hub_id = @hubId, status = CASE WHEN status = 'queued' THEN 'sent' ELSE status END,
             sent_at = COALESCE(@sentAt, sent_at, @at), sort_at = COALESCE(@sentAt, sent_at, @at), signer_power_of_attorney = COALESCE(@poa, signer_power_of_attorney), updated_at = @at WHERE id = @id`,
      ).run({
        hubId: hub.hubId,
        sentAt: hub.sentAt ?? null,
        poa: hub.signerPowerOfAttorney ? JSON.stringify(hub.signerPowerOfAttorney) : null,
        at,
        id: documentId,
      });
      this.sql(
        "UPDATE outbox SET state = 'done', done_at = ?, last_error = NULL, attempts = attempts + 1 WHERE id = ?",
      ).run(at, outboxId);
    });
  }

  /**
   * The hub refused for good (not a network failure; `refusal` is its error code), or the item
   * cannot be sent from here (`refusal` "unsendable"): the entry stops, the item says why.
   */
  failOutbox(outboxId: number, refusal: string, reason: string): void {
    this.transaction(() => {
      const item = this.sql('SELECT * FROM outbox WHERE id = ?').get(outboxId) as Row | undefined;
      if (!item) return;
      const at = now();
      this.sql(
        "UPDATE outbox SET state = 'failed', refusal = ?, last_error = ?, done_at = ?, attempts = attempts + 1 WHERE id = ?",
      ).run(refusal, reason, at, outboxId);
      if (item.item_type === 'document') {
        this.sql("UPDATE documents SET status = 'rejected', status_reason = ?, updated_at = ? WHERE id = ?").run(
          reason,
          at,
          item.item_id,
        );
      } else {
        const code: PendingReason = refusal === 'unsendable' ? 'unsendable' : 'refused-by-hub';
        this.sql(
          "UPDATE service_documents SET status = 'pending', pending_code = ?, pending_reason = ?, updated_at = ? WHERE id = ?",
        ).run(code, reason, at, item.item_id);
      }
    });
  }

  /**
   * The clerk's answer to a document the hub refused: send it again as it is, once the cause is
   * put right (the contact accepted, the hub's settings changed), or take it out of the outbox.
   * Only a refused document qualifies; one the hub accepted is the counterparty's as much as
   * ours. The hub released the refused attempt's idempotency key, so the same key serves the retry.
   * Returns false when `documentId` is not a refused outgoing document.
   */
  retryRefusedDocument(documentId: number): boolean {
    return this.transaction(() => {
      const entry = this.refusedOutboxEntry(documentId);
      if (!entry) return false;
      const at = now();
      this.sql(
        "UPDATE outbox SET state = 'waiting', refusal = NULL, last_error = NULL, done_at = NULL WHERE id = ?",
      ).run(entry.id);
      this.sql("UPDATE documents SET status = 'queued', status_reason = NULL, updated_at = ? WHERE id = ?").run(
        at,
        documentId,
      );
      return true;
    });
  }

  /** See retryRefusedDocument. The file stays among the content-addressed blobs, which other documents may share. */
  removeRefusedDocument(documentId: number): boolean {
    return this.transaction(() => {
      const entry = this.refusedOutboxEntry(documentId);
      if (!entry) return false;
      this.sql("DELETE FROM outbox WHERE item_type = 'document' AND item_id = ?").run(documentId);
      // A document the hub never accepted has no service documents or workflow steps yet; its signature goes with it.
      this.sql('DELETE FROM signatures WHERE document_id = ?').run(documentId);
      this.sql('DELETE FROM documents WHERE id = ?').run(documentId);
      return true;
    });
  }

  private refusedOutboxEntry(documentId: number): Row | undefined {
    return this.sql(
      `SELECT o.* FROM outbox o JOIN documents d ON d.id = o.item_id
       WHERE o.item_type = 'document' AND o.item_id = ? AND o.state = 'failed' AND d.direction = 'out' AND d.status = 'rejected'`,
    ).get(documentId) as Row | undefined;
  }

  /**
   * Stores a document the hub told us about (received; or sent by another workplace of ours)
   * with its verified signatures; a replayed event finds it by its hub id and changes nothing.
   * A received document that needs a receipt gets its pending receipt notice here, in the
   * caller's transaction; one whose signature does not verify gets none: the flow answers it
   * with a clarification request, which the clerk decides on.
   */
  recordIncomingDocument(input: {
    hubId: string;
    direction?: Direction;
    counterpartyId: string;
    counterpartyName?: string;
    title: string;
    kind?: string;
    fileName: string;
    blobHash: string;
    size: number;
    needsReceipt: boolean;
    sentAt?: string | null;
    signatures: SignatureCheck[];
    /** The МЧД the sender's signer signed under, as the hub found it. */
    signerPowerOfAttorney?: SignedUnderPowerOfAttorney;
  }): { documentId: number; created: boolean } {
    const existing = this.documentByHubId(input.hubId);
    if (existing) return { documentId: existing.id, created: false };
    const at = now();
    const direction = input.direction ?? 'in';
    const summary = signatureSummary(input.signatures);
    const { lastInsertRowid } = this.sql(
      `INSERT INTO documents(hub_id, direction, status, counterparty_id, counterparty_name, title, kind, file_name, blob_hash, size, needs_receipt,
           signature_state, signature_problem, signer_power_of_attorney, created_at, sent_at, received_at, updated_at, sort_at)
         VALUES (@hubId, @direction, @status, @counterpartyId, @counterpartyName, @title, @kind, @fileName, @blobHash, @size, @needsReceipt,
           @state, @problem, @poa, @at, @sentAt, @at, @at, COALESCE(@sentAt, @at))`,
    ).run({
      hubId: input.hubId,
      direction,
      status: direction === 'in' ? 'received' : 'sent',
      counterpartyId: input.counterpartyId,
      counterpartyName: input.counterpartyName ?? this.subscriber(input.counterpartyId)?.name ?? '',
      title: input.title,
      kind: input.kind ?? '',
      fileName: input.fileName,
      blobHash: input.blobHash,
      size: input.size,
      needsReceipt: input.needsReceipt ? 1 : 0,
      state: summary.state,
      problem: summary.problem,
      poa: input.signerPowerOfAttorney ? JSON.stringify(input.signerPowerOfAttorney) : null,
      at,
      sentAt: input.sentAt ?? null,
    });
    const documentId = Number(lastInsertRowid);
    for (const s of input.signatures) this.insertSignature(documentId, s);
    if (direction === 'in' && input.needsReceipt) {
      // An undetermined signature gets its receipt notice as a valid one does: the ИОП confirms
      // that the file and its signature were received (and when), not that the signature is
      // valid, and holding it back over a responder's outage would stall the sender's proof of
      // delivery. Found invalid later (recordRecheck), a notice not signed yet is withdrawn.
      if (summary.state === 'invalid') this.setDocumentStatus(documentId, 'received', invalidReason(summary.problem));
      else this.requireServiceDocument(documentId, 'receipt');
    }
    return { documentId, created: true };
  }

  setDocumentStatus(documentId: number, status: DocumentStatus, reason: string | null = null): void {
    this.sql('UPDATE documents SET status = ?, status_reason = ?, updated_at = ? WHERE id = ?').run(
      status,
      reason,
      now(),
      documentId,
    );
  }

  /** Records the hub's send date (from its confirmation) for the lists' ordering. */
  setDocumentSentAt(documentId: number, sentAt: string): void {
    this.sql('UPDATE documents SET sent_at = ?, sort_at = ?, updated_at = ? WHERE id = ?').run(
      sentAt,
      sentAt,
      now(),
      documentId,
    );
  }

  listDocuments(q: DocumentQuery): { items: DocumentRow[]; total: number } {
    const where = ['d.direction = @direction'];
    const params: Record<string, unknown> = { direction: q.direction, limit: q.limit ?? 50, offset: q.offset ?? 0 };
    let from = 'documents d';
    if (q.search?.trim()) {
      const fts = ftsQuery(q.search.trim());
      if (fts) {
        from = 'documents_search s JOIN documents d ON d.id = s.rowid';
        where.push('documents_search MATCH @fts');
        params.fts = fts;
      } else {
        where.push('(d.title LIKE @like OR d.file_name LIKE @like OR d.counterparty_name LIKE @like)');
        params.like = `%${q.search.trim()}%`;
      }
    }
    if (q.counterpartyId) {
      where.push('d.counterparty_id = @counterpartyId');
      params.counterpartyId = q.counterpartyId;
    }
    if (q.status) {
      const statuses: readonly ListStatus[] = typeof q.status === 'string' ? [q.status] : q.status;
      const conditions = statuses.map((s, i) => {
        const { sql, stored } = listStatusCondition(q.direction, s, `stored${i}`);
        if (stored !== undefined) params[`stored${i}`] = stored;
        return sql;
      });
      where.push(`(${conditions.join(' OR ')})`);
    }
    if (q.from) {
      where.push('d.sort_at >= @from');
      params.from = q.from;
    }
    if (q.to) {
      where.push('d.sort_at <= @to');
      params.to = q.to;
    }
    const sql = `FROM ${from} WHERE ${where.join(' AND ')}`;
    const items = (
      this.sql(`SELECT ${documentColumns} ${sql} ORDER BY d.sort_at DESC, d.id DESC LIMIT @limit OFFSET @offset`).all(
        params,
      ) as Row[]
    ).map(toDocument);
    const { total } = this.sql(`SELECT count(*) AS total ${sql}`).get(params) as { total: number };
    return { items, total };
  }

  // ---- service documents

  serviceDocument(id: number): ServiceDocumentRow | undefined {
    const r = this.sql('SELECT * FROM service_documents WHERE id = ?').get(id) as Row | undefined;
    return r && toServiceDocument(r);
  }

  serviceDocumentByHubId(hubId: string): ServiceDocumentRow | undefined {
    const r = this.sql('SELECT * FROM service_documents WHERE hub_id = ?').get(hubId) as Row | undefined;
    return r && toServiceDocument(r);
  }

  serviceDocumentsOf(documentId: number): ServiceDocumentRow[] {
    return (this.sql('SELECT * FROM service_documents WHERE document_id = ? ORDER BY id').all(documentId) as Row[]).map(
      toServiceDocument,
    );
  }

  /** A service document the flow requires from us, awaiting a signature; a receipt notice is required once per document. */
  requireServiceDocument(documentId: number, type: 'receipt' | 'clarification', text: string | null = null): number {
    const at = now();
    const r = this.sql(
      `INSERT INTO service_documents(document_id, type, direction, status, pending_code, text, created_at, updated_at)
         VALUES (?, ?, 'out', 'pending', 'awaiting-signature', ?, ?, ?) ON CONFLICT DO NOTHING`,
    ).run(documentId, type, text, at, at);
    if (r.changes === 1) return Number(r.lastInsertRowid);
    const existing = this.sql(
      "SELECT id FROM service_documents WHERE document_id = ? AND type = ? AND direction = 'out'",
    ).get(documentId, type) as { id: number };
    return existing.id;
  }

  /**
   * What the flow still requires from us: to sign (pending) or to send (signed). `refused`
   * holds the refusal code when the hub refused an earlier signed version (or it could not be
   * sent): sessions do not re-sign those on their own (the clerk looks first).
   */
  pendingServiceDocuments(limit = 10_000): (ServiceDocumentRow & { document: DocumentRow; refused: string | null })[] {
    const rows = this.sql(
      `SELECT sd.*, (SELECT o.refusal FROM outbox o WHERE o.item_type = 'service-document' AND o.item_id = sd.id AND o.state = 'failed') AS refused
         FROM service_documents sd WHERE sd.direction = 'out' AND sd.status IN ('pending', 'signed') ORDER BY sd.id LIMIT ?`,
    ).all(limit) as Row[];
    return rows.map((r) => {
      const sd = toServiceDocument(r);
      return { ...sd, document: this.document(sd.documentId)!, refused: r.refused as string | null };
    });
  }

  countPendingServiceDocuments(): number {
    return (
      this.sql(
        "SELECT count(*) AS n FROM service_documents WHERE direction = 'out' AND status IN ('pending', 'signed')",
      ).get() as { n: number }
    ).n;
  }

  /** Why it still waits: the code the UI acts on, and the words (null when the code says it all). */
  setPendingReason(serviceDocumentId: number, code: PendingReason, reason: string | null = null): void {
    this.sql(
      "UPDATE service_documents SET pending_code = ?, pending_reason = ?, updated_at = ? WHERE id = ? AND status = 'pending'",
    ).run(code, reason, now(), serviceDocumentId);
  }

  /**
   * The signed XML and its signature, and the outbox entry that will send them, in one
   * transaction. Undefined (and nothing changed) when the service document is not pending any
   * more (signed or sent meanwhile) or does not exist: no second outbox entry, no orphan one.
   */
  markServiceDocumentSigned(
    serviceDocumentId: number,
    signed: {
      fileName: string;
      xmlHash: string;
      signature: Buffer;
      signerPowerOfAttorney?: SignedUnderPowerOfAttorney;
    },
  ): string | undefined {
    return this.transaction(() => {
      const { changes } = this.sql(
        "UPDATE service_documents SET status = 'signed', pending_code = NULL, pending_reason = NULL, file_name = ?, xml_hash = ?, signature = ?, signature_state = 'valid', signer_power_of_attorney = ?, updated_at = ? WHERE id = ? AND status = 'pending' AND direction = 'out'",
      ).run(
        signed.fileName,
        signed.xmlHash,
        signed.signature,
        signed.signerPowerOfAttorney ? JSON.stringify(signed.signerPowerOfAttorney) : null,
        now(),
        serviceDocumentId,
      );
      if (changes !== 1) return undefined;
      // A version the hub refused was never processed there: the new one goes with a new key.
      this.sql("DELETE FROM outbox WHERE item_type = 'service-document' AND item_id = ? AND state = 'failed'").run(
        serviceDocumentId,
      );
      return this.addToOutbox('service-document', serviceDocumentId);
    });
  }

  completeServiceDocumentSend(outboxId: number, serviceDocumentId: number, hubId: string): void {
    this.transaction(() => {
      const at = now();
      this.sql("UPDATE service_documents SET status = 'sent', hub_id = ?, updated_at = ? WHERE id = ?").run(
        hubId,
        at,
        serviceDocumentId,
      );
      this.sql(
        "UPDATE outbox SET state = 'done', done_at = ?, last_error = NULL, attempts = attempts + 1 WHERE id = ?",
      ).run(at, outboxId);
      const sd = this.serviceDocument(serviceDocumentId)!;
      const doc = this.document(sd.documentId)!;
      if (doc.direction === 'in')
        this.setDocumentStatus(
          doc.id,
          sd.type === 'receipt'
            ? doc.status === 'clarification-sent'
              ? doc.status
              : 'receipt-sent'
            : 'clarification-sent',
        );
    });
  }

  /** A service document from the counterparty or the operator; a replay finds it by hub id. */
  recordIncomingServiceDocument(input: {
    hubId: string;
    documentId: number;
    type: ServiceDocumentType;
    parentId?: number | null;
    text?: string | null;
    fileName?: string | null;
    xmlHash?: string | null;
    signature?: Buffer | null;
    check: ServiceSignatureCheck;
    /** The hub's time of its posting. */
    postedAt?: string | null;
    /** out: one of ours the hub tells us about (a workflow step posted by this or another workplace). */
    direction?: Direction;
    /** The МЧД its signer signed under, as the hub found it. */
    signerPowerOfAttorney?: SignedUnderPowerOfAttorney;
  }): { id: number; created: boolean } {
    const existing = this.serviceDocumentByHubId(input.hubId);
    if (existing) return { id: existing.id, created: false };
    const at = now();
    const r = this.sql(
      `INSERT INTO service_documents(hub_id, document_id, parent_id, type, direction, status, text, file_name, xml_hash, signature, signature_state, signature_problem,
           signature_problems, status_line, verified_at, posted_at, signer_power_of_attorney, created_at, updated_at)
         VALUES (@hubId, @documentId, @parentId, @type, @direction, @status, @text, @fileName, @xmlHash, @signature, @state, @problem,
           @problems, @statusLine, @at, @postedAt, @poa, @at, @at)`,
    ).run({
      hubId: input.hubId,
      direction: input.direction ?? 'in',
      status: input.direction === 'out' ? 'sent' : 'received',
      documentId: input.documentId,
      parentId: input.parentId ?? null,
      type: input.type,
      text: input.text ?? null,
      fileName: input.fileName ?? null,
      xmlHash: input.xmlHash ?? null,
      signature: input.signature ?? null,
      ...serviceSignatureColumns(input.check),
      postedAt: input.postedAt ?? null,
      poa: input.signerPowerOfAttorney ? JSON.stringify(input.signerPowerOfAttorney) : null,
      at,
    });
    return { id: Number(r.lastInsertRowid), created: true };
  }

  /** Received service documents whose signature's verdict is still undetermined, oldest first. */
  undeterminedServiceDocuments(limit = 1000): UndeterminedServiceDocument[] {
    return this.sql(
      `SELECT id, document_id AS documentId, type, signature, xml_hash AS xmlHash, posted_at AS postedAt FROM service_documents
         WHERE signature_state = 'unverified' AND status_line IS NOT NULL AND signature IS NOT NULL AND xml_hash IS NOT NULL ORDER BY id LIMIT ?`,
    ).all(limit) as UndeterminedServiceDocument[];
  }

  /** A received service document's signature checked again: its verdict, codes and status line replace the old ones. */
  recordServiceDocumentRecheck(id: number, check: ServiceSignatureCheck): void {
    const c = serviceSignatureColumns(check);
    this.sql(
      'UPDATE service_documents SET signature_state = ?, signature_problem = ?, signature_problems = ?, status_line = ?, verified_at = ?, updated_at = ? WHERE id = ?',
    ).run(c.state, c.problem, c.problems, c.statusLine, now(), now(), id);
  }

  // ---- powers of attorney (docs/architecture.md §7)

  /** Keeps an МЧД's files (already in the blob store) and the hub's record of it; the first kept stays, as registered files never change. */
  keepPowerOfAttorney(p: Omit<StoredPowerOfAttorney, 'storedAt'>): void {
    this.sql(
      `INSERT INTO powers_of_attorney(principal_inn, number, file_name, xml_hash, signature_hash, record, stored_at) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT DO NOTHING`,
    ).run(
      p.principalInn,
      p.number.toLowerCase(),
      p.fileName,
      p.xmlHash,
      p.signatureHash,
      JSON.stringify(p.record),
      now(),
    );
  }

  powerOfAttorney(principalInn: string, number: string): StoredPowerOfAttorney | undefined {
    const r = this.sql('SELECT * FROM powers_of_attorney WHERE principal_inn = ? AND number = ?').get(
      principalInn,
      number.toLowerCase(),
    ) as Row | undefined;
    return (
      r && {
        principalInn: r.principal_inn as string,
        number: r.number as string,
        fileName: r.file_name as string,
        xmlHash: r.xml_hash as string,
        signatureHash: r.signature_hash as string,
        record: JSON.parse(r.record as string) as PowerOfAttorneyRecord,
        storedAt: r.stored_at as string,
      }
    );
  }

  // ---- the document's own workflow (docs/architecture.md §5a)

  /** The profile's own organization (the login's), which the workflow's XML names as one side. */
  ownSubscriberId(): string | undefined {
    return this.cursor('own-subscriber');
  }

  /**
   * The workflow as the hub said it (a document event, a workflow event, the answer to our
   * step): states replaced whole, the recipient's signature kept once given. The proposal a
   * new annulment state belongs to is recorded with it, and whose it is.
   */
  applyWorkflow(
    documentId: number,
    w: DocumentWorkflow & { signatureRequested?: boolean },
    proposal?: { hubId: string; ours: boolean },
  ): void {
    this.sql(
      `UPDATE documents SET signature_requested = MAX(signature_requested, @requested), recipient_signature_state = COALESCE(@signatureState, recipient_signature_state),
           recipient_signature = COALESCE(@recipientSignature, recipient_signature),
           recipient_signer_power_of_attorney = COALESCE(@recipientPoa, recipient_signer_power_of_attorney), annulment_state = COALESCE(@annulmentState, annulment_state),
           annulment_proposal_hub_id = COALESCE(@proposalHubId, annulment_proposal_hub_id), annulment_proposed_by_us = COALESCE(@proposedByUs, annulment_proposed_by_us),
           updated_at = @at WHERE id = @id`,
    ).run({
      requested: w.signatureRequested || w.signatureState ? 1 : 0,
      signatureState: w.signatureState ?? null,
      recipientSignature: w.recipientSignature ? Buffer.from(w.recipientSignature.signature, 'base64') : null,
      recipientPoa: w.recipientSignature?.signerPowerOfAttorney
        ? JSON.stringify(w.recipientSignature.signerPowerOfAttorney)
        : null,
      annulmentState: w.annulmentState ?? null,
      proposalHubId: proposal?.hubId ?? null,
      proposedByUs: proposal ? (proposal.ours ? 1 : 0) : null,
      at: now(),
      id: documentId,
    });
  }

  /** Our own verification failed the recipient's signature the hub accepted. */
  markRecipientSignatureInvalid(documentId: number): void {
    this.sql(
      "UPDATE documents SET recipient_signature_state = 'recipient-signature-invalid', updated_at = ? WHERE id = ?",
    ).run(now(), documentId);
  }

  /** A step the clerk signed, stored with its body and key before its first attempt. */
  queueWorkflowStep(input: {
    documentId: number;
    step: WorkflowStep;
    proposalHubId?: string | null;
    body: WorkflowStepBody;
  }): WorkflowStepRow {
    const r = this.sql(
      'INSERT INTO workflow_steps(document_id, step, proposal_hub_id, body, idempotency_key, created_at) VALUES (?, ?, ?, ?, ?, ?)',
    ).run(input.documentId, input.step, input.proposalHubId ?? null, JSON.stringify(input.body), randomUUID(), now());
    return this.workflowStep(Number(r.lastInsertRowid))!;
  }

  workflowStep(id: number): WorkflowStepRow | undefined {
    const r = this.sql('SELECT * FROM workflow_steps WHERE id = ?').get(id) as Row | undefined;
    return r && toWorkflowStep(r);
  }

  waitingWorkflowSteps(): WorkflowStepRow[] {
    return (this.sql("SELECT * FROM workflow_steps WHERE state = 'waiting' ORDER BY id").all() as Row[]).map(
      toWorkflowStep,
    );
  }

  workflowStepsOf(documentId: number): WorkflowStepRow[] {
    return (this.sql('SELECT * FROM workflow_steps WHERE document_id = ? ORDER BY id').all(documentId) as Row[]).map(
      toWorkflowStep,
    );
  }

  /** An attempt failed on the way (it stays waiting), the hub refused it for good, or it was posted. */
  noteWorkflowStep(
    id: number,
    outcome:
      { state: 'waiting'; error: string } | { state: 'failed'; refusal: string; error: string } | { state: 'done' },
  ): void {
    const at = now();
    if (outcome.state === 'waiting')
      this.sql('UPDATE workflow_steps SET last_error = ?, attempts = attempts + 1 WHERE id = ?').run(outcome.error, id);
    else if (outcome.state === 'failed')
      this.sql(
        "UPDATE workflow_steps SET state = 'failed', refusal = ?, last_error = ?, attempts = attempts + 1, done_at = ? WHERE id = ?",
      ).run(outcome.refusal, outcome.error, at, id);
    else
      this.sql(
        "UPDATE workflow_steps SET state = 'done', last_error = NULL, attempts = attempts + 1, done_at = ? WHERE id = ?",
      ).run(at, id);
  }

  /**
   * What waits for the clerk's own signature or answer, in every mode (never "Sign all", never
   * the agent): received documents whose signature is requested, and the other side's annulment
   * proposals; a step already signed and waiting to be posted takes its document off the list.
   */
  awaitingOurAnswer(): { signature: DocumentRow[]; annulment: DocumentRow[] } {
    const notQueued = "NOT EXISTS (SELECT 1 FROM workflow_steps w WHERE w.document_id = d.id AND w.state = 'waiting')";
    const rows = (where: string) =>
      (
        this.sql(
          `SELECT ${documentColumns} FROM documents d WHERE ${where} AND ${notQueued} ORDER BY d.id`,
        ).all() as Row[]
      ).map(toDocument);
    return {
      signature: rows(
        "d.direction = 'in' AND d.recipient_signature_state = 'signature-requested' AND COALESCE(d.annulment_state, '') NOT IN ('annulment-proposed', 'annulled')",
      ),
      annulment: rows("d.annulment_state = 'annulment-proposed' AND d.annulment_proposed_by_us = 0"),
    };
  }

  // ---- session runs and their log

  startRun(trigger: SessionTrigger, mode: string): number {
    // A run still "running" belongs to a process that died (the lock guarantees one session at a time).
    this.sql(
      "UPDATE session_runs SET outcome = 'interrupted', finished_at = COALESCE(finished_at, ?) WHERE outcome = 'running'",
    ).run(now());
    return Number(
      this.sql('INSERT INTO session_runs(trigger, mode, pid, started_at) VALUES (?, ?, ?, ?)').run(
        trigger,
        mode,
        process.pid,
        now(),
      ).lastInsertRowid,
    );
  }

  log(runId: number, level: LogLevel, step: SessionStep, message: string): void {
    this.pendingLog.push({ runId, at: now(), level, step, message });
  }

  finishRun(runId: number, outcome: SessionOutcome, summary: Record<string, unknown>): void {
    this.transaction(() =>
      this.sql('UPDATE session_runs SET outcome = ?, summary = ?, finished_at = ? WHERE id = ?').run(
        outcome,
        JSON.stringify(summary),
        now(),
        runId,
      ),
    );
  }

  runs(limit = 20): SessionRunRow[] {
    return (this.sql('SELECT * FROM session_runs ORDER BY id DESC LIMIT ?').all(limit) as Row[]).map(toRun);
  }

  run(id: number): SessionRunRow | undefined {
    const r = this.sql('SELECT * FROM session_runs WHERE id = ?').get(id) as Row | undefined;
    return r && toRun(r);
  }

  runLog(runId: number): Omit<LogLine, 'runId'>[] {
    return this.sql('SELECT at, level, step, message FROM session_log WHERE run_id = ? ORDER BY id').all(runId) as Omit<
      LogLine,
      'runId'
    >[];
  }
}
