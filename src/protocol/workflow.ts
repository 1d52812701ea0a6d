// The document's own workflow as a plain function (docs/architecture.md §5a): which step a side
// may take in which state, and the state after it. The hub applies it inside the transaction
// that records the step (so two steps at once cannot both pass); the client uses it to offer
// only the steps the hub would accept.
import { z } from 'zod';
import type { DocumentWorkflow } from './documents';
import type { ErrorCode } from './errors';
import type { SigningAction } from './powers-of-attorney';

export const WorkflowStep = z.enum([
  'sign',
  'refuse-signature',
  'propose-annulment',
  'accept-annulment',
  'reject-annulment',
]);
export type WorkflowStep = z.infer<typeof WorkflowStep>;

const reasoned: ReadonlySet<WorkflowStep> = new Set<WorkflowStep>([
  'refuse-signature',
  'propose-annulment',
  'reject-annulment',
]);

/**
 * The power a step needs when it is signed under an МЧД (docs/architecture.md §7), checked by the
 * client before signing and by the hub at acceptance. The recipient's signature and the annulment
 * (its proposal and the other side's signature over it) give or take away the document's own
 * legal force: the power to sign documents, as sending needs. A refusal and a rejection are УОУ,
 * service documents of format 1.03 like the clarification request: the service documents' power
 * (legal.md §1.5: operators take an МЧД for each; §1.7: the classifier has no code for them alone).
 */
export const stepPower = {
  sign: 'send-document',
  'refuse-signature': 'sign-service-document',
  'propose-annulment': 'send-document',
  'accept-annulment': 'send-document',
  'reject-annulment': 'sign-service-document',
} as const satisfies Record<WorkflowStep, SigningAction>;

/** A refusal, an annulment proposal and a rejection state their reason; a signature does not. */
export function stepNeedsReason(step: WorkflowStep): boolean {
  return reasoned.has(step);
}

/** What the step is judged on: the workflow as stored, who takes the step, and who proposed the pending annulment. */
export interface WorkflowFacts {
  workflow: DocumentWorkflow;
  actor: 'sender' | 'recipient';
  /** The side whose annulment proposal waits (or was answered last). */
  annulmentProposedBy?: 'sender' | 'recipient';
}

export type WorkflowVerdict =
  { ok: true; workflow: DocumentWorkflow } | { ok: false; error: ErrorCode; message: string };

const refuse = (error: ErrorCode, message: string): WorkflowVerdict => ({ ok: false, error, message });

/** The workflow after `step`, or why the state does not allow it. Never changes `facts`. */
export function workflowTransition(step: WorkflowStep, facts: WorkflowFacts): WorkflowVerdict {
  const { workflow, actor } = facts;
  if (workflow.annulmentState === 'annulled')
    return refuse('document-annulled', 'The document is annulled; nothing more is signed, refused or proposed on it');
  switch (step) {
    case 'sign':
    case 'refuse-signature': {
      if (actor !== 'recipient')
        return refuse('not-your-turn', "Only the document's recipient signs it or refuses to sign it");
      if (!workflow.signatureState)
        return refuse(
          'signature-not-requested',
          "The document was sent without a request for the recipient's signature",
        );
      if (workflow.signatureState === 'signed-by-both' || workflow.signatureState === 'recipient-signature-invalid') {
        return refuse('document-already-signed', 'The recipient has already signed the document');
      }
      if (workflow.signatureState === 'signature-refused')
        return refuse('signature-already-refused', 'The recipient has already refused to sign the document');
      if (workflow.annulmentState === 'annulment-proposed')
        return refuse('annulment-pending', 'An annulment proposal on the document waits for its answer');
      return {
        ok: true,
        workflow: { ...workflow, signatureState: step === 'sign' ? 'signed-by-both' : 'signature-refused' },
      };
    }
    case 'propose-annulment':
      if (workflow.annulmentState === 'annulment-proposed')
        return refuse('annulment-pending', 'An annulment proposal on the document already waits for its answer');
      return { ok: true, workflow: { ...workflow, annulmentState: 'annulment-proposed' } };
    case 'accept-annulment':
    case 'reject-annulment':
      if (workflow.annulmentState !== 'annulment-proposed')
        return refuse('annulment-not-pending', 'No annulment proposal on the document waits for an answer');
      if (facts.annulmentProposedBy === actor)
        return refuse(
          'not-your-turn',
          'A proposal to annul is answered by the other side, not by the side that made it',
        );
      return {
        ok: true,
        workflow: { ...workflow, annulmentState: step === 'accept-annulment' ? 'annulled' : 'annulment-rejected' },
      };
  }
}
