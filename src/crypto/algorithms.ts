// The signature algorithm table: which key, hash and OIDs make each algorithm, for signing,
// verifying and naming. RSA and ECDSA are node:crypto's; GOST R 34.10-2012 is ours (gost3410.ts).
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { createDigest, type DigestAlgorithm } from './digest';
import { gostOids, gostPublicKeyFromSpki, kazakhGostArc, spkiOfCertificate } from './gost-keys';
import { gostVerify, type GostPublicKey } from './gost3410';
import type { SignatureAlgorithm } from './signer';

/** A signer's public key: node:crypto's for RSA and ECDSA, ours for GOST. */
export type PublicKey = KeyObject | GostPublicKey;

export const isGostKey = (key: PublicKey): key is GostPublicKey => 'curve' in key && 'x' in key;

export interface AlgorithmSpec {
  name: SignatureAlgorithm;
  /** As a clerk reads it, per interface language (kk falls back to ru). */
  title: { ru: string; en: string };
  hash: DigestAlgorithm;
  digestOid: string;
  /** GOST digestAlgorithm identifiers carry NULL parameters (as OpenSSL and Bouncy Castle write them); SHA-2 ones none. */
  digestNullParameters: boolean;
  /** The signatureAlgorithm we write into a SignerInfo. */
  signatureOid: string;
  /** RFC 4055: RSA signature algorithm identifiers carry NULL parameters; ECDSA ones carry none; GOST ones NULL. */
  nullParameters: boolean;
  /** Other signatureAlgorithm OIDs that mean the same when verifying (e.g. rsaEncryption from OpenSSL). */
  acceptedSignatureOids: string[];
  /** The signature OID of a certificate or CRL signed with this algorithm. */
  certificateSignatureOid: string;
  keyType: 'rsa' | 'ec' | 'gost';
  /** node:crypto's curve name for EC keys; the key size for GOST keys. */
  curve?: string;
  gostBits?: 256 | 512;
}

export const oids = {
  sha256: '2.16.840.1.101.3.4.2.1',
  sha384: '2.16.840.1.101.3.4.2.2',
  rsaEncryption: '1.2.840.113549.1.1.1',
  sha256WithRSA: '1.2.840.113549.1.1.11',
  ecPublicKey: '1.2.840.10045.2.1',
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  ecdsaWithSha384: '1.2.840.10045.4.3.3',
  data: '1.2.840.113549.1.7.1',
  signedData: '1.2.840.113549.1.7.2',
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  signingTime: '1.2.840.113549.1.9.5',
  signingCertificateV2: '1.2.840.113549.1.9.16.2.47',
  ...gostOids,
} as const;

export const algorithms: readonly AlgorithmSpec[] = [
  {
    name: 'RSA-PKCS1-SHA256',
    title: { ru: 'RSA, SHA-256', en: 'RSA, SHA-256' },
    hash: 'sha256',
    digestOid: oids.sha256,
    digestNullParameters: false,
    signatureOid: oids.sha256WithRSA,
    nullParameters: true,
    acceptedSignatureOids: [oids.sha256WithRSA, oids.rsaEncryption],
    certificateSignatureOid: oids.sha256WithRSA,
    keyType: 'rsa',
  },
  {
    name: 'ECDSA-P256-SHA256',
    title: { ru: 'ECDSA P-256, SHA-256', en: 'ECDSA P-256, SHA-256' },
    hash: 'sha256',
    digestOid: oids.sha256,
    digestNullParameters: false,
    signatureOid: oids.ecdsaWithSha256,
    nullParameters: false,
    acceptedSignatureOids: [oids.ecdsaWithSha256, oids.ecPublicKey],
    certificateSignatureOid: oids.ecdsaWithSha256,
    keyType: 'ec',
    curve: 'prime256v1',
  },
  {
    name: 'ECDSA-P384-SHA384',
    title: { ru: 'ECDSA P-384, SHA-384', en: 'ECDSA P-384, SHA-384' },
    hash: 'sha384',
    digestOid: oids.sha384,
    digestNullParameters: false,
    signatureOid: oids.ecdsaWithSha384,
    nullParameters: false,
    acceptedSignatureOids: [oids.ecdsaWithSha384, oids.ecPublicKey],
    certificateSignatureOid: oids.ecdsaWithSha384,
    keyType: 'ec',
    curve: 'secp384r1',
  },
  // The key OID as signatureAlgorithm, as OpenSSL's GOST engine and Bouncy Castle write it;
  // the sign-with-digest OID is accepted too (Rutoken's samples hand it to Bouncy Castle).
  {
    name: 'GOST2012-256',
    title: { ru: 'ГОСТ Р 34.10-2012, 256 бит', en: 'GOST R 34.10-2012, 256 bits' },
    hash: 'streebog256',
    digestOid: oids.streebog256,
    digestNullParameters: true,
    signatureOid: oids.key256,
    nullParameters: true,
    acceptedSignatureOids: [oids.key256, oids.signWithDigest256],
    certificateSignatureOid: oids.signWithDigest256,
    keyType: 'gost',
    gostBits: 256,
  },
  {
    name: 'GOST2012-512',
    title: { ru: 'ГОСТ Р 34.10-2012, 512 бит', en: 'GOST R 34.10-2012, 512 bits' },
    hash: 'streebog512',
    digestOid: oids.streebog512,
    digestNullParameters: true,
    signatureOid: oids.key512,
    nullParameters: true,
    acceptedSignatureOids: [oids.key512, oids.signWithDigest512],
    certificateSignatureOid: oids.signWithDigest512,
    keyType: 'gost',
    gostBits: 512,
  },
];

export function algorithmSpec(name: SignatureAlgorithm): AlgorithmSpec {
  const spec = algorithms.find((a) => a.name === name);
  if (!spec) throw new Error(`Unsupported signature algorithm ${name}`);
  return spec;
}

function keyMatches(spec: AlgorithmSpec, key: PublicKey): boolean {
  if (isGostKey(key)) return spec.keyType === 'gost' && spec.gostBits === key.curve.bits;
  return (
    spec.keyType === key.asymmetricKeyType &&
    (spec.curve === undefined || spec.curve === key.asymmetricKeyDetails?.namedCurve)
  );
}

/** The public key of a SubjectPublicKeyInfo (DER): ours for GOST, node:crypto's otherwise; throws what is wrong. */
export function publicKeyFromSpki(spki: Buffer): PublicKey {
  return gostPublicKeyFromSpki(spki) ?? createPublicKey({ key: spki, format: 'der', type: 'spki' });
}

/** The algorithm we sign with for this certificate's (or key's) public key, if we support it. */
export function algorithmForKey(key: PublicKey | Buffer): AlgorithmSpec | undefined {
  const publicKey = Buffer.isBuffer(key) ? publicKeyFromSpki(key) : key;
  return algorithms.find((spec) => keyMatches(spec, publicKey));
}

/** The public key of a certificate (DER) and the algorithm it signs with; throws naming an unsupported key. */
export function certificateKey(certificate: Buffer, what: string): { key: PublicKey; spec: AlgorithmSpec } {
  const key = publicKeyFromSpki(spkiOfCertificate(certificate));
  const spec = algorithmForKey(key);
  if (!spec) throw new Error(`${what} has an unsupported key: ${describeKey(key)}`);
  return { key, spec };
}

/**
 * Whether `signature` (as a Signer returns it: PKCS#1, DER SEQUENCE { r, s }, GOST s‖r) is
 * `key`'s over `data`, hashed with the algorithm's hash. Unreadable signatures are false.
 */
export function verifyWithKey(spec: AlgorithmSpec, key: PublicKey, data: Buffer, signature: Buffer): boolean {
  try {
    if (!isGostKey(key)) return verify(spec.hash, data, key, signature);
    const digest = createDigest(spec.hash);
    digest.update(data);
    return gostVerify(key, digest.digest(), signature);
  } catch {
    return false;
  }
}

/** The algorithm a received SignerInfo uses, from the signer's key, its digest and signature OIDs. */
export function algorithmForSignerInfo(
  key: PublicKey,
  digestOid: string,
  signatureOid: string,
): AlgorithmSpec | undefined {
  return algorithms.find(
    (spec) =>
      keyMatches(spec, key) && spec.digestOid === digestOid && spec.acceptedSignatureOids.includes(signatureOid),
  );
}

/** For messages: "rsa", "ec prime256v1", "GOST R 34.10-2012 256 (tc26 256 A)". */
export function describeKey(key: PublicKey): string {
  if (isGostKey(key)) return `GOST R 34.10-2012 ${key.curve.bits} (${key.curve.name})`;
  const curve = key.asymmetricKeyDetails?.namedCurve;
  return `${key.asymmetricKeyType ?? 'unknown'}${curve ? ` ${curve}` : ''}`;
}

/** The algorithm's name in the interface language: "ГОСТ Р 34.10-2012, 256 бит". */
export function algorithmTitle(name: SignatureAlgorithm, language: 'ru' | 'en' | 'kk' = 'ru'): string {
  const spec = algorithmSpec(name);
  return language === 'en' ? spec.title.en : spec.title.ru;
}

/** Kazakhstan's GOST 34.10-2015 (NCA RK): recognised by OID, never verified until its byte order is proven. */
export const isKazakhGostOid = (oid: string) => oid.startsWith(kazakhGostArc);
