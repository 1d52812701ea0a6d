// A test PKI on real SoftHSM2 tokens. In a temporary folder with its own SOFTHSM2_CONF (so a
// test never touches the user's tokens) it initialises tokens, creates a test root CA,
// generates key pairs ON the tokens, issues certificates with realistic subjects for them and
// imports each certificate onto its token under the key's CKA_ID.
import { execFileSync } from 'node:child_process';
import { KeyObject, createPublicKey, generateKeyPairSync, randomBytes, webcrypto } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import 'reflect-metadata'; // @peculiar/x509 resolves its services through tsyringe
import * as x509 from '@peculiar/x509';
import pkcs11js from 'pkcs11js';
import {
  personalSubject,
  qualifiedSubject,
  spkiOf,
  type CertificatePerson,
  type PersonalCertificatePerson,
} from '../../src/crypto/qualified-subject';
import { findTokenSlot, loadPkcs11Module } from '../../src/token/pkcs11-module';
import { startRevocationServices, type RevocationServices } from './revocation-services';
import { softhsmModulePath } from './system';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

export type KeyAlgorithm = 'RSA-2048' | 'ECDSA-P256' | 'ECDSA-P384';

/** Who a certificate is issued to: a person acting for an organization, as in a qualified certificate. */
export type TestPerson = CertificatePerson;

export interface TestKeySpec {
  algorithm: KeyAlgorithm;
  /** An organization's person, or a private person (an employee signing under an МЧД). */
  person: TestPerson | PersonalCertificatePerson;
  /** Certificate validity; default: from an hour ago for a year. */
  notBefore?: Date;
  notAfter?: Date;
}

export interface TestKey {
  algorithm: KeyAlgorithm;
  person: TestPerson | PersonalCertificatePerson;
  /** CKA_ID shared by the private key, the public key and the certificate. */
  id: Buffer;
  label: string;
  certificate: x509.X509Certificate;
  certificatePem: string;
  publicKey: KeyObject;
}

export interface TestToken {
  modulePath: string;
  label: string;
  serial: string;
  pin: string;
  soPin: string;
  slot: pkcs11js.Handle;
  keys: TestKey[];
}

export interface TestPki {
  dir: string;
  /** The SOFTHSM2_CONF of this PKI; set in process.env while it lives. */
  confPath: string;
  modulePath: string;
  caCertificate: x509.X509Certificate;
  caCertificatePem: string;
  /** Path of the CA certificate as a PEM file (for `--trust`, `openssl -CAfile`). */
  caCertificateFile: string;
  tokens: TestToken[];
  /** Issues another certificate from the test CA (an expired one, a stranger's one, ...). */
  /** An organization's person (with its INN, INNLE) or a private person's certificate (INN and SNILS only). */
  issue(
    publicKey: KeyObject | ArrayBuffer,
    person: TestPerson | PersonalCertificatePerson,
    validity?: { notBefore?: Date; notAfter?: Date },
  ): Promise<x509.X509Certificate>;
  /** A PKCS#11 module handle initialised for this PKI's tokens (shared, do not finalise). */
  module: pkcs11js.PKCS11;
  /** With `revocation: true`: the OCSP responder and CRL server named in every certificate issued. */
  revocation?: RevocationServices;
  /** The CA's private key as a PKCS#8 PEM file (for `openssl ca`, `openssl ocsp`). */
  caKeyFile: string;
  /** Issues a certificate with extra extensions under any subject (responders, TSAs), with the software key it returns. */
  issueService(
    subject: string,
    extensions: x509.Extension[],
  ): Promise<{ certificate: x509.X509Certificate; certificateFile: string; keyFile: string; privateKey: KeyObject }>;
  cleanup(): Promise<void>;
}

export interface TestPkiOptions {
  /** Start OCSP and CRL services (OpenSSL on loopback) and name them in the AIA and CDP of every certificate. */
  revocation?: boolean;
}

export interface TestTokenSpec {
  label: string;
  pin?: string;
  soPin?: string;
  keys: TestKeySpec[];
}

const EC_PARAMS: Record<string, Buffer> = {
  // DER of the named-curve OIDs prime256v1 and secp384r1
  'ECDSA-P256': Buffer.from('06082a8648ce3d030107', 'hex'),
  'ECDSA-P384': Buffer.from('06052b81040022', 'hex'),
};

export const samplePeople = {
  ivanova: {
    surname: 'Иванова',
    givenNames: 'Мария Петровна',
    position: 'Делопроизводитель',
    organization: 'ООО "Ромашка"',
    orgInn: '7701234560',
    personInn: '770112345695',
    city: 'Москва',
  },
  petrov: {
    surname: 'Петров',
    givenNames: 'Сергей Иванович',
    position: 'Генеральный директор',
    organization: 'АО "Василёк"',
    orgInn: '7809876549',
    personInn: '780198765455',
    city: 'Санкт-Петербург',
  },
} satisfies Record<string, TestPerson>;

function b64url(b: Buffer): string {
  return b.toString('base64url');
}

/** Reads a token-resident public key as a node KeyObject (RSA modulus/exponent, or the EC point). */
function readPublicKey(
  module: pkcs11js.PKCS11,
  session: pkcs11js.Handle,
  handle: pkcs11js.Handle,
  algorithm: KeyAlgorithm,
): KeyObject {
  if (algorithm === 'RSA-2048') {
    const [n, e] = module.C_GetAttributeValue(session, handle, [
      { type: pkcs11js.CKA_MODULUS },
      { type: pkcs11js.CKA_PUBLIC_EXPONENT },
    ]);
    return createPublicKey({
      key: { kty: 'RSA', n: b64url(n!.value as Buffer), e: b64url(e!.value as Buffer) },
      format: 'jwk',
    });
  }
  const [point] = module.C_GetAttributeValue(session, handle, [{ type: pkcs11js.CKA_EC_POINT }]);
  let raw = point!.value as Buffer;
  // CKA_EC_POINT is the uncompressed point wrapped in a DER OCTET STRING.
  if (raw[0] === 0x04 && raw[1] === raw.length - 2) raw = raw.subarray(2);
  else if (raw[0] === 0x04 && raw[1] === 0x81) raw = raw.subarray(3);
  const size = (raw.length - 1) / 2;
  return createPublicKey({
    key: {
      kty: 'EC',
      crv: algorithm === 'ECDSA-P256' ? 'P-256' : 'P-384',
      x: b64url(raw.subarray(1, 1 + size)),
      y: b64url(raw.subarray(1 + size)),
    },
    format: 'jwk',
  });
}

function generateKeyPair(
  module: pkcs11js.PKCS11,
  session: pkcs11js.Handle,
  algorithm: KeyAlgorithm,
  id: Buffer,
  label: string,
) {
  const common = [
    { type: pkcs11js.CKA_TOKEN, value: true },
    { type: pkcs11js.CKA_ID, value: id },
    { type: pkcs11js.CKA_LABEL, value: label },
  ];
  const privateTemplate = [
    ...common,
    { type: pkcs11js.CKA_PRIVATE, value: true },
    { type: pkcs11js.CKA_SIGN, value: true },
    { type: pkcs11js.CKA_SENSITIVE, value: true },
    { type: pkcs11js.CKA_EXTRACTABLE, value: false },
  ];
  if (algorithm === 'RSA-2048') {
    return module.C_GenerateKeyPair(
      session,
      { mechanism: pkcs11js.CKM_RSA_PKCS_KEY_PAIR_GEN },
      [
        ...common,
        { type: pkcs11js.CKA_VERIFY, value: true },
        { type: pkcs11js.CKA_MODULUS_BITS, value: 2048 },
        { type: pkcs11js.CKA_PUBLIC_EXPONENT, value: Buffer.from([1, 0, 1]) },
      ],
      privateTemplate,
    );
  }
  return module.C_GenerateKeyPair(
    session,
    { mechanism: pkcs11js.CKM_EC_KEY_PAIR_GEN },
    [
      ...common,
      { type: pkcs11js.CKA_VERIFY, value: true },
      { type: pkcs11js.CKA_EC_PARAMS, value: EC_PARAMS[algorithm]! },
    ],
    privateTemplate,
  );
}

function importCertificate(
  module: pkcs11js.PKCS11,
  session: pkcs11js.Handle,
  cert: x509.X509Certificate,
  id: Buffer,
  label: string,
): void {
  module.C_CreateObject(session, [
    { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_CERTIFICATE },
    { type: pkcs11js.CKA_CERTIFICATE_TYPE, value: pkcs11js.CKC_X_509 },
    { type: pkcs11js.CKA_TOKEN, value: true },
    { type: pkcs11js.CKA_PRIVATE, value: false },
    { type: pkcs11js.CKA_ID, value: id },
    { type: pkcs11js.CKA_LABEL, value: label },
    { type: pkcs11js.CKA_SUBJECT, value: Buffer.from(cert.subjectName.toArrayBuffer()) },
    { type: pkcs11js.CKA_ISSUER, value: Buffer.from(cert.issuerName.toArrayBuffer()) },
    { type: pkcs11js.CKA_SERIAL_NUMBER, value: Buffer.from(cert.serialNumber, 'hex') },
    { type: pkcs11js.CKA_VALUE, value: Buffer.from(cert.rawData) },
  ]);
}

const pad = (n: number) => String(n).padStart(2, '0');

/**
 * Creates the PKI. Default: one token "clerk-a" with an RSA-2048 and an ECDSA P-256 key, both
 * issued to Иванова М. П. of ООО "Ромашка".
 */
export async function createTestPki(
  tokens: TestTokenSpec[] = [
    {
      label: 'clerk-a',
      keys: [
        { algorithm: 'RSA-2048', person: samplePeople.ivanova },
        { algorithm: 'ECDSA-P256', person: samplePeople.ivanova },
      ],
    },
  ],
  options: TestPkiOptions = {},
): Promise<TestPki> {
  const modulePath = softhsmModulePath;
  if (!modulePath) throw new Error('SoftHSM2 is not installed (libsofthsm2.so not found)');
  const dir = mkdtempSync(join(tmpdir(), 'edo-test-pki-'));
  const tokenDir = join(dir, 'tokens');
  execFileSync('mkdir', ['-p', tokenDir]);
  const confPath = join(dir, 'softhsm2.conf');
  writeFileSync(
    confPath,
    `directories.tokendir = ${tokenDir}\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n`,
  );
  const previousConf = process.env.SOFTHSM2_CONF;
  process.env.SOFTHSM2_CONF = confPath;

  const caKeys = (await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
    'sign',
    'verify',
  ])) as webcrypto.CryptoKeyPair;
  const caName = 'C=RU, O=Тестовый удостоверяющий центр EDO Clerk, CN=EDO Clerk Test Root CA';
  const now = Date.now();
  const caCertificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomBytes(8)
      .toString('hex')
      .replace(/^[89a-f]/, '1'),
    name: caName,
    notBefore: new Date(now - 24 * 3600_000),
    notAfter: new Date(now + 10 * 365 * 24 * 3600_000),
    keys: caKeys,
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });
  const caCertificatePem = caCertificate.toString('pem');
  const caCertificateFile = join(dir, 'test-root-ca.pem');
  writeFileSync(caCertificateFile, caCertificatePem + '\n');

  const caKeyFile = join(dir, 'test-root-ca.key');
  writeFileSync(caKeyFile, KeyObject.from(caKeys.privateKey).export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  let revocation: RevocationServices | undefined;
  const create = async (
    subject: string | x509.Name,
    publicKey: KeyObject | ArrayBuffer,
    extensions: x509.Extension[],
    validity: { notBefore?: Date; notAfter?: Date } = {},
  ) => {
    const certificate = await x509.X509CertificateGenerator.create({
      serialNumber: '01' + randomBytes(8).toString('hex'),
      subject,
      issuer: caCertificate.subjectName,
      notBefore: validity.notBefore ?? new Date(Date.now() - 3600_000),
      notAfter: validity.notAfter ?? new Date(Date.now() + 365 * 24 * 3600_000),
      publicKey: publicKey instanceof ArrayBuffer ? publicKey : spkiOf(publicKey),
      signingKey: caKeys.privateKey,
      signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        await x509.AuthorityKeyIdentifierExtension.create(caCertificate, false),
        ...(revocation
          ? [
              new x509.AuthorityInfoAccessExtension({ ocsp: [revocation.ocspUrl] }),
              new x509.CRLDistributionPointsExtension([revocation.crlUrl]),
            ]
          : []),
        ...extensions,
      ],
    });
    revocation?.register({ serialNumber: certificate.serialNumber, notAfter: certificate.notAfter });
    return certificate;
  };
  const issueService: TestPki['issueService'] = async (subject, extensions) => {
    const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const certificate = await create(subject, publicKey, extensions);
    const base = join(dir, `service-${certificate.serialNumber}`);
    writeFileSync(`${base}.pem`, certificate.toString('pem') + '\n');
    writeFileSync(`${base}.key`, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    return { certificate, certificateFile: `${base}.pem`, keyFile: `${base}.key`, privateKey };
  };
  if (options.revocation) {
    const responder = await issueService('CN=EDO Clerk Test OCSP Responder', [
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension(['1.3.6.1.5.5.7.3.9'], true),
    ]);
    revocation = await startRevocationServices(dir, {
      caCertificateFile,
      caKeyFile,
      responderCertificateFile: responder.certificateFile,
      responderKeyFile: responder.keyFile,
    });
  }
  const issue: TestPki['issue'] = async (publicKey, person, validity = {}) =>
    create(
      'orgInn' in person ? qualifiedSubject(person) : personalSubject(person),
      publicKey,
      [
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.nonRepudiation, true),
        new x509.ExtendedKeyUsageExtension(['1.3.6.1.5.5.7.3.2', '1.3.6.1.5.5.7.3.4']),
      ],
      validity,
    );

  const module = loadPkcs11Module(modulePath);
  const made: TestToken[] = [];
  try {
    for (const spec of tokens) {
      const pin = spec.pin ?? '123456';
      const soPin = spec.soPin ?? '12345678';
      execFileSync(
        'softhsm2-util',
        ['--init-token', '--free', '--label', spec.label, '--so-pin', soPin, '--pin', pin],
        {
          env: { ...process.env, SOFTHSM2_CONF: confPath },
          stdio: 'pipe',
        },
      );
      // SoftHSM only sees tokens initialised after its C_Initialize once it is re-initialised.
      module.C_Finalize();
      module.C_Initialize();
      const slot = findTokenSlot(module, spec.label);
      if (slot === undefined) throw new Error(`SoftHSM token ${spec.label} did not appear after initialisation`);
      const session = module.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION | pkcs11js.CKF_RW_SESSION);
      module.C_Login(session, pkcs11js.CKU_USER, pin);
      const keys: TestKey[] = [];
      try {
        for (const [i, keySpec] of spec.keys.entries()) {
          const id = Buffer.from(randomBytes(8));
          const d = new Date();
          const label = `${keySpec.person.surname} ${keySpec.algorithm} ${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} #${i + 1}`;
          const pair = generateKeyPair(module, session, keySpec.algorithm, id, label);
          const publicKey = readPublicKey(module, session, pair.publicKey, keySpec.algorithm);
          const certificate = await issue(publicKey, keySpec.person, keySpec);
          importCertificate(module, session, certificate, id, label);
          keys.push({
            algorithm: keySpec.algorithm,
            person: keySpec.person,
            id,
            label,
            certificate,
            certificatePem: certificate.toString('pem'),
            publicKey,
          });
        }
      } finally {
        module.C_Logout(session);
        module.C_CloseSession(session);
      }
      const info = module.C_GetTokenInfo(slot);
      made.push({ modulePath, label: spec.label, serial: info.serialNumber.trim(), pin, soPin, slot, keys });
    }
  } catch (e) {
    module.C_Finalize();
    await revocation?.close();
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }

  return {
    dir,
    confPath,
    modulePath,
    caCertificate,
    caCertificatePem,
    caCertificateFile,
    tokens: made,
    issue,
    module,
    revocation,
    caKeyFile,
    issueService,
    cleanup() {
      // Synchronous up to the servers' close, for callers that do not await it.
      const closed = revocation?.close() ?? Promise.resolve();
      try {
        module.C_Finalize();
      } catch {
        // already finalised by the code under test
      }
      if (previousConf === undefined) delete process.env.SOFTHSM2_CONF;
      else process.env.SOFTHSM2_CONF = previousConf;
      rmSync(dir, { recursive: true, force: true });
      return closed;
    },
  };
}
