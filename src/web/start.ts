// `npm start`: the desktop app where Electron can run; Electron's binary is fetched by its own
// install script when it is missing (Electron downloads it lazily, not at npm install). Where
// it cannot be had, or there is no display, one line says why and the same app starts as the
// local web client, with the local sandbox on a first start.
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { coreErrorText } from '../cli/errors';
import { cliLanguage } from '../cli/i18n';
import { makeOutput, type Output } from '../cli/output';
import { profileLanguage } from '../cli/commands';
import { ClerkProfile } from '../exchange/profile';
import { defaultProfileDir } from '../settings/profile-dir';
import { web } from './cli';
import { electronBinary, electronPackageDir } from './electron-binary';
import { hasDisplay } from './open-browser';

const root = fileURLToPath(new URL('../../', import.meta.url));
const electronVite = join(root, 'node_modules', '.bin', 'electron-vite');

/** Why the desktop app cannot start here, in words; undefined: it can. */
function desktopProblem(t: Output['t']): string | undefined {
  if (!hasDisplay()) return t('start.noDisplay');
  if (electronBinary()) return undefined;
  const packageDir = electronPackageDir();
  if (!packageDir) return t('start.noElectronPackage');
  if (process.env.ELECTRON_SKIP_BINARY_DOWNLOAD) return t('start.skipDownload');
  console.log(t('start.fetching'));
  const r = spawnSync(process.execPath, [join(packageDir, 'install.js')], {
    stdio: ['ignore', 'inherit', 'pipe'],
    encoding: 'utf8',
  });
  if (electronBinary()) return undefined;
  const why = r.stderr?.trim().split('\n')[0] || `exit ${r.status}`;
  return t('start.downloadFailed', { why });
}

async function start(): Promise<number> {
  const profile = new ClerkProfile(defaultProfileDir());
  try {
    // No --lang here: the locale's language, else the profile's, else Russian, as edo-clerk chooses.
    const out = makeOutput(false, cliLanguage(undefined, process.env, profileLanguage(profile)));
    const problem = desktopProblem(out.t);
    if (!problem) {
      const app = spawn(electronVite, ['preview'], { stdio: 'inherit' });
      return await new Promise((done) => app.once('exit', (code) => done(code ?? 1)));
    }
    console.log(out.t('start.noDesktop', { problem }));
    const build = spawnSync(electronVite, ['build'], { cwd: root, encoding: 'utf8' });
    if (build.status !== 0) {
      process.stderr.write(`${build.stdout}${build.stderr}`);
      console.error(out.t('start.buildFailed'));
      return 1;
    }
    try {
      return await web(profile, { sandbox: true, open: true }, [], out);
    } catch (e) {
      console.error(out.t('start.failed', { message: coreErrorText(e, out.language) }));
      return 1;
    }
  } finally {
    profile.close();
  }
}

process.exitCode = await start();
