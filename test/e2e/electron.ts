// Where an Electron binary exists, the same suites run through Playwright's _electron; here the
// binary cannot be downloaded (ELECTRON_SKIP_BINARY_DOWNLOAD=1), so those suites skip and say so.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * Finds the installed binary the way the electron package does, without requiring the package:
 * its index.js starts a download when the binary is missing, which only fails slowly here.
 */
function electronBinary(): string | undefined {
  try {
    const packageDir = dirname(createRequire(import.meta.url).resolve('electron/package.json'));
    const pathFile = join(packageDir, 'path.txt');
    if (!existsSync(pathFile)) return undefined;
    const distDir = process.env.ELECTRON_OVERRIDE_DIST_PATH ?? join(packageDir, 'dist');
    const binary = join(distDir, readFileSync(pathFile, 'utf8').trim());
    return existsSync(binary) ? binary : undefined;
  } catch {
    return undefined;
  }
}

export const electronPath = electronBinary();
export const electronSkipReason =
  'the Electron binary is not installed on this machine (it cannot be downloaded here; ELECTRON_SKIP_BINARY_DOWNLOAD=1): the Chromium suites cover the same UI';
