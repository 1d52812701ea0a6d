// Certificates as the clerk reads them, and chains through intermediate CAs that arrive in the
// CMS certificates set, built with OpenSSL as an independent CA.
import { execFileSync } from 'node:child_process';
import { createPrivateKey, webcrypto } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import 'reflect-metadata'; // @peculiar/x509 resolves its services through tsyringe
import * as x509 from '@peculiar/x509';
import { afterAll, describe, expect, it } from 'vitest';
import { buildChain, derToPem, describeCertificate, pemToDer, readCertificates } from './certificates';
import { signDetached, verifyDetached } from './cms';
import { KeySigner } from './key-signer';

const dir = mkdtempSync(join(tmpdir(), 'edo-certs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string) => join(dir, name);
const openssl = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });

// root → intermediate → leaf, by OpenSSL, with a Russian qualified certificate's subject.
writeFileSync(
  file('ext.cnf'),
  `[ca]\nbasicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\n` +
    `[leaf]\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n`,
);
const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
openssl([
  'req',
  '-utf8',
  '-x509',
  ...ec,
  '-keyout',
  'root.key',
  '-out',
  'root.pem',
  '-days',
  '30',
  '-subj',
  '/CN=Корневой УЦ/O=Минцифры',
  '-extensions',
  'ca',
  '-config',
  file('ext.cnf'),
]);
openssl(['req', '-utf8', '-new', ...ec, '-keyout', 'inter.key', '-out', 'inter.csr', '-subj', '/CN=УЦ ООО Такском']);
openssl([
  'x509',
  '-req',
  '-in',
  'inter.csr',
  '-CA',
  'root.pem',
  '-CAkey',
  'root.key',
  '-out',
  'inter.pem',
  '-days',
  '20',
  '-extfile',
  file('ext.cnf'),
  '-extensions',
  'ca',
]);
openssl([
  'req',
  '-utf8',
  '-new',
  ...ec,
  '-keyout',
  'leaf.key',
  '-out',
  'leaf.csr',
  '-subj',
  '/C=RU/O=ООО "Лютик"/title=Бухгалтер/SN=Сидорова/GN=Анна Ивановна/CN=Сидорова Анна Ивановна',
]);
openssl([
  'x509',
  '-req',
  '-in',
  'leaf.csr',
  '-CA',
  'inter.pem',
  '-CAkey',
  'inter.key',
  '-out',
  'leaf.pem',
  '-days',
  '10',
  '-extfile',
  file('ext.cnf'),
  '-extensions',
  'leaf',
]);
const [root] = pemToDer(readFileSync(file('root.pem'), 'utf8'));
const [intermediate] = pemToDer(readFileSync(file('inter.pem'), 'utf8'));
const [leaf] = pemToDer(readFileSync(file('leaf.pem'), 'utf8'));

describe('describeCertificate', () => {
  it('reads the Russian qualified-certificate subject', () => {
    const identity = describeCertificate(leaf!);
    expect(identity).toMatchObject({
      commonName: 'Сидорова Анна Ивановна',
      surname: 'Сидорова',
      givenNames: 'Анна Ивановна',
      position: 'Бухгалтер',
      organization: 'ООО "Лютик"',
      issuer: 'CN=УЦ ООО Такском',
    });
    expect(identity.subject).toBe(
      'C=RU, O=ООО "Лютик", T=Бухгалтер, SN=Сидорова, G=Анна Ивановна, CN=Сидорова Анна Ивановна',
    );
    const serial = execFileSync('openssl', ['x509', '-in', file('leaf.pem'), '-noout', '-serial'], { encoding: 'utf8' })
      .trim()
      .split('=')[1]!;
    expect(identity.serialNumber).toBe(serial.toLowerCase().replace(/^(00)+/, ''));
    expect(identity.notAfter.getTime()).toBeGreaterThan(identity.notBefore.getTime());
    expect(identity.certificate.equals(leaf!)).toBe(true);
  });

  it('reads INN, INNLE and OGRN written as NumericString, as Russian CAs do', async () => {
    // RFC 4514 "#hex" values: tag 0x12 is NumericString.
    const numeric = (v: string) => `#12${v.length.toString(16).padStart(2, '0')}${Buffer.from(v).toString('hex')}`;
    const keys = (await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
      'sign',
      'verify',
    ])) as webcrypto.CryptoKeyPair;
    const name = `CN=Кузнецов Олег, O=ИП Кузнецов, 1.2.643.100.4=${numeric('7712345671')}, 1.2.643.3.131.1.1=${numeric('771234567859')}, 1.2.643.100.1=${numeric('1027700000008')}`;
    const certificate = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: '0a1b',
      name,
      keys,
      signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
    });
    const identity = describeCertificate(Buffer.from(certificate.rawData));
    expect(identity).toMatchObject({
      commonName: 'Кузнецов Олег',
      organization: 'ИП Кузнецов',
      orgInn: '7712345671',
      personInn: '771234567859',
      serialNumber: '0a1b',
    });
    expect(identity.subject).toContain('OGRN=1027700000008');
  });

  it('converts PEM and DER both ways and reads either from a file', () => {
    const pem = derToPem(leaf!);
    expect(pemToDer(pem)).toEqual([leaf]);
    expect(readCertificates(Buffer.from(pem + derToPem(root!)))).toEqual([leaf, root]);
    expect(readCertificates(leaf!)).toEqual([leaf]);
    writeFileSync(file('roundtrip.pem'), pem);
    openssl(['x509', '-in', 'roundtrip.pem', '-noout']);
  });

  it('names what is wrong with bytes that are no certificate', () => {
    expect(() => describeCertificate(Buffer.from('nonsense'))).toThrow(/Not an X\.509 certificate/);
  });
});

describe('chains through intermediate CAs', () => {
  it('builds leaf → intermediate → root, and not without the intermediate', () => {
    const chain = buildChain(leaf!, [intermediate!], [root!]);
    expect(chain.ok && chain.chain.map((c) => describeCertificate(c.raw).commonName)).toEqual([
      'Сидорова Анна Ивановна',
      'УЦ ООО Такском',
      'Корневой УЦ',
    ]);
    const broken = buildChain(leaf!, [], [root!]);
    expect(broken.ok).toBe(false);
    expect(!broken.ok && broken.message).toContain('УЦ ООО Такском');
    expect(buildChain(leaf!, [intermediate!], [intermediate!]).ok).toBe(true);
  });

  it('verifies signatures carrying their intermediate, from OpenSSL and from us', async () => {
    const content = Buffer.from('Письмо о сверке');
    writeFileSync(file('letter.txt'), content);
    openssl([
      'cms',
      '-sign',
      '-binary',
      '-outform',
      'DER',
      '-in',
      'letter.txt',
      '-signer',
      'leaf.pem',
      '-inkey',
      'leaf.key',
      '-certfile',
      'inter.pem',
      '-md',
      'sha256',
      '-out',
      'letter.p7s',
    ]);
    const fromOpenssl = await verifyDetached(readFileSync(file('letter.p7s')), content, { trustedRoots: [root!] });
    expect(fromOpenssl.problems).toEqual([]);

    const signer = new KeySigner(createPrivateKey(readFileSync(file('leaf.key'))), leaf!);
    const ours = await signDetached(content, signer, { certificates: [intermediate!] });
    expect((await verifyDetached(ours, content, { trustedRoots: [root!] })).valid).toBe(true);
    writeFileSync(file('ours.p7s'), ours);
    openssl([
      'cms',
      '-verify',
      '-binary',
      '-inform',
      'DER',
      '-in',
      'ours.p7s',
      '-content',
      'letter.txt',
      '-CAfile',
      'root.pem',
      '-purpose',
      'any',
      '-out',
      '/dev/null',
    ]);

    const without = await verifyDetached(await signDetached(content, signer), content, { trustedRoots: [root!] });
    expect(without.problems.map((p) => p.code)).toEqual(['untrusted-chain']);
  });

  it('remembers no verdict that other bytes could inherit: a damaged intermediate or another root still fails', async () => {
    const content = Buffer.from('Акт сверки');
    const signer = new KeySigner(createPrivateKey(readFileSync(file('leaf.key'))), leaf!);
    const signature = await signDetached(content, signer, { certificates: [intermediate!] });
    expect((await verifyDetached(signature, content, { trustedRoots: [root!] })).valid).toBe(true);
    // The intermediate's own signature is its last bytes: damaged, it no longer links the leaf to the root.
    const at = signature.indexOf(intermediate!) + intermediate!.length - 3;
    const damaged = Buffer.from(signature);
    damaged[at]! ^= 0x01;
    expect((await verifyDetached(damaged, content, { trustedRoots: [root!] })).problems.map((p) => p.code)).toEqual([
      'untrusted-chain',
    ]);
    expect(
      (await verifyDetached(signature, content, { trustedRoots: [selfSignedCa('other-root')] })).problems.map(
        (p) => p.code,
      ),
    ).toEqual(['untrusted-chain']);
    expect((await verifyDetached(signature, content, { trustedRoots: [root!] })).valid).toBe(true);
  });

  it("judges the certificate bytes received, not a decoder's repair of them, as OpenSSL does", async () => {
    const content = Buffer.from('Акт приёмки');
    writeFileSync(file('repair.txt'), content);
    const signer = new KeySigner(createPrivateKey(readFileSync(file('leaf.key'))), leaf!);
    const signature = await signDetached(content, signer, { certificates: [intermediate!] });
    // The intermediate's basicConstraints "critical" BOOLEAN TRUE as BER 0xfe instead of DER 0xff:
    // a decoder re-encoding it restores the signed bytes, but these are not what its CA signed.
    const at = signature.indexOf(Buffer.from([0x01, 0x01, 0xff]), signature.indexOf(intermediate!));
    const reencoded = Buffer.from(signature);
    reencoded[at + 2] = 0xfe;
    const result = await verifyDetached(reencoded, content, { trustedRoots: [root!] });
    expect(result.problems.map((p) => p.code)).toEqual(['untrusted-chain']);
    writeFileSync(file('repair.p7s'), reencoded);
    expect(() =>
      openssl([
        'cms',
        '-verify',
        '-binary',
        '-inform',
        'DER',
        '-in',
        'repair.p7s',
        '-content',
        'repair.txt',
        '-CAfile',
        'root.pem',
        '-purpose',
        'any',
        '-out',
        '/dev/null',
      ]),
    ).toThrow();
  });

  it('refuses an entry of the certificates set that is no certificate at all, rather than skip it', async () => {
    const content = Buffer.from('Счёт');
    const signer = new KeySigner(createPrivateKey(readFileSync(file('leaf.key'))), leaf!);
    const signature = await signDetached(content, signer, { certificates: [intermediate!] });
    const damaged = Buffer.from(signature);
    damaged[signature.indexOf(intermediate!)] = 0x00; // its SEQUENCE tag
    const result = await verifyDetached(damaged, content, { trustedRoots: [intermediate!] });
    expect(result.problems.map((p) => p.code)).toEqual(['malformed']);
  });

  it('reads a certificate buffer that its owner changed in place afresh', () => {
    const bytes = Buffer.from(leaf!);
    expect(describeCertificate(bytes).commonName).toBe('Сидорова Анна Ивановна');
    intermediate!.copy(bytes);
    expect(describeCertificate(bytes.subarray(0, intermediate!.length)).commonName).toBe('УЦ ООО Такском');
    expect(describeCertificate(leaf!).commonName).toBe('Сидорова Анна Ивановна');
  });

  it('finds the signer named by subjectKeyIdentifier (openssl cms -keyid)', async () => {
    const content = Buffer.from('Письмо по ключу');
    writeFileSync(file('keyid.txt'), content);
    openssl([
      'cms',
      '-sign',
      '-binary',
      '-keyid',
      '-outform',
      'DER',
      '-in',
      'keyid.txt',
      '-signer',
      'leaf.pem',
      '-inkey',
      'leaf.key',
      '-certfile',
      'inter.pem',
      '-md',
      'sha256',
      '-out',
      'keyid.p7s',
    ]);
    const result = await verifyDetached(readFileSync(file('keyid.p7s')), content, { trustedRoots: [root!] });
    expect(result.problems).toEqual([]);
    expect(result.signer?.commonName).toBe('Сидорова Анна Ивановна');
  });

  it('reads a signingTime after 2049, written as GeneralizedTime', async () => {
    const content = Buffer.from('Договор на 2051 год');
    const signingTime = new Date('2051-03-04T05:06:07Z');
    const signer = new KeySigner(createPrivateKey(readFileSync(file('leaf.key'))), leaf!);
    const result = await verifyDetached(
      await signDetached(content, signer, { signingTime, certificates: [intermediate!] }),
      content,
      { trustedRoots: [root!] },
    );
    expect(result.signingTime).toEqual(signingTime);
    expect(result.problems.map((p) => p.code)).toEqual(['expired', 'expired', 'expired']);
  });
});

/** A fresh self-signed CA certificate made by OpenSSL under `name`. */
function selfSignedCa(name: string): Buffer {
  openssl([
    'req',
    '-utf8',
    '-x509',
    ...ec,
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.pem`,
    '-days',
    '30',
    '-subj',
    `/CN=${name}`,
    '-extensions',
    'ca',
    '-config',
    file('ext.cnf'),
  ]);
  return pemToDer(readFileSync(file(`${name}.pem`), 'utf8'))[0]!;
}
