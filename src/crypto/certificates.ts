// X.509 certificates as the clerk sees them (who signed, for which organization, INN) and
// chain building to the trusted roots of the profile.
import { X509Certificate, createHash } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import { Certificate, type Name, type AttributeValue } from '@peculiar/asn1-x509';
import { isGostKey, publicKeyFromSpki } from './algorithms';
import { readChildren, readElement, readObjectIdentifier } from './der';
import { gostOids, spkiOfCertificate } from './gost-keys';
import { gostVerify } from './gost3410';
import { streebog } from './streebog';

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
  /** ОГРН (1.2.643.100.1): in a certificate of a person acting for the organization without a power of attorney. */
  ogrn?: string;
  /** СНИЛС (1.2.643.100.3), 11 digits as the certificate carries it. */
  snils?: string;
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

function parseCertificate(der: Buffer): Certificate {
  try {
    return AsnConvert.parse(der, Certificate);
  } catch (e) {
    throw new CertificateError(`Not an X.509 certificate (DER): ${e instanceof Error ? e.message : String(e)}`);
  }
}

function identityOf(certificate: Certificate, der: Buffer): CertificateIdentity {
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
    ogrn: field('1.2.643.100.1'),
    snils: field('1.2.643.100.3'),
    subject: nameText(tbs.subject),
    issuer: nameText(tbs.issuer),
    serialNumber: Buffer.from(tbs.serialNumber)
      .toString('hex')
      .replace(/^(00)+(?=.)/, ''),
    notBefore: tbs.validity.notBefore.getTime(),
    notAfter: tbs.validity.notAfter.getTime(),
    certificate: der,
  };
}

export function describeCertificate(der: Buffer): CertificateIdentity {
  return knownCertificate(der).identity();
}

/** The exact DER of the issuer Name and serialNumber INTEGER inside a certificate's TBSCertificate. */
export function issuerAndSerial(certificate: Buffer): { issuer: Buffer; serial: Buffer } {
  const [tbs] = readChildren(readElement(certificate).contents);
  const fields = readChildren(tbs!.contents);
  const offset = fields[0]!.tag === 0xa0 ? 1 : 0; // [0] version is optional (v1)
  return { serial: fields[offset]!.encoded, issuer: fields[offset + 2]!.encoded };
}

/** Computes once; remembers the value or the error thrown, as the bytes behind it never change. */
function once<T>(compute: () => T): () => T {
  let outcome: { value: T } | { error: unknown } | undefined;
  return () => {
    if (!outcome) {
      try {
        outcome = { value: compute() };
      } catch (error) {
        outcome = { error };
      }
    }
    if ('error' in outcome) throw outcome.error;
    return outcome.value;
  };
}

let nextCertificateId = 0;

/**
 * One certificate's bytes and what is read from them, each read on first use. The same few
 * certificates (the signers', the trusted roots) arrive with every signature the hub or an
 * exchange session checks: parsing them once saves most of the cost of a verification.
 */
export class KnownCertificate {
  /** Distinct per cache entry: chain results are remembered under these. */
  readonly id = nextCertificateId++;
  /** A private copy: the caller may reuse its buffer. */
  readonly der: Buffer;

  constructor(der: Buffer) {
    this.der = Buffer.from(der);
  }

  /** @peculiar/asn1-x509's view; throws a CertificateError naming the problem. */
  readonly asn = once(() => parseCertificate(this.der));
  /** node:crypto's view (OpenSSL); throws what OpenSSL says. */
  readonly x509 = once(() => new X509Certificate(this.der));
  /** node:crypto's key for RSA and ECDSA, ours for GOST (which node:crypto cannot load). */
  readonly publicKey = once(() => publicKeyFromSpki(spkiOfCertificate(this.der)));
  readonly sha256 = once(() => createHash('sha256').update(this.der).digest());
  readonly issuerAndSerial = once(() => issuerAndSerial(this.der));
  /** The exact DER of the subject Name. */
  readonly subjectName = once(() => {
    const fields = readChildren(readChildren(readElement(this.der).contents)[0]!.contents);
    return fields[(fields[0]!.tag === 0xa0 ? 1 : 0) + 4]!.encoded;
  });
  /** The key identifier of the subjectKeyIdentifier extension, if there is one. */
  readonly subjectKeyIdentifier = once(() => {
    const extension = this.asn().tbsCertificate.extensions?.find((e) => e.extnID === '2.5.29.14');
    return extension ? readElement(Buffer.from(extension.extnValue.buffer)).contents : undefined;
  });
  private readonly identityValue = once(() => identityOf(this.asn(), this.der));

  /** A fresh copy each time: callers own what they get. */
  identity(): CertificateIdentity {
    const identity = this.identityValue();
    return {
      ...identity,
      notBefore: new Date(identity.notBefore),
      notAfter: new Date(identity.notAfter),
      certificate: Buffer.from(identity.certificate),
    };
  }
}

/**
 * Whether `parent` signed `child`. node:crypto checks RSA and ECDSA; a GOST issuer's
 * signature (s‖r over Streebog of the TBSCertificate, RFC 9215 §3) is checked here, with the
 * issuer name matched byte for byte and the issuer required to be a CA, as OpenSSL would.
 */
function issuedBy(child: KnownCertificate, parent: KnownCertificate): boolean {
  const parentKey = parent.publicKey();
  if (!isGostKey(parentKey)) return child.x509().checkIssued(parent.x509()) && child.x509().verify(parentKey);
  const [tbs, algorithm, signature] = readChildren(readElement(child.der).contents);
  const oid = readObjectIdentifier(readChildren(algorithm!.contents)[0]!);
  const bits = parentKey.curve.bits;
  if (oid !== (bits === 256 ? gostOids.signWithDigest256 : gostOids.signWithDigest512)) return false;
  if (!parent.x509().ca || !child.issuerAndSerial().issuer.equals(parent.subjectName())) return false;
  if (signature!.tag !== 0x03 || signature!.contents[0] !== 0) return false;
  return gostVerify(parentKey, streebog(bits, tbs!.encoded), signature!.contents.subarray(1));
}

/** A Map kept to its `limit` newest-used entries. */
class BoundedCache<V> {
  private readonly entries = new Map<string, V>();
  constructor(private readonly limit: number) {}

  get(key: string, create: () => V): V {
    let value = this.entries.get(key);
    if (value !== undefined) {
      this.entries.delete(key);
    } else {
      value = create();
      if (this.entries.size >= this.limit) this.entries.delete(this.entries.keys().next().value!);
    }
    this.entries.set(key, value);
    return value;
  }
}

// Keyed by the bytes themselves (not a hash of them): a lookup costs a copy, and no collision can mix certificates up.
const knownCertificates = new BoundedCache<KnownCertificate>(256);
/** Real certificates are a few KiB; bytes far larger are read each time rather than kept. */
const largestKept = 64 * 1024;

export function knownCertificate(der: Buffer): KnownCertificate {
  if (der.length > largestKept) return new KnownCertificate(der);
  return knownCertificates.get(der.toString('latin1'), () => new KnownCertificate(der));
}

export function pemToDer(pem: string): Buffer[] {
  const blocks = [...pem.matchAll(/-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g)];
  return blocks.map((m) => Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64'));
}

export function derToPem(der: Buffer): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`;
}

/**
 * Certificates from a file's bytes: PEM (one or many) or a single DER certificate. Bytes that are
 * neither throw a CertificateError here, where the file is named, not later as a failed chain.
 */
export function readCertificates(bytes: Buffer): Buffer[] {
  const text = bytes.toString('latin1');
  const certificates = text.includes('-----BEGIN CERTIFICATE-----') ? pemToDer(text) : [bytes];
  for (const der of certificates) knownCertificate(der).asn();
  return certificates;
}

export function certificateFingerprint(der: Buffer, hash: 'sha256' | 'sha1' = 'sha256'): string {
  return createHash(hash).update(der).digest('hex');
}

export type ChainResult = { ok: true; chain: X509Certificate[] } | { ok: false; message: string };

const maxChainLength = 8;

const chainResults = new BoundedCache<ChainResult>(512);

/**
 * The path from `leaf` to one of `trustedRoots` (leaf first, the trusted certificate last),
 * through `intermediates` (e.g. the CMS certificates set), each link checked by signature.
 * Validity periods are left to the caller: they are judged at the signing time, not now.
 * The answer depends only on the certificates' bytes, so it is remembered for them.
 */
export function buildChain(leaf: Buffer, intermediates: Buffer[], trustedRoots: Buffer[]): ChainResult {
  return chainOf(knownCertificate(leaf), intermediates.map(knownCertificate), trustedRoots.map(knownCertificate));
}

/** buildChain over certificates already looked up. */
export function chainOf(
  leaf: KnownCertificate,
  intermediates: KnownCertificate[],
  trustedRoots: KnownCertificate[],
): ChainResult {
  const key = `${leaf.id}/${intermediates.map((c) => c.id).join(',')}/${trustedRoots.map((c) => c.id).join(',')}`;
  const result = chainResults.get(key, () => findChain(leaf, intermediates, trustedRoots));
  return result.ok ? { ok: true, chain: [...result.chain] } : { ...result };
}

function findChain(
  leafCertificate: KnownCertificate,
  intermediates: KnownCertificate[],
  trustedRoots: KnownCertificate[],
): ChainResult {
  const parses = (certificate: KnownCertificate): boolean => {
    try {
      certificate.x509();
      return true;
    } catch {
      return false;
    }
  };
  if (!parses(leafCertificate)) return { ok: false, message: 'the signer certificate cannot be parsed' };
  const roots = trustedRoots.filter(parses);
  const isTrusted = (c: KnownCertificate) => roots.some((r) => r.der.equals(c.der));
  const others = intermediates.filter((c) => parses(c) && c.x509().ca && !isTrusted(c));
  if (roots.length === 0) return { ok: false, message: 'no trusted root certificates are configured' };

  const signed = (child: KnownCertificate, parent: KnownCertificate) => {
    try {
      return issuedBy(child, parent);
    } catch {
      return false; // an unreadable key or signature issues nothing
    }
  };
  const extend = (path: KnownCertificate[]): KnownCertificate[] | undefined => {
    const current = path[path.length - 1]!;
    if (isTrusted(current)) return path;
    if (path.length >= maxChainLength) return undefined;
    for (const root of roots) if (signed(current, root)) return [...path, root];
    for (const next of others) {
      if (path.some((c) => c.der.equals(next.der)) || !signed(current, next)) continue;
      const found = extend([...path, next]);
      if (found) return found;
    }
    return undefined;
  };
  const chain = extend([leafCertificate]);
  if (chain) return { ok: true, chain: chain.map((c) => c.x509()) };
  const leafIdentity = leafCertificate.identity();
  return {
    ok: false,
    message: `no chain from "${leafIdentity.subject}" (issuer "${leafIdentity.issuer}") to a trusted root`,
  };
}
