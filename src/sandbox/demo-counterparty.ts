// The sandbox's demo counterparty: an organization in operating mode "server" whose exchange
// agent runs inside the sandbox. Now and then it sends the clerk a signed document, and it
// runs its own exchange sessions regularly, so the receipt notices the clerk's documents need
// are signed and sent back without anyone at its end. It also plays the person at its end for
// the document's own workflow (docs/architecture.md §5a), which no agent does for real: it signs
// what the clerk sends with a signature request, refusing every third with a reason, accepts the
// clerk's annulment proposals, and asks for the clerk's signature on its reconciliation statements.
import { signDetached } from '../crypto/cms';
import type { ClerkProfile } from '../exchange/profile';
import type { WorkflowStep } from '../vocabulary';
import type { SessionResult, SignerSource } from '../exchange/session';
import { acceptAnnulment, refuseSignature, signDocument } from '../workplace/workflow';
import { demoDocument, type DemoParties } from './demo-documents';

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

export interface CounterpartySchedule {
  /** The first document, this long after the start. */
  firstDocumentMs: number;
  /** Then one more document every so often (0: only the first). */
  documentEveryMs: number;
  /** Its exchange sessions (receive, sign receipt notices, send). */
  sessionEveryMs: number;
}

export const defaultSchedule: CounterpartySchedule = {
  firstDocumentMs: 5_000,
  documentEveryMs: 4 * 60_000,
  sessionEveryMs: 10_000,
};

/** The steps the demo counterparty takes by itself, as the person at its end would. */
export type CounterpartyAnswer = Extract<WorkflowStep, 'sign' | 'refuse-signature' | 'accept-annulment'>;

export type CounterpartyEvent =
  | { type: 'document-sent'; title: string }
  | { type: 'session'; result: SessionResult }
  | { type: 'workflow-step'; step: CounterpartyAnswer; title: string }
  | { type: 'error'; message: string };

/** What the demo counterparty writes when it refuses to sign: the reasons a real one gives. */
const refusalReasons = [
  'Сумма в пункте 3 не совпадает с нашими данными',
  'Не указаны реквизиты договора',
  'Документ подписан не уполномоченным лицом',
];

export class DemoCounterparty {
  private readonly handles = new Set<unknown>();
  private queue: Promise<unknown> = Promise.resolve();
  private stopped = false;
  private signerSource: SignerSource | undefined;
  /** Signature requests answered since the start: every third is refused, so a newcomer sees a refusal too. */
  private signatureRequestsAnswered = 0;

  constructor(
    private readonly profile: ClerkProfile,
    /** Who sends (this organization) and to whom (the clerk's); `to` carries the clerk's subscriber id. */
    private readonly parties: DemoParties & { to: { id: string } },
    private readonly schedule: CounterpartySchedule = defaultSchedule,
    private readonly timers: Timers = realTimers,
    private readonly onEvent: (e: CounterpartyEvent) => void = () => {},
    private readonly now: () => Date = () => new Date(),
  ) {}

  start(): void {
    this.after(this.schedule.firstDocumentMs, () => this.documentLoop());
    this.after(this.schedule.sessionEveryMs, () => this.sessionLoop());
  }

  /** Signs the next demo document with the counterparty's key, queues it for the clerk and runs a session to send it. */
  sendDocument(): Promise<void> {
    return this.serially(async () => {
      const store = this.profile.store;
      const n = store.listDocuments({ direction: 'out', limit: 1 }).total + 1;
      const doc = demoDocument(n, this.parties, this.now());
      const signer = await this.signer().acquire();
      const [blob, cms] = await Promise.all([store.blobs.write(doc.content), signDetached(doc.content, signer)]);
      store.queueOutgoingDocument({
        counterpartyId: this.parties.to.id,
        counterpartyName: this.parties.to.name,
        title: doc.title,
        kind: 'document',
        fileName: doc.fileName,
        blobHash: blob.hash,
        size: blob.size,
        needsReceipt: true,
        signatureRequested: doc.signatureRequested,
        signature: { cms, valid: null, signer: signer.description, signingTime: new Date().toISOString() },
      });
      await this.session();
      this.onEvent({ type: 'document-sent', title: doc.title });
    });
  }

  /** One exchange session of the counterparty's agent. */
  runSession(): Promise<SessionResult> {
    return this.serially(() => this.session());
  }

  /** Stops the timers and waits for the work under way. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const h of this.handles) this.timers.clearTimeout(h);
    this.handles.clear();
    await this.queue.catch(() => {});
    this.profile.close();
  }

  /** One key loaded for the life of the sandbox: the keychain is asked once, not at every session. */
  private signer(): SignerSource {
    this.signerSource ??= this.profile.signerSource();
    if (!this.signerSource) throw new Error(`The demo counterparty's profile ${this.profile.dir} has no signing key`);
    return this.signerSource;
  }

  private async session(): Promise<SessionResult> {
    let result = await this.agentSession();
    // What the session brought that waits for a person's signature or answer is answered, and posted at once.
    if (result.outcome === 'done' && (await this.answerWorkflow())) result = await this.agentSession();
    return result;
  }

  private async agentSession(): Promise<SessionResult> {
    const result = await this.profile.runSession({ trigger: 'agent', signer: this.signer() });
    this.onEvent({ type: 'session', result });
    if (result.outcome !== 'done')
      this.onEvent({
        type: 'error',
        message: `the demo counterparty's exchange session ended: ${result.outcome}${result.error ? `: ${result.error}` : ''}`,
      });
    return result;
  }

  /** Signs (or, every third, refuses) each document sent for its signature and accepts each annulment proposal; how many it answered. */
  private async answerWorkflow(): Promise<number> {
    const store = this.profile.store;
    const by = { source: this.signer(), representative: this.profile.representativeCheck(this.signer()) };
    const { signature, annulment } = store.awaitingOurAnswer();
    for (const doc of signature) {
      const refuse = ++this.signatureRequestsAnswered % 3 === 0;
      if (refuse)
        await refuseSignature(
          store,
          by,
          doc.id,
          refusalReasons[(this.signatureRequestsAnswered / 3) % refusalReasons.length],
        );
      else await signDocument(store, by, doc.id);
      this.onEvent({ type: 'workflow-step', step: refuse ? 'refuse-signature' : 'sign', title: doc.title });
    }
    for (const doc of annulment) {
      await acceptAnnulment(store, by, doc.id);
      this.onEvent({ type: 'workflow-step', step: 'accept-annulment', title: doc.title });
    }
    return signature.length + annulment.length;
  }

  private serially<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => {});
    return next;
  }

  private after(ms: number, fn: () => Promise<void>): void {
    if (this.stopped) return;
    const handle = this.timers.setTimeout(() => {
      this.handles.delete(handle);
      void fn();
    }, ms);
    this.handles.add(handle);
  }

  private async documentLoop(): Promise<void> {
    await this.sendDocument().catch((e: unknown) =>
      this.onEvent({
        type: 'error',
        message: `the demo counterparty could not send a document: ${e instanceof Error ? e.message : String(e)}`,
      }),
    );
    if (this.schedule.documentEveryMs > 0) this.after(this.schedule.documentEveryMs, () => this.documentLoop());
  }

  private async sessionLoop(): Promise<void> {
    await this.runSession().catch((e: unknown) =>
      this.onEvent({
        type: 'error',
        message: `the demo counterparty's exchange session failed: ${e instanceof Error ? e.message : String(e)}`,
      }),
    );
    this.after(this.schedule.sessionEveryMs, () => this.sessionLoop());
  }
}
