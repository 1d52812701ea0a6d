// The card and the evidence package from the desktop (docs/architecture.md §7): the renderer
// names the document and what to make; main asks where to save in its own dialog, so the
// renderer never names a path; the web client makes the file and hands the browser a download.
// Runs in: main (validation) and renderer (types only).
import { z } from 'zod';
import { EvidenceProblem } from '../vocabulary';
import { BrowserDownload } from './download-contract';

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
  /** false: the clerk closed the save dialog, or `problem` or `unavailable` says why nothing was made. */
  saved: z.boolean(),
  /** Where main's save dialog put it (the desktop). */
  file: z.string().optional(),
  /** The file for the browser to fetch and save (the web client). */
  downloads: z.array(BrowserDownload).optional(),
  /** Why the document has no card or package. */
  problem: EvidenceProblem.optional(),
  /** This build can neither ask where to save nor hand a download (a build without a hub). */
  unavailable: z.literal(true).optional(),
});
export type EvidenceSaved = z.infer<typeof EvidenceSaved>;

export const evidenceInvokeContract = {
  'evidence:save': { args: EvidenceSaveArgs, result: EvidenceSaved },
} as const;
