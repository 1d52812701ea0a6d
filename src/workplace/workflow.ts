// The clerk's own acts on a document's workflow (docs/architecture.md §5a): sign a document
// sent for signature, refuse with a reason, propose an annulment, accept or reject the other
// side's proposal. Each is signed here, by the clerk's signer, at once (never by "Sign all",
// never by the agent), and stored with its body and idempotency key; the next session posts it.
// A personal certificate's МЧД is checked at the hub first, for the power the step needs
// (stepPower): refused, nothing is signed or queued; accepted, the step carries its reference.
import { signDetached } from '../crypto/cms';
import type { Signer } from '../crypto/signer';
import { buildAnnulmentProposal, buildClarificationRequest } from '../formats';
import type { WorkflowStepBody } from '../protocol/documents';
import { stepPower, WorkflowStep, workflowTransition, type WorkflowFacts } from '../protocol/workflow';
import { underPowerOfAttorney, type SigningUnderPowerOfAttorney } from '../exchange/representative';
import { participantOf, signerOf } from '../exchange/service-documents';
import type { SignerSource } from '../exchange/session';
import type { Awaiting, DocumentWorkflowView } from '../ipc/contract';
import type { ClerkStore, DocumentRow, WorkflowStepRow } from '../store';
import type { RepresentativeCheck } from './outbox';

/** Who signs a step: the clerk's token or key, and the МЧД check before it signs (ClerkProfile.representativeCheck). */
export interface StepSigner {
  source: SignerSource;
  representative: RepresentativeCheck;
}

export class WorkflowError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'WorkflowError';
  }
}

function documentOf(store: ClerkStore, documentId: number): DocumentRow {
  const doc = store.document(documentId);
  if (!doc) throw new WorkflowError('not-found', `No document ${documentId} in this profile`);
  if (!doc.hubId)
    throw new WorkflowError('not-sent', `"${doc.title}" has not been accepted by the hub yet: run a session first`);
  return doc;
}

/** The stored fields the workflow is judged on. */
export type WorkflowFields = Pick<
  DocumentRow,
  'direction' | 'signatureRequested' | 'recipientSignatureState' | 'annulmentState' | 'annulmentProposedByUs'
>;

/** What the hub judges a step on (src/protocol/workflow.ts), as the profile last heard it. */
export function factsOf(doc: WorkflowFields): WorkflowFacts {
  return {
    workflow: {
      ...(doc.recipientSignatureState ? { signatureState: doc.recipientSignatureState } : {}),
      ...(doc.annulmentState ? { annulmentState: doc.annulmentState } : {}),
    },
    actor: doc.direction === 'in' ? 'recipient' : 'sender',
    ...(doc.annulmentProposedByUs !== null
      ? { annulmentProposedBy: doc.annulmentProposedByUs === (doc.direction === 'out') ? 'sender' : 'recipient' }
      : {}),
  };
}

const waitingStep = (store: ClerkStore, doc: DocumentRow) =>
  store.workflowStepsOf(doc.id).find((w) => w.state === 'waiting');

/** The same judgement the hub makes, on what the profile last heard; a step already waiting counts. */
function judge(store: ClerkStore, doc: DocumentRow, step: WorkflowStep): void {
  if (waitingStep(store, doc))
    throw new WorkflowError('step-waiting', `A signed step on "${doc.title}" waits to be posted: run a session first`);
  const verdict = workflowTransition(step, factsOf(doc));
  if (!verdict.ok) throw new WorkflowError(verdict.error, `"${doc.title}": ${verdict.message}`);
}

/**
 * The workflow as the document view shows it: its states and the steps the clerk may take now,
 * none before the hub accepted the document and none while a signed step waits to be posted.
 */
export function workflowView(
  doc: WorkflowFields,
  accepted: boolean,
  waiting: WorkflowStep | null,
): DocumentWorkflowView {
  const facts = factsOf(doc);
  return {
    signatureRequested: doc.signatureRequested,
    signatureState: doc.recipientSignatureState,
    annulmentState: doc.annulmentState,
    annulmentProposedByUs: doc.annulmentProposedByUs,
    allowed: accepted && !waiting ? WorkflowStep.options.filter((step) => workflowTransition(step, facts).ok) : [],
    waiting,
  };
}

export function workflowOf(store: ClerkStore, doc: DocumentRow): DocumentWorkflowView {
  return workflowView(doc, doc.hubId !== null, waitingStep(store, doc)?.step ?? null);
}

/** What waits for the clerk's own signature or answer (src/store's awaitingOurAnswer), as the desktop lists it. */
export function awaitingOf(store: ClerkStore): Awaiting {
  const { signature, annulment } = store.awaitingOurAnswer();
  const item = (d: DocumentRow) => ({
    documentId: d.id,
    title: d.title,
    counterparty: d.counterpartyName || d.counterpartyId,
  });
  return { signature: signature.map(item), annulment: annulment.map(item) };
}

/** Both sides as the FNS XML names them: us (the login's organization) and the counterparty. */
function parties(store: ClerkStore, doc: DocumentRow) {
  const ownId = store.ownSubscriberId();
  const own = ownId && store.subscriber(ownId);
  if (!own)
    throw new WorkflowError(
      'no-own-organization',
      'This profile does not know its own organization yet: run a session first',
    );
  const counterparty = store.subscriber(doc.counterpartyId) ?? { id: doc.counterpartyId, name: doc.counterpartyName };
  return { me: participantOf(own), them: participantOf(counterparty) };
}

function reasonOf(reason: string | undefined): string {
  const text = reason?.trim();
  if (!text)
    throw new WorkflowError('reason-required', 'A refusal, an annulment proposal and a rejection state their reason');
  return text;
}

/** The document's signature as exchanged (the sender's): what a УОУ or a ПРА about it carries. */
function documentSignature(store: ClerkStore, doc: DocumentRow): Buffer {
  const cms = store.signatures(doc.id)[0]?.cms;
  if (!cms) throw new WorkflowError('no-signature', `"${doc.title}" has no stored signature`);
  return cms;
}

async function queueSigned(
  store: ClerkStore,
  by: StepSigner,
  doc: DocumentRow,
  step: WorkflowStep,
  sign: (signer: Signer, poa: SigningUnderPowerOfAttorney | undefined) => Promise<WorkflowStepBody>,
  proposalHubId?: string,
): Promise<WorkflowStepRow> {
  const signer = await by.source.acquire();
  const poa = await by.representative(signer.certificate, stepPower[step]);
  const body = await sign(signer, poa);
  return store.queueWorkflowStep({
    documentId: doc.id,
    step,
    proposalHubId: proposalHubId ?? null,
    body: poa ? { ...body, powerOfAttorney: poa.reference } : body,
  });
}

async function signedXml(signer: Signer, file: { fileName: string; xml: Buffer }): Promise<WorkflowStepBody> {
  return {
    fileName: file.fileName,
    xml: file.xml.toString('base64'),
    signature: (await signDetached(file.xml, signer)).toString('base64'),
  };
}

/** The recipient's signature over the same bytes as the sender's. */
export async function signDocument(store: ClerkStore, by: StepSigner, documentId: number): Promise<WorkflowStepRow> {
  const doc = documentOf(store, documentId);
  judge(store, doc, 'sign');
  return queueSigned(store, by, doc, 'sign', async (signer) => ({
    signature: (await signDetached({ path: store.blobs.pathOf(doc.blobHash) }, signer)).toString('base64'),
  }));
}

/** A signature refusal: a УОУ over the document stating the reason. */
export async function refuseSignature(
  store: ClerkStore,
  by: StepSigner,
  documentId: number,
  reason: string | undefined,
): Promise<WorkflowStepRow> {
  const doc = documentOf(store, documentId);
  const text = reasonOf(reason);
  judge(store, doc, 'refuse-signature');
  const { me, them } = parties(store, doc);
  return queueSigned(store, by, doc, 'refuse-signature', (signer, poa) =>
    signedXml(
      signer,
      buildClarificationRequest({
        sender: me,
        receiver: them,
        receivedAt: new Date(doc.receivedAt ?? doc.createdAt),
        receivedFile: { name: doc.fileName, signatures: [documentSignature(store, doc)] },
        signer: underPowerOfAttorney(signerOf(signer.certificate), poa),
        text,
      }),
    ),
  );
}

/** An annulment proposal (ПРА, DP_PRANNUL 1.02) to the other side, stating the reason. */
export async function proposeAnnulment(
  store: ClerkStore,
  by: StepSigner,
  documentId: number,
  reason: string | undefined,
): Promise<WorkflowStepRow> {
  const doc = documentOf(store, documentId);
  const text = reasonOf(reason);
  judge(store, doc, 'propose-annulment');
  const { me, them } = parties(store, doc);
  return queueSigned(store, by, doc, 'propose-annulment', (signer) => {
    const who = signerOf(signer.certificate);
    return signedXml(
      signer,
      buildAnnulmentProposal({
        sender: me,
        receiver: them,
        annulledFile: { name: doc.fileName, signatures: [documentSignature(store, doc)] },
        reason: text,
        signer: who,
      }),
    );
  });
}

function pendingProposal(store: ClerkStore, doc: DocumentRow) {
  const proposal = doc.annulmentProposalHubId ? store.serviceDocumentByHubId(doc.annulmentProposalHubId) : undefined;
  if (!proposal?.xmlHash || !proposal.signature || !proposal.fileName)
    throw new WorkflowError(
      'annulment-not-pending',
      `"${doc.title}": no annulment proposal of the other side is stored here`,
    );
  return {
    ...proposal,
    hubId: doc.annulmentProposalHubId!,
    xmlHash: proposal.xmlHash,
    signature: proposal.signature,
    fileName: proposal.fileName,
  };
}

/** Accepts the other side's proposal: our signature over its very bytes. */
export async function acceptAnnulment(store: ClerkStore, by: StepSigner, documentId: number): Promise<WorkflowStepRow> {
  const doc = documentOf(store, documentId);
  judge(store, doc, 'accept-annulment');
  const proposal = pendingProposal(store, doc);
  return queueSigned(
    store,
    by,
    doc,
    'accept-annulment',
    async (signer) => ({
      signature: (await signDetached(store.blobs.read(proposal.xmlHash), signer)).toString('base64'),
    }),
    proposal.hubId,
  );
}

/** Rejects the other side's proposal: a УОУ over the proposal stating why. */
export async function rejectAnnulment(
  store: ClerkStore,
  by: StepSigner,
  documentId: number,
  reason: string | undefined,
): Promise<WorkflowStepRow> {
  const doc = documentOf(store, documentId);
  const text = reasonOf(reason);
  judge(store, doc, 'reject-annulment');
  const proposal = pendingProposal(store, doc);
  const { me, them } = parties(store, doc);
  return queueSigned(
    store,
    by,
    doc,
    'reject-annulment',
    (signer, poa) =>
      signedXml(
        signer,
        buildClarificationRequest({
          sender: me,
          receiver: them,
          receivedAt: new Date(proposal.createdAt),
          receivedFile: { name: proposal.fileName, signatures: [proposal.signature] },
          signer: underPowerOfAttorney(signerOf(signer.certificate), poa),
          text,
        }),
      ),
    proposal.hubId,
  );
}

const acts = {
  sign: (store, by, id) => signDocument(store, by, id),
  'refuse-signature': refuseSignature,
  'propose-annulment': proposeAnnulment,
  'accept-annulment': (store, by, id) => acceptAnnulment(store, by, id),
  'reject-annulment': rejectAnnulment,
} satisfies Record<
  WorkflowStep,
  (store: ClerkStore, by: StepSigner, documentId: number, reason?: string) => Promise<WorkflowStepRow>
>;

/** One of the clerk's steps by its name (the CLI's commands, the desktop's buttons). */
export function takeWorkflowStep(
  store: ClerkStore,
  by: StepSigner,
  documentId: number,
  step: WorkflowStep,
  reason?: string,
): Promise<WorkflowStepRow> {
  return acts[step](store, by, documentId, reason);
}
