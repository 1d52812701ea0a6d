// Token failures as the clerk must hear them: what happened, to which token (label, serial)
// or module path, and how many PIN tries the token says are left.
// Default import: pkcs11js is CommonJS, and under Node's ESM loader (the CLI via tsx) a namespace
// import sees only PKCS11, not the CK* constants.
import pkcs11js from 'pkcs11js';
import type { TokenProblem } from '../vocabulary';

export type TokenErrorCode = TokenProblem;

/** The user PIN flags a token reports (PKCS#11 CKF_USER_PIN_*). */
export interface PinStatus {
  /** At least one wrong PIN since the last successful login. */
  countLow: boolean;
  /** One more wrong PIN locks the token. */
  finalTry: boolean;
  locked: boolean;
  toBeChanged: boolean;
}

export interface TokenRef {
  label: string;
  serial: string;
}

export class TokenError extends Error {
  constructor(
    readonly code: TokenErrorCode,
    message: string,
    readonly details: {
      token?: TokenRef;
      modulePath?: string;
      pinStatus?: PinStatus;
      pkcs11Code?: number;
      /** The library's own words (dlopen's, a PKCS#11 call's), which a clerk's message quotes as they are. */
      detail?: string;
    } = {},
  ) {
    super(message);
    this.name = 'TokenError';
  }

  get token(): TokenRef | undefined {
    return this.details.token;
  }

  get modulePath(): string | undefined {
    return this.details.modulePath;
  }

  get pinStatus(): PinStatus | undefined {
    return this.details.pinStatus;
  }
}

export function tokenName(token: TokenRef): string {
  return `token "${token.label}" (serial ${token.serial})`;
}

/** "2 wrong PINs so far: one more locks the token" and the like, for messages and prompts. */
export function describePinStatus(status: PinStatus): string {
  if (status.locked) return 'the user PIN is locked; the administrator (SO PIN) must unblock it';
  if (status.finalTry) return 'one more wrong PIN locks the token';
  if (status.countLow) return 'a wrong PIN was entered before; the token counts the tries';
  return '';
}

export function pkcs11Code(e: unknown): number | undefined {
  return e instanceof pkcs11js.Pkcs11Error ? e.code : undefined;
}

export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** PKCS#11 results that mean the token (or its reader) went away under us. */
export const removalCodes: ReadonlySet<number> = new Set([
  pkcs11js.CKR_DEVICE_REMOVED,
  pkcs11js.CKR_TOKEN_NOT_PRESENT,
  pkcs11js.CKR_TOKEN_NOT_RECOGNIZED,
  pkcs11js.CKR_SLOT_ID_INVALID,
  pkcs11js.CKR_SESSION_CLOSED,
  pkcs11js.CKR_DEVICE_ERROR,
]);

export const pinRefusedCodes: ReadonlySet<number> = new Set([
  pkcs11js.CKR_PIN_INCORRECT,
  pkcs11js.CKR_PIN_LEN_RANGE,
  pkcs11js.CKR_PIN_INVALID,
]);
