// Certificates of information systems (machine clients that log in as their organization):
// the hub generates the key pair and issues the certificate with the operator key. The TBS is
// signed through the operator's Signer, so the operator key may just as well sit on a token.
import { generateKeyPairSync, randomBytes, webcrypto, X509Certificate } from 'node:crypto';
import 'reflect-metadata'; // @peculiar/x509 resolves its services through tsyringe
import * as x509 from '@peculiar/x509';
import { AsnConvert } from '@peculiar/asn1-schema';
import {
  AlgorithmIdentifier,
  Certificate,
  Extension,
  Extensions,
  Name,
  SubjectPublicKeyInfo,
  TBSCertificate,
  Validity,
  Version,
} from '@peculiar/asn1-x509';
import { algorithmSpec } from '../../src/crypto/algorithms';
import type { Signer } from '../../src/crypto/signer';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

/** The operator's key and certificate as far as issuing needs them (the hub's operator.signer fits). */
export type CertificateIssuer = Pick<Signer, 'certificate' | 'algorithm' | 'sign'>;

export interface InformationSystemSubject {
  /** The system's name: the certificate's CN. */
  name: string;
  /** The organization it acts for: O and INNLE (1.2.643.100.4), which the settings check on every system's certificate. */
  organization: { name: string; inn: string };
}

export interface IssuedKeyPair {
  /** PKCS#8, PEM: handed to the organization once, never stored by the hub. */
  privateKeyPem: string;
  certificate: Buffer;
}

const DAY_MS = 24 * 3600_000;
const DER_NULL = new Uint8Array([0x05, 0x00]).buffer;

function subjectName(subject: InformationSystemSubject): x509.Name {
  return new x509.Name([
    { '2.5.4.6': [{ printableString: 'RU' }] },
    { '2.5.4.10': [{ utf8String: subject.organization.name }] },
    { '1.2.643.100.4': [{ printableString: subject.organization.inn }] },
    { '2.5.4.3': [{ utf8String: subject.name }] },
  ]);
}

/**
 * Generates an ECDSA P-256 key pair and a client certificate for it issued by `issuer`, valid
 * from a few minutes ago (clock skew) for `validityDays`, but never beyond the issuer's own end.
 */
export async function issueInformationSystemCertificate(
  subject: InformationSystemSubject,
  issuer: CertificateIssuer,
  options: { now?: Date; validityDays?: number } = {},
): Promise<IssuedKeyPair> {
  return issueOperatorCertificate(
    subjectName(subject),
    [
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.nonRepudiation, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth]),
    ],
    issuer,
    options,
  );
}

/** issueInformationSystemCertificate for any subject and purpose (`extensions`: key usages): the hub's TSA certificate too. */
export async function issueOperatorCertificate(
  name: x509.Name,
  purpose: x509.Extension[],
  issuer: CertificateIssuer,
  options: { now?: Date; validityDays?: number } = {},
): Promise<IssuedKeyPair> {
  const now = options.now ?? new Date();
  const issuerCertificate = AsnConvert.parse(issuer.certificate, Certificate);
  const issuerEnd = new X509Certificate(issuer.certificate).validToDate;
  const notAfter = new Date(Math.min(now.getTime() + (options.validityDays ?? 730) * DAY_MS, issuerEnd.getTime()));
  if (notAfter <= now)
    throw new Error(`the operator certificate expired on ${issuerEnd.toISOString()}: it cannot issue certificates`);

  const keys = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const spki = keys.publicKey.export({ type: 'spki', format: 'der' });
  const extensions = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    ...purpose,
    await x509.SubjectKeyIdentifierExtension.create(spki),
    await x509.AuthorityKeyIdentifierExtension.create(new x509.X509Certificate(issuer.certificate).publicKey),
  ];
  const spec = algorithmSpec(issuer.algorithm);
  // A certificate's OID (sign-with-digest for GOST, RFC 9215), NULL parameters for RSA only.
  const signatureAlgorithm = new AlgorithmIdentifier({
    algorithm: spec.certificateSignatureOid,
    ...(spec.keyType === 'rsa' ? { parameters: DER_NULL } : {}),
  });
  const serial = randomBytes(16);
  serial[0] = (serial[0]! & 0x7f) | 0x01; // positive and without a leading zero byte
  const tbs = new TBSCertificate({
    version: Version.v3,
    serialNumber: new Uint8Array(serial).buffer,
    signature: signatureAlgorithm,
    issuer: issuerCertificate.tbsCertificate.subject,
    validity: new Validity({ notBefore: new Date(now.getTime() - 5 * 60_000), notAfter }),
    subject: AsnConvert.parse(name.toArrayBuffer(), Name),
    subjectPublicKeyInfo: AsnConvert.parse(spki, SubjectPublicKeyInfo),
    extensions: new Extensions(extensions.map((e) => AsnConvert.parse(e.rawData, Extension))),
  });
  const tbsDer = Buffer.from(AsnConvert.serialize(tbs));
  // For RSA the Signer returns PKCS#1 bytes, for ECDSA a DER SEQUENCE {r, s}: what X.509 carries.
  const signature = await issuer.sign(tbsDer);
  const certificate = new Certificate({
    tbsCertificate: tbs,
    signatureAlgorithm,
    signatureValue: new Uint8Array(signature).buffer,
  });
  return {
    privateKeyPem: keys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    certificate: Buffer.from(AsnConvert.serialize(certificate)),
  };
}
