// Runs in: the Electron main process (and, in end-to-end tests, the Playwright process). The
// handlers of the Archive and Organization settings channels, merged into the one registry of
// handlers.ts. A download goes to a folder the clerk picks in main's own dialog: the renderer
// never names a path.
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
      if (!platform.chooseFolder) throw new Error('Saving files is not available in this build');
      const dir = await platform.chooseFolder();
      if (dir === undefined) return { saved: false, signatures: [] };
      const { file, signatures } = await archive.download(index, dir);
      return { saved: true, file, signatures };
    },
    'organization:get': () => organization.get(),
    'organization:patch': (patch) => organization.patch(patch),
    'organization:setAccess': (args) => organization.setAccess(args),
    'organization:journal': ({ after, limit }) => organization.journal(after, limit),
  };
}
