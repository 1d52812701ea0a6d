// Loading PKCS#11 modules: each way a module path can be wrong gives a TokenError naming the
// path and saying what to do, not dlopen's stack trace. And the vendor path table.
import { copyFileSync, existsSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { softhsm, softhsmModulePath } from '../../test/support/system';
import { TokenError } from './errors';
import { findInstalledModules, knownModulePaths } from './module-paths';
import { TokenModuleError, loadPkcs11Module } from './pkcs11-module';
import { listTokens } from './tokens';

const dir = mkdtempSync(join(tmpdir(), 'edo-module-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function loadError(path: string): TokenModuleError {
  try {
    loadPkcs11Module(path);
  } catch (e) {
    expect(e).toBeInstanceOf(TokenModuleError);
    expect(e).toBeInstanceOf(TokenError);
    return e as TokenModuleError;
  }
  throw new Error(`loading ${path} unexpectedly succeeded`);
}

/** An ELF header of a shared object for another word size or machine, padded to a plausible size. */
function elfHeader(bits: 32 | 64, machine: number): Buffer {
  const header = Buffer.alloc(4096);
  Buffer.from([0x7f, 0x45, 0x4c, 0x46, bits === 32 ? 1 : 2, 1, 1]).copy(header);
  header.writeUInt16LE(3, 16); // ET_DYN
  header.writeUInt16LE(machine, 18);
  return header;
}

describe('loading a PKCS#11 module', () => {
  it('names a missing module path', () => {
    const path = join(dir, 'vendor', 'librtpkcs11ecp.so');
    const error = loadError(path);
    expect(error.code).toBe('module-not-found');
    expect(error.modulePath).toBe(path);
    expect(error.message).toContain(path);
    expect(error.message).toMatch(/Install the token's driver or set the module path/);
    // The same error through the public listing call.
    expect(() => listTokens(path)).toThrow(TokenError);
  });

  it.skipIf(process.platform !== 'linux')('explains a 32-bit module in this 64-bit process', () => {
    const path = join(dir, 'libjcPKCS11-2-i386.so');
    writeFileSync(path, elfHeader(32, 0x03));
    const error = loadError(path);
    expect(error.code).toBe('module-wrong-architecture');
    expect(error.message).toContain(path);
    expect(error.message).toMatch(/32-bit .*32\/64-bit mismatch/);
  });

  it.skipIf(process.platform !== 'linux' || process.arch !== 'x64')(
    'explains a module built for another machine (ARM64 on x86-64)',
    () => {
      const path = join(dir, 'librtpkcs11ecp-arm64.so');
      writeFileSync(path, elfHeader(64, 0xb7));
      const error = loadError(path);
      expect(error.code).toBe('module-wrong-architecture');
      expect(error.message).toMatch(/ARM64 library; this 64-bit x64 application/);
    },
  );

  it('refuses a file that is not a shared library', () => {
    const path = join(dir, 'not-a-module.so');
    writeFileSync(path, 'This is a README, not a PKCS#11 module.\n');
    const error = loadError(path);
    expect(error.code).toBe('module-failed');
    expect(error.message).toContain(path);
    expect(error.message).toMatch(/not a PKCS#11 module/);
  });

  const plainLibrary = '/lib/x86_64-linux-gnu/libz.so.1';
  it.skipIf(!existsSync(plainLibrary) || process.arch !== 'x64')(
    `names a shared library that is no PKCS#11 module (needs ${plainLibrary})`,
    () => {
      const path = join(dir, 'libnot-pkcs11.so');
      copyFileSync(plainLibrary, path);
      const error = loadError(path);
      expect(error.code).toBe('module-failed');
      expect(error.message).toContain(path);
      expect(error.message).toMatch(/not a PKCS#11 module \(no C_GetFunctionList\)/);
    },
  );

  it.skipIf(!softhsm().ok)(`loads SoftHSM ${softhsm().reason}`, () => {
    expect(() => loadPkcs11Module(softhsmModulePath!)).not.toThrow();
  });
});

describe('known module paths', () => {
  it('lists every vendor of docs/architecture.md §7 on each OS', () => {
    for (const platform of ['linux', 'darwin', 'win32'] as const) {
      const vendors = new Set(knownModulePaths(platform).map((c) => c.vendor));
      for (const vendor of ['SoftHSM', 'Rutoken', 'JaCarta', 'Kaztoken', 'SafeNet eToken', 'OpenSC'])
        expect(vendors, `${platform} ${vendor}`).toContain(vendor);
    }
    expect(knownModulePaths('win32').every((c) => c.path.endsWith('.dll'))).toBe(true);
  });

  it.skipIf(!softhsm().ok)(`finds the installed modules, the settings' paths first ${softhsm().reason}`, () => {
    const custom = join(dir, 'custom-module.so');
    writeFileSync(custom, elfHeader(64, 0x3e));
    const found = findInstalledModules([custom, join(dir, 'absent.so')]);
    expect(found[0]).toEqual({ vendor: 'settings', path: custom });
    expect(found.map((c) => c.path)).not.toContain(join(dir, 'absent.so'));
    expect(found.some((c) => c.vendor === 'SoftHSM' || c.path === softhsmModulePath)).toBe(true);
    // A link to a module found under its own name too is the same module, found once.
    const link = join(dir, 'link-module.so');
    symlinkSync(custom, link);
    expect(findInstalledModules([custom, link]).filter((c) => c.path === custom || c.path === link)).toEqual([
      { vendor: 'settings', path: custom },
    ]);
    expect(new Set(found.map((c) => realpathSync(c.path))).size).toBe(found.length);
  });
});
