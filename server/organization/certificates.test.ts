// Information-system certificates issued by the operator key: OpenSSL (the independent
// verifier) must chain them to the operator certificate, their keys must sign, and a CMS made
// with them must pass the hub's certificate-login check against the operator as trusted root.
import { execFileSync } from 'node:child_process';
import { createPrivateKey, randomBytes, sign, verify, X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { derToPem, describeCertificate } from '../../src/crypto/certificates';
import { signDetached, verifyDetached } from '../../src/crypto/cms';
import { KeySigner } from '../../src/crypto/key-signer';
import { createTestOperator, type OperatorKeyAlgorithm } from '../../test/support/test-operator';
import { closeHubData, openHubData } from '../data-dir';
import { backends, closeDatabases, freshPostgresDatabase } from '../../test/support/databases';
import { issueInformationSystemCertificate, type CertificateIssuer } from './certificates';

const root = mkdtempSync(join(tmpdir(), 'edo-org-certs-'));
const romashka = { name: 'ООО "Ромашка"', inn: '7701234560' };
afterAll(() => rmSync(root, { recursive: true, force: true }));

function opensslVerify(caPem: string, leafDer: Buffer): string {
  const dir = mkdtempSync(join(root, 'verify-'));
  writeFileSync(join(dir, 'ca.pem'), caPem);
  writeFileSync(join(dir, 'leaf.pem'), derToPem(leafDer));
  return execFileSync(
    'openssl',
    ['verify', '-CAfile', join(dir, 'ca.pem'), '-purpose', 'sslclient', join(dir, 'leaf.pem')],
    { encoding: 'utf8', stdio: 'pipe' },
  );
}

/** The checks every issued certificate must pass, whatever the operator's key. */
async function expectUsableInformationSystem(
  issuer: CertificateIssuer,
  issued: { privateKeyPem: string; certificate: Buffer },
) {
  const issuerPem = derToPem(issuer.certificate);
  expect(opensslVerify(issuerPem, issued.certificate)).toContain(': OK');
  const certificate = new X509Certificate(issued.certificate);
  expect(certificate.verify(new X509Certificate(issuer.certificate).publicKey)).toBe(true);
  expect(certificate.ca).toBe(false);

  // The private key belongs to the certificate and signs: node:crypto verifies with the certificate's key.
  const key = createPrivateKey(issued.privateKeyPem);
  expect(certificate.checkPrivateKey(key)).toBe(true);
  const data = randomBytes(64);
  const signature = sign('sha256', data, key);
  expect(verify('sha256', data, certificate.publicKey, signature)).toBe(true);
  expect(verify('sha256', Buffer.concat([data, Buffer.from([0])]), certificate.publicKey, signature)).toBe(false);

  // Certificate login: a detached CMS over a nonce verifies with the operator as the trusted root.
  const nonce = randomBytes(32);
  const cms = await signDetached(nonce, new KeySigner(key, issued.certificate));
  const result = await verifyDetached(cms, nonce, { trustedRoots: [issuer.certificate] });
  expect(result.problems).toEqual([]);
  expect(result.valid).toBe(true);
  // ... and not with another root.
  const stranger = createTestOperator('ECDSA-P256', 'Stranger CA');
  const untrusted = await verifyDetached(cms, nonce, { trustedRoots: [stranger.signer.certificate] });
  expect(untrusted.valid).toBe(false);
  expect(untrusted.problems.map((p) => p.code)).toContain('untrusted-chain');
}

describe('information-system certificates', () => {
  it.each(backends)(
    "are issued by the hub's own operator key (created at its first start, on $name) and chain to its certificate",
    async (backend) => {
      if (backend.skip) return expect.soft(backend.skip).toBe('') as never;
      const dataDir = mkdtempSync(join(root, 'hub-'));
      const databaseUrl = backend.name === 'postgres' ? await freshPostgresDatabase() : undefined;
      const data = await openHubData(dataDir, databaseUrl ? { databaseUrl } : {});
      try {
        const { operator } = data;
        // Another instance on the same data signs with the same key.
        const again = await openHubData(mkdtempSync(join(root, 'hub-')), databaseUrl ? { databaseUrl } : {});
        if (databaseUrl) expect(again.operator.certificate.equals(operator.certificate)).toBe(true);
        await closeHubData(again);
        const issued = await issueInformationSystemCertificate(
          { name: '1С:Бухгалтерия', organization: { name: 'ООО "Ромашка"', inn: '7701234560' } },
          operator.signer,
        );
        await expectUsableInformationSystem(operator.signer, issued);
        const who = describeCertificate(issued.certificate);
        expect(who.commonName).toBe('1С:Бухгалтерия');
        expect(who.organization).toBe('ООО "Ромашка"');
        expect(who.orgInn).toBe('7701234560');
        expect(who.issuer).toBe(describeCertificate(operator.certificate).subject);
      } finally {
        await closeHubData(data);
        await closeDatabases();
      }
    },
  );

  it.each<OperatorKeyAlgorithm>(['RSA-2048', 'ECDSA-P384'])(
    'are issued by a %s operator key made by OpenSSL',
    async (algorithm) => {
      const operator = createTestOperator(algorithm);
      const issuer = new KeySigner(createPrivateKey(operator.keyPem), operator.signer.certificate);
      const issued = await issueInformationSystemCertificate({ name: 'ERP', organization: romashka }, issuer);
      await expectUsableInformationSystem(issuer, issued);
    },
  );

  it('never outlive the operator certificate, and are refused once it has expired', async () => {
    const operator = createTestOperator('ECDSA-P256');
    const issuer = new KeySigner(createPrivateKey(operator.keyPem), operator.signer.certificate);
    const operatorEnd = new X509Certificate(operator.signer.certificate).validToDate;
    const issued = await issueInformationSystemCertificate({ name: 'ERP', organization: romashka }, issuer, {
      validityDays: 3650,
    });
    expect(new X509Certificate(issued.certificate).validToDate.getTime()).toBeLessThanOrEqual(operatorEnd.getTime());
    await expect(
      issueInformationSystemCertificate({ name: 'ERP', organization: romashka }, issuer, {
        now: new Date(operatorEnd.getTime() + 1000),
      }),
    ).rejects.toThrow(/operator certificate expired/);
  });
});
