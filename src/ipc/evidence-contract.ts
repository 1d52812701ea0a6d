// The card and the evidence package from the desktop (docs/architecture.md §7): the renderer
// names the document and what to make; main asks where to save in its own dialog, so the
// renderer never names a path. Runs in: main (validation) and renderer (types only).
import { z } from 'zod';

export const EvidenceKind = z.enum(['card', 'package']);
export type EvidenceKind = z.infer<typeof EvidenceKind>;

export const EvidenceSaveArgs = z
  .object({
    /** The local number of the document (the document view) or its hub id (the Archive view). */
    document: z.string().regex(/^[A-Za-z0-9-]{1,100}$/, 'a document number or hub id'),
    kind: EvidenceKind,
  })
  .strict();
export type EvidenceSaveArgs = z.infer<typeof EvidenceSaveArgs>;

export const EvidenceSaved = z.object({
  /** false: the clerk closed the save dialog; nothing was written. */
  saved: z.boolean(),
  file: z.string().optional(),
});
export type EvidenceSaved = z.infer<typeof EvidenceSaved>;

export const evidenceInvokeContract = {
  'evidence:save': { args: EvidenceSaveArgs, result: EvidenceSaved },
} as const;
