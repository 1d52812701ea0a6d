// X.509 certificates as the clerk sees them (who signed, for which organization, INN) and
// chain building to the trusted roots of the profile.
import { X509Certificate, createHash } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import { Certificate, type Name, type AttributeValue } from '@peculiar/asn1-x509';
import { readElement } from './der';

export interface CertificateIdentity {
  commonName: string;
  surname?: string;
  givenNames?: string;
  position?: string;
  organization?: string;
  /** ИНН ЮЛ (1.2.643.100.4), or a BIN where the CA puts it there. */
  orgInn?: string;
  /** ИНН ФЛ (1.2.643.3.131.1.1). */
  personInn?: string;
  /** "CN=..., O=..., ..." in the certificate's order. */
  subject: string;
  issuer: string;
  /** Lower-case hex. */
  serialNumber: string;
  notBefore: Date;
  notAfter: Date;
  /** DER. */
  certificate: Buffer;
}

export class CertificateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CertificateError';
  }
}

const attributeNames: Record<string, string> = {
  '2.5.4.3': 'CN',
  '2.5.4.4': 'SN',
  '2.5.4.42': 'G',
  '2.5.4.12': 'T',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.9': 'STREET',
  '2.5.4.5': 'SERIALNUMBER',
  '1.2.840.113549.1.9.1': 'E',
  '1.2.643.3.131.1.1': 'INN',
  '1.2.643.100.4': 'INNLE',
  '1.2.643.100.1': 'OGRN',
  '1.2.643.100.5': 'OGRNIP',
  '1.2.643.100.3': 'SNILS',
};

function attributeText(value: AttributeValue): string {
  if (value.anyValue) {
    // NumericString, IA5String and the like: Russian CAs encode INN and OGRN as NumericString.
    const element = readElement(Buffer.from(value.anyValue));
    return element.contents.toString(element.tag === 0x1e ? 'utf16le' : 'utf8');
  }
  return value.toString();
}

function nameAttributes(name: Name): { type: string; value: string }[] {
  return name.flatMap((rdn) => rdn.map((atv) => ({ type: atv.type, value: attributeText(atv.value) })));
}

function nameText(name: Name): string {
  return nameAttributes(name)
    .map((a) => `${attributeNames[a.type] ?? a.type}=${a.value}`)
    .join(', ');
}

export function describeCertificate(der: Buffer): CertificateIdentity {
  let certificate: Certificate;
  try {
    certificate = AsnConvert.parse(der, Certificate);
  } catch (e) {
    throw new CertificateError(`Not an X.509 certificate (DER): ${e instanceof Error ? e.message : String(e)}`);
  }
  const tbs = certificate.tbsCertificate;
  const subject = nameAttributes(tbs.subject);
  const field = (oid: string) => subject.find((a) => a.type === oid)?.value;
  return {
    commonName: field('2.5.4.3') ?? nameText(tbs.subject),
    surname: field('2.5.4.4'),
    givenNames: field('2.5.4.42'),
    position: field('2.5.4.12'),
    organization: field('2.5.4.10'),
    orgInn: field('1.2.643.100.4'),
    personInn: field('1.2.643.3.131.1.1'),
    subject: nameText(tbs.subject),
    issuer: nameText(tbs.issuer),
    serialNumber: Buffer.from(tbs.serialNumber).toString('hex').replace(/^(00)+(?=.)/, ''),
    notBefore: tbs.validity.notBefore.getTime(),
    notAfter: tbs.validity.notAfter.getTime(),
    certificate: Buffer.from(der),
  };
}

export function pemToDer(pem: string): Buffer[] {
  const blocks = [...pem.matchAll(/-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g)];
  return blocks.map((m) => Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64'));
}

export function derToPem(der: Buffer): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`;
}

/** Certificates from a file's bytes: PEM (one or many) or a single DER certificate. */
export function readCertificates(bytes: Buffer): Buffer[] {
  const text = bytes.toString('latin1');
  return text.includes('-----BEGIN CERTIFICATE-----') ? pemToDer(text) : [bytes];
}

export function certificateFingerprint(der: Buffer, hash: 'sha256' | 'sha1' = 'sha256'): string {
  return createHash(hash).update(der).digest('hex');
}

export type ChainResult = { ok: true; chain: X509Certificate[] } | { ok: false; message: string };

const maxChainLength = 8;

/**
 * The path from `leaf` to one of `trustedRoots` (leaf first, the trusted certificate last),
 * through `intermediates` (e.g. the CMS certificates set), each link checked by signature.
 * Validity periods are left to the caller: they are judged at the signing time, not now.
 */
export function buildChain(leaf: Buffer, intermediates: Buffer[], trustedRoots: Buffer[]): ChainResult {
  const parse = (der: Buffer): X509Certificate | undefined => {
    try {
      return new X509Certificate(der);
    } catch {
      return undefined;
    }
  };
  const leafCert = parse(leaf);
  if (!leafCert) return { ok: false, message: 'the signer certificate cannot be parsed' };
  const roots = trustedRoots.map(parse).filter((c): c is X509Certificate => c !== undefined);
  const isTrusted = (c: X509Certificate) => roots.some((r) => r.raw.equals(c.raw));
  const others = intermediates.map(parse).filter((c): c is X509Certificate => c !== undefined && c.ca && !isTrusted(c));
  if (roots.length === 0) return { ok: false, message: 'no trusted root certificates are configured' };

  const issuedBy = (child: X509Certificate, parent: X509Certificate) => child.checkIssued(parent) && child.verify(parent.publicKey);
  const extend = (path: X509Certificate[]): X509Certificate[] | undefined => {
    const current = path[path.length - 1]!;
    if (isTrusted(current)) return path;
    if (path.length >= maxChainLength) return undefined;
    for (const root of roots) if (issuedBy(current, root)) return [...path, root];
    for (const next of others) {
      if (path.some((c) => c.raw.equals(next.raw)) || !issuedBy(current, next)) continue;
      const found = extend([...path, next]);
      if (found) return found;
    }
    return undefined;
  };
  const chain = extend([leafCert]);
  if (chain) return { ok: true, chain };
  const leafIdentity = describeCertificate(leaf);
  return { ok: false, message: `no chain from "${leafIdentity.subject}" (issuer "${leafIdentity.issuer}") to a trusted root` };
}
