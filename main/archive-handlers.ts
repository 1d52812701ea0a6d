// Runs in: the Electron main process (and, in end-to-end tests, the Playwright process). The
// handlers of the Archive and Organization settings channels, merged into the one registry of
// handlers.ts. A download goes to a folder the clerk picks in main's own dialog, or in the web
// client to the browser, one download per file: the renderer never names a path.
import type { Handlers, Platform } from './handlers';
import type { ClerkServices } from './services';

type ArchiveChannel =
  | 'archive:status'
  | 'archive:list'
  | 'archive:verify'
  | 'archive:download'
  | 'organization:get'
  | 'organization:patch'
  | 'organization:setAccess'
  | 'organization:journal';

export function createArchiveHandlers(
  services: Pick<ClerkServices, 'archive' | 'organization'>,
  platform: Platform,
): Pick<Handlers, ArchiveChannel> {
  const { archive, organization } = services;
  return {
    'archive:status': () => archive.status(),
    'archive:list': () => archive.list(),
    'archive:verify': () => archive.verify(),
    'archive:download': async ({ index }) => {
      const { chooseFolder, offerDownloads } = platform;
      if (chooseFolder) {
        const dir = await chooseFolder();
        if (dir === undefined) return { saved: false, signatures: [] };
        const { file, signatures } = await archive.download(index, dir);
        return { saved: true, file, signatures };
      }
      if (!offerDownloads) return { saved: false, signatures: [], unavailable: true };
      const downloads = await offerDownloads(async (dir) => {
        const { file, signatures } = await archive.download(index, dir);
        return [file, ...signatures];
      });
      return { saved: true, signatures: [], downloads };
    },
    'organization:get': () => organization.get(),
    'organization:patch': (patch) => organization.patch(patch),
    'organization:setAccess': (args) => organization.setAccess(args),
    'organization:journal': ({ after, limit }) => organization.journal(after, limit),
  };
}
