// The sandbox's demo PKI: a throwaway root CA made once, and a certificate for each demo
// person with the subject a Russian qualified certificate carries (O, title, SN, G, CN, INN of
// the organization and of the person), so the hub and the service documents read it as they
// read a real one. The CA's private key lives only in memory while the people are issued: no
// one can issue more demo certificates later.
import 'reflect-metadata'; // @peculiar/x509 resolves its services through tsyringe
import { generateKeyPairSync, randomBytes, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { qualifiedSubject, spkiOf, type CertificatePerson } from '../crypto/qualified-subject';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

export type DemoPerson = CertificatePerson & { city: string };

export interface DemoKey {
  /** PKCS#8 PEM, encrypted with `password` (AES-256-CBC). */
  keyPem: string;
  certificatePem: string;
}

const day = 24 * 3600_000;
const validYears = 10;

const serial = () => `01${randomBytes(8).toString('hex')}`;

/** A demo root CA and one ECDSA P-256 key with its certificate per person. */
export async function createDemoPki(people: { person: DemoPerson; password: string }[]): Promise<{ caCertificatePem: string; keys: DemoKey[] }> {
  const caKeys = (await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const now = Date.now();
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: 'C=RU, O=Демонстрационный УЦ EDO Clerk (песочница), CN=EDO Clerk Sandbox Root CA',
    notBefore: new Date(now - day),
    notAfter: new Date(now + validYears * 365 * day),
    keys: caKeys,
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });
  const keys: DemoKey[] = [];
  for (const { person, password } of people) {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const certificate = await x509.X509CertificateGenerator.create({
      serialNumber: serial(),
      subject: qualifiedSubject(person),
      issuer: ca.subjectName,
      notBefore: new Date(now - day),
      notAfter: new Date(now + (validYears * 365 - 1) * day),
      publicKey: spkiOf(publicKey),
      signingKey: caKeys.privateKey,
      signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.nonRepudiation, true),
        new x509.ExtendedKeyUsageExtension(['1.3.6.1.5.5.7.3.2', '1.3.6.1.5.5.7.3.4']),
        await x509.AuthorityKeyIdentifierExtension.create(ca, false),
      ],
    });
    const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: password }) as string;
    keys.push({ keyPem, certificatePem: `${certificate.toString('pem')}\n` });
  }
  return { caCertificatePem: `${ca.toString('pem')}\n`, keys };
}
