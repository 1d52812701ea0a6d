// Tests that need a part of the system (SoftHSM, the OS keychain, Chromium) skip with a
// reason where it is missing; under CI=true a missing part fails instead of skipping.
import { existsSync } from 'node:fs';

export interface SystemPart {
  /** True when the part is here and the test may run. */
  readonly ok: boolean;
  /** Why the test cannot run, for the skip message. */
  readonly reason: string;
}

export const isCI = process.env.CI === 'true' || process.env.CI === '1';

export function systemPart(name: string, present: boolean, hint: string): SystemPart {
  if (present) return { ok: true, reason: '' };
  const reason = `${name} is not available: ${hint}`;
  if (isCI) throw new Error(`CI=true and ${reason}`);
  return { ok: false, reason };
}

export const softhsmModuleCandidates = [
  process.env.EDO_SOFTHSM_MODULE,
  '/usr/lib/softhsm/libsofthsm2.so',
  '/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so',
  '/usr/local/lib/softhsm/libsofthsm2.so',
  '/opt/homebrew/lib/softhsm/libsofthsm2.so',
].filter((p): p is string => typeof p === 'string' && p.length > 0);

export const softhsmModulePath = softhsmModuleCandidates.find((p) => existsSync(p));

export function softhsm(): SystemPart {
  return systemPart(
    'SoftHSM2',
    softhsmModulePath !== undefined,
    `no libsofthsm2.so at ${softhsmModuleCandidates.join(', ')}; install the softhsm2 package or set EDO_SOFTHSM_MODULE`,
  );
}

export function keychain(): SystemPart {
  return systemPart(
    'The OS keychain (Secret Service)',
    process.platform !== 'linux' || !!process.env.DBUS_SESSION_BUS_ADDRESS,
    'no D-Bus session bus; run inside dbus-run-session with gnome-keyring unlocked (see .ci/run)',
  );
}
