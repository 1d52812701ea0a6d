// Where token vendors install their PKCS#11 modules, per OS (docs/architecture.md §7). Settings may add
// paths; the first existing file wins in the UI's module picker.
import { existsSync, realpathSync } from 'node:fs';

export type TokenVendor = 'SoftHSM' | 'Rutoken' | 'JaCarta' | 'Kaztoken' | 'SafeNet eToken' | 'OpenSC' | 'settings';

export interface ModuleCandidate {
  vendor: TokenVendor;
  path: string;
}

const linux: ModuleCandidate[] = [
  { vendor: 'Rutoken', path: '/usr/lib/librtpkcs11ecp.so' },
  { vendor: 'Rutoken', path: '/usr/lib/x86_64-linux-gnu/librtpkcs11ecp.so' },
  { vendor: 'Rutoken', path: '/opt/aktivco/rutokenecp/amd64/librtpkcs11ecp.so' },
  { vendor: 'JaCarta', path: '/usr/lib/libjcPKCS11-2.so' },
  { vendor: 'JaCarta', path: '/usr/lib/x86_64-linux-gnu/libjcPKCS11-2.so' },
  { vendor: 'JaCarta', path: '/opt/aladdin/jcpkcs11/lib/libjcPKCS11-2.so' },
  { vendor: 'Kaztoken', path: '/usr/lib/libkztoken.so' },
  { vendor: 'Kaztoken', path: '/usr/local/lib/libkztoken.so' },
  { vendor: 'SafeNet eToken', path: '/usr/lib/libeToken.so' },
  { vendor: 'SafeNet eToken', path: '/usr/lib/libeTPkcs11.so' },
  { vendor: 'OpenSC', path: '/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so' },
  { vendor: 'OpenSC', path: '/usr/lib/opensc-pkcs11.so' },
  { vendor: 'OpenSC', path: '/usr/lib64/opensc-pkcs11.so' },
  { vendor: 'SoftHSM', path: '/usr/lib/softhsm/libsofthsm2.so' },
  { vendor: 'SoftHSM', path: '/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so' },
  { vendor: 'SoftHSM', path: '/usr/local/lib/softhsm/libsofthsm2.so' },
  { vendor: 'SoftHSM', path: '/usr/lib64/pkcs11/libsofthsm2.so' },
];

const darwin: ModuleCandidate[] = [
  { vendor: 'Rutoken', path: '/Library/Frameworks/rtpkcs11ecp.framework/rtpkcs11ecp' },
  { vendor: 'Rutoken', path: '/usr/local/lib/librtpkcs11ecp.dylib' },
  { vendor: 'JaCarta', path: '/Library/Aladdin/JaCartaPKCS11/lib/libjcPKCS11-2.dylib' },
  { vendor: 'JaCarta', path: '/usr/local/lib/libjcPKCS11-2.dylib' },
  { vendor: 'Kaztoken', path: '/Library/kaztoken/libkztoken.dylib' },
  { vendor: 'SafeNet eToken', path: '/usr/local/lib/libeTPkcs11.dylib' },
  { vendor: 'OpenSC', path: '/Library/OpenSC/lib/opensc-pkcs11.so' },
  { vendor: 'OpenSC', path: '/opt/homebrew/lib/opensc-pkcs11.so' },
  { vendor: 'SoftHSM', path: '/opt/homebrew/lib/softhsm/libsofthsm2.so' },
  { vendor: 'SoftHSM', path: '/usr/local/lib/softhsm/libsofthsm2.so' },
];

const win32: ModuleCandidate[] = [
  { vendor: 'Rutoken', path: 'C:\\Windows\\System32\\rtPKCS11ECP.dll' },
  { vendor: 'JaCarta', path: 'C:\\Windows\\System32\\jcPKCS11-2.dll' },
  { vendor: 'Kaztoken', path: 'C:\\Windows\\System32\\kztoken.dll' },
  { vendor: 'SafeNet eToken', path: 'C:\\Windows\\System32\\eTPKCS11.dll' },
  { vendor: 'OpenSC', path: 'C:\\Program Files\\OpenSC Project\\OpenSC\\pkcs11\\opensc-pkcs11.dll' },
  { vendor: 'SoftHSM', path: 'C:\\SoftHSM2\\lib\\softhsm2-x64.dll' },
];

/** Where each vendor's module usually is on `platform` (a process.platform value). */
export function knownModulePaths(platform: NodeJS.Platform = process.platform): ModuleCandidate[] {
  if (platform === 'win32') return win32;
  if (platform === 'darwin') return darwin;
  return linux;
}

/** The modules that exist on this machine: the settings' paths first, then the known ones. */
export function findInstalledModules(
  extraPaths: string[] = [],
  platform: NodeJS.Platform = process.platform,
): ModuleCandidate[] {
  const candidates = [
    ...extraPaths.map((path) => ({ vendor: 'settings' as const, path })),
    ...knownModulePaths(platform),
  ];
  // One module under two names (Debian's /usr/lib/softhsm link to the multiarch file) is one
  // module: loading it twice would list each of its tokens twice.
  const seen = new Set<string>();
  return candidates.filter((c) => {
    if (!existsSync(c.path)) return false;
    const real = realpathSync(c.path);
    if (seen.has(real)) return false;
    seen.add(real);
    return true;
  });
}
