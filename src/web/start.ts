// `npm start`: the desktop app where Electron can run; Electron's binary is fetched by its own
// install script when it is missing (Electron downloads it lazily, not at npm install). Where
// it cannot be had, or there is no display, one line says why and the same app starts as the
// local web client, with the local sandbox on a first start.
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeOutput } from '../cli/output';
import { ClerkProfile } from '../exchange/profile';
import { defaultProfileDir } from '../settings/profile-dir';
import { web } from './cli';
import { electronBinary, electronPackageDir } from './electron-binary';
import { hasDisplay } from './open-browser';

const root = fileURLToPath(new URL('../../', import.meta.url));
const electronVite = join(root, 'node_modules', '.bin', 'electron-vite');

/** Why the desktop app cannot start here; undefined: it can. */
function desktopProblem(): string | undefined {
  if (!hasDisplay()) return 'no display here (neither DISPLAY nor WAYLAND_DISPLAY is set)';
  if (electronBinary()) return undefined;
  const packageDir = electronPackageDir();
  if (!packageDir) return 'the electron package is not installed (run npm install)';
  if (process.env.ELECTRON_SKIP_BINARY_DOWNLOAD)
    return 'the Electron binary is not installed, and ELECTRON_SKIP_BINARY_DOWNLOAD is set';
  console.log("The Electron binary is not installed yet: fetching it with Electron's own install-electron…");
  const r = spawnSync(process.execPath, [join(packageDir, 'install.js')], {
    stdio: ['ignore', 'inherit', 'pipe'],
    encoding: 'utf8',
  });
  if (electronBinary()) return undefined;
  const why = r.stderr?.trim().split('\n')[0] || `exit ${r.status}`;
  return `the Electron binary could not be downloaded (${why})`;
}

async function start(): Promise<number> {
  const problem = desktopProblem();
  if (!problem) {
    const app = spawn(electronVite, ['preview'], { stdio: 'inherit' });
    return new Promise((done) => app.once('exit', (code) => done(code ?? 1)));
  }
  console.log(`EDO Clerk cannot open its desktop window: ${problem}; it starts in the browser instead.`);
  const build = spawnSync(electronVite, ['build'], { cwd: root, encoding: 'utf8' });
  if (build.status !== 0) {
    process.stderr.write(`${build.stdout}${build.stderr}`);
    console.error('The build failed (npm run build): see above');
    return 1;
  }
  const profile = new ClerkProfile(defaultProfileDir());
  try {
    return await web(profile, { sandbox: true, open: true }, [], makeOutput(false));
  } catch (e) {
    console.error(`EDO Clerk in the browser did not start: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  } finally {
    profile.close();
  }
}

process.exitCode = await start();
