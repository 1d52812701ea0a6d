// Runs in: the Electron main process (and, in end-to-end tests, the Playwright process). The
// director's МЧД from the Organization view (docs/architecture.md §7): main asks where to save
// first (a cancelled dialog issues nothing), the core signs and registers it, and the XML and
// the director's signature (.sig, as `edo-clerk poa create` writes them) go to that folder, or,
// in the web client, to the browser as downloads. The renderer never names a path.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PowerOfAttorneyIssued } from '../src/ipc/contract';
import type { Handlers, Platform } from './handlers';
import type { ClerkServices } from './services';

export function createPowerOfAttorneyHandlers(
  services: Pick<ClerkServices, 'powersOfAttorney'>,
  platform: Platform,
): Pick<Handlers, 'poa:issue'> {
  return {
    'poa:issue': async (args): Promise<PowerOfAttorneyIssued> => {
      const { chooseFolder, offerDownloads } = platform;
      if (!chooseFolder && !offerDownloads) return { issued: false, unavailable: true };
      const dir = chooseFolder ? await chooseFolder() : undefined;
      if (chooseFolder && dir === undefined) return { issued: false };
      const done = await services.powersOfAttorney.issue(args);
      if ('refused' in done) return { issued: false, ...done.refused };
      const { files, record } = done;
      const write = (into: string) => {
        const xml = join(into, files.fileName);
        writeFileSync(xml, files.xml);
        writeFileSync(`${xml}.sig`, files.signature);
        return [xml, `${xml}.sig`];
      };
      const made = { issued: true, number: record.number, validUntil: record.validUntil, status: record.status };
      if (dir !== undefined) return { ...made, files: write(dir) };
      return { ...made, downloads: await offerDownloads!(async (into) => write(into)) };
    },
  };
}
