// Where the electron package's binary is, without requiring the package: its index.js starts a
// download when the binary is missing. Used by `npm start` and by the Electron test suites.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export function electronPackageDir(): string | undefined {
  try {
    return dirname(createRequire(import.meta.url).resolve('electron/package.json'));
  } catch {
    return undefined;
  }
}

/** The installed binary the way the electron package finds it; undefined when it is not there. */
export function electronBinary(): string | undefined {
  const packageDir = electronPackageDir();
  if (!packageDir) return undefined;
  try {
    const pathFile = join(packageDir, 'path.txt');
    if (!existsSync(pathFile)) return undefined;
    const distDir = process.env.ELECTRON_OVERRIDE_DIST_PATH ?? join(packageDir, 'dist');
    const binary = join(distDir, readFileSync(pathFile, 'utf8').trim());
    return existsSync(binary) ? binary : undefined;
  } catch {
    return undefined;
  }
}
