// The document's own workflow (docs/architecture.md §5a): the recipient signs the same content
// or refuses with a УОУ; either side proposes annulment with a ПРА (DP_PRANNUL 1.02), the other
// signs it or rejects it with a УОУ. Every signature goes through the same acceptance as a
// document's first (checkSignature, longTermSignature); the state machine of src/protocol
// judges each step, first on the stored state (a quick refusal) and again in the transaction
// that records it, so a refused step stores nothing.
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import {
  parseAnnulmentProposal,
  parseServiceDocument,
  type ReferencedFile,
  type SignerOfDocument,
} from '../../src/formats';
import {
  stepPower,
  workflowTransition,
  type DocumentWorkflow,
  type PowerOfAttorneyReference,
  type RecipientSignature,
  type ServiceDocument,
  type WorkflowStep,
  type WorkflowStepResult,
} from '../../src/protocol';
import type { HubContext } from '../hub';
import { HubError, registerRoute, sha256Hex, type Caller, type RouteOutput } from '../http';
import type { DocumentRecord, UserRecord } from '../storage/storage';
import { certificateSummary } from '../views';
import { archiveAccepted } from './archiving';
import {
  archiveServiceDocument,
  checkAnswer,
  checkSignature,
  checkStatedAuthority,
  idempotent,
  longTermSignature,
  partyDocument,
  readAnswer,
  withReceipt,
} from './documents';

interface StepInput {
  ctx: HubContext;
  caller: Caller;
  documentId: string;
  step: WorkflowStep;
  key: string;
  body: unknown;
  /** For answers: the proposal answered. */
  proposalId?: string;
  /** Checks the step's content and signature (after the state allowed it) and says what to record. */
  build: (document: DocumentRecord) => Promise<{
    serviceDocument?: ServiceDocument;
    recipientSignature?: RecipientSignature;
    after?: () => Promise<void>;
  }>;
}

/** Runs one step: party check, quick state check, idempotency, content checks, the recording transaction, then archiving. */
async function runStep({
  ctx,
  caller,
  documentId,
  step,
  key,
  body,
  proposalId,
  build,
}: StepInput): Promise<RouteOutput> {
  const me = caller.subscriber.id;
  const document = await partyDocument(ctx, documentId, me);
  const judge = async () => {
    const stored = (await ctx.storage.getWorkflow(document.id))!;
    const side = (id: string) => (id === document.senderId ? 'sender' : 'recipient');
    const verdict = workflowTransition(step, {
      workflow: stored.workflow,
      actor: side(me),
      ...(stored.annulmentProposedBy ? { annulmentProposedBy: side(stored.annulmentProposedBy) } : {}),
    });
    if (!verdict.ok) throw new HubError(verdict.error, verdict.message);
    if (proposalId !== undefined && proposalId !== stored.annulmentProposalId) {
      throw new HubError(
        'annulment-not-pending',
        `The annulment proposal ${proposalId} is not the one waiting for an answer`,
      );
    }
  };
  const out = await idempotent(
    ctx,
    { subscriberId: me, scope: `workflow:${document.id}:${step}`, key },
    body,
    async (finish) => {
      await judge();
      const built = await build(document);
      const answer = (workflow: DocumentWorkflow): WorkflowStepResult => ({
        documentId: document.id,
        workflow,
        ...(built.serviceDocument ? { serviceDocument: built.serviceDocument } : {}),
      });
      const recorded = await ctx.storage.recordWorkflowStep(
        {
          documentId: document.id,
          step,
          actorId: me,
          ...(built.serviceDocument ? { serviceDocument: built.serviceDocument } : {}),
          ...(built.recipientSignature ? { recipientSignature: built.recipientSignature } : {}),
          ...(proposalId !== undefined ? { proposalId } : {}),
          at: ctx.now().toISOString(),
          events: (workflow) =>
            [document.senderId, document.recipientId].map((subscriberId) => ({
              subscriberId,
              payload: { type: 'document.workflow-changed', ...answer(workflow) },
            })),
        },
        (workflow) => finish(201, answer(workflow)),
      );
      if (recorded.kind === 'refused') throw new HubError(recorded.error, recorded.message);
      ctx.notifier.notify(recorded.appended);
      await built.after?.();
      return { status: 201, body: answer(recorded.workflow) };
    },
  );
  if (out === 'sent' || out.status !== 201) return out;
  const result = out.body as WorkflowStepResult;
  return result.serviceDocument
    ? { ...out, body: { ...result, serviceDocument: await withReceipt(ctx, me, result.serviceDocument) } }
    : out;
}

/** The pending proposal of the document named in the path; anything else does not exist for the caller. */
async function proposalOf(ctx: HubContext, document: DocumentRecord, proposalId: string): Promise<ServiceDocument> {
  const proposal = (await ctx.storage.listServiceDocuments(document.id)).find(
    (sd) => sd.id === proposalId && sd.type === 'annulment-proposal',
  );
  if (!proposal) throw new HubError('not-found', `No annulment proposal ${proposalId} on document ${document.id}`);
  return proposal;
}

/** The document's file as both sides exchanged it: its name and the sender's signature. */
const documentFile = (d: DocumentRecord): ReferencedFile => ({
  name: d.fileName,
  signatures: [Buffer.from(d.signature, 'base64')],
});
const otherSide = (d: DocumentRecord, me: string) => (me === d.senderId ? d.recipientId : d.senderId);

/** A signed XML of the step, its signature accepted like a document's; the service document to record. */
async function signedXml(
  ctx: HubContext,
  caller: Caller,
  document: DocumentRecord,
  step: WorkflowStep,
  input: {
    type: ServiceDocument['type'];
    parentId: string;
    fileName: string;
    xml: string;
    signature: string;
    reason?: string;
    powerOfAttorney?: PowerOfAttorneyReference | undefined;
    /** A УОУ's Подписант, which must state the МЧД the signature is made under. */
    stated?: SignerOfDocument | undefined;
  },
  log: FastifyBaseLogger,
): Promise<{ serviceDocument: ServiceDocument; signer: UserRecord }> {
  const received = Buffer.from(input.signature, 'base64');
  const xml = Buffer.from(input.xml, 'base64');
  // A personal certificate signs under an МЧД granting the step's power (§7).
  const checked = await checkSignature(ctx, received, xml, caller.subscriber, input.fileName, {
    action: stepPower[step],
    powerOfAttorney: input.powerOfAttorney,
  });
  // A ПРА has no СтатПодп (DP_PRANNUL 1.02): only a УОУ's input has `stated`.
  if ('stated' in input) checkStatedAuthority(input.stated, checked.powerOfAttorney, input.fileName);
  const signature = await longTermSignature(ctx, received, checked.chain, input.fileName, log);
  return {
    signer: checked.user,
    serviceDocument: {
      id: randomUUID(),
      documentId: document.id,
      type: input.type,
      parentId: input.parentId,
      fromSubscriberId: caller.subscriber.id,
      fileName: input.fileName,
      xml: input.xml,
      signature: signature.toString('base64'),
      signer: certificateSummary(checked.signer),
      ...(checked.powerOfAttorney ? { signerPowerOfAttorney: checked.powerOfAttorney } : {}),
      postedAt: ctx.now().toISOString(),
      ...(input.reason !== undefined ? { reason: input.reason } : {}),
    },
  };
}

export function registerWorkflowRoutes(app: FastifyInstance, ctx: HubContext): void {
  registerRoute(app, ctx, 'signDocument', async ({ params, headers, body, caller, req }) =>
    runStep({
      ctx,
      caller,
      documentId: params.documentId,
      step: 'sign',
      key: headers['idempotency-key'],
      body,
      build: async (document) => {
        // The same content the sender signed: the blob's bytes.
        const received = Buffer.from(body.signature, 'base64');
        const what = `"${document.fileName}" (the recipient's signature)`;
        // Signing the document itself needs the power to sign documents, as sending it does (§7).
        const authority = { action: stepPower.sign, powerOfAttorney: body.powerOfAttorney };
        const checked = await checkSignature(
          ctx,
          received,
          ctx.blobs.content(document.blob.sha256),
          caller.subscriber,
          what,
          authority,
        );
        const signature = (await longTermSignature(ctx, received, checked.chain, what, req.log)).toString('base64');
        const signedAt = ctx.now().toISOString();
        return {
          recipientSignature: {
            signature,
            signer: certificateSummary(checked.signer),
            ...(checked.powerOfAttorney ? { signerPowerOfAttorney: checked.powerOfAttorney } : {}),
            signedAt,
          },
          after: () =>
            archiveAccepted(
              ctx,
              {
                orgId: caller.subscriber.id,
                userId: checked.user.id,
                documentId: document.id,
                kind: 'recipient-signature',
                fileName: document.fileName,
                blobSha256: document.blob.sha256,
                size: document.blob.size,
                signatures: [signature],
              },
              req.log,
            ),
        };
      },
    }),
  );

  registerRoute(app, ctx, 'refuseSignature', async ({ params, headers, body, caller, req }) =>
    runStep({
      ctx,
      caller,
      documentId: params.documentId,
      step: 'refuse-signature',
      key: headers['idempotency-key'],
      body,
      build: async (document) => {
        const xml = Buffer.from(body.xml, 'base64');
        const parsed = readAnswer(
          () => parseServiceDocument(xml, body.fileName, { expectedKind: 'clarification-request' }),
          body.fileName,
        );
        checkAnswer(parsed, body.fileName, {
          issuer: caller.subscriber.id,
          addressee: document.senderId,
          parent: documentFile(document),
        });
        const { serviceDocument, signer } = await signedXml(
          ctx,
          caller,
          document,
          'refuse-signature',
          {
            type: 'signature-refusal',
            parentId: document.id,
            ...body,
            reason: parsed.text ?? '',
            stated: parsed.signer,
          },
          req.log,
        );
        return { serviceDocument, after: () => archiveServiceDocument(ctx, serviceDocument, xml, signer, req.log) };
      },
    }),
  );

  registerRoute(app, ctx, 'proposeAnnulment', async ({ params, headers, body, caller, req }) =>
    runStep({
      ctx,
      caller,
      documentId: params.documentId,
      step: 'propose-annulment',
      key: headers['idempotency-key'],
      body,
      build: async (document) => {
        const parsed = readAnswer(
          () => parseAnnulmentProposal(Buffer.from(body.xml, 'base64'), body.fileName),
          body.fileName,
        );
        checkAnswer({ ...parsed, referencedFile: parsed.annulledFile }, body.fileName, {
          issuer: caller.subscriber.id,
          addressee: otherSide(document, caller.subscriber.id),
          parent: documentFile(document),
        });
        // Archived once accepted, with both signatures.
        return await signedXml(
          ctx,
          caller,
          document,
          'propose-annulment',
          { type: 'annulment-proposal', parentId: document.id, ...body, reason: parsed.reason },
          req.log,
        );
      },
    }),
  );

  registerRoute(app, ctx, 'acceptAnnulment', async ({ params, headers, body, caller, req }) =>
    runStep({
      ctx,
      caller,
      documentId: params.documentId,
      step: 'accept-annulment',
      key: headers['idempotency-key'],
      body,
      proposalId: params.proposalId,
      build: async (document) => {
        const proposal = await proposalOf(ctx, document, params.proposalId);
        // The acceptance is a second signature over the proposal's very bytes.
        const { serviceDocument, signer } = await signedXml(
          ctx,
          caller,
          document,
          'accept-annulment',
          {
            type: 'annulment-acceptance',
            parentId: proposal.id,
            fileName: proposal.fileName,
            xml: proposal.xml,
            signature: body.signature,
            powerOfAttorney: body.powerOfAttorney,
          },
          req.log,
        );
        return { serviceDocument, after: () => archiveProposal(ctx, proposal, serviceDocument, signer, req.log) };
      },
    }),
  );

  registerRoute(app, ctx, 'rejectAnnulment', async ({ params, headers, body, caller, req }) =>
    runStep({
      ctx,
      caller,
      documentId: params.documentId,
      step: 'reject-annulment',
      key: headers['idempotency-key'],
      body,
      proposalId: params.proposalId,
      build: async (document) => {
        const proposal = await proposalOf(ctx, document, params.proposalId);
        const xml = Buffer.from(body.xml, 'base64');
        const parsed = readAnswer(
          () => parseServiceDocument(xml, body.fileName, { expectedKind: 'clarification-request' }),
          body.fileName,
        );
        checkAnswer(parsed, body.fileName, {
          issuer: caller.subscriber.id,
          addressee: proposal.fromSubscriberId,
          parent: { name: proposal.fileName, signatures: [Buffer.from(proposal.signature, 'base64')] },
        });
        const { serviceDocument, signer } = await signedXml(
          ctx,
          caller,
          document,
          'reject-annulment',
          {
            type: 'annulment-rejection',
            parentId: proposal.id,
            ...body,
            reason: parsed.text ?? '',
            stated: parsed.signer,
          },
          req.log,
        );
        return { serviceDocument, after: () => archiveServiceDocument(ctx, serviceDocument, xml, signer, req.log) };
      },
    }),
  );
}

/**
 * An accepted annulment proposal goes into the archive with both signatures, for each side that
 * archives: the proposer's organization under the proposer's signer, the acceptor's under its own.
 */
async function archiveProposal(
  ctx: HubContext,
  proposal: ServiceDocument,
  acceptance: ServiceDocument,
  acceptor: UserRecord,
  log: FastifyBaseLogger,
): Promise<void> {
  const xml = Buffer.from(proposal.xml, 'base64');
  const sha256 = sha256Hex(xml);
  const stored = await ctx.blobs.write(sha256, Readable.from(xml));
  if (stored.kind !== 'stored') {
    log.error(
      { serviceDocumentId: proposal.id, stored },
      'the annulment proposal could not be put into the blob store for archiving',
    );
    return;
  }
  const proposer = await ctx.storage.findUserByCertificate(proposal.signer.fingerprint);
  const entry = {
    documentId: acceptance.id,
    kind: 'annulment-proposal',
    fileName: proposal.fileName,
    blobSha256: sha256,
    size: xml.length,
    signatures: [proposal.signature, acceptance.signature],
  };
  await archiveAccepted(ctx, { ...entry, orgId: acceptance.fromSubscriberId, userId: acceptor.id }, log);
  if (proposer) await archiveAccepted(ctx, { ...entry, orgId: proposal.fromSubscriberId, userId: proposer.id }, log);
}
