// Loading a vendor's PKCS#11 module: the one place that turns dlopen's and C_Initialize's
// failures into messages a clerk or an administrator can act on.
import { existsSync } from 'node:fs';
import * as pkcs11js from 'pkcs11js';

export class TokenModuleError extends Error {
  constructor(
    message: string,
    readonly modulePath: string,
  ) {
    super(message);
    this.name = 'TokenModuleError';
  }
}

/** Loads and initialises a PKCS#11 module; a module already initialised in this process is fine. */
export function loadPkcs11Module(modulePath: string): pkcs11js.PKCS11 {
  if (!existsSync(modulePath)) {
    throw new TokenModuleError(`PKCS#11 module not found: ${modulePath}. Install the token's driver or set the module path in settings.`, modulePath);
  }
  const module = new pkcs11js.PKCS11();
  try {
    module.load(modulePath);
  } catch (e) {
    const detail = e instanceof Error ? e.message : String(e);
    const arch = /wrong ELF class|mach-o.*architecture|%1 is not a valid Win32|incompatible architecture/i.test(detail)
      ? ` It is built for another architecture than this ${process.arch} process (32/64-bit mismatch).`
      : '';
    throw new TokenModuleError(`Cannot load PKCS#11 module ${modulePath}.${arch} ${detail}`.trim(), modulePath);
  }
  try {
    module.C_Initialize();
  } catch (e) {
    if (!(e instanceof pkcs11js.Pkcs11Error && e.code === pkcs11js.CKR_CRYPTOKI_ALREADY_INITIALIZED)) {
      throw new TokenModuleError(`PKCS#11 module ${modulePath} failed to initialise: ${e instanceof Error ? e.message : String(e)}`, modulePath);
    }
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
    const info = module.C_GetTokenInfo(slot);
    return trimPadded(info.label) === labelOrSerial || trimPadded(info.serialNumber) === labelOrSerial;
  });
}
