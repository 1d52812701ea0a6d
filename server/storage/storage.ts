// The hub's storage interface: whole operations of the exchange, each atomic, so routes never
// see SQL and a PostgreSQL implementation can be added beside the embedded SQLite one. Every
// operation that changes what a subscriber sees appends that subscriber's events in the same
// transaction (per-subscriber sequence: gap-free, strictly ordered).
import type {
  CertificateSummary,
  ContactState,
  Document,
  DocumentWorkflow,
  ErrorCode,
  HubEvent,
  HubEventPayload,
  OperatingMode,
  RecipientSignature,
  ServiceDocument,
  Subscriber,
  WorkflowStep,
} from '../../src/protocol';

export interface SubscriberRecord extends Subscriber {
  operatingMode: OperatingMode;
}

export interface UserRecord {
  id: string;
  subscriberId: string;
  kind: 'person' | 'service';
  name: string;
  login?: string;
  /** scrypt$N$r$p$salt$hash (see server/auth/passwords.ts). */
  passwordHash?: string;
  certificate?: { der: Buffer; summary: CertificateSummary };
}

/** A relation between two subscribers, stored once per pair. */
export interface ContactRecord {
  /** The subscriber who sent the latest invitation. */
  inviterId: string;
  inviteeId: string;
  state: 'invited' | 'connected' | 'rejected';
  message?: string;
  revision: number;
  updatedAt: string;
}

export interface ContactChange {
  inviterId: string;
  inviteeId: string;
  state: ContactRecord['state'];
  message?: string;
  at: string;
  /** Events to append, built from the new revision (one per side). */
  events: (saved: ContactRecord) => EventToAppend[];
}

export interface EventToAppend {
  subscriberId: string;
  payload: HubEventPayload;
}

/** Appended events, for waking up long polls after the commit. */
export type AppendedEvents = { subscriberId: string; seq: number }[];

export interface IdempotencyScope {
  subscriberId: string;
  /** The route: 'send-document', 'service-document:<documentId>'. */
  scope: string;
  key: string;
}

export type IdempotencyClaim =
  /** `claimId` names this claim: only its holder finishes or releases it. */
  | { kind: 'claimed'; claimId: string }
  | { kind: 'replay'; status: number; response: unknown }
  | { kind: 'conflict' }
  | { kind: 'in-progress' };

export interface IdempotentResult extends IdempotencyScope {
  claimId: string;
  status: number;
  response: unknown;
}

/**
 * Thrown (and the transaction rolled back) when a request finishes under a claim it no longer
 * holds: the pending claims were cleared by a hub start, and another request may have run.
 */
export class IdempotencyClaimLost extends Error {
  constructor(readonly scope: IdempotencyScope) {
    super(`The claim on Idempotency-Key "${scope.key}" was cleared while the request ran`);
  }
}

/** A receipt notice answers its parent (the document or the operator's confirmation) once. */
export type ServiceDocumentRecorded = { kind: 'recorded'; appended: AppendedEvents } | { kind: 'receipt-exists' };

/** How a service document changes its document's status, applied inside the recording transaction. */
export interface ServiceDocumentStatusChange {
  /** The status after the service document, given the status before it. */
  next: (before: Document['status']) => Document['status'];
  /** Events to append, built from the status before and after. */
  events: (before: Document['status'], after: Document['status']) => EventToAppend[];
}

/** One step of a document's own workflow (docs/architecture.md §5a), recorded whole or not at all. */
export interface WorkflowStepRecord {
  documentId: string;
  step: WorkflowStep;
  /** The subscriber taking the step: the document's sender or recipient. */
  actorId: string;
  /** The service document the step adds (a refusal, a proposal, an acceptance, a rejection); none for the recipient's signature. */
  serviceDocument?: ServiceDocument;
  recipientSignature?: RecipientSignature;
  /** An answer names the proposal it answers: it must be the one waiting. */
  proposalId?: string;
  at: string;
  /** Events to append, built from the workflow after the step. */
  events: (workflow: DocumentWorkflow) => EventToAppend[];
}

export type WorkflowStepRecorded =
  | { kind: 'recorded'; workflow: DocumentWorkflow; appended: AppendedEvents }
  | { kind: 'refused'; error: ErrorCode; message: string };

/** The document's workflow as stored, with who proposed the annulment that waits (or was answered last). */
export interface StoredWorkflow {
  workflow: DocumentWorkflow;
  annulmentProposalId?: string;
  annulmentProposedBy?: string;
}

export interface DocumentRecord extends Omit<Document, 'serviceDocuments'> {
  senderId: string;
  recipientId: string;
}

export interface TrustedCa {
  fingerprint: string;
  der: Buffer;
  subject: string;
  addedAt: string;
}

export interface Challenge {
  id: string;
  nonce: Buffer;
  expiresAt: string;
}

export type ChallengeUse = { kind: 'ok'; nonce: Buffer } | { kind: 'unknown' } | { kind: 'expired' } | { kind: 'used' };

export interface AccessTokenRecord {
  userId: string;
  subscriberId: string;
  expiresAt: string;
}

export interface HubStorage {
  // ---- operator settings (key/value: the operator's identity, created at first start)
  getSetting(key: string): Promise<string | undefined>;
  setSetting(key: string, value: string): Promise<void>;
  /** Stores the value unless the key has one; returns the stored value (of several instances starting at once, one wins). */
  initSetting(key: string, value: string): Promise<string>;

  // ---- subscribers and users
  addSubscriber(s: {
    id: string;
    name: string;
    inn: string;
    kpp?: string;
    ogrn?: string;
    operatingMode: OperatingMode;
    at: string;
  }): Promise<SubscriberRecord>;
  getSubscriber(id: string): Promise<SubscriberRecord | undefined>;
  findSubscribersByInn(inn: string): Promise<SubscriberRecord[]>;
  listSubscribers(after: number, limit: number): Promise<SubscriberRecord[]>;
  searchSubscribers(query: string, limit: number): Promise<SubscriberRecord[]>;
  addUser(u: UserRecord): Promise<UserRecord>;
  getUser(id: string): Promise<UserRecord | undefined>;
  listUsers(subscriberId?: string): Promise<UserRecord[]>;
  findUserByLogin(login: string): Promise<UserRecord | undefined>;
  findUserByCertificate(fingerprint: string): Promise<UserRecord | undefined>;

  // ---- trust
  addTrustedCa(ca: TrustedCa): Promise<boolean>;
  listTrustedCas(): Promise<TrustedCa[]>;

  // ---- authentication
  createChallenge(c: Challenge): Promise<void>;
  /** Marks the challenge used (once, atomically) and returns its nonce. */
  useChallenge(id: string, now: string): Promise<ChallengeUse>;
  createAccessToken(tokenHash: string, t: AccessTokenRecord): Promise<void>;
  findAccessToken(tokenHash: string, now: string): Promise<AccessTokenRecord | undefined>;
  /** Forgets challenges and tokens that can no longer be used. */
  purgeExpired(now: string): Promise<{ challenges: number; tokens: number }>;

  // ---- contacts
  getContact(a: string, b: string): Promise<ContactRecord | undefined>;
  saveContact(change: ContactChange): Promise<{ contact: ContactRecord; appended: AppendedEvents }>;
  /** The relations of a subscriber changed after `after`, oldest change first. */
  listContacts(subscriberId: string, after: number, limit: number): Promise<ContactRecord[]>;

  // ---- blobs (metadata; the bytes are files, see server/blobs.ts)
  recordBlob(sha256: string, size: number, uploaderId: string, at: string): Promise<void>;
  getBlobSize(sha256: string): Promise<number | undefined>;
  /** Whether this subscriber uploaded the blob: the only way it may reference it in a document it sends. */
  uploadedBy(sha256: string, subscriberId: string): Promise<boolean>;
  /** Referenced by a document this subscriber sent or received; returns such a document's id. */
  documentReferencingBlob(
    sha256: string,
    subscriberId: string,
  ): Promise<{ id: string; recipientId: string } | undefined>;

  // ---- idempotency
  /**
   * A pending claim is "in progress" however old it is: only a hub start clears it
   * (releasePendingClaims, SQLite), or its instance's lapsed heartbeat (several instances).
   */
  claimIdempotencyKey(s: IdempotencyScope, bodyHash: string, now: string): Promise<IdempotencyClaim>;
  /** Drops the claim if it is still this one's and pending (a failed attempt: the client may correct and retry). */
  releaseIdempotencyKey(s: IdempotencyScope, claimId: string): Promise<void>;
  /** Drops every pending claim; only at hub start, when no request can be under way. Returns how many. */
  releasePendingClaims(): Promise<number>;
  /**
   * For several instances on one database: records that this instance lives at `now`, and frees
   * the pending claims of instances whose last heartbeat is older than `leaseMs` (killed ones).
   * Returns how many claims were freed.
   */
  heartbeat(now: string, leaseMs: number): Promise<number>;
  /** At a graceful stop: this instance no longer heartbeats. */
  leave(): Promise<void>;

  // ---- documents
  /** Stores the document, its events and the idempotent result in one transaction; IdempotencyClaimLost when the claim is gone. */
  recordDocument(d: DocumentRecord, events: EventToAppend[], result: IdempotentResult): Promise<AppendedEvents>;
  getDocument(id: string): Promise<DocumentRecord | undefined>;
  listServiceDocuments(documentId: string): Promise<ServiceDocument[]>;
  /**
   * Stores the service document, the document's new status, the events and the result in one
   * transaction; stores nothing when it is a receipt notice and its parent already has one.
   * The new status is worked out from the status as the transaction reads it, so service
   * documents posted at once follow the flow rules whatever order they are recorded in.
   */
  recordServiceDocument(
    sd: ServiceDocument,
    change: ServiceDocumentStatusChange,
    result: IdempotentResult,
  ): Promise<ServiceDocumentRecorded>;
  /**
   * Records the recipient's first fetch. Returns undefined when it was recorded before;
   * otherwise the events built by `events(newStatus)` are appended in the same transaction.
   */
  markDelivered(
    documentId: string,
    at: string,
    events: (status: Document['status']) => EventToAppend[],
  ): Promise<AppendedEvents | undefined>;

  // ---- the document's own workflow
  getWorkflow(documentId: string): Promise<StoredWorkflow | undefined>;
  /**
   * Judges the step by the workflow as the write transaction reads it (workflowTransition of
   * src/protocol), and only when allowed stores the new workflow, the step's service document,
   * the events and the idempotent result (built from the new workflow), in that one transaction. A refused step stores nothing.
   */
  recordWorkflowStep(
    step: WorkflowStepRecord,
    result: (workflow: DocumentWorkflow) => IdempotentResult,
  ): Promise<WorkflowStepRecorded>;

  // ---- events
  /** Appends events outside a document's transaction (the archive's notices, after the exchange committed). */
  appendEvents(events: EventToAppend[], at: string): Promise<AppendedEvents>;
  listEvents(subscriberId: string, after: number, limit: number): Promise<HubEvent[]>;

  close(): Promise<void>;
}

/** The other side of a contact relation and how `viewer` sees it. */
export function contactStateFor(contact: ContactRecord, viewer: string): ContactState {
  if (contact.state === 'connected') return 'connected';
  if (contact.state === 'rejected') return 'rejected';
  return contact.inviterId === viewer ? 'invited-by-me' : 'invites-me';
}
