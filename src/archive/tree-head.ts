// Signed tree heads: the operator's signed statement "the archive has N entries and this root".
// Clients verify the signature against the operator certificate they were configured with,
// never against a certificate the hub sends along with the head.
import { X509Certificate, verify as verifySignature, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import type { Signer } from '../crypto/signer';
import { HASH_SIZE } from './merkle';
import { ArchiveVerificationError } from './errors';

export interface TreeHead {
  treeSize: number;
  rootHash: Buffer;
  /** Milliseconds since the epoch, when the hub signed the head. */
  timestamp: number;
}

export interface SignedTreeHead extends TreeHead {
  /** PKCS#1 v1.5 for RSA, DER SEQUENCE { r, s } for ECDSA: what a Signer returns. */
  signature: Buffer;
}

/**
 * What signs tree heads: the operator key (the hub's operator Signer fits). `sign` hashes
 * `data` itself with the key's hash (SHA-256, SHA-384 for P-384).
 */
export type TreeHeadSigner = Pick<Signer, 'certificate' | 'sign'>;

const DOMAIN = Buffer.from('EDO-Clerk archive tree head v1\0', 'ascii');

/** The signed bytes: a domain tag, then uint64 timestamp, uint64 tree size, the 32-byte root. */
export function treeHeadSignedData(head: TreeHead): Buffer {
  if (head.rootHash.length !== HASH_SIZE) throw new Error(`tree head root hash is ${head.rootHash.length} bytes, expected ${HASH_SIZE}`);
  const numbers = Buffer.alloc(16);
  numbers.writeBigUInt64BE(BigInt(head.timestamp), 0);
  numbers.writeBigUInt64BE(BigInt(head.treeSize), 8);
  return Buffer.concat([DOMAIN, numbers, head.rootHash]);
}

export async function signTreeHead(head: TreeHead, signer: TreeHeadSigner): Promise<SignedTreeHead> {
  return { ...head, signature: await signer.sign(treeHeadSignedData(head)) };
}

/** The hash a key signs with, as src/token's algorithms pair them. */
function hashFor(key: KeyObject): string {
  const type = key.asymmetricKeyType;
  if (type === 'rsa') return 'sha256';
  if (type === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    if (curve === 'prime256v1') return 'sha256';
    if (curve === 'secp384r1') return 'sha384';
    throw new Error(`operator certificate has an EC key on curve ${curve ?? 'unknown'}; P-256 and P-384 are supported`);
  }
  throw new Error(`operator certificate has a ${type ?? 'unknown'} key; RSA and ECDSA are supported`);
}

/** Throws ArchiveVerificationError('bad-signature') unless the operator key signed this head. */
export function verifyTreeHead(head: SignedTreeHead, operatorCertificate: Buffer | string): void {
  const key = new X509Certificate(operatorCertificate).publicKey;
  const ok = verifySignature(hashFor(key), treeHeadSignedData(head), { key, dsaEncoding: 'der' }, head.signature);
  if (!ok) {
    throw new ArchiveVerificationError(
      'bad-signature',
      `tree head of ${head.treeSize} entries (root ${head.rootHash.toString('hex')}) is not signed by the operator certificate`,
    );
  }
}

/** The wire form: hashes in hex like blob names, the signature in base64. */
export const signedTreeHeadJsonSchema = z.object({
  treeSize: z.number().int().nonnegative(),
  rootHash: z.string().regex(/^[0-9a-f]{64}$/),
  timestamp: z.number().int().nonnegative(),
  signature: z.base64().min(1),
});
export type SignedTreeHeadJson = z.infer<typeof signedTreeHeadJsonSchema>;

export function treeHeadToJson(head: SignedTreeHead): SignedTreeHeadJson {
  return {
    treeSize: head.treeSize,
    rootHash: head.rootHash.toString('hex'),
    timestamp: head.timestamp,
    signature: head.signature.toString('base64'),
  };
}

export function treeHeadFromJson(json: unknown): SignedTreeHead {
  const j = signedTreeHeadJsonSchema.parse(json);
  return {
    treeSize: j.treeSize,
    rootHash: Buffer.from(j.rootHash, 'hex'),
    timestamp: j.timestamp,
    signature: Buffer.from(j.signature, 'base64'),
  };
}
