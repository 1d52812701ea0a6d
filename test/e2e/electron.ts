// Where an Electron binary exists, the same suites run through Playwright's _electron; here the
// binary cannot be downloaded (ELECTRON_SKIP_BINARY_DOWNLOAD=1), so those suites skip and say so.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

function electronBinary(): string | undefined {
  try {
    const path = createRequire(import.meta.url)('electron') as unknown;
    return typeof path === 'string' && existsSync(path) ? path : undefined;
  } catch {
    return undefined;
  }
}

export const electronPath = electronBinary();
export const electronSkipReason =
  'the Electron binary is not installed on this machine (it cannot be downloaded here; ELECTRON_SKIP_BINARY_DOWNLOAD=1): the Chromium suites cover the same UI';
