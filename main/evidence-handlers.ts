// Runs in: the Electron main process (and, in end-to-end tests, the Playwright process). The card
// (PDF) and the evidence package (ZIP) of a document (docs/architecture.md §7), written where the
// clerk points in main's own save dialog, or, in the web client, made for the browser to download
// and save where the clerk chooses there: the renderer names the document, never a path.
import { join } from 'node:path';
import { EvidenceError } from '../src/evidence';
import type { EvidenceSaved } from '../src/ipc/contract';
import type { Handlers, Platform } from './handlers';
import type { ClerkServices } from './services';

export function createEvidenceHandlers(
  services: Pick<ClerkServices, 'evidence'>,
  platform: Platform,
): Pick<Handlers, 'evidence:save'> {
  return {
    'evidence:save': async ({ document, kind }): Promise<EvidenceSaved> => {
      const { evidence } = services;
      const { chooseSaveFile, offerDownloads } = platform;
      if (!evidence) return { saved: false, unavailable: true };
      try {
        const name = evidence.suggestedName(document, kind);
        if (chooseSaveFile) {
          const file = await chooseSaveFile(name);
          if (file === undefined) return { saved: false };
          await evidence.write(document, kind, file);
          return { saved: true, file };
        }
        if (!offerDownloads) return { saved: false, unavailable: true };
        const downloads = await offerDownloads(async (dir) => {
          const file = join(dir, name);
          await evidence.write(document, kind, file);
          return [file];
        });
        return { saved: true, downloads };
      } catch (e) {
        // The renderer words the problem in the clerk's language.
        if (e instanceof EvidenceError) return { saved: false, problem: e.code };
        throw e;
      }
    },
  };
}
