// The document's own workflow from the desktop (docs/architecture.md §5a): the steps the clerk may
// take on one document now, the step itself (signed with the day's token, posted by the next
// session), and what waits for the clerk's own signature or answer. Runs in: main (validation)
// and renderer (types only).
import { z } from 'zod';
import {
  AnnulmentState,
  ClerkNeededReason,
  LocalId,
  PowerOfAttorneyRefusal,
  RecipientSignatureState,
  stepNeedsReason,
  WorkflowStep,
} from '../vocabulary';

/** The workflow of one document as this profile last heard it, and what the clerk may do about it. */
export const DocumentWorkflowView = z.object({
  signatureRequested: z.boolean(),
  signatureState: RecipientSignatureState.nullable(),
  annulmentState: AnnulmentState.nullable(),
  /** Whether the annulment proposal that waits (or was answered last) is ours. */
  annulmentProposedByUs: z.boolean().nullable(),
  /** The steps the clerk may take now: src/protocol/workflow.ts's verdict on the stored state. */
  allowed: z.array(WorkflowStep),
  /** A step signed here that waits to be posted by the next session. */
  waiting: WorkflowStep.nullable(),
});
export type DocumentWorkflowView = z.infer<typeof DocumentWorkflowView>;

export const WorkflowStepArgs = z
  .object({
    documentId: LocalId,
    step: WorkflowStep,
    /** A refusal, an annulment proposal and a rejection state their reason (the clerk's words). */
    reason: z.string().trim().max(1000).optional(),
  })
  .strict()
  .refine((a) => !stepNeedsReason(a.step) || (a.reason ?? '') !== '', {
    message: 'This step states its reason',
    path: ['reason'],
  });
export type WorkflowStepArgs = z.input<typeof WorkflowStepArgs>;

export const WorkflowStepOutcome = z.object({
  /** The step is signed and stored; main starts a session that posts it. */
  queued: z.boolean(),
  /** Why nothing was signed: the token or key needs the clerk, or the signer's МЧД does not let them take the step. */
  failed: z
    .object({
      reason: z.enum([...ClerkNeededReason.options, ...PowerOfAttorneyRefusal.options]),
      message: z.string().optional(),
    })
    .optional(),
});
export type WorkflowStepOutcome = z.infer<typeof WorkflowStepOutcome>;

export const AwaitingItem = z.object({
  documentId: LocalId,
  title: z.string(),
  counterparty: z.string(),
});
export type AwaitingItem = z.infer<typeof AwaitingItem>;

/** Received documents whose signature the sender asked for, and the other side's annulment proposals. */
export const Awaiting = z.object({ signature: z.array(AwaitingItem), annulment: z.array(AwaitingItem) });
export type Awaiting = z.infer<typeof Awaiting>;

export const workflowInvokeContract = {
  'workflow:step': { args: WorkflowStepArgs, result: WorkflowStepOutcome },
  'workflow:awaiting': { args: z.void(), result: Awaiting },
} as const;
