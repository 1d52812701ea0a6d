// The sandbox's demo PKI, GOST R 34.10-2012 (256 bits, CryptoPro A) as a Russian clerk's is: a
// throwaway root CA made once, and a certificate for each demo person with the subject of a
// qualified certificate issued to an organization's director (O, title, SN, G, CN, INNLE, INN,
// OGRN, SNILS), or an employee's personal one (SN, G, CN, INN, SNILS), and the subjectSignTool/issuerSignTool extensions, so the hub, the service
// documents and OpenSSL's GOST engine read it as they read a real one. Signed by our own GOST
// code (src/crypto/issue-certificate.ts): WebCrypto has no GOST. The CA's private key lives only
// in memory while the people are issued: no one can issue more demo certificates later, and the
// CA's one CRL (empty, for the certificates' whole life) is signed then too, so the clerk's
// certificate-status check has its answer offline (the profiles' CRL folder) instead of "could
// not be checked" for every demo signature.
import 'reflect-metadata'; // @peculiar/x509 resolves its services through tsyringe
import * as x509 from '@peculiar/x509';
import { derToPem } from '../crypto/certificates';
import { encodeGostPkcs8, encodeGostSpki } from '../crypto/gost-keys';
import { generatePrivateKey, gostCurve, publicKeyOf } from '../crypto/gost3410';
import { createGostAuthority, gostCertificateSigner, signEmptyCrl } from '../crypto/issue-certificate';
import { encryptPkcs8Pem } from '../crypto/private-keys';
import {
  personalSubject,
  qualifiedSubject,
  signToolExtensions,
  type CertificatePerson,
  type PersonalCertificatePerson,
} from '../crypto/qualified-subject';

export type DemoPerson = CertificatePerson & { city: string; ogrn: string; snils: string };
/** A demo employee: a personal certificate (no organization in it), who signs under the director's МЧД. */
export type DemoEmployee = PersonalCertificatePerson & { city: string };

export interface DemoKey {
  /** PKCS#8 PEM, encrypted with `password` (PBES2, AES-256-CBC). */
  keyPem: string;
  certificatePem: string;
}

const day = 24 * 3600_000;
const validYears = 10;
/** CryptoPro A: the 256-bit set most Russian CAs and tools use. */
const curve = gostCurve('1.2.643.2.2.35.1')!;
const der = (e: x509.Extension) => Buffer.from(e.rawData);
const notCertified = 'Не сертифицировано: только для песочницы';
const [subjectSignTool, issuerSignTool] = signToolExtensions(
  '"EDO Clerk" (демонстрационное средство электронной подписи, не сертифицировано)',
  {
    signTool: '"EDO Clerk" (демонстрационное СКЗИ)',
    caTool: 'Демонстрационный УЦ EDO Clerk',
    signToolCertificate: notCertified,
    caToolCertificate: notCertified,
  },
).map(der) as [Buffer, Buffer];

/** A demo root CA and one GOST R 34.10-2012 256-bit key with its certificate per person. */
export async function createDemoPki(
  people: { person: DemoPerson | DemoEmployee; password: string }[],
): Promise<{ caCertificatePem: string; crl: Buffer; keys: DemoKey[] }> {
  const now = Date.now();
  const ca = await createGostAuthority(curve, {
    subject: Buffer.from(
      new x509.Name([
        { '2.5.4.6': [{ printableString: 'RU' }] },
        { '2.5.4.10': [{ utf8String: 'Демонстрационный УЦ EDO Clerk (песочница)' }] },
        { '2.5.4.3': [{ utf8String: 'EDO Clerk Sandbox Root CA' }] },
      ]).toArrayBuffer(),
    ),
    notBefore: new Date(now - day),
    notAfter: new Date(now + validYears * 365 * day),
    extensions: [
      der(new x509.BasicConstraintsExtension(true, undefined, true)),
      der(new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true)),
      subjectSignTool,
    ],
  });
  const keys: DemoKey[] = [];
  for (const { person, password } of people) {
    const privateKey = generatePrivateKey(curve);
    const certificate = await ca.issue({
      subject: Buffer.from(('orgInn' in person ? qualifiedSubject(person) : personalSubject(person)).toArrayBuffer()),
      notBefore: new Date(now - day),
      notAfter: new Date(now + (validYears * 365 - 1) * day),
      spki: encodeGostSpki(publicKeyOf(privateKey)),
      extensions: [
        der(new x509.BasicConstraintsExtension(false, undefined, true)),
        der(new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.nonRepudiation, true)),
        der(new x509.ExtendedKeyUsageExtension(['1.3.6.1.5.5.7.3.2', '1.3.6.1.5.5.7.3.4'])),
        subjectSignTool,
        issuerSignTool,
      ],
    });
    keys.push({
      keyPem: encryptPkcs8Pem(encodeGostPkcs8(privateKey), password),
      certificatePem: derToPem(certificate),
    });
  }
  const crl = await signEmptyCrl(
    ca.name,
    new Date(now - day),
    new Date(now + validYears * 365 * day),
    gostCertificateSigner(ca.key),
  );
  return { caCertificatePem: derToPem(ca.certificate), crl, keys };
}
