import pkcs11js from 'pkcs11js';
import { describe, expect, it } from 'vitest';
import { mayTryKeptPin, refusesKeptPin } from './kept-pin';
import { decodeTokenFlags } from './tokens';

// CK_TOKEN_INFO.flags as a token reports them.
const {
  CKF_LOGIN_REQUIRED,
  CKF_PROTECTED_AUTHENTICATION_PATH,
  CKF_USER_PIN_COUNT_LOW,
  CKF_USER_PIN_FINAL_TRY,
  CKF_USER_PIN_LOCKED,
} = pkcs11js;

describe('the kept PIN rule (day token, CLI and agent alike)', () => {
  it('tries a kept PIN on a token that asks for one, even after a wrong try', () => {
    expect(mayTryKeptPin(decodeTokenFlags(CKF_LOGIN_REQUIRED))).toBe(true);
    expect(mayTryKeptPin(decodeTokenFlags(CKF_LOGIN_REQUIRED | CKF_USER_PIN_COUNT_LOW))).toBe(true);
  });

  it('never on its final try, locked, with a PIN pad, or where no login is needed', () => {
    expect(mayTryKeptPin(decodeTokenFlags(CKF_LOGIN_REQUIRED | CKF_USER_PIN_FINAL_TRY))).toBe(false);
    expect(mayTryKeptPin(decodeTokenFlags(CKF_LOGIN_REQUIRED | CKF_USER_PIN_LOCKED))).toBe(false);
    expect(mayTryKeptPin(decodeTokenFlags(CKF_LOGIN_REQUIRED | CKF_PROTECTED_AUTHENTICATION_PATH))).toBe(false);
    expect(mayTryKeptPin(decodeTokenFlags(0))).toBe(false);
  });

  it('a wrong or locked PIN drops the kept one; an absent token does not', () => {
    expect(refusesKeptPin('pin-incorrect')).toBe(true);
    expect(refusesKeptPin('pin-locked')).toBe(true);
    expect(refusesKeptPin('token-removed')).toBe(false);
    expect(refusesKeptPin(undefined)).toBe(false);
  });
});
