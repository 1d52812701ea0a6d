// Where a user's profile lives: the directory the desktop app uses for its data (Electron's
// userData for the product "EDO Clerk"), so the CLI and the app share one profile by default.
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

export const productName = 'EDO Clerk';

export function defaultProfileDir(
  platform: NodeJS.Platform = process.platform,
  env: NodeJS.ProcessEnv = process.env,
): string {
  if (env.EDO_CLERK_PROFILE) return resolve(env.EDO_CLERK_PROFILE);
  if (platform === 'win32') return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), productName);
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', productName);
  return join(env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), productName);
}

/** The keychain scope of a profile: profiles of one OS account keep separate secrets. */
export function keychainScope(profileDir: string): string {
  return `profile:${resolve(profileDir)}`;
}
