// Runs in: the Electron main process. The card (PDF) and the evidence package (ZIP) of a
// document, written where the clerk points in main's own save dialog (docs/architecture.md §7):
// the renderer names the document, never a path.
import type { Handlers, Platform } from './handlers';
import type { ClerkServices } from './services';

export function createEvidenceHandlers(
  services: Pick<ClerkServices, 'evidence'>,
  platform: Platform,
): Pick<Handlers, 'evidence:save'> {
  return {
    'evidence:save': async ({ document, kind }) => {
      const { evidence } = services;
      if (!evidence || !platform.chooseSaveFile)
        throw new Error('Saving the card and the evidence package is not available in this build');
      const file = await platform.chooseSaveFile(evidence.suggestedName(document, kind));
      if (file === undefined) return { saved: false };
      await evidence.write(document, kind, file);
      return { saved: true, file };
    },
  };
}
