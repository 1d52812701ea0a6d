// The signature algorithm table: which key, hash and OIDs make each algorithm. Adding GOST
// R 34.10-2012 later means adding rows here (and a verifier that node:crypto lacks).
import { createPublicKey, type KeyObject } from 'node:crypto';
import type { DigestAlgorithm } from './digest';
import type { SignatureAlgorithm } from './signer';

export interface AlgorithmSpec {
  name: SignatureAlgorithm;
  hash: DigestAlgorithm;
  digestOid: string;
  /** The signatureAlgorithm we write into a SignerInfo. */
  signatureOid: string;
  /** RFC 4055: RSA signature algorithm identifiers carry NULL parameters; ECDSA ones carry none. */
  nullParameters: boolean;
  /** Other signatureAlgorithm OIDs that mean the same when verifying (e.g. rsaEncryption from OpenSSL). */
  acceptedSignatureOids: string[];
  keyType: 'rsa' | 'ec';
  /** node:crypto's curve name for EC keys. */
  curve?: string;
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
} as const;

export const algorithms: readonly AlgorithmSpec[] = [
  {
    name: 'RSA-PKCS1-SHA256',
    hash: 'sha256',
    digestOid: oids.sha256,
    signatureOid: oids.sha256WithRSA,
    nullParameters: true,
    acceptedSignatureOids: [oids.sha256WithRSA, oids.rsaEncryption],
    keyType: 'rsa',
  },
  {
    name: 'ECDSA-P256-SHA256',
    hash: 'sha256',
    digestOid: oids.sha256,
    signatureOid: oids.ecdsaWithSha256,
    nullParameters: false,
    acceptedSignatureOids: [oids.ecdsaWithSha256, oids.ecPublicKey],
    keyType: 'ec',
    curve: 'prime256v1',
  },
  {
    name: 'ECDSA-P384-SHA384',
    hash: 'sha384',
    digestOid: oids.sha384,
    signatureOid: oids.ecdsaWithSha384,
    nullParameters: false,
    acceptedSignatureOids: [oids.ecdsaWithSha384, oids.ecPublicKey],
    keyType: 'ec',
    curve: 'secp384r1',
  },
];

export function algorithmSpec(name: SignatureAlgorithm): AlgorithmSpec {
  const spec = algorithms.find((a) => a.name === name);
  if (!spec) throw new Error(`Unsupported signature algorithm ${name}`);
  return spec;
}

function keyMatches(spec: AlgorithmSpec, key: KeyObject): boolean {
  return spec.keyType === key.asymmetricKeyType && (spec.curve === undefined || spec.curve === key.asymmetricKeyDetails?.namedCurve);
}

/** The algorithm we sign with for this certificate's (or key's) public key, if we support it. */
export function algorithmForKey(key: KeyObject | Buffer): AlgorithmSpec | undefined {
  const publicKey = Buffer.isBuffer(key) ? createPublicKey({ key, format: 'der', type: 'spki' }) : key;
  return algorithms.find((spec) => keyMatches(spec, publicKey));
}

/** The algorithm a received SignerInfo uses, from the signer's key, its digest and signature OIDs. */
export function algorithmForSignerInfo(key: KeyObject, digestOid: string, signatureOid: string): AlgorithmSpec | undefined {
  return algorithms.find((spec) => keyMatches(spec, key) && spec.digestOid === digestOid && spec.acceptedSignatureOids.includes(signatureOid));
}
