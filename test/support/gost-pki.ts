// A GOST R 34.10-2012 test PKI with software keys: a 256-bit root CA and certificates with the
// subject a Russian qualified certificate carries — a director's (the legal entity's: INNLE,
// OGRN, SNILS, the person's INN) or an employee's personal one (INN and SNILS, no
// organization) — and the signing-tool extensions. No PKCS#11 token with GOST exists here
// (SoftHSM has none), so keys are PKCS#8 PEM files, as `openssl genpkey -algorithm gost2012_256`
// writes them, for `profile init --key-file`. Certificates are signed by our own GOST code
// (createGostAuthority, src/crypto/issue-certificate.ts, as the sandbox's); the tests read them back with OpenSSL's GOST engine.
//
//   const pki = await createGostTestPki();
//   const director = await pki.issue(gostPeople.berezkaDirector);             // 256, CryptoPro A
//   const employee = await pki.issue(gostPeople.berezkaEmployee, { curve: gostCurveOids.tc26A512 });
//   director.keyFile, director.certificateFile, director.signer (a KeySigner), pki.caCertificateFile
//   startHub({ args: ['--crl-folder', pki.crlFolder] });  // the CA's CRL: statuses are known
//   pki.cleanup();
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import 'reflect-metadata'; // @peculiar/x509 resolves its services through tsyringe
import * as x509 from '@peculiar/x509';
import { derToPem } from '../../src/crypto/certificates';
import { encodeGostPkcs8Pem, encodeGostSpki } from '../../src/crypto/gost-keys';
import { generatePrivateKey, gostCurve, publicKeyOf, type GostPrivateKey } from '../../src/crypto/gost3410';
import { createGostAuthority, gostCertificateSigner, signEmptyCrl } from '../../src/crypto/issue-certificate';
import { KeySigner } from '../../src/crypto/key-signer';
import {
  personalSubject,
  qualifiedSubject,
  signToolExtensions,
  type CertificatePerson,
  type PersonalCertificatePerson,
} from '../../src/crypto/qualified-subject';

export const gostCurveOids = {
  cryptoProA: '1.2.643.2.2.35.1',
  tc26A512: '1.2.643.7.1.2.1.2.1',
} as const;

/** Checksum-valid INN, OGRN and SNILS; the KPP each organization registers with is beside. */
export const gostPeople = {
  berezkaDirector: {
    surname: 'Соколова',
    givenNames: 'Елена Викторовна',
    position: 'Генеральный директор',
    organization: 'ООО "Берёзка"',
    orgInn: '7729123451',
    ogrn: '1027700123450',
    personInn: '772912345698',
    snils: '11223344595',
    city: 'Москва',
  },
  klenDirector: {
    surname: 'Орлов',
    givenNames: 'Дмитрий Андреевич',
    position: 'Директор',
    organization: 'АО "Клён"',
    orgInn: '5047123455',
    ogrn: '1155047123450',
    personInn: '504712345623',
    snils: '12345678964',
    city: 'Химки',
  },
  /** An employee of ООО "Берёзка" with a personal certificate: she signs under an МЧД. */
  berezkaEmployee: {
    surname: 'Кузнецова',
    givenNames: 'Анна Сергеевна',
    personInn: '770765432128',
    snils: '98765432183',
    city: 'Москва',
  },
} satisfies Record<string, CertificatePerson | PersonalCertificatePerson>;

export const gostKpps = { berezka: '772901001', klen: '504701001' } as const;

export interface GostTestUser {
  person: CertificatePerson | PersonalCertificatePerson;
  privateKey: GostPrivateKey;
  /** DER. */
  certificate: Buffer;
  certificatePem: string;
  certificateFile: string;
  /** The private key as unencrypted PKCS#8 PEM. */
  keyFile: string;
  signer: KeySigner;
}

export interface GostTestPki {
  dir: string;
  /** DER. */
  caCertificate: Buffer;
  caCertificatePem: string;
  /** For `--trust`, `hub trust add`, `openssl -CAfile`. */
  caCertificateFile: string;
  /** The CA's key (PKCS#8 PEM), for `openssl ca -engine gost`. */
  caKeyFile: string;
  /**
   * A folder holding the CA's CRL (nothing revoked, a week long) for `--crl-folder`: without a
   * status the long-term check leaves a signature unverified, as it must.
   */
  crlFolder: string;
  /** A key on `curve` (default CryptoPro A, 256 bits) and its certificate issued by the CA. */
  issue(
    person: CertificatePerson | PersonalCertificatePerson,
    options?: { curve?: string; notBefore?: Date; notAfter?: Date },
  ): Promise<GostTestUser>;
  cleanup(): void;
}

const day = 24 * 3600_000;
const der = (e: x509.Extension) => Buffer.from(e.rawData);
const notCertified = 'Не сертифицировано: только для тестов';
const [subjectSignTool, issuerSignTool] = signToolExtensions(
  '"EDO Clerk" (тестовое средство электронной подписи, не сертифицировано)',
  {
    signTool: '"EDO Clerk" (тестовое СКЗИ)',
    caTool: 'Тестовый УЦ EDO Clerk',
    signToolCertificate: notCertified,
    caToolCertificate: notCertified,
  },
).map(der) as [Buffer, Buffer];

export async function createGostTestPki(): Promise<GostTestPki> {
  const dir = mkdtempSync(join(tmpdir(), 'edo-gost-pki-'));
  const now = Date.now();
  const ca = await createGostAuthority(gostCurve(gostCurveOids.cryptoProA)!, {
    subject: Buffer.from(
      new x509.Name([
        { '2.5.4.6': [{ printableString: 'RU' }] },
        { '2.5.4.10': [{ utf8String: 'Тестовый удостоверяющий центр EDO Clerk' }] },
        { '2.5.4.3': [{ utf8String: 'EDO Clerk Test GOST CA' }] },
      ]).toArrayBuffer(),
    ),
    notBefore: new Date(now - day),
    notAfter: new Date(now + 10 * 365 * day),
    extensions: [
      der(new x509.BasicConstraintsExtension(true, undefined, true)),
      der(new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true)),
      subjectSignTool,
    ],
  });
  const caCertificatePem = derToPem(ca.certificate);
  const caCertificateFile = join(dir, 'gost-ca.pem');
  const caKeyFile = join(dir, 'gost-ca.key');
  writeFileSync(caCertificateFile, caCertificatePem);
  writeFileSync(caKeyFile, encodeGostPkcs8Pem(ca.key), { mode: 0o600 });
  const crlFolder = join(dir, 'crl');
  mkdirSync(crlFolder);
  writeFileSync(
    join(crlFolder, 'gost-ca.crl'),
    await signEmptyCrl(ca.name, new Date(now - day), new Date(now + 7 * day), gostCertificateSigner(ca.key)),
  );

  const issue: GostTestPki['issue'] = async (person, options = {}) => {
    const curve = gostCurve(options.curve ?? gostCurveOids.cryptoProA);
    if (!curve) throw new Error(`No GOST parameter set ${options.curve}`);
    const privateKey = generatePrivateKey(curve);
    const subject = 'orgInn' in person ? qualifiedSubject(person) : personalSubject(person);
    const certificate = await ca.issue({
      subject: Buffer.from(subject.toArrayBuffer()),
      notBefore: options.notBefore ?? new Date(Date.now() - 3600_000),
      notAfter: options.notAfter ?? new Date(Date.now() + 365 * day),
      spki: encodeGostSpki(publicKeyOf(privateKey)),
      extensions: [
        der(new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.nonRepudiation, true)),
        der(new x509.ExtendedKeyUsageExtension(['1.3.6.1.5.5.7.3.2', '1.3.6.1.5.5.7.3.4'])),
        subjectSignTool,
        issuerSignTool,
      ],
    });
    const base = join(dir, `${person.surname}-${curve.bits}-${randomBytes(4).toString('hex')}`);
    const certificatePem = derToPem(certificate);
    writeFileSync(`${base}.pem`, certificatePem);
    writeFileSync(`${base}.key`, encodeGostPkcs8Pem(privateKey), { mode: 0o600 });
    return {
      person,
      privateKey,
      certificate,
      certificatePem,
      certificateFile: `${base}.pem`,
      keyFile: `${base}.key`,
      signer: new KeySigner(privateKey, certificate),
    };
  };

  return {
    dir,
    caCertificate: ca.certificate,
    caCertificatePem,
    caCertificateFile,
    caKeyFile,
    crlFolder,
    issue,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
