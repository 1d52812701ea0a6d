// Tests that need a part of the system (SoftHSM, the OS keychain, Chromium) skip with a
// reason where it is missing; under CI=true a missing part fails instead of skipping.
import { execFileSync, spawnSync } from 'node:child_process';
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

/** True when every command is on PATH (the independent tools tests judge with: poppler, zbar, xmllint). */
export function onPath(...commands: string[]): boolean {
  return commands.every((c) => spawnSync('sh', ['-c', `command -v ${c}`], { stdio: 'ignore' }).status === 0);
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

/** OpenSSL with Debian's GOST engine (libengine-gost-openssl): the independent judge of GOST signatures. */
export function opensslGost(): SystemPart {
  let present: boolean;
  try {
    present = execFileSync('openssl', ['engine', '-t', 'gost'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    }).includes('available');
  } catch {
    present = false;
  }
  return systemPart(
    'OpenSSL with the GOST engine',
    present,
    'install the libengine-gost-openssl package (`openssl engine -t gost` must say available)',
  );
}
