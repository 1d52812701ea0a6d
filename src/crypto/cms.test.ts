// Detached CAdES-BES CMS both ways against OpenSSL: our signatures (made on SoftHSM tokens and
// with a software key) pass `openssl cms -verify`, OpenSSL's pass verifyDetached, and every
// kind of damage is reported with its own problem code.
import { execFileSync } from 'node:child_process';
import { createPrivateKey, createPublicKey, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPki, samplePeople, type TestPki } from '../../test/support/test-pki';
import { softhsm } from '../../test/support/system';
import { openToken, type TokenSession } from '../token/session';
import { pemToDer } from './certificates';
import { signDetached, verifyDetached } from './cms';
import { KeySigner } from './key-signer';
import type { Signer } from './signer';

const part = softhsm();

function openssl(args: string[]): string {
  return execFileSync('openssl', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

describe.skipIf(!part.ok)(`detached CMS (CAdES-BES) ${part.reason}`, () => {
  let pki: TestPki;
  let dir: string;
  let token: TokenSession;
  let trustedRoots: Buffer[];
  let documentPath: string;
  const document = Buffer.concat([Buffer.from('Счёт-фактура № 17 от 22.11.2026\n'), randomBytes(100_000)]);

  /** A key made by OpenSSL with a certificate from the test CA, as a software signer. */
  async function softwareKey(
    curve: 'P-256' | 'rsa',
    validity?: { notBefore: Date; notAfter: Date },
    person = samplePeople.petrov,
  ) {
    const keyFile = join(dir, `key-${randomBytes(4).toString('hex')}.pem`);
    openssl(
      curve === 'rsa'
        ? ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', keyFile]
        : ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', keyFile],
    );
    const privateKey = createPrivateKey(readFileSync(keyFile));
    const certificate = await pki.issue(createPublicKey(privateKey), person, validity);
    const certFile = keyFile.replace('key-', 'cert-');
    writeFileSync(certFile, certificate.toString('pem'));
    return { keyFile, certFile, signer: new KeySigner(privateKey, Buffer.from(certificate.rawData)) };
  }

  function opensslAccepts(signature: Buffer): string {
    const sigFile = join(dir, `sig-${randomBytes(4).toString('hex')}.p7s`);
    writeFileSync(sigFile, signature);
    return execFileSync(
      'openssl',
      [
        'cms',
        '-verify',
        '-binary',
        '-inform',
        'DER',
        '-in',
        sigFile,
        '-content',
        documentPath,
        '-CAfile',
        pki.caCertificateFile,
        '-purpose',
        'any',
        '-out',
        '/dev/null',
      ],
      {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
  }

  beforeAll(async () => {
    pki = await createTestPki([
      {
        label: 'clerk-a',
        keys: [
          { algorithm: 'RSA-2048', person: samplePeople.ivanova },
          { algorithm: 'ECDSA-P256', person: samplePeople.ivanova },
          { algorithm: 'ECDSA-P384', person: samplePeople.ivanova },
        ],
      },
    ]);
    dir = mkdtempSync(join(tmpdir(), 'edo-cms-test-'));
    documentPath = join(dir, 'document.bin');
    writeFileSync(documentPath, document);
    trustedRoots = pemToDer(pki.caCertificatePem);
    token = openToken({ modulePath: pki.modulePath, token: 'clerk-a' });
    await token.login(pki.tokens[0]!.pin);
  });

  afterAll(() => {
    token?.close();
    pki?.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it.each([
    ['RSA-2048', 'RSA-PKCS1-SHA256'],
    ['ECDSA-P256', 'ECDSA-P256-SHA256'],
    ['ECDSA-P384', 'ECDSA-P384-SHA384'],
  ] as const)(
    'signs on the token with %s; OpenSSL and verifyDetached accept it',
    async (keyAlgorithm, signatureAlgorithm) => {
      const key = pki.tokens[0]!.keys.find((k) => k.algorithm === keyAlgorithm)!;
      const signer = token.signer(key.id.toString('hex'));
      expect(signer.algorithm).toBe(signatureAlgorithm);
      const signingTime = new Date(Math.floor(Date.now() / 1000) * 1000);
      const signature = await signDetached({ path: documentPath }, signer, { signingTime });

      expect(opensslAccepts(signature)).toBe('');
      const printed = openssl(['cms', '-cmsout', '-print', '-inform', 'DER', '-in', writeTemp(signature)]);
      for (const attribute of ['contentType', 'messageDigest', 'signingTime', 'id-smime-aa-signingCertificateV2'])
        expect(printed).toContain(`object: ${attribute}`);
      expect(printed).toContain('eContent: <ABSENT>');

      const result = await verifyDetached(
        signature,
        Readable.from([document.subarray(0, 1000), document.subarray(1000)]),
        { trustedRoots },
      );
      expect(result.problems).toEqual([]);
      expect(result.valid).toBe(true);
      expect(result.algorithm).toBe(signatureAlgorithm);
      expect(result.signingTime).toEqual(signingTime);
      expect(result.signer).toMatchObject({
        commonName: 'Иванова Мария Петровна',
        surname: 'Иванова',
        organization: 'ООО "Ромашка"',
        orgInn: '7701234560',
        personInn: '770112345695',
        position: 'Делопроизводитель',
      });
    },
  );

  function writeTemp(bytes: Buffer): string {
    const file = join(dir, `tmp-${randomBytes(4).toString('hex')}`);
    writeFileSync(file, bytes);
    return file;
  }

  it.each(['P-256', 'rsa'] as const)('signs with a software key (%s); OpenSSL accepts it', async (curve) => {
    const { signer } = await softwareKey(curve);
    const signature = await signDetached(document, signer);
    expect(opensslAccepts(signature)).toBe('');
    expect((await verifyDetached(signature, { path: documentPath }, { trustedRoots })).valid).toBe(true);
  });

  it.each(['P-256', 'rsa'] as const)(
    'accepts what `openssl cms -sign` makes with a %s key issued by the test CA',
    async (curve) => {
      const { keyFile, certFile } = await softwareKey(curve);
      const sigFile = join(dir, `openssl-${curve}.p7s`);
      openssl([
        'cms',
        '-sign',
        '-binary',
        '-outform',
        'DER',
        '-in',
        documentPath,
        '-signer',
        certFile,
        '-inkey',
        keyFile,
        '-md',
        'sha256',
        '-out',
        sigFile,
      ]);
      const result = await verifyDetached(readFileSync(sigFile), { path: documentPath }, { trustedRoots });
      expect(result.problems).toEqual([]);
      expect(result.valid).toBe(true);
      expect(result.signer?.commonName).toBe('Петров Сергей Иванович');
      expect(result.signer?.orgInn).toBe('7809876549');
    },
  );

  it('reports a signature without its signer certificate as no-signer-certificate', async () => {
    const { keyFile, certFile } = await softwareKey('P-256');
    const sigFile = join(dir, 'nocerts.p7s');
    openssl([
      'cms',
      '-sign',
      '-binary',
      '-nocerts',
      '-outform',
      'DER',
      '-in',
      documentPath,
      '-signer',
      certFile,
      '-inkey',
      keyFile,
      '-md',
      'sha256',
      '-out',
      sigFile,
    ]);
    const result = await verifyDetached(readFileSync(sigFile), document, { trustedRoots });
    expect(result.problems.map((p) => p.code)).toEqual(['no-signer-certificate']);
  });

  it('reports an algorithm outside the table (RSA with SHA-512) as unsupported-algorithm', async () => {
    const { keyFile, certFile } = await softwareKey('rsa');
    const sigFile = join(dir, 'sha512.p7s');
    openssl([
      'cms',
      '-sign',
      '-binary',
      '-outform',
      'DER',
      '-in',
      documentPath,
      '-signer',
      certFile,
      '-inkey',
      keyFile,
      '-md',
      'sha512',
      '-out',
      sigFile,
    ]);
    const result = await verifyDetached(readFileSync(sigFile), document, { trustedRoots });
    expect(result.problems.map((p) => p.code)).toEqual(['unsupported-algorithm']);
    expect(result.problems[0]!.message).toContain('2.16.840.1.101.3.4.2.3');
    expect(result.signer?.commonName).toBe('Петров Сергей Иванович');
  });

  it('reports altered content as digest-mismatch', async () => {
    const signature = await signDetached(document, token.signer(pki.tokens[0]!.keys[0]!.id.toString('hex')));
    const forged = Buffer.from(document);
    forged[forged.length - 1]! ^= 1;
    const result = await verifyDetached(signature, forged, { trustedRoots });
    expect(result.valid).toBe(false);
    expect(result.problems.map((p) => p.code)).toEqual(['digest-mismatch']);
  });

  it.each([0, 1])('reports changed signature bytes as bad-signature (key #%i)', async (keyIndex) => {
    const signature = await signDetached(document, token.signer(pki.tokens[0]!.keys[keyIndex]!.id.toString('hex')));
    // The signature value is the last OCTET STRING: flip a byte near the end of the CMS.
    const damaged = Buffer.from(signature);
    damaged[damaged.length - 5]! ^= 0x01;
    const result = await verifyDetached(damaged, document, { trustedRoots });
    expect(result.valid).toBe(false);
    expect(result.problems.map((p) => p.code)).toEqual(['bad-signature']);
  });

  it('reports a signed attribute changed after signing as bad-signature', async () => {
    const signingTime = new Date('2026-01-02T03:04:05Z');
    const signature = await signDetached(document, token.signer(pki.tokens[0]!.keys[1]!.id.toString('hex')), {
      signingTime,
    });
    const damaged = Buffer.from(signature.toString('latin1').replace('260102030405Z', '260102030406Z'), 'latin1');
    expect(damaged.equals(signature)).toBe(false);
    const result = await verifyDetached(damaged, document, { trustedRoots, at: new Date() });
    expect(result.problems.map((p) => p.code)).toEqual(['bad-signature']);
  });

  it('reports a certificate from another CA as untrusted-chain', async () => {
    const keyFile = join(dir, 'stranger-key.pem');
    const certFile = join(dir, 'stranger-cert.pem');
    openssl([
      'req',
      '-utf8',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      keyFile,
      '-out',
      certFile,
      '-subj',
      '/CN=Чужой УЦ/O=Stranger',
      '-days',
      '30',
    ]);
    const stranger = new KeySigner(
      createPrivateKey(readFileSync(keyFile)),
      pemToDer(readFileSync(certFile, 'utf8'))[0]!,
    );
    const result = await verifyDetached(await signDetached(document, stranger), document, { trustedRoots });
    expect(result.valid).toBe(false);
    expect(result.problems.map((p) => p.code)).toEqual(['untrusted-chain']);
    expect(result.problems[0]!.message).toContain('Чужой УЦ');
  });

  it('reports an expired and a not yet valid certificate, judged at the signing time', async () => {
    // The test CA itself is valid from a day ago: the expired certificate lived within that day.
    const hour = 3600_000;
    const day = 24 * hour;
    const expired = await softwareKey('P-256', {
      notBefore: new Date(Date.now() - 20 * hour),
      notAfter: new Date(Date.now() - 2 * hour),
    });
    const result = await verifyDetached(await signDetached(document, expired.signer), document, { trustedRoots });
    expect(result.problems.map((p) => p.code)).toEqual(['expired']);
    // Signed while the certificate was valid: still valid today.
    const earlier = await signDetached(document, expired.signer, { signingTime: new Date(Date.now() - 10 * hour) });
    expect((await verifyDetached(earlier, document, { trustedRoots })).valid).toBe(true);
    // ...unless the caller asks about another moment.
    expect(
      (await verifyDetached(earlier, document, { trustedRoots, at: new Date() })).problems.map((p) => p.code),
    ).toEqual(['expired']);

    const future = await softwareKey('P-256', {
      notBefore: new Date(Date.now() + 10 * day),
      notAfter: new Date(Date.now() + 400 * day),
    });
    const early = await verifyDetached(await signDetached(document, future.signer), document, { trustedRoots });
    expect(early.problems.map((p) => p.code)).toEqual(['not-yet-valid']);
  });

  it.each([
    ['garbage bytes', Buffer.from('this is not a signature at all')],
    ['an empty buffer', Buffer.alloc(0)],
    [
      'a certificate instead of a signature',
      pemToDer(readFileSyncSafe())[0] ?? Buffer.from([0x30, 0x03, 0x02, 0x01, 0x01]),
    ],
  ])('reports %s as malformed without throwing', async (_name, bytes) => {
    const result = await verifyDetached(bytes, document, { trustedRoots });
    expect(result.valid).toBe(false);
    expect(result.problems).toHaveLength(1);
    expect(result.problems[0]!.code).toBe('malformed');
    expect(result.problems[0]!.message).toMatch(/^Malformed signature: .+/);
  });

  it('throws the I/O error of unreadable content, which is no finding about the signature', async () => {
    const signature = await signDetached(document, token.signer(pki.tokens[0]!.keys[0]!.id.toString('hex')));
    await expect(verifyDetached(signature, { path: join(dir, 'missing.pdf') }, { trustedRoots })).rejects.toThrow(
      /ENOENT/,
    );
  });

  it('reports a truncated signature as malformed', async () => {
    const signature = await signDetached(document, token.signer(pki.tokens[0]!.keys[0]!.id.toString('hex')));
    const result = await verifyDetached(signature.subarray(0, signature.length - 40), document, { trustedRoots });
    expect(result.problems.map((p) => p.code)).toEqual(['malformed']);
  });

  it('refuses to sign with a signer whose certificate does not fit its algorithm', async () => {
    const rsa = token.signer(pki.tokens[0]!.keys[0]!.id.toString('hex'));
    const lying: Signer = {
      certificate: rsa.certificate,
      algorithm: 'ECDSA-P256-SHA256',
      description: 'a lying signer',
      sign: (d) => rsa.sign(d),
    };
    await expect(signDetached(document, lying)).rejects.toThrow(
      /does not fit its algorithm ECDSA-P256-SHA256 \(a lying signer\)/,
    );
  });
});

/** A certificate to feed as a "signature": the system's first CA bundle entry, if there is one. */
function readFileSyncSafe(): string {
  try {
    return readFileSync('/etc/ssl/certs/ca-certificates.crt', 'utf8');
  } catch {
    return '';
  }
}
