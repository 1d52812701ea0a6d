// CAdES-T and CAdES-X Long Type 1 built over real signatures with a real TSA and OpenSSL's
// OCSP responder; OpenSSL judges the extended CMS, and our verifier judges it years later.
// Runs in: node (vitest), the test PKI with OpenSSL's OCSP responder and CRL on loopback.
import { execFileSync } from 'node:child_process';
import { createHash, generateKeyPairSync, X509Certificate, type KeyObject } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import 'reflect-metadata'; // @peculiar/x509 resolves its services through tsyringe
import * as x509 from '@peculiar/x509';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testTsaPolicy } from '../../../test/support/openssl-tsa';
import { createTestPki, samplePeople, type TestPki } from '../../../test/support/test-pki';
import { signDetached, verifyDetached } from '../cms';
import { KeySigner } from '../key-signer';
import { RevocationChecker } from '../revocation';
import { readSignedData } from '../signed-data';
import { TimestampAuthority } from '../timestamp';
import { extendToLongTerm, verifyLongTerm, type ExtendOptions } from './long-term';

let pki: TestPki;
let root: Buffer;
let options: ExtendOptions;
const dir = mkdtempSync(join(tmpdir(), 'edo-cades-'));
const file = (name: string, bytes?: Buffer) => {
  if (bytes) writeFileSync(join(dir, name), bytes);
  return join(dir, name);
};
const content = Buffer.from('Акт сверки № 17\n'.repeat(50));
const years = (n: number) => new Date(Date.now() + n * 365 * 24 * 3600_000);

async function signer(keys: { publicKey: KeyObject; privateKey: KeyObject }) {
  const certificate = Buffer.from((await pki.issue(keys.publicKey, samplePeople.ivanova)).rawData);
  return new KeySigner(keys.privateKey, certificate);
}

async function signed(keys = generateKeyPairSync('ec', { namedCurve: 'prime256v1' })) {
  const s = await signer(keys);
  const cms = await signDetached(content, s);
  const verified = await verifyDetached(cms, content, { trustedRoots: [root] });
  return { cms, chain: verified.chain!, serial: new X509Certificate(s.certificate).serialNumber };
}

beforeAll(async () => {
  pki = await createTestPki([], { revocation: true });
  root = Buffer.from(pki.caCertificate.rawData);
  const tsa = await pki.issueService('CN=Hub TSA', [
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
    new x509.ExtendedKeyUsageExtension(['1.3.6.1.5.5.7.3.8'], true),
  ]);
  const authority = new TimestampAuthority({
    signer: new KeySigner(tsa.privateKey, Buffer.from(tsa.certificate.rawData)),
    policy: testTsaPolicy,
  });
  options = {
    timestamp: (data) => authority.stamp(createHash('sha256').update(data).digest(), '2.16.840.1.101.3.4.2.1'),
    revocation: new RevocationChecker(),
    trustedRoots: [root],
    tsaRoots: [],
  };
  file('content.txt', content);
});
afterAll(() => pki.cleanup());

describe('extension to CAdES-X Long Type 1', () => {
  for (const [name, keys] of [
    ['ECDSA P-256', () => generateKeyPairSync('ec', { namedCurve: 'prime256v1' })],
    ['RSA-2048', () => generateKeyPairSync('rsa', { modulusLength: 2048 })],
  ] as const) {
    it(`${name}: the signed bytes stay, OpenSSL verifies the extended CMS, and prints every attribute`, async () => {
      const { cms, chain } = await signed(keys());
      const extended = await extendToLongTerm(cms, chain, options);
      expect(extended.form).toBe('CAdES-X-L1');
      expect(extended.status.status).toBe('good');
      const before = readSignedData(cms);
      const after = readSignedData(extended.cms);
      expect(after.signedAttributes.equals(before.signedAttributes)).toBe(true);
      expect(after.signerInfo.signature.equals(before.signerInfo.signature)).toBe(true);
      expect((await verifyDetached(extended.cms, content, { trustedRoots: [root] })).valid).toBe(true);

      file('extended.p7s', extended.cms);
      const verify = (extra: string[]) =>
        execFileSync(
          'openssl',
          [
            'cms',
            '-verify',
            '-binary',
            '-inform',
            'DER',
            '-in',
            file('extended.p7s'),
            '-content',
            file('content.txt'),
            '-CAfile',
            pki.caCertificateFile,
            '-purpose',
            'any',
            '-out',
            '/dev/null',
            ...extra,
          ],
          { stdio: 'pipe', encoding: 'utf8' },
        );
      expect(() => verify([])).not.toThrow();
      const printed = execFileSync(
        'openssl',
        ['cms', '-cmsout', '-print', '-inform', 'DER', '-in', file('extended.p7s')],
        { encoding: 'utf8' },
      );
      for (const oid of [
        'id-smime-aa-timeStampToken',
        'id-smime-aa-ets-CertificateRefs',
        'id-smime-aa-ets-RevocationRefs',
        'id-smime-aa-ets-certValues',
        'id-smime-aa-ets-revocationValues',
        'id-smime-aa-ets-escTimeStamp',
      ]) {
        expect(printed).toContain(oid);
      }
      // Years later OpenSSL alone says expired; our verifier, offline, uses the evidence.
      expect(() => verify(['-attime', String(Math.floor(years(5).getTime() / 1000))])).toThrow(
        /certificate has expired/,
      );
      const later = await verifyLongTerm(extended.cms, content, {
        trustedRoots: [root],
        now: years(5),
        revocation: new RevocationChecker({ offline: true }),
      });
      expect(later).toMatchObject({
        verdict: 'valid',
        form: 'CAdES-X-L1',
        timeSource: 'timestamp',
        time: extended.time,
      });
      expect(later.status!.certificates[0]).toMatchObject({
        status: 'good',
        evidence: { source: 'ocsp', from: 'embedded', by: 'CN=EDO Clerk Test OCSP Responder' },
      });
    });
  }

  it('a bare CAdES-BES years later is judged on the day of verification: expired, not valid', async () => {
    const { cms } = await signed();
    const later = await verifyLongTerm(cms, content, {
      trustedRoots: [root],
      now: years(5),
      revocation: new RevocationChecker({ offline: true }),
    });
    expect(later).toMatchObject({ verdict: 'invalid', form: 'CAdES-BES', timeSource: 'verification' });
    expect(later.signature.problems.map((p) => p.code)).toContain('expired');
  });

  it('a signer revoked before signing: CAdES-T only, status revoked', async () => {
    const { cms, chain, serial } = await signed();
    pki.revocation!.revoke(serial, 'keyCompromise', new Date(Date.now() - 60_000));
    const extended = await extendToLongTerm(cms, chain, options);
    expect(extended.form).toBe('CAdES-T');
    expect(extended.status.certificates[0]).toMatchObject({
      status: 'revoked',
      revocation: { reason: 'keyCompromise' },
    });
    const verdict = await verifyLongTerm(extended.cms, content, {
      trustedRoots: [root],
      revocation: new RevocationChecker(),
    });
    expect(verdict.verdict).toBe('invalid');
  });

  it('revoked after the time-stamp: still valid, offline and online, on the evidence of then', async () => {
    const { cms, chain, serial } = await signed();
    const extended = await extendToLongTerm(cms, chain, options);
    await new Promise((ok) => setTimeout(ok, 1100));
    pki.revocation!.revoke(serial, 'superseded');
    for (const revocation of [new RevocationChecker({ offline: true }), new RevocationChecker()]) {
      expect((await verifyLongTerm(extended.cms, content, { trustedRoots: [root], revocation })).verdict).toBe('valid');
    }
  });

  it('responders unreachable at acceptance: CAdES-T with status unknown; verified later when they are back', async () => {
    const { cms, chain } = await signed();
    pki.revocation!.setAvailable(false);
    let extended;
    try {
      // A checker of its own: the shared one holds the CRL until its nextUpdate, as it should.
      extended = await extendToLongTerm(cms, chain, { ...options, revocation: new RevocationChecker() });
    } finally {
      pki.revocation!.setAvailable(true);
    }
    expect(extended).toMatchObject({ form: 'CAdES-T', status: { status: 'unknown' } });
    expect(
      (
        await verifyLongTerm(extended.cms, content, {
          trustedRoots: [root],
          revocation: new RevocationChecker({ offline: true }),
        })
      ).verdict,
    ).toBe('undetermined');
    const again = await verifyLongTerm(extended.cms, content, {
      trustedRoots: [root],
      revocation: new RevocationChecker(),
    });
    expect(again).toMatchObject({ verdict: 'valid', timeSource: 'timestamp' });
  });
});
