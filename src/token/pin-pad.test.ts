// PIN-pad tokens (CKF_PROTECTED_AUTHENTICATION_PATH) cannot be simulated on SoftHSM, so this
// drives TokenSession against a minimal in-memory PKCS#11 module that reports the flag and
// records what C_Login receives.
import pkcs11js from 'pkcs11js';
import { describe, expect, it } from 'vitest';
import { TokenError } from './errors';
import { TokenSession } from './session';
import { decodeTokenFlags, readTokenInfo } from './tokens';

function fakeModule(flags: number, loginResult: number | undefined = undefined) {
  const logins: (string | undefined)[] = [];
  const slot = Buffer.from([1, 0, 0, 0, 0, 0, 0, 0]);
  const module = {
    C_GetSlotInfo: () => ({
      slotDescription: 'Rutoken PINPad reader',
      manufacturerID: 'Aktiv',
      flags: 1,
      hardwareVersion: { major: 1, minor: 0 },
      firmwareVersion: { major: 1, minor: 0 },
    }),
    C_GetTokenInfo: () => ({
      label: 'pinpad-token',
      manufacturerID: 'Aktiv Co.',
      model: 'Rutoken PINPad',
      serialNumber: '3a7f0c11',
      flags,
    }),
    C_GetSlotList: () => [slot],
    C_OpenSession: () => Buffer.from([7]),
    C_CloseSession: () => undefined,
    C_Logout: () => undefined,
    C_Login: (_session: Buffer, _user: number, pin?: string) => {
      logins.push(pin);
      if (loginResult !== undefined) throw new pkcs11js.Pkcs11Error('CKR_PIN_INCORRECT', loginResult, 'C_Login');
    },
  } as unknown as pkcs11js.PKCS11;
  const info = readTokenInfo(module, '/opt/aktivco/rutokenecp/amd64/librtpkcs11ecp.so', slot)!;
  return { module, info, logins };
}

const pinPad =
  pkcs11js.CKF_LOGIN_REQUIRED |
  pkcs11js.CKF_PROTECTED_AUTHENTICATION_PATH |
  pkcs11js.CKF_TOKEN_INITIALIZED |
  pkcs11js.CKF_USER_PIN_INITIALIZED;

describe('PIN-pad tokens', () => {
  it('decodes the protected authentication path flag', () => {
    expect(decodeTokenFlags(pinPad)).toMatchObject({ protectedAuthPath: true, loginRequired: true });
  });

  it('log in on the device, without a PIN from the app', async () => {
    const { module, info, logins } = fakeModule(pinPad);
    const token = new TokenSession(module, info);
    await token.login();
    expect(logins).toEqual([undefined]);
    expect(token.isLoggedIn).toBe(true);
  });

  it('never send a typed PIN to a PIN pad either', async () => {
    const { module, info, logins } = fakeModule(pinPad);
    await new TokenSession(module, info).login('123456');
    expect(logins).toEqual([undefined]);
  });

  it('report a locked PIN without trying', async () => {
    const { module, info, logins } = fakeModule(pinPad | pkcs11js.CKF_USER_PIN_LOCKED);
    const error = await new TokenSession(module, info).login().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TokenError);
    expect((error as TokenError).code).toBe('pin-locked');
    expect((error as TokenError).message).toContain('"pinpad-token" (serial 3a7f0c11)');
    expect((error as TokenError).pinStatus?.locked).toBe(true);
    expect(logins).toEqual([]);
  });

  it('report the final try after a PIN refused on the pad', async () => {
    const { module, info } = fakeModule(
      pinPad | pkcs11js.CKF_USER_PIN_COUNT_LOW | pkcs11js.CKF_USER_PIN_FINAL_TRY,
      pkcs11js.CKR_PIN_INCORRECT,
    );
    const token = new TokenSession(module, info);
    const error = (await token.login().catch((e: unknown) => e)) as TokenError;
    expect(error.code).toBe('pin-incorrect');
    expect(token.refused).toBe(true);
    expect(error.pinStatus).toMatchObject({ countLow: true, finalTry: true, locked: false });
    expect(error.message).toMatch(/one more wrong PIN locks the token/);
  });
});
