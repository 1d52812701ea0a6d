// The exchange session (сеанс обмена): authenticate, sync subscribers and contacts, send the
// outbox, receive events and documents (verifying every signature), then sign and send the
// service documents the flow requires. Exactly-once in effect: every POST carries an
// idempotency key stored before its first attempt, and a cursor moves only in the transaction
// that stores what it covers, so a run killed at any point and run again sends nothing twice
// and loses nothing.
import type {
  Document,
  DocumentWorkflow,
  LoginResponse,
  OperatorInfo,
  HubEvent,
  ServiceDocument as HubServiceDocument,
  SignedUnderPowerOfAttorney,
  SigningAction,
} from '../protocol';
import type { Signer } from '../crypto/signer';
import { statusLineOf, verifyLongTerm, type LongTermVerification } from '../crypto/cades';
import { signDetached } from '../crypto/cms';
import type { ContentSource } from '../crypto/digest';
import { RevocationChecker } from '../crypto/revocation';
import type { ClerkStore, DocumentRow, SignatureCheck } from '../store';
import type { StoredBlob } from '../store/blobs';
import { signatureStatusText } from '../vocabulary/signature-status';
import { hubPowerOfAttorneyRefusal, isHubPowerOfAttorneyCode } from '../vocabulary/power-of-attorney';
import {
  ClerkNeededReason,
  type DocumentStatus,
  type LogLevel,
  type OperatingMode,
  type PendingReason,
  type SessionOutcome,
  type SessionStep,
  type SessionTrigger,
} from '../vocabulary';
import type { Authenticator, ExchangeClient } from './client';
import { HubError, HubUnreachableError } from './http-client';
import { acquireSessionLock } from './lock';
import { checkOperatorCertificate } from './operator-pin';
import { sessionPolicy, type SessionPolicy } from './policy';
import {
  powerOfAttorneyFor,
  PowerOfAttorneyRefused,
  type RepresentativeDeps,
  type SigningUnderPowerOfAttorney,
} from './representative';

export interface SessionProgress {
  step: SessionStep;
  done: number;
  /** 0 when not known in advance (an event feed). */
  total: number;
  message: string;
}

/** Why the clerk is needed: the token, or its PIN. */
export interface ClerkNeeded {
  code: ClerkNeededReason;
  message: string;
  /** The token's PIN flags when it refused a PIN (tries low, final try, locked). */
  pinStatus?: { countLow: boolean; finalTry: boolean; locked: boolean; toBeChanged: boolean };
}

/** Where the signing key comes from; may fail with a token error (absent, PIN refused, locked). */
export interface SignerSource {
  acquire(): Promise<Signer>;
}

/** A service document's file, built by src/formats. */
export interface ServiceDocumentFile {
  fileName: string;
  xml: Buffer;
}

export interface ServiceDocumentContext {
  document: DocumentRow;
  /** DER CMS signatures of the received file. */
  documentSignatures: Buffer[];
  me: LoginResponse;
  operator: OperatorInfo;
  signerCertificate: Buffer;
  /** The МЧД the signer signs under (a personal certificate), checked at the hub before signing. */
  powerOfAttorney?: SigningUnderPowerOfAttorney;
  now: Date;
}

export interface ServiceDocumentFactory {
  receipt(ctx: ServiceDocumentContext): ServiceDocumentFile | Promise<ServiceDocumentFile>;
  clarification(ctx: ServiceDocumentContext & { text: string }): ServiceDocumentFile | Promise<ServiceDocumentFile>;
}

export interface SessionDeps {
  store: ClerkStore;
  client: ExchangeClient;
  trigger: SessionTrigger;
  /** The organization's mode as mirrored in the profile; the hub's answer at login wins. */
  mode: OperatingMode;
  /** How to log in; certificate login acquires the signer. */
  authenticator: () => Promise<Authenticator>;
  /** DER certificates of the profile's trusted roots. */
  trustedRoots: Buffer[];
  /**
   * Certificate status for received documents' signatures (the profile's signatureChecks: CRL
   * folder, OCSP proxy, offline), after the evidence a signature carries. Default: the
   * certificates' own OCSP responders and CRLs.
   */
  revocation?: RevocationChecker;
  signer?: SignerSource;
  /** The profile's МЧД per personal certificate, where it is kept (the hub) and the clerk's language; none: every personal certificate is refused. */
  representative?: Omit<RepresentativeDeps, 'organization' | 'check'>;
  serviceDocuments: ServiceDocumentFactory;
  onProgress?: (p: SessionProgress) => void;
  /** The hub's mode differs from the mirror: the caller saves it. */
  onModeChanged?: (mode: OperatingMode) => void;
  /** Stops the run between items (the agent's SIGTERM). */
  signal?: AbortSignal;
  /** Events per page. */
  pageSize?: number;
  /**
   * "Sign selected": the service documents (store ids) the clerk chose. The signing step signs
   * exactly these (ones the hub refused earlier included) and leaves every other one waiting.
   * Default: every pending one the hub has not refused.
   */
  signOnly?: readonly number[];
}

export interface SessionSummary {
  subscribers: number;
  contacts: number;
  documentsSent: number;
  documentsReceived: number;
  invalidSignatures: number;
  /** Received signatures whose certificate status could not be established: kept, flagged, checked again next session. */
  uncheckedSignatures: number;
  /** Signatures checked again this session whose verdict is now determined. */
  signaturesResolved: number;
  serviceDocumentsSigned: number;
  serviceDocumentsSent: number;
  serviceDocumentsReceived: number;
  pending: number;
  outboxFailed: number;
  /** The clerk's workflow steps the hub accepted (docs/architecture.md §5a). */
  workflowSteps: number;
}

/** What a session did, item by item (store ids), so nobody compares lists before and after. */
export interface SessionItems {
  /** Documents received. */
  received: number[];
  /** Our documents the hub accepted. */
  sent: number[];
  /** Service documents signed (and queued to send). */
  signed: number[];
  /** Service documents the hub accepted. */
  serviceDocumentsSent: number[];
  /** Service documents of ours this session meant to sign and left waiting, with why. */
  notSigned: { id: number; reason: PendingReason; message?: string }[];
  /** Outbox items that stopped for good: the hub refused them (its error code) or they cannot be sent ("unsendable"). */
  refused: {
    itemType: 'document' | 'service-document' | 'workflow-step';
    id: number;
    refusal: string;
    message: string;
  }[];
}

export interface SessionResult {
  runId?: number;
  outcome: Exclude<SessionOutcome, 'running'>;
  mode: OperatingMode;
  summary: SessionSummary;
  items: SessionItems;
  /** Set with outcome needs-clerk. */
  clerkNeeded?: ClerkNeeded;
  error?: string;
  /** What `error` says, by code, when the session knows it: the shells word it in the clerk's language. */
  failure?: SessionFailure;
}

/**
 * A session's failure by code, with what its words name: the hub out of reach (the socket's own
 * words as they are), the hub's error answer (its code; its message as it is), a certificate login
 * with no signer set up, or a run the operating mode refuses.
 */
export type SessionFailure =
  | { code: 'hub-unreachable'; url: string; reason: string }
  /** The hub answered with an error the session cannot go on past: its status, its code and its (English) message. */
  | { code: 'hub-error'; status: number; hubCode: string; message: string }
  | { code: 'no-signer' }
  | { code: NonNullable<SessionPolicy['refusal']>; mode: OperatingMode };

/** A certificate login, and this profile has no token or key file to sign it with. */
export class NoSignerError extends Error {
  readonly code = 'no-signer';
  constructor() {
    super(
      'Certificate login needs a signer: set a token or a key file in the profile (or log in with a service password)',
    );
    this.name = 'NoSignerError';
  }
}

function failureOf(e: unknown): SessionFailure | undefined {
  if (e instanceof HubUnreachableError) return { code: 'hub-unreachable', url: e.url, reason: e.reason };
  if (e instanceof NoSignerError) return { code: 'no-signer' };
  if (e instanceof HubError) return { code: 'hub-error', status: e.status, hubCode: e.code, message: e.message };
  return undefined;
}

/** Token failures that only the clerk can fix; background runs stop signing on them and never retry a PIN. */
export function clerkNeededBy(e: unknown): ClerkNeeded | undefined {
  const parsed = ClerkNeededReason.safeParse((e as { code?: unknown } | null)?.code);
  if (!parsed.success) return undefined;
  const code = parsed.data;
  const pinStatus = (e as { pinStatus?: ClerkNeeded['pinStatus'] }).pinStatus;
  return { code, message: (e as Error).message, ...(pinStatus ? { pinStatus } : {}) };
}

class Interrupted extends Error {}

/** An outbox item that cannot even be attempted (its file or signature is missing here): it stops with the reason, the rest goes on. */
class UnsendableItem extends Error {}

/** Failures of the hub or the way to it as a whole (not of one item): no point starting more sends now. */
function hubWide(e: unknown): boolean {
  return (
    e instanceof HubUnreachableError ||
    (e instanceof HubError &&
      (e.status === 401 || e.status === 502 || e.status === 503 || e.status === 504 || e.code === 'too-many-attempts'))
  );
}

/** The hub refused the item itself, for good. */
function refusedForGood(e: unknown): e is HubError {
  return (
    e instanceof HubError &&
    e.status >= 400 &&
    e.status < 500 &&
    e.code !== 'request-in-progress' &&
    e.code !== 'too-many-attempts' &&
    e.status !== 401
  );
}

/** The reference a signature under an МЧД is sent with: its number and the principal's INN. */
const referenceOf = (poa: SignedUnderPowerOfAttorney) => ({ number: poa.number, principalInn: poa.principalInn });

const messageOf = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** Maps `items` with at most `limit` calls in flight; results in the items' order. */
async function mapConcurrently<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** The hub's answer to a service document we posted, to store. */
interface ServiceDocumentAnswer {
  outboxId: number;
  serviceDocumentId: number;
  hubId: string;
  what: string;
}

/** Events stored per transaction: small enough that answering one chunk overlaps receiving the next. */
const eventChunk = 25;

/** Statuses only move forward: a replayed or late event never undoes a later one. */
const statusRank: Record<DocumentStatus, number> = {
  queued: 0,
  rejected: 0,
  sent: 1,
  delivered: 2,
  'receipt-confirmed': 3,
  'clarification-requested': 4,
  received: 0,
  'receipt-sent': 1,
  'clarification-sent': 2,
};

/** Our side of the hub's status: an outgoing document has it as it is; a received one has our answer's. */
function localStatus(direction: 'in' | 'out', status: Document['status']): DocumentStatus {
  if (direction === 'out') return status;
  return status === 'clarification-requested'
    ? 'clarification-sent'
    : status === 'receipt-confirmed'
      ? 'receipt-sent'
      : 'received';
}

/**
 * A long-term verification as the store keeps it: undetermined is neither valid nor invalid
 * (valid null), and a signature that verifies but whose signer was revoked by its time, or
 * whose time-stamp does not verify, is invalid with that problem's code.
 */
function checkOf(cms: Buffer, v: LongTermVerification): SignatureCheck {
  const r = v.signature;
  const statusLine = statusLineOf(v);
  const problems = [...r.problems];
  if (r.valid && v.verdict === 'invalid') {
    problems.push(
      v.status?.status === 'revoked'
        ? { code: 'certificate-revoked', message: signatureStatusText(statusLine, 'en') }
        : { code: 'timestamp-invalid', message: v.problems.join('; ') },
    );
  }
  return {
    cms,
    valid: v.verdict === 'undetermined' ? null : v.verdict === 'valid',
    verdict: v.verdict,
    statusLine,
    signer: r.signer
      ? [r.signer.commonName, r.signer.position, r.signer.organization].filter(Boolean).join(', ')
      : null,
    signingTime: r.signingTime?.toISOString() ?? null,
    problems,
  };
}

const emptySummary = (): SessionSummary => ({
  subscribers: 0,
  contacts: 0,
  documentsSent: 0,
  documentsReceived: 0,
  invalidSignatures: 0,
  uncheckedSignatures: 0,
  signaturesResolved: 0,
  serviceDocumentsSigned: 0,
  serviceDocumentsSent: 0,
  serviceDocumentsReceived: 0,
  pending: 0,
  outboxFailed: 0,
  workflowSteps: 0,
});

const noItems = (): SessionItems => ({
  received: [],
  sent: [],
  signed: [],
  serviceDocumentsSent: [],
  notSigned: [],
  refused: [],
});

/** Runs one exchange session for the profile of `deps.store`, holding the profile's session lock. */
export async function runExchangeSession(deps: SessionDeps): Promise<SessionResult> {
  const policy = sessionPolicy(deps.mode, deps.trigger);
  if (!policy.allowed)
    return {
      outcome: 'not-allowed',
      mode: deps.mode,
      summary: emptySummary(),
      items: noItems(),
      error: policy.reason,
      ...(policy.refusal ? { failure: { code: policy.refusal, mode: deps.mode } } : {}),
    };
  const lock = acquireSessionLock(deps.store.dir);
  try {
    return await new ExchangeSession(deps).run();
  } finally {
    lock.release();
  }
}

class ExchangeSession {
  private readonly store: ClerkStore;
  private readonly client: ExchangeClient;
  private readonly summary = emptySummary();
  private readonly items = noItems();
  private runId = 0;
  private mode: OperatingMode;
  private me: LoginResponse | undefined;
  private operatorInfo: Promise<OperatorInfo & { pinned: Buffer }> | undefined;
  private signer: Signer | undefined;
  private clerkNeeded: ClerkNeeded | undefined;
  /** The hub presented an operator certificate other than the pinned one: reported as the session's error. */
  private operatorChange: string | undefined;

  private readonly revocation: RevocationChecker;
  /** Service documents stored this session (store ids): judged a moment ago, not checked again by the recheck step. */
  private readonly receivedServiceDocuments = new Set<number>();
  /** A send while receiving failed: the rest waits for the session's last send, which reports it. */
  private sendStopped = false;
  /** Service documents the signing step took up this session. */
  private readonly tried = new Set<number>();
  private serviceDocumentAuthority: Promise<SigningUnderPowerOfAttorney | undefined> | undefined;

  constructor(private readonly deps: SessionDeps) {
    this.store = deps.store;
    this.client = deps.client;
    this.mode = deps.mode;
    this.revocation = deps.revocation ?? new RevocationChecker();
  }

  private progress(step: SessionStep, done: number, total: number, message: string): void {
    this.deps.onProgress?.({ step, done, total, message });
  }

  private log(level: LogLevel, step: SessionStep, message: string): void {
    this.store.log(this.runId, level, step, message);
  }

  private checkAbort(): void {
    if (this.deps.signal?.aborted) throw new Interrupted('stopped on request');
  }

  async run(): Promise<SessionResult> {
    this.runId = this.store.startRun(this.deps.trigger, this.mode);
    let outcome: SessionResult['outcome'] = 'done';
    let error: string | undefined;
    let failure: SessionFailure | undefined;
    try {
      await this.authenticate();
      const policy = sessionPolicy(this.mode, this.deps.trigger);
      if (!policy.allowed) {
        outcome = 'not-allowed';
        error = policy.reason;
        if (policy.refusal) failure = { code: policy.refusal, mode: this.mode };
      } else {
        await this.syncFeed(
          'subscribers',
          (after) => this.client.subscribers(after).then((p) => ({ ...p, items: p.subscribers })),
          (s) => this.store.upsertSubscriber({ id: s.id, name: s.name, inn: s.inn, kpp: s.kpp, data: s }),
        );
        await this.syncFeed(
          'contacts',
          (after) => this.client.contacts(after).then((p) => ({ ...p, items: p.contacts })),
          (c) => void this.store.recordContact(c),
        );
        // An outbox that cannot be sent never keeps the inbox from arriving: its failure is reported after receiving.
        const outboxFailure = await this.sendOutbox();
        // Before receiving: a signature found invalid now withdraws its receipt notice before anything signs it.
        await this.recheckSignatures();
        await this.receiveAndAnswer(policy.sign);
        await this.makeServiceDocuments(policy.sign);
        const failure = (await this.sendOutbox()) ?? outboxFailure;
        if (failure !== undefined) throw failure;
        if (this.clerkNeeded) outcome = 'needs-clerk';
      }
    } catch (e) {
      if (e instanceof Interrupted) {
        outcome = 'interrupted';
      } else if (clerkNeededBy(e)) {
        outcome = 'needs-clerk';
        this.clerkNeeded = clerkNeededBy(e);
      } else {
        outcome = 'error';
        error = messageOf(e);
        failure = failureOf(e);
        this.log('error', 'finish', error);
      }
    }
    if (this.operatorChange && outcome !== 'interrupted') {
      outcome = 'error';
      error = error ? `${this.operatorChange} Also: ${error}` : this.operatorChange;
      failure = undefined;
    }
    this.summary.pending = this.store.countPendingServiceDocuments();
    const result: SessionResult = {
      runId: this.runId,
      outcome,
      mode: this.mode,
      summary: this.summary,
      items: this.items,
      clerkNeeded: this.clerkNeeded,
      error,
      ...(failure ? { failure } : {}),
    };
    this.store.finishRun(this.runId, outcome, { ...this.summary, clerkNeeded: this.clerkNeeded, error });
    this.progress(
      'finish',
      1,
      1,
      outcome === 'done'
        ? 'exchange session done'
        : `exchange session ended: ${outcome}${error ? `: ${error}` : ''}${this.clerkNeeded ? `: ${this.clerkNeeded.message}` : ''}`,
    );
    return result;
  }

  // ---- steps

  private async authenticate(): Promise<void> {
    this.progress('authenticate', 0, 1, 'logging in at the exchange hub');
    this.me = await this.client.authenticate(await this.deps.authenticator());
    // The workflow's XML names our organization as one side, built outside a session (src/workplace/workflow.ts).
    this.store.setCursor('own-subscriber', this.me.subscriber.id);
    const hubMode = this.me.subscriber.operatingMode;
    if (hubMode !== this.mode) {
      this.log('info', 'authenticate', `the organization's operating mode is now "${hubMode}" (was "${this.mode}")`);
      this.mode = hubMode;
      this.deps.onModeChanged?.(hubMode);
    }
    // Checked against the pin at every session, so a changed operator certificate is reported even on a quiet day.
    await this.operator();
    this.log('info', 'authenticate', `logged in as ${this.me.user.name} for ${this.me.subscriber.name}`);
    this.progress('authenticate', 1, 1, `logged in as ${this.me.user.name} (${this.me.subscriber.name})`);
  }

  /** A directory feed (subscribers, contacts): pages after the stored cursor, each page stored with its cursor in one transaction. */
  private async syncFeed<T>(
    feed: 'subscribers' | 'contacts',
    page: (after: number) => Promise<{ items: T[]; next: number; hasMore: boolean }>,
    store: (item: T) => void,
  ): Promise<void> {
    let after = Number(this.store.cursor(feed) ?? 0);
    for (;;) {
      this.checkAbort();
      const p = await page(after);
      this.store.transaction(() => {
        p.items.forEach(store);
        this.store.setCursor(feed, String(p.next));
      });
      this.summary[feed] += p.items.length;
      after = p.next;
      this.progress(feed, this.summary[feed], 0, `${this.summary[feed]} ${feed} updated`);
      if (!p.hasMore) break;
    }
  }

  /**
   * Sends the outbox, a few items at once; each carries its own idempotency key, so a retry or a
   * replay after a crash changes nothing at the hub. An item the hub refuses, or that cannot be
   * sent from here at all, stops with its reason; an item that failed on the way stays waiting
   * (its error noted). Returns the first failure of the hub, for the caller to report.
   */
  private async sendOutbox(only?: 'service-document'): Promise<unknown> {
    const items = this.store.waitingOutbox().filter((item) => only === undefined || item.itemType === only);
    let done = 0;
    let failure: unknown;
    let stop = false;
    // The hub's answers to service documents are stored a batch at a time (one transaction, not
    // one per answer): an answer not stored yet is posted again next time with its key, and the
    // hub answers that repeat with the same service document.
    let answers: ServiceDocumentAnswer[] = [];
    const storeAnswers = () => {
      const batch = answers;
      answers = [];
      if (batch.length === 0) return;
      try {
        this.store.transaction(() =>
          batch.forEach((a) => this.store.completeServiceDocumentSend(a.outboxId, a.serviceDocumentId, a.hubId)),
        );
      } catch (e) {
        this.log('warn', 'outbox', `not stored yet, sent again later: ${messageOf(e)}`);
        failure ??= e;
        return;
      }
      for (const a of batch) {
        this.summary.serviceDocumentsSent++;
        this.items.serviceDocumentsSent.push(a.serviceDocumentId);
        this.log('info', 'outbox', `sent ${a.what}`);
      }
    };
    this.progress('outbox', 0, items.length, items.length ? `sending ${items.length} item(s)` : 'the outbox is empty');
    try {
      await mapConcurrently(items, 4, async (item) => {
        if (stop || this.deps.signal?.aborted) return;
        try {
          if (item.itemType === 'document') await this.sendDocument(item.id, item.itemId, item.idempotencyKey);
          else answers.push(await this.sendServiceDocument(item.id, item.itemId, item.idempotencyKey));
        } catch (e) {
          if (refusedForGood(e) || e instanceof UnsendableItem) {
            // This item stops, says why, and the rest goes on.
            const refusal = e instanceof UnsendableItem ? 'unsendable' : e.code;
            const message = this.refusalText(e);
            this.store.failOutbox(item.id, refusal, message);
            this.items.refused.push({ itemType: item.itemType, id: item.itemId, refusal, message });
            this.summary.outboxFailed++;
            this.log('warn', 'outbox', `not sent: ${e.message}`);
          } else {
            // Failed on the way (the hub answered 5xx or "still in progress", or storing its answer failed): sent again later with the same key.
            this.store.noteOutboxError(item.id, messageOf(e));
            this.log('warn', 'outbox', `not sent yet: ${messageOf(e)}`);
            failure ??= e;
            if (hubWide(e)) stop = true; // the hub is unreachable or failing as a whole: start no more sends
            return;
          }
        }
        if (answers.length >= 25) storeAnswers();
        this.progress('outbox', ++done, items.length, `sent ${done} of ${items.length}`);
      });
    } finally {
      storeAnswers();
    }
    this.checkAbort();
    if (!stop && only === undefined) failure ??= await this.postWorkflowSteps();
    return failure;
  }

  /**
   * Posts the workflow steps the clerk signed (docs/architecture.md §5a), one at a time, each
   * with the key and body stored before its first attempt; the hub's answer is applied as its
   * event would be. A refused step stops with the hub's code, for the clerk to see.
   */
  private async postWorkflowSteps(): Promise<unknown> {
    for (const step of this.store.waitingWorkflowSteps()) {
      this.checkAbort();
      const doc = this.store.document(step.documentId);
      try {
        if (!doc?.hubId)
          throw new UnsendableItem(
            `workflow step ${step.id} names document ${step.documentId}, which the hub has not accepted`,
          );
        const answer = await this.client.workflowStep(
          step.step,
          { documentId: doc.hubId, proposalId: step.proposalHubId ?? undefined },
          step.idempotencyKey,
          step.body,
        );
        const apply = await this.prepareWorkflowEvent(doc.hubId, answer.workflow, answer.serviceDocument, () => false);
        this.store.transaction(() => {
          apply();
          this.store.noteWorkflowStep(step.id, { state: 'done' });
        });
        this.summary.workflowSteps++;
        this.log('info', 'outbox', `${step.step} posted for "${doc.title}"`);
      } catch (e) {
        if (refusedForGood(e) || e instanceof UnsendableItem) {
          const refusal = e instanceof UnsendableItem ? 'unsendable' : e.code;
          const message = this.refusalText(e);
          this.store.noteWorkflowStep(step.id, { state: 'failed', refusal, error: message });
          this.items.refused.push({ itemType: 'workflow-step', id: step.id, refusal, message });
          this.log('warn', 'outbox', `${step.step} not posted: ${e.message}`);
        } else {
          this.store.noteWorkflowStep(step.id, { state: 'waiting', error: messageOf(e) });
          this.log('warn', 'outbox', `${step.step} not posted yet: ${messageOf(e)}`);
          return e;
        }
      }
    }
    return undefined;
  }

  /**
   * The I/O of a workflow change (its service document's XML stored and verified, the
   * recipient's signature verified over the document's bytes when we hold them), and what stores it.
   */
  private async prepareWorkflowEvent(
    documentHubId: string,
    workflow: DocumentWorkflow,
    sd: HubServiceDocument | undefined,
    notYet: () => boolean,
  ): Promise<() => boolean> {
    let stored: { hash: string; check: SignatureCheck } | undefined;
    if (sd) {
      const xml = Buffer.from(sd.xml, 'base64');
      const { hash } = await this.store.blobs.write(xml);
      stored = { hash, check: await this.verifySignature(Buffer.from(sd.signature, 'base64'), xml, sd.postedAt) };
    }
    // A step signed under an МЧД: its files are kept as a received document's are (§7).
    await this.keepPowerOfAttorney(documentHubId, sd?.signerPowerOfAttorney);
    await this.keepPowerOfAttorney(documentHubId, workflow.recipientSignature?.signerPowerOfAttorney);
    const before = this.store.documentByHubId(documentHubId);
    let recipientValid = true;
    if (workflow.recipientSignature && before && this.store.blobs.has(before.blobHash)) {
      const { signature, signedAt } = workflow.recipientSignature;
      recipientValid =
        (
          await this.verifySignature(
            Buffer.from(signature, 'base64'),
            { path: this.store.blobs.pathOf(before.blobHash) },
            signedAt,
          )
        ).valid !== false;
    }
    return () => {
      const known = this.store.documentByHubId(documentHubId);
      if (!known) {
        if (notYet()) return false;
        this.log(
          'warn',
          'events',
          `a workflow change arrived for document ${documentHubId}, which this profile does not hold`,
        );
        return true;
      }
      const ours = sd?.fromSubscriberId === this.me?.subscriber.id;
      const proposal = sd?.type === 'annulment-proposal' ? { hubId: sd.id, ours } : undefined;
      this.store.applyWorkflow(known.id, workflow, proposal);
      if (!recipientValid) this.store.markRecipientSignatureInvalid(known.id);
      if (sd && stored) {
        const parent =
          sd.parentId === documentHubId ? null : (this.store.serviceDocumentByHubId(sd.parentId)?.id ?? null);
        const recorded = this.store.recordIncomingServiceDocument({
          hubId: sd.id,
          documentId: known.id,
          type: sd.type,
          parentId: parent,
          text: sd.reason ?? null,
          fileName: sd.fileName,
          xmlHash: stored.hash,
          signature: Buffer.from(sd.signature, 'base64'),
          check: stored.check,
          postedAt: sd.postedAt,
          direction: ours ? 'out' : 'in',
          ...(sd.signerPowerOfAttorney ? { signerPowerOfAttorney: sd.signerPowerOfAttorney } : {}),
        });
        if (recorded.created) this.receivedServiceDocuments.add(recorded.id);
        if (recorded.created && !ours) {
          this.summary.serviceDocumentsReceived++;
          this.logServiceDocument(
            `${sd.type} received for "${known.title}"${sd.reason ? `: ${sd.reason}` : ''}`,
            stored.check,
          );
        }
      }
      return true;
    };
  }

  private async sendDocument(outboxId: number, documentId: number, key: string): Promise<void> {
    const doc = this.store.document(documentId);
    const signature = this.store.signatures(documentId)[0];
    if (!doc || !signature)
      throw new UnsendableItem(
        `outbox item ${outboxId} names document ${documentId}, which is not in the store with its signature`,
      );
    if (!this.store.blobs.has(doc.blobHash))
      throw new UnsendableItem(
        `the file of "${doc.title}" (${doc.fileName}, SHA-256 ${doc.blobHash}) is missing from the profile's blob store`,
      );
    if (!(await this.client.hasBlob(doc.blobHash))) {
      await this.client.putBlob(doc.blobHash, doc.size, () => this.store.blobs.stream(doc.blobHash));
    }
    const sent = await this.client.sendDocument(key, {
      recipientId: doc.counterpartyId,
      title: doc.title,
      kind: doc.kind || 'document',
      fileName: doc.fileName,
      sha256: doc.blobHash,
      signature: signature.cms.toString('base64'),
      needsReceipt: doc.needsReceipt,
      signatureRequested: doc.signatureRequested,
      ...(doc.signerPowerOfAttorney ? { powerOfAttorney: referenceOf(doc.signerPowerOfAttorney) } : {}),
    });
    const confirmation = await this.storeConfirmationXml(sent);
    this.store.transaction(() => {
      this.store.completeDocumentSend(outboxId, documentId, {
        hubId: sent.id,
        sentAt: sent.sentAt,
        ...(sent.signerPowerOfAttorney ? { signerPowerOfAttorney: sent.signerPowerOfAttorney } : {}),
      });
      this.recordConfirmation(documentId, sent, confirmation.check, confirmation.hash);
    });
    this.summary.documentsSent++;
    this.items.sent.push(documentId);
    this.log(
      'info',
      'outbox',
      `sent "${doc.title}" to ${doc.counterpartyName || doc.counterpartyId} (hub id ${sent.id})`,
    );
  }

  /** Posts a service document; the caller stores the hub's answer. */
  private async sendServiceDocument(
    outboxId: number,
    serviceDocumentId: number,
    key: string,
  ): Promise<ServiceDocumentAnswer> {
    const sd = this.store.serviceDocument(serviceDocumentId);
    const doc = sd && this.store.document(sd.documentId);
    if (!sd || !doc?.hubId || !sd.xmlHash || !sd.signature || !sd.fileName)
      throw new UnsendableItem(
        `outbox item ${outboxId} names service document ${serviceDocumentId}, which is not complete in the store`,
      );
    if (!this.store.blobs.has(sd.xmlHash))
      throw new UnsendableItem(
        `the XML of ${sd.fileName} (SHA-256 ${sd.xmlHash}) is missing from the profile's blob store`,
      );
    let posted: HubServiceDocument;
    try {
      posted = await this.client.postServiceDocument(doc.hubId, key, {
        type: sd.type === 'receipt' ? 'receipt' : 'clarification',
        fileName: sd.fileName,
        xml: this.store.blobs.read(sd.xmlHash).toString('base64'),
        signature: sd.signature.toString('base64'),
        ...(sd.signerPowerOfAttorney ? { powerOfAttorney: referenceOf(sd.signerPowerOfAttorney) } : {}),
      });
    } catch (e) {
      // A receipt notice is posted once per document: if another workplace of ours already did, ours is that one.
      if (!(e instanceof HubError && e.code === 'conflict' && sd.type === 'receipt')) throw e;
      const hubDoc = await this.client.document(doc.hubId);
      const theirs = hubDoc.serviceDocuments.find(
        (s) => s.type === 'receipt' && s.fromSubscriberId === this.me?.subscriber.id,
      );
      if (!theirs) throw e;
      posted = theirs;
    }
    return { outboxId, serviceDocumentId, hubId: posted.id, what: `${sd.type} ${sd.fileName} for "${doc.title}"` };
  }

  /** The hub's operator information, its certificate checked against the profile's pin (pinned on first use). */
  private operator(): Promise<OperatorInfo & { pinned: Buffer }> {
    this.operatorInfo ??= this.client.operator().then((info) => {
      const check = checkOperatorCertificate(this.store.dir, Buffer.from(info.certificate, 'base64'));
      if (check.firstUse)
        this.log('info', 'authenticate', `the operator's certificate is pinned in this profile on first use`);
      if (check.changed && !this.operatorChange) {
        this.operatorChange = check.changed;
        this.log('error', 'authenticate', check.changed);
      }
      return { ...info, pinned: check.pinned };
    });
    return this.operatorInfo;
  }

  /**
   * A received signature judged for the long term (docs/architecture.md §7), a document's or a
   * service document's alike: at its time-stamp's time (the hub's TSA, trusted through the pinned
   * operator certificate), else `at`, the operator's time of it (when it was sent or posted),
   * never the signer's own claim, so a backdated signingTime cannot revive an expired
   * certificate; the certificate status from the evidence the signature carries first, then the
   * profile's CRL folder, OCSP proxy or the certificates' own services (none offline). Throws
   * only when the content cannot be read, so the event page is fetched again next time instead
   * of being recorded as a bad signature.
   */
  private async verifySignature(cms: Buffer, content: ContentSource, at: string): Promise<SignatureCheck> {
    return checkOf(cms, await this.verifyLongTerm(cms, content, at));
  }

  private async verifyLongTerm(
    cms: Buffer,
    content: ContentSource,
    at: string,
    extraRoots: Buffer[] = [],
  ): Promise<LongTermVerification> {
    const { pinned } = await this.operator();
    return verifyLongTerm(cms, content, {
      trustedRoots: [...this.deps.trustedRoots, ...extraRoots],
      tsaRoots: [pinned],
      at: new Date(at),
      revocation: this.revocation,
    });
  }

  /** A received service document logged with its verdict; an undetermined one counts as unchecked, as a document's does. */
  private logServiceDocument(what: string, check: SignatureCheck): void {
    if (check.valid) {
      this.log('info', 'events', what);
    } else if (check.verdict === 'undetermined') {
      this.summary.uncheckedSignatures++;
      this.log(
        'warn',
        'events',
        `${what}; ${signatureStatusText(check.statusLine!, 'en')}: kept and checked again next session`,
      );
    } else {
      this.log(
        'warn',
        'events',
        `${what} with a signature that does not verify: ${(check.problems ?? []).map((p) => p.message).join('; ')}`,
      );
    }
  }

  /**
   * The recheck step: every received signature whose verdict was undetermined (a responder
   * down, a CRL stale) is judged again; once determined, valid or invalid, it stays so. Still
   * undetermined: it stays flagged for the next session, with when it was tried.
   */
  private async recheckSignatures(): Promise<void> {
    // The ones this session just received were judged a moment ago.
    const waiting = this.store.undeterminedSignatures().filter((s) => !this.items.received.includes(s.documentId));
    const serviceDocuments = this.store
      .undeterminedServiceDocuments()
      .filter((sd) => !this.receivedServiceDocuments.has(sd.id));
    const total = waiting.length + serviceDocuments.length;
    if (total === 0) return;
    let done = 0;
    this.progress('recheck', 0, total, `checking ${total} signature(s) again`);
    const resolved = (what: string, check: SignatureCheck) => {
      if (check.verdict === 'undetermined') {
        this.summary.uncheckedSignatures++;
      } else {
        this.summary.signaturesResolved++;
        this.log(
          check.valid ? 'info' : 'warn',
          'recheck',
          `the signature of ${what} is now ${check.verdict}: ${signatureStatusText(check.statusLine!, 'en')}`,
        );
      }
    };
    for (const s of waiting) {
      this.checkAbort();
      if (!this.store.blobs.has(s.blobHash)) continue;
      const check = await this.verifySignature(
        s.cms,
        { path: this.store.blobs.pathOf(s.blobHash) },
        s.sentAt ?? new Date().toISOString(),
      );
      this.store.recordRecheck(s.id, check);
      resolved(`"${s.title}"`, check);
      this.progress('recheck', ++done, total, `checked ${done} of ${total}`);
    }
    for (const sd of serviceDocuments) {
      this.checkAbort();
      if (!this.store.blobs.has(sd.xmlHash)) continue;
      const xml = this.store.blobs.read(sd.xmlHash);
      const at = sd.postedAt ?? new Date().toISOString();
      const check =
        sd.type === 'send-confirmation'
          ? await this.checkConfirmation(sd.signature, xml, at)
          : await this.verifySignature(sd.signature, xml, at);
      this.store.recordServiceDocumentRecheck(sd.id, check);
      resolved(`the ${sd.type} of "${this.store.document(sd.documentId)?.title ?? sd.documentId}"`, check);
      this.progress('recheck', ++done, total, `checked ${done} of ${total}`);
    }
  }

  /** The operator's confirmation of the send date (ПДОТПР), stored with its verified signature. */
  private recordConfirmation(documentId: number, doc: Document, check: SignatureCheck, xmlHash: string): void {
    const c = doc.confirmation;
    if (this.store.serviceDocumentByHubId(c.id)) return;
    const { id } = this.store.recordIncomingServiceDocument({
      hubId: c.id,
      documentId,
      type: 'send-confirmation',
      fileName: c.fileName,
      xmlHash,
      signature: Buffer.from(c.signature, 'base64'),
      check,
      postedAt: doc.sentAt,
    });
    this.receivedServiceDocuments.add(id);
    if (doc.sentAt) this.store.setDocumentSentAt(documentId, doc.sentAt);
  }

  private async storeConfirmationXml(doc: Document): Promise<{ hash: string; check: SignatureCheck }> {
    const xml = Buffer.from(doc.confirmation.xml, 'base64');
    const { hash } = await this.store.blobs.write(xml);
    return {
      hash,
      check: await this.checkConfirmation(Buffer.from(doc.confirmation.signature, 'base64'), xml, doc.sentAt),
    };
  }

  /** The confirmation verifies only as signed with the pinned operator certificate, whatever else the hub serves. */
  private async checkConfirmation(cms: Buffer, xml: Buffer, at: string): Promise<SignatureCheck> {
    const { pinned } = await this.operator();
    const verification = await this.verifyLongTerm(cms, xml, at, [pinned]);
    const check = checkOf(cms, verification);
    const signer = verification.signature.signer;
    if (signer && !signer.certificate.equals(pinned)) {
      const message = `The operator's confirmation is signed with a certificate other than the one pinned in this profile: ${signer.subject} (serial ${signer.serialNumber})`;
      check.valid = false;
      check.verdict = 'invalid';
      check.problems = [...(check.problems ?? []), { code: 'untrusted-chain', message }];
      check.statusLine = { ...check.statusLine!, verdict: 'invalid', problem: message };
    }
    return check;
  }

  /**
   * Pages of events, each in chunks: first the I/O of a chunk (blobs downloaded and verified,
   * several at once), then one transaction that stores what the chunk carries and moves the
   * cursor to the last event stored. A crash before the commit replays the chunk; nothing is
   * half-stored. After each stored chunk `stored` runs; the next chunk's I/O starts when it
   * returns (it may leave work running, see receiveAndAnswer).
   */
  private async receiveEvents(stored: () => Promise<void>): Promise<void> {
    let after = Number(this.store.cursor('events') ?? 0);
    let handled = 0;
    for (;;) {
      this.checkAbort();
      const page = await this.client.events(after, this.deps.pageSize ?? 200);
      for (let start = 0; start === 0 || start < page.events.length; start += eventChunk) {
        this.checkAbort();
        const events = page.events.slice(start, start + eventChunk);
        const prepared = await mapConcurrently(events, 4, (event) => this.prepareEvent(event));
        let applied = 0;
        this.store.transaction(() => {
          for (const apply of prepared) {
            if (!apply()) break;
            applied++;
          }
          const last =
            applied > 0 ? events[applied - 1]!.seq : page.events.length === 0 && !page.hasMore ? page.next : after;
          if (last > after) this.store.setCursor('events', String(last));
          after = Math.max(after, last);
        });
        for (let i = 0; i < applied; i++) this.progress('events', ++handled, 0, `${handled} event(s) received`);
        if (applied < events.length) {
          this.log(
            'warn',
            'events',
            `event ${events[applied]!.seq} names a document our outbox has not recorded yet; the feed continues at the next session`,
          );
          return;
        }
        if (applied > 0) await stored();
      }
      if (!page.hasMore) return;
      after = page.next;
    }
  }

  /**
   * Receives the event feed and answers it as it arrives: while one chunk of events downloads
   * and verifies, the receipt notices the chunk before it requires are signed and sent (at most
   * one chunk's answers behind). Each item moves through the store exactly as in the steps run
   * one after another (stored, then signed with its outbox key, then sent), so a crash anywhere
   * is what it was. Without the signing key at hand, or with "sign selected", only receives.
   */
  private async receiveAndAnswer(maySign: boolean): Promise<void> {
    if (!maySign || !this.deps.signer || this.deps.signOnly) return this.receiveEvents(async () => undefined);
    let answering: Promise<unknown> = Promise.resolve(undefined);
    const answered = async () => {
      const failure = await answering;
      if (failure !== undefined) throw failure;
    };
    try {
      await this.receiveEvents(async () => {
        await answered();
        answering = this.answerReceived().then(
          () => undefined,
          (e: unknown) => e ?? new Error('answering failed'),
        );
      });
    } finally {
      // Never left running past the step: the session's lock and the store are released after it.
      await answering;
    }
    await answered();
  }

  /** Signs what the events stored so far require, then sends what is signed (the rest waits for the session's last send). */
  private async answerReceived(): Promise<void> {
    await this.makeServiceDocuments(true);
    if (this.clerkNeeded || this.sendStopped) return;
    if ((await this.sendOutbox('service-document')) !== undefined) this.sendStopped = true;
  }

  /** The I/O an event needs (outside any transaction); returns what stores it, false for "not yet". */
  private async prepareEvent(event: HubEvent): Promise<() => boolean> {
    const outboxUnsettled = () => this.store.waitingOutbox().some((i) => i.itemType === 'document');
    switch (event.type) {
      case 'document.received':
      case 'document.sent': {
        const direction = event.type === 'document.received' ? 'in' : 'out';
        const doc = event.document;
        const confirmation = await this.storeConfirmationXml(doc);
        const fetchContent = !this.store.documentByHubId(doc.id) && !(direction === 'out' && outboxUnsettled());
        let check: SignatureCheck | undefined;
        if (fetchContent) {
          if (!this.store.blobs.has(doc.blob.sha256))
            await this.store.blobs.write(await this.client.getBlob(doc.blob.sha256), doc.blob.sha256);
          check = await this.verifySignature(
            Buffer.from(doc.signature, 'base64'),
            { path: this.store.blobs.pathOf(doc.blob.sha256) },
            doc.sentAt,
          );
          await this.keepPowerOfAttorney(doc.id, doc.signerPowerOfAttorney);
        }
        return () => {
          const known = this.store.documentByHubId(doc.id);
          if (known) {
            this.recordConfirmation(known.id, doc, confirmation.check, confirmation.hash);
            this.moveStatus(known, localStatus(direction, doc.status));
            this.store.applyWorkflow(known.id, doc);
            return true;
          }
          if (!check) return false; // our own send, not yet recorded by the outbox
          const counterparty = direction === 'in' ? doc.sender : doc.recipient;
          const { documentId } = this.store.recordIncomingDocument({
            hubId: doc.id,
            direction,
            counterpartyId: counterparty.subscriberId,
            counterpartyName: counterparty.name,
            title: doc.title,
            kind: doc.kind,
            fileName: doc.fileName,
            blobHash: doc.blob.sha256,
            size: doc.blob.size,
            needsReceipt: doc.needsReceipt,
            sentAt: doc.sentAt,
            signatures: [check],
            ...(doc.signerPowerOfAttorney ? { signerPowerOfAttorney: doc.signerPowerOfAttorney } : {}),
          });
          this.recordConfirmation(documentId, doc, confirmation.check, confirmation.hash);
          this.store.applyWorkflow(documentId, doc);
          if (direction === 'in') {
            this.summary.documentsReceived++;
            this.items.received.push(documentId);
            if (check.valid) {
              this.log('info', 'events', `received "${doc.title}" from ${doc.sender.name}`);
            } else if (check.verdict === 'undetermined') {
              this.summary.uncheckedSignatures++;
              this.log(
                'warn',
                'events',
                `received "${doc.title}" from ${doc.sender.name}; ${signatureStatusText(check.statusLine!, 'en')}: kept and checked again next session`,
              );
            } else {
              this.summary.invalidSignatures++;
              this.log(
                'warn',
                'events',
                `received "${doc.title}" from ${doc.sender.name} with a signature that does not verify: ${(check.problems ?? []).map((p) => p.message).join('; ')}`,
              );
            }
          }
          return true;
        };
      }
      case 'document.delivered':
      case 'document.status-changed':
        return () => {
          const known = this.store.documentByHubId(event.documentId);
          if (!known) return !outboxUnsettled();
          this.moveStatus(
            known,
            event.type === 'document.delivered'
              ? localStatus(known.direction, 'delivered')
              : localStatus(known.direction, event.status),
          );
          return true;
        };
      case 'service-document.received': {
        const sd = event.serviceDocument;
        const xml = Buffer.from(sd.xml, 'base64');
        const { hash } = await this.store.blobs.write(xml);
        const check = await this.verifySignature(Buffer.from(sd.signature, 'base64'), xml, sd.postedAt);
        await this.keepPowerOfAttorney(event.documentId, sd.signerPowerOfAttorney);
        return () => {
          const known = this.store.documentByHubId(event.documentId);
          if (!known) {
            if (outboxUnsettled()) return false;
            this.log(
              'warn',
              'events',
              `a ${sd.type} arrived for document ${event.documentId}, which this profile does not hold`,
            );
            return true;
          }
          const recorded = this.store.recordIncomingServiceDocument({
            hubId: sd.id,
            documentId: known.id,
            type: sd.type,
            fileName: sd.fileName,
            xmlHash: hash,
            signature: Buffer.from(sd.signature, 'base64'),
            check,
            postedAt: sd.postedAt,
            ...(sd.signerPowerOfAttorney ? { signerPowerOfAttorney: sd.signerPowerOfAttorney } : {}),
          });
          if (!recorded.created) return true;
          this.receivedServiceDocuments.add(recorded.id);
          if (known.direction === 'out')
            this.moveStatus(known, sd.type === 'receipt' ? 'receipt-confirmed' : 'clarification-requested');
          this.summary.serviceDocumentsReceived++;
          this.logServiceDocument(
            `${sd.type === 'receipt' ? 'receipt notice' : 'clarification request'} received for "${known.title}"`,
            check,
          );
          return true;
        };
      }
      case 'document.workflow-changed':
        return this.prepareWorkflowEvent(event.documentId, event.workflow, event.serviceDocument, outboxUnsettled);
      case 'contact.changed':
        return () => {
          this.store.recordContact(event.contact);
          return true;
        };
      case 'archive.refused':
        // The exchange went on; the organization's administrator is told by the hub (quota, e-mail).
        return () => {
          this.log('warn', 'events', `not archived: ${event.fileName}: ${event.message}`);
          return true;
        };
    }
  }

  private moveStatus(doc: DocumentRow, status: DocumentStatus): void {
    if (statusRank[status] <= statusRank[doc.status]) return;
    if (status === 'receipt-confirmed' && this.onlyInvalidReceipts(doc.id)) return;
    this.store.setDocumentStatus(doc.id, status);
  }

  /**
   * Every receipt notice held for the document has an invalid signature (its signer revoked by
   * then, which the hub could not ask when it took it): the hub's status says receipt-confirmed,
   * but nothing proves the receipt, so the document stays as it was, the notice kept and shown
   * invalid. The hub sends the notice before that status, so it is held when the status comes.
   */
  private onlyInvalidReceipts(documentId: number): boolean {
    const receipts = this.store
      .serviceDocumentsOf(documentId)
      .filter((sd) => sd.type === 'receipt' && sd.direction === 'in');
    return receipts.length > 0 && receipts.every((sd) => sd.signatureState === 'invalid');
  }

  /** What the clerk chose to sign ("Sign selected"), else every pending one the hub has not refused. */
  private serviceDocumentsToSign() {
    const pending = this.store.pendingServiceDocuments().filter((p) => p.status === 'pending');
    // Each is tried once a session, however many times the step runs while receiving.
    if (!this.deps.signOnly) return pending.filter((p) => p.refused === null && !this.tried.has(p.id));
    const chosen = new Set(this.deps.signOnly);
    const found = pending.filter((p) => chosen.has(p.id));
    const gone = [...chosen].filter((id) => !found.some((p) => p.id === id));
    // Signed or sent meanwhile (another session), or not ours to sign: nothing to do for them.
    if (gone.length)
      this.log(
        'warn',
        'service-documents',
        `not waiting for a signature, left as they are: service document(s) ${gone.join(', ')}`,
      );
    return found;
  }

  /** These wait, with why: stored beside them and listed in the session's result. */
  private leavePending(ids: readonly number[], reason: PendingReason, message?: string): void {
    this.store.transaction(() => ids.forEach((id) => this.store.setPendingReason(id, reason, message ?? null)));
    for (const id of ids) this.items.notSigned.push({ id, reason, ...(message ? { message } : {}) });
  }

  /** Signs the service documents the flow requires (unless the operating mode leaves it to the agent), or leaves them pending with the reason. */
  private async makeServiceDocuments(maySign: boolean): Promise<void> {
    const pending = this.serviceDocumentsToSign();
    if (pending.length === 0) return;
    for (const p of pending) this.tried.add(p.id);
    if (!maySign || !this.deps.signer) {
      const [reason, words]: [PendingReason, string] = !maySign
        ? ['agent-signs', 'the exchange agent signs service documents (operating mode "server")']
        : ['no-signing-key', 'no signing key is set up for this profile'];
      this.leavePending(
        pending.map((p) => p.id),
        reason,
        words,
      );
      this.progress('service-documents', 0, pending.length, `${pending.length} service document(s) wait: ${words}`);
      return;
    }
    const signer = await this.acquireSigner();
    if (!signer) {
      const needed = this.clerkNeeded!;
      this.leavePending(
        pending.map((p) => p.id),
        needed.code,
        needed.message,
      );
      this.progress(
        'service-documents',
        0,
        pending.length,
        `${pending.length} service document(s) wait: ${needed.message}`,
      );
      return;
    }
    let poa: SigningUnderPowerOfAttorney | undefined;
    try {
      // Checked at the hub once a session, however many times the step runs while receiving.
      this.serviceDocumentAuthority ??= this.powerOfAttorney(signer.certificate, 'sign-service-document');
      poa = await this.serviceDocumentAuthority;
    } catch (e) {
      if (!(e instanceof PowerOfAttorneyRefused)) throw e;
      // Refused before anything is signed: every one waits with the hub's code, for the clerk to attach a valid МЧД.
      this.leavePending(
        pending.map((p) => p.id),
        e.code,
        e.message,
      );
      this.log(
        'warn',
        'service-documents',
        `not signed: ${e.message}${e.hubMessage ? ` (the hub: ${e.hubMessage})` : ''}`,
      );
      this.progress('service-documents', 0, pending.length, `${pending.length} service document(s) wait: ${e.message}`);
      return;
    }
    const operator = await this.operator();
    // Signed ones are committed in batches (each with its outbox key, before any attempt to send);
    // a crash loses at most a batch of signatures, made again next time, never sent twice.
    // The XML files are written while the token signs the next ones, and are on disk before the store names them.
    let batch: {
      id: number;
      what: string;
      fileName: string;
      written: Promise<StoredBlob>;
      signature: Buffer;
      signerPowerOfAttorney?: SignedUnderPowerOfAttorney;
    }[] = [];
    const cannotMake = (id: number, what: string, e: unknown) => {
      // This one waits with its reason (tried again next session); the others are signed.
      const reason = `cannot make the ${what}: ${messageOf(e)}`;
      this.leavePending([id], 'cannot-make', reason);
      this.log('warn', 'service-documents', reason);
      return reason;
    };
    const commit = async () => {
      const signed = batch;
      batch = [];
      const files = await Promise.all(
        signed.map((b) =>
          b.written.then(
            (blob) => ({ ...b, xmlHash: blob.hash }),
            (e: unknown) => void cannotMake(b.id, b.what, e),
          ),
        ),
      );
      const made = files.filter((b) => b !== undefined);
      // Counted only when the store took it (an item no longer pending gets no second outbox entry).
      const marked = this.store.transaction(() =>
        made.filter((b) => this.store.markServiceDocumentSigned(b.id, b) !== undefined),
      );
      this.summary.serviceDocumentsSigned += marked.length;
      this.items.signed.push(...marked.map((b) => b.id));
    };
    let done = 0;
    try {
      for (const p of pending) {
        this.checkAbort();
        const what = `${p.type === 'receipt' ? 'receipt notice' : 'clarification request'} for "${p.document.title}"`;
        try {
          const ctx: ServiceDocumentContext = {
            document: p.document,
            documentSignatures: this.store.signatures(p.documentId).map((s) => s.cms),
            me: this.me!,
            operator,
            signerCertificate: signer.certificate,
            ...(poa ? { powerOfAttorney: poa } : {}),
            now: new Date(),
          };
          const file =
            p.type === 'receipt'
              ? await this.deps.serviceDocuments.receipt(ctx)
              : await this.deps.serviceDocuments.clarification({ ...ctx, text: p.text ?? '' });
          const signature = await signDetached(file.xml, signer);
          const written = this.store.blobs.write(file.xml);
          written.catch(() => undefined); // its failure is handled at the commit
          batch.push({
            id: p.id,
            what,
            fileName: file.fileName,
            written,
            signature,
            ...(poa ? { signerPowerOfAttorney: poa.checked } : {}),
          });
          this.progress('service-documents', ++done, pending.length, `signed ${done} of ${pending.length}`);
        } catch (e) {
          if (clerkNeededBy(e)) throw e;
          this.progress('service-documents', ++done, pending.length, cannotMake(p.id, what, e));
        }
        if (batch.length >= 25) await commit();
      }
    } catch (e) {
      const needed = clerkNeededBy(e);
      if (!needed) throw e;
      // The token went away or refused: stop signing, the rest waits for the clerk.
      this.clerkNeeded = needed;
      this.leavePending(
        pending.slice(done).map((r) => r.id),
        needed.code,
        needed.message,
      );
      this.log('warn', 'service-documents', `signing stopped: ${needed.message}`);
    } finally {
      await commit();
    }
  }

  /** What the store keeps and the clerk reads of a refusal: the hub's МЧД refusals in the clerk's words by code, the rest as the hub said it. */
  private refusalText(e: Error & { code?: string }): string {
    if (e.code === undefined || !isHubPowerOfAttorneyCode(e.code)) return e.message;
    const language = this.deps.representative?.language ?? 'ru';
    return hubPowerOfAttorneyRefusal(e.code, e.message, this.me?.subscriber.name, language);
  }

  /** The МЧД a signature by `certificate` is made under, checked at the hub now (src/exchange/representative.ts). */
  private powerOfAttorney(
    certificate: Buffer,
    action: SigningAction,
  ): Promise<SigningUnderPowerOfAttorney | undefined> {
    const given = this.deps.representative ?? { powersOfAttorney: [], storage: '', language: 'ru' as const };
    return powerOfAttorneyFor(
      { ...given, organization: this.me!.subscriber, check: (request) => this.client.checkPowerOfAttorney(request) },
      certificate,
      action,
    );
  }

  /** Keeps the files of the МЧД a received signature was made under, fetched once from the hub (the archive proves the authority with them). */
  private async keepPowerOfAttorney(documentHubId: string, poa: SignedUnderPowerOfAttorney | undefined): Promise<void> {
    if (!poa || this.store.powerOfAttorney(poa.principalInn, poa.number)) return;
    const { xml, signature, ...record } = await this.client.documentPowerOfAttorney(documentHubId, poa.number);
    const [x, sig] = await Promise.all([
      this.store.blobs.write(Buffer.from(xml, 'base64')),
      this.store.blobs.write(Buffer.from(signature, 'base64')),
    ]);
    this.store.keepPowerOfAttorney({
      principalInn: record.principalInn,
      number: record.number,
      fileName: record.fileName,
      xmlHash: x.hash,
      signatureHash: sig.hash,
      record,
    });
  }

  private async acquireSigner(): Promise<Signer | undefined> {
    if (this.signer) return this.signer;
    // Refused once: the clerk is asked once a session, never again by a later step.
    if (this.clerkNeeded) return undefined;
    try {
      this.signer = await this.deps.signer!.acquire();
      return this.signer;
    } catch (e) {
      const needed = clerkNeededBy(e);
      if (!needed) throw e;
      this.clerkNeeded = needed;
      this.log('warn', 'service-documents', `cannot sign: ${needed.message}`);
      return undefined;
    }
  }
}
