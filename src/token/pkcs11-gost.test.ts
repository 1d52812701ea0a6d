// GOST keys on PKCS#11 tokens (Rutoken ECP, JaCarta GOST). No software token with GOST exists
// on Debian (SoftHSM has none), so the token is a double at the pkcs11js boundary: it answers
// as a Rutoken does (CKK_GOSTR3410 or the TC26 512 key type, the curve and hash OIDs in
// CKA_GOSTR3410_PARAMS / CKA_GOSTR3411_PARAMS), asserts the exact mechanism, parameter and
// digest it is asked to sign, and signs with our software GOST code; OpenSSL's GOST engine
// then judges the CMS that results.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pkcs11js from 'pkcs11js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { opensslGost } from '../../test/support/system';
import { pemToDer } from '../crypto/certificates';
import { signDetached, verifyDetached } from '../crypto/cms';
import { objectIdentifier } from '../crypto/der';
import { gostSign, type GostPrivateKey } from '../crypto/gost3410';
import { isGostPrivateKey } from '../crypto/key-signer';
import { readPrivateKey } from '../crypto/private-keys';
import { readSignedData } from '../crypto/signed-data';
import { streebog } from '../crypto/streebog';
import { gostPkcs11 } from './pkcs11-signer';
import { TokenSession } from './session';
import { readTokenInfo } from './tokens';

/** A CK_ULONG attribute as a 64-bit little-endian module returns it. */
function ulong(n: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeUIntLE(n, 0, 6);
  return b;
}

interface SignCall {
  mechanism: pkcs11js.Mechanism;
  data: Buffer;
}

/** A token holding one GOST key pair and its certificate, as far as a Signer sees one. */
class GostTokenDouble {
  readonly signCalls: SignCall[] = [];
  private pending?: pkcs11js.Mechanism;
  private found: number[] = [];
  private readonly slot = Buffer.from([1]);
  private readonly objects: { handle: number; attributes: Map<number, Buffer> }[];

  constructor(
    private readonly key: GostPrivateKey,
    certificate: Buffer,
    keyAttributes: { keyType: number; curveOid: string; hashOid?: string },
  ) {
    const id = Buffer.from('a1b2', 'hex');
    const keyMap = new Map<number, Buffer>([
      [pkcs11js.CKA_CLASS, ulong(pkcs11js.CKO_PRIVATE_KEY)],
      [pkcs11js.CKA_ID, id],
      [pkcs11js.CKA_KEY_TYPE, ulong(keyAttributes.keyType)],
      [gostPkcs11.CKA_GOSTR3410_PARAMS, objectIdentifier(keyAttributes.curveOid)],
    ]);
    if (keyAttributes.hashOid) keyMap.set(gostPkcs11.CKA_GOSTR3411_PARAMS, objectIdentifier(keyAttributes.hashOid));
    this.objects = [
      {
        handle: 1,
        attributes: new Map([
          [pkcs11js.CKA_CLASS, ulong(pkcs11js.CKO_CERTIFICATE)],
          [pkcs11js.CKA_CERTIFICATE_TYPE, ulong(pkcs11js.CKC_X_509)],
          [pkcs11js.CKA_ID, id],
          [pkcs11js.CKA_VALUE, certificate],
          [pkcs11js.CKA_LABEL, Buffer.from('ГОСТ ключ')],
        ]),
      },
      { handle: 2, attributes: keyMap },
    ];
  }

  C_GetSlotList = () => [this.slot];
  C_GetSlotInfo = () => ({ flags: 1, slotDescription: 'Aktiv Rutoken ECP (double)' });
  C_GetTokenInfo = () => ({
    label: 'rutoken-gost',
    serialNumber: '3a7f0c21',
    model: 'Rutoken ECP',
    manufacturerID: 'Aktiv Co.',
    flags: pkcs11js.CKF_LOGIN_REQUIRED | pkcs11js.CKF_USER_PIN_INITIALIZED | pkcs11js.CKF_TOKEN_INITIALIZED,
  });
  C_OpenSession = () => Buffer.from([7]);
  C_CloseSession = () => undefined;
  C_Login = (_session: Buffer, _type: number, pin?: string) => {
    if (pin !== '12345678') throw new pkcs11js.Pkcs11Error('CKR_PIN_INCORRECT', pkcs11js.CKR_PIN_INCORRECT);
  };
  C_Logout = () => undefined;
  C_FindObjectsInit = (_session: Buffer, template: pkcs11js.Template) => {
    const wanted = (o: (typeof this.objects)[number]) =>
      template.every(({ type, value }) => {
        const have = o.attributes.get(type);
        const expected = typeof value === 'number' ? ulong(value) : (value as Buffer);
        return have !== undefined && have.equals(expected);
      });
    this.found = this.objects.filter(wanted).map((o) => o.handle);
  };
  C_FindObjects = () => this.found.splice(0).map((h) => Buffer.from([h]));
  C_FindObjectsFinal = () => undefined;
  C_GetAttributeValue = (_session: Buffer, handle: Buffer, template: pkcs11js.Template) =>
    template.map(({ type }) => {
      const value = this.objects.find((o) => o.handle === handle[0])!.attributes.get(type);
      if (value === undefined)
        throw new pkcs11js.Pkcs11Error('CKR_ATTRIBUTE_TYPE_INVALID', pkcs11js.CKR_ATTRIBUTE_TYPE_INVALID);
      return { type, value };
    });
  C_SignInit = (_session: Buffer, mechanism: pkcs11js.Mechanism, key: Buffer) => {
    expect(key[0]).toBe(2);
    this.pending = mechanism;
  };
  C_Sign = (
    _session: Buffer,
    data: Buffer,
    _out: Buffer,
    callback: (error: Error | null, signature: Buffer) => void,
  ) => {
    this.signCalls.push({ mechanism: this.pending!, data: Buffer.from(data) });
    // What a token does on CKM_GOSTR3410: the digest in, s‖r out.
    setImmediate(() => callback(null, gostSign(this.key, data)));
  };
}

const gost = opensslGost();

describe.skipIf(!gost.ok)(`GOST keys on a PKCS#11 token (a double at the pkcs11js boundary) ${gost.reason}`, () => {
  let dir: string;
  const document = Buffer.from('Акт № 7 приёма-передачи\n'.repeat(500));
  let documentPath: string;
  const openssl = (args: string[]) =>
    execFileSync('openssl', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'edo-pkcs11-gost-'));
    documentPath = join(dir, 'act.txt');
    writeFileSync(documentPath, document);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** An OpenSSL-made key and self-signed certificate on `paramset`. */
  function opensslKey(bits: 256 | 512, paramset: string) {
    const key = join(dir, `${bits}-${paramset}.key`);
    const cert = join(dir, `${bits}-${paramset}.crt`);
    openssl([
      'genpkey',
      '-engine',
      'gost',
      '-algorithm',
      `gost2012_${bits}`,
      '-pkeyopt',
      `paramset:${paramset}`,
      '-out',
      key,
    ]);
    openssl([
      'req',
      '-engine',
      'gost',
      '-x509',
      '-new',
      '-key',
      key,
      `-md_gost12_${bits}`,
      '-utf8',
      '-subj',
      '/CN=Петров Пётр/O=АО Лютик',
      '-days',
      '30',
      '-out',
      cert,
    ]);
    const privateKey = readPrivateKey(readFileSync(key));
    if (!isGostPrivateKey(privateKey)) throw new Error('a GOST key expected');
    return { privateKey, cert, certificate: pemToDer(readFileSync(cert, 'utf8'))[0]! };
  }

  async function openDouble(double: GostTokenDouble): Promise<TokenSession> {
    const module = double as unknown as pkcs11js.PKCS11;
    const session = new TokenSession(module, readTokenInfo(module, 'librtpkcs11ecp.so (double)', Buffer.from([1]))!);
    await session.login('12345678');
    return session;
  }

  it.each([
    { bits: 256, paramset: 'A', keyType: gostPkcs11.CKK_GOSTR3410, mechanism: 0x1201, hashOid: '1.2.643.7.1.1.2.2' },
    { bits: 256, paramset: 'TCA', keyType: gostPkcs11.CKK_GOSTR3410, mechanism: 0x1201, hashOid: undefined },
    {
      bits: 512,
      paramset: 'A',
      keyType: gostPkcs11.CKK_GOSTR3410_512,
      mechanism: 0xd4321006,
      hashOid: '1.2.643.7.1.1.2.3',
    },
  ] as const)(
    '$bits bit ($paramset): calls exactly mechanism $mechanism on the Streebog digest; OpenSSL accepts the CMS',
    async ({ bits, paramset, keyType, mechanism, hashOid }) => {
      const { privateKey, cert, certificate } = opensslKey(bits, paramset);
      const double = new GostTokenDouble(privateKey, certificate, { keyType, curveOid: privateKey.curve.oid, hashOid });
      const session = await openDouble(double);
      const signer = session.signer();
      expect(signer.algorithm).toBe(`GOST2012-${bits}`);
      const cms = await signDetached({ path: documentPath }, signer);

      expect(double.signCalls).toHaveLength(1);
      const [call] = double.signCalls;
      expect(call!.mechanism).toEqual({ mechanism });
      const { signedAttributes, signerInfo } = readSignedData(cms);
      expect(call!.data.equals(streebog(bits, signedAttributes))).toBe(true);
      expect(signerInfo.signature.length).toBe(bits / 4);

      const sigFile = join(dir, `${bits}-${paramset}.p7s`);
      writeFileSync(sigFile, cms);
      const judged = spawnSync(
        'openssl',
        [
          'cms',
          '-verify',
          '-engine',
          'gost',
          '-binary',
          '-inform',
          'DER',
          '-in',
          sigFile,
          '-content',
          documentPath,
          '-CAfile',
          cert,
          '-purpose',
          'any',
          '-out',
          '/dev/null',
        ],
        { encoding: 'utf8' },
      );
      expect(judged.stderr).toContain('Verification successful');
      expect((await verifyDetached(cms, document, { trustedRoots: [certificate] })).valid).toBe(true);
      session.close();
    },
  );

  it("refuses to sign when the token's key is on another curve or of another type than the certificate says", async () => {
    const { privateKey, certificate } = opensslKey(256, 'B');
    const otherCurve = new GostTokenDouble(privateKey, certificate, {
      keyType: gostPkcs11.CKK_GOSTR3410,
      curveOid: '1.2.643.2.2.35.3',
    });
    await expect(signDetached(document, (await openDouble(otherCurve)).signer())).rejects.toMatchObject({
      code: 'key-not-found',
      message: expect.stringMatching(/another curve/),
    });
    const otherType = new GostTokenDouble(privateKey, certificate, {
      keyType: gostPkcs11.CKK_GOSTR3410_512,
      curveOid: privateKey.curve.oid,
    });
    await expect(signDetached(document, (await openDouble(otherType)).signer())).rejects.toMatchObject({
      code: 'key-not-found',
      message: expect.stringMatching(/key type 0xd4321003/),
    });
    expect(otherCurve.signCalls).toEqual([]);
    expect(otherType.signCalls).toEqual([]);
  });
});
