// The profile's settings as the clerk's Settings view shows and changes them. Secrets are only
// named here (whether the keychain holds them), never read.
import type { Settings, SettingsPatch } from '../ipc/contract';
import {
  inProfile,
  type ProfileSettings,
  type ProfileSettingsFile,
  type ProfileSettingsInput,
} from '../settings/settings';

/** What every act that needs the hub or the store says in a profile with no settings yet. */
export const notConfigured = () => new Error('Set the exchange server in Settings first');

/** A profile with no settings yet: nothing is set up, nothing runs in the background. */
const unconfigured: Omit<Settings, 'secrets'> = {
  serverUrl: '',
  mode: 'workstation',
  scheduleMinutes: 15,
  modulePaths: [],
  language: 'ru',
  startAtLogin: true,
  login: '',
  signatureChecks: { offline: false },
};

/** `profileDir`: the CRL folder is shown where it is (the profile may hold it relative to itself, as the sandbox's does). */
export function settingsOf(p: ProfileSettings | undefined, secrets: Settings['secrets'], profileDir: string): Settings {
  if (!p) return { ...unconfigured, secrets };
  return {
    serverUrl: p.serverUrl,
    mode: p.mode,
    scheduleMinutes: p.scheduleMinutes,
    modulePaths: p.modulePaths,
    language: p.language === 'en' ? 'en' : 'ru',
    startAtLogin: p.startAtLogin,
    login: p.auth.method === 'password' ? p.auth.login : '',
    signatureChecks: {
      ...p.signatureChecks,
      ...(p.signatureChecks.crlFolder ? { crlFolder: inProfile(profileDir, p.signatureChecks.crlFolder) } : {}),
    },
    secrets,
  };
}

/**
 * Writes the clerk's change; the first one creates the profile's settings (and names the
 * missing server URL when there is none). Returns whether the server's origin changed: the
 * kept service password was the old server's and must not go to another one.
 */
export function applySettings(file: ProfileSettingsFile, patch: SettingsPatch): { serverChanged: boolean } {
  const change: Partial<ProfileSettingsInput> = {
    ...(patch.serverUrl !== undefined ? { serverUrl: patch.serverUrl } : {}),
    ...(patch.scheduleMinutes !== undefined ? { scheduleMinutes: patch.scheduleMinutes } : {}),
    ...(patch.modulePaths !== undefined ? { modulePaths: patch.modulePaths } : {}),
    ...(patch.language !== undefined ? { language: patch.language } : {}),
    ...(patch.startAtLogin !== undefined ? { startAtLogin: patch.startAtLogin } : {}),
    ...(patch.login !== undefined
      ? { auth: patch.login ? { method: 'password' as const, login: patch.login } : { method: 'certificate' as const } }
      : {}),
    ...(patch.signatureChecks !== undefined ? { signatureChecks: patch.signatureChecks } : {}),
  };
  if (!file.exists()) {
    file.write(change as ProfileSettingsInput);
    return { serverChanged: false };
  }
  const before = new URL(file.read().serverUrl).origin;
  file.update(change);
  return { serverChanged: new URL(file.read().serverUrl).origin !== before };
}
