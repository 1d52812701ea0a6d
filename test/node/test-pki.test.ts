// Proof that the test PKI is real: keys generated on a SoftHSM token sign through pkcs11js,
// node:crypto verifies the signatures with the public key taken from the issued certificate,
// and the certificate sits on the token under the key's CKA_ID.
import { X509Certificate, createHash, createPublicKey, verify } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pkcs11js from 'pkcs11js';
import { createTestPki, samplePeople, type TestPki } from '../support/test-pki';
import { softhsm } from '../support/system';

const hsm = softhsm();

describe.skipIf(!hsm.ok)(`test PKI on SoftHSM2 ${hsm.reason}`, () => {
  let pki: TestPki;
  beforeAll(async () => {
    pki = await createTestPki();
  });
  afterAll(() => pki?.cleanup());

  function withSession<T>(fn: (session: pkcs11js.Handle) => T): T {
    const token = pki.tokens[0]!;
    const session = pki.module.C_OpenSession(token.slot, pkcs11js.CKF_SERIAL_SESSION);
    try {
      pki.module.C_Login(session, pkcs11js.CKU_USER, token.pin);
      return fn(session);
    } finally {
      pki.module.C_CloseSession(session);
    }
  }

  function findOne(session: pkcs11js.Handle, cls: number, id: Buffer): pkcs11js.Handle {
    pki.module.C_FindObjectsInit(session, [
      { type: pkcs11js.CKA_CLASS, value: cls },
      { type: pkcs11js.CKA_ID, value: id },
    ]);
    const found = pki.module.C_FindObjects(session, 2);
    pki.module.C_FindObjectsFinal(session);
    expect(found).toHaveLength(1);
    return found[0]!;
  }

  it('issues certificates with the person, position, organization and INN, chained to the test CA', async () => {
    const key = pki.tokens[0]!.keys[0]!;
    const field = (id: string) => key.certificate.subjectName.getField(id);
    expect(field('CN')).toEqual(['Иванова Мария Петровна']);
    expect(field('O')).toEqual(['ООО "Ромашка"']);
    expect(field('2.5.4.12')).toEqual(['Делопроизводитель']);
    expect(field('1.2.643.100.4')).toEqual(['7701234560']);
    expect(field('1.2.643.3.131.1.1')).toEqual(['770112345695']);
    // An independent parser reads the same subject.
    expect(new X509Certificate(Buffer.from(key.certificate.rawData)).subject).toContain('CN=Иванова Мария Петровна');
    expect(await key.certificate.verify({ publicKey: pki.caCertificate, signatureOnly: true })).toBe(true);
    expect(key.person).toBe(samplePeople.ivanova);
  });

  it.each(['RSA-2048', 'ECDSA-P256'] as const)(
    'a %s signature made on the token verifies with node:crypto',
    (algorithm) => {
      const key = pki.tokens[0]!.keys.find((k) => k.algorithm === algorithm)!;
      const data = Buffer.from('Счёт-фактура № 42 от 22.11.2026', 'utf8');
      const signature = withSession((session) => {
        const privateKey = findOne(session, pkcs11js.CKO_PRIVATE_KEY, key.id);
        // The key never leaves the token.
        const [extractable, sensitive] = pki.module.C_GetAttributeValue(session, privateKey, [
          { type: pkcs11js.CKA_EXTRACTABLE },
          { type: pkcs11js.CKA_SENSITIVE },
        ]);
        expect((extractable!.value as Buffer)[0]).toBe(0);
        expect((sensitive!.value as Buffer)[0]).toBe(1);
        if (algorithm === 'RSA-2048') {
          pki.module.C_SignInit(session, { mechanism: pkcs11js.CKM_SHA256_RSA_PKCS }, privateKey);
          return pki.module.C_Sign(session, data, Buffer.alloc(256));
        }
        // SoftHSM has no CKM_ECDSA_SHA256: hash here, sign the digest on the token.
        pki.module.C_SignInit(session, { mechanism: pkcs11js.CKM_ECDSA }, privateKey);
        return pki.module.C_Sign(session, createHash('sha256').update(data).digest(), Buffer.alloc(64));
      });
      const publicKey = createPublicKey(key.certificatePem);
      const options =
        algorithm === 'RSA-2048' ? { key: publicKey } : { key: publicKey, dsaEncoding: 'ieee-p1363' as const };
      expect(verify('sha256', data, options, signature)).toBe(true);
      expect(verify('sha256', Buffer.from('Счёт-фактура № 43'), options, signature)).toBe(false);
    },
  );

  it('stores each certificate on the token under the CKA_ID of its key', () => {
    for (const key of pki.tokens[0]!.keys) {
      const der = withSession((session) => {
        const cert = findOne(session, pkcs11js.CKO_CERTIFICATE, key.id);
        return pki.module.C_GetAttributeValue(session, cert, [{ type: pkcs11js.CKA_VALUE }])[0]!.value as Buffer;
      });
      expect(der.equals(Buffer.from(key.certificate.rawData))).toBe(true);
    }
  });
});
