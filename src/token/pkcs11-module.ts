// Loading a vendor's PKCS#11 module: the one place that turns dlopen's and C_Initialize's
// failures into messages a clerk or an administrator can act on.
import { closeSync, existsSync, openSync, readSync } from 'node:fs';
// Default import: pkcs11js is CommonJS, and under Node's ESM loader (the CLI via tsx) a namespace
// import sees only PKCS11, not the CK* constants.
import pkcs11js from 'pkcs11js';
import { TokenError, errorText, pkcs11Code, type TokenErrorCode } from './errors';

export class TokenModuleError extends TokenError {
  constructor(message: string, modulePath: string, code: TokenErrorCode = 'module-failed', detail?: string) {
    super(code, message, { modulePath, ...(detail === undefined ? {} : { detail }) });
    this.name = 'TokenModuleError';
  }

  override get modulePath(): string {
    return this.details.modulePath!;
  }
}

const elfMachines: Partial<Record<NodeJS.Architecture, number>> = { x64: 0x3e, arm64: 0xb7, ia32: 0x03, arm: 0x28 };
const elfMachineNames: Record<number, string> = {
  0x3e: 'x86-64',
  0xb7: 'ARM64',
  0x03: 'x86 (32-bit)',
  0x28: 'ARM (32-bit)',
};

/**
 * On Linux, reads the ELF header first: dlopen's own message for a 32-bit library in a 64-bit
 * process ("wrong ELF class") or for a text file ("invalid ELF header") means nothing to a clerk.
 */
function checkElf(modulePath: string): void {
  if (process.platform !== 'linux') return;
  const header = Buffer.alloc(20);
  const fd = openSync(modulePath, 'r');
  let read: number;
  try {
    read = readSync(fd, header, 0, header.length, 0);
  } finally {
    closeSync(fd);
  }
  if (read < header.length || header.readUInt32BE(0) !== 0x7f454c46) {
    throw new TokenModuleError(
      `${modulePath} is not a PKCS#11 module: it is not an ELF shared library. Check the module path in settings.`,
      modulePath,
      'module-failed',
    );
  }
  const bits = header[4] === 1 ? 32 : 64;
  const machine = header.readUInt16LE(18);
  const wanted = elfMachines[process.arch];
  const processBits = process.arch === 'ia32' || process.arch === 'arm' ? 32 : 64;
  if (bits !== processBits || (wanted !== undefined && machine !== wanted)) {
    throw new TokenModuleError(
      `PKCS#11 module ${modulePath} is a ${bits}-bit ${elfMachineNames[machine] ?? `machine ${machine}`} library; this ${processBits}-bit ${process.arch} application needs the ${process.arch} build of the token driver (32/64-bit mismatch).`,
      modulePath,
      'module-wrong-architecture',
    );
  }
}

/** Loads and initialises a PKCS#11 module; a module already initialised in this process is fine. */
export function loadPkcs11Module(modulePath: string): pkcs11js.PKCS11 {
  if (!existsSync(modulePath)) {
    throw new TokenModuleError(
      `PKCS#11 module not found: ${modulePath}. Install the token's driver or set the module path in settings.`,
      modulePath,
      'module-not-found',
    );
  }
  checkElf(modulePath);
  const module = new pkcs11js.PKCS11();
  try {
    module.load(modulePath);
  } catch (e) {
    const detail = errorText(e);
    const wrongArch = /wrong ELF class|mach-o.*architecture|%1 is not a valid Win32|incompatible architecture/i.test(
      detail,
    );
    const arch = wrongArch
      ? ` It is built for another architecture than this ${process.arch} process (32/64-bit mismatch).`
      : /C_GetFunctionList/.test(detail)
        ? ' It is a shared library but not a PKCS#11 module (no C_GetFunctionList): check the module path in settings.'
        : '';
    throw new TokenModuleError(
      `Cannot load PKCS#11 module ${modulePath}.${arch} ${detail}`.trim(),
      modulePath,
      wrongArch ? 'module-wrong-architecture' : 'module-failed',
      detail,
    );
  }
  try {
    module.C_Initialize();
  } catch (e) {
    if (pkcs11Code(e) !== pkcs11js.CKR_CRYPTOKI_ALREADY_INITIALIZED) {
      throw new TokenModuleError(
        `PKCS#11 module ${modulePath} failed to initialise: ${errorText(e)}`,
        modulePath,
        'module-failed',
        errorText(e),
      );
    }
  }
  return module;
}

const shared = new Map<string, pkcs11js.PKCS11>();

/**
 * One initialised handle per module path for the whole process: PKCS#11 login state and
 * C_Finalize are per process, so every part of the app must share the same handle.
 */
export function sharedPkcs11Module(modulePath: string): pkcs11js.PKCS11 {
  let module = shared.get(modulePath);
  if (!module) {
    module = loadPkcs11Module(modulePath);
    shared.set(modulePath, module);
  }
  return module;
}

/** PKCS#11 pads labels and serials with spaces to a fixed width. */
export function trimPadded(value: string): string {
  return value.replace(/[\s\0]+$/, '');
}

/** The slot holding the token with this label or serial number. */
export function findTokenSlot(module: pkcs11js.PKCS11, labelOrSerial: string): pkcs11js.Handle | undefined {
  return module.C_GetSlotList(true).find((slot) => {
    try {
      const info = module.C_GetTokenInfo(slot);
      return trimPadded(info.label) === labelOrSerial || trimPadded(info.serialNumber) === labelOrSerial;
    } catch {
      return false; // a token going away (or broken) in another slot must not hide this one
    }
  });
}
