// What is plugged in: the slots of a PKCS#11 module and the tokens in them, with their flags
// decoded into what the clerk is told (PIN pad, PIN tries, locked).
// Default import: pkcs11js is CommonJS, and under Node's ESM loader (the CLI via tsx) a namespace
// import sees only PKCS11, not the CK* constants.
import pkcs11js from 'pkcs11js';
import { errorText, type PinStatus, type TokenRef } from './errors';
import { TokenModuleError, sharedPkcs11Module, trimPadded } from './pkcs11-module';

/** PKCS#11 slot flag; pkcs11js exports it at run time but its typings miss it. */
const CKF_TOKEN_PRESENT = 0x1;

export interface TokenFlags {
  loginRequired: boolean;
  /** A PIN pad or biometric reader: login happens on the device, without a PIN from us. */
  protectedAuthPath: boolean;
  userPinInitialized: boolean;
  userPinCountLow: boolean;
  userPinFinalTry: boolean;
  userPinLocked: boolean;
  userPinToBeChanged: boolean;
  tokenInitialized: boolean;
}

export interface TokenInfo extends TokenRef {
  modulePath: string;
  slot: pkcs11js.Handle;
  /** The slot id as hex, stable while the token stays in its reader. */
  slotId: string;
  slotDescription: string;
  model: string;
  manufacturer: string;
  flags: TokenFlags;
}

export function decodeTokenFlags(flags: number): TokenFlags {
  const has = (bit: number) => (flags & bit) !== 0;
  return {
    loginRequired: has(pkcs11js.CKF_LOGIN_REQUIRED),
    protectedAuthPath: has(pkcs11js.CKF_PROTECTED_AUTHENTICATION_PATH),
    userPinInitialized: has(pkcs11js.CKF_USER_PIN_INITIALIZED),
    userPinCountLow: has(pkcs11js.CKF_USER_PIN_COUNT_LOW),
    userPinFinalTry: has(pkcs11js.CKF_USER_PIN_FINAL_TRY),
    userPinLocked: has(pkcs11js.CKF_USER_PIN_LOCKED),
    userPinToBeChanged: has(pkcs11js.CKF_USER_PIN_TO_BE_CHANGED),
    tokenInitialized: has(pkcs11js.CKF_TOKEN_INITIALIZED),
  };
}

export function pinStatusOf(flags: TokenFlags): PinStatus {
  return {
    countLow: flags.userPinCountLow,
    finalTry: flags.userPinFinalTry,
    locked: flags.userPinLocked,
    toBeChanged: flags.userPinToBeChanged,
  };
}

/** The token in `slot`, or undefined when the slot is empty or the token went away while we asked. */
export function readTokenInfo(
  module: pkcs11js.PKCS11,
  modulePath: string,
  slot: pkcs11js.Handle,
): TokenInfo | undefined {
  try {
    const slotInfo = module.C_GetSlotInfo(slot);
    if ((slotInfo.flags & CKF_TOKEN_PRESENT) === 0) return undefined;
    const info = module.C_GetTokenInfo(slot);
    return {
      modulePath,
      slot,
      slotId: Buffer.from(slot).toString('hex'),
      slotDescription: trimPadded(slotInfo.slotDescription),
      label: trimPadded(info.label),
      serial: trimPadded(info.serialNumber),
      model: trimPadded(info.model),
      manufacturer: trimPadded(info.manufacturerID),
      flags: decodeTokenFlags(info.flags),
    };
  } catch {
    return undefined;
  }
}

/** The tokens present now. Throws TokenError (module-not-found, ...) for a module that cannot be loaded. */
export function listTokens(modulePath: string): TokenInfo[] {
  const module = sharedPkcs11Module(modulePath);
  let slots: pkcs11js.Handle[];
  try {
    slots = module.C_GetSlotList(true);
  } catch (e) {
    throw Object.assign(
      new TokenModuleError(
        `Cannot list the slots of PKCS#11 module ${modulePath}: ${errorText(e)}`,
        modulePath,
        'module-failed',
        errorText(e),
      ),
      { cause: e },
    );
  }
  return slots.map((slot) => readTokenInfo(module, modulePath, slot)).filter((t): t is TokenInfo => t !== undefined);
}
