// Signed tree heads: the operator's signed statement "the archive has N entries and this root".
// Clients verify the signature against the operator certificate they were configured with,
// never against a certificate the hub sends along with the head.
import { z } from 'zod';
import { algorithmTitle, certificateKey, verifyWithKey } from '../crypto/algorithms';
import { readCertificates } from '../crypto/certificates';
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
  /** What the operator's Signer returns: PKCS#1 v1.5 for RSA, DER SEQUENCE { r, s } for ECDSA, s‖r for GOST. */
  signature: Buffer;
}

/**
 * What signs tree heads: the operator key (the hub's operator Signer fits). `sign` hashes
 * `data` itself with the key's hash (SHA-256, SHA-384 for P-384, Streebog for GOST).
 */
export type TreeHeadSigner = Pick<Signer, 'certificate' | 'sign'>;

const DOMAIN = Buffer.from('EDO-Clerk archive tree head v1\0', 'ascii');

/** The signed bytes: a domain tag, then uint64 timestamp, uint64 tree size, the 32-byte root. */
export function treeHeadSignedData(head: TreeHead): Buffer {
  if (head.rootHash.length !== HASH_SIZE)
    throw new Error(`tree head root hash is ${head.rootHash.length} bytes, expected ${HASH_SIZE}`);
  const numbers = Buffer.alloc(16);
  numbers.writeBigUInt64BE(BigInt(head.timestamp), 0);
  numbers.writeBigUInt64BE(BigInt(head.treeSize), 8);
  return Buffer.concat([DOMAIN, numbers, head.rootHash]);
}

export async function signTreeHead(head: TreeHead, signer: TreeHeadSigner): Promise<SignedTreeHead> {
  return { ...head, signature: await signer.sign(treeHeadSignedData(head)) };
}

/**
 * Throws ArchiveVerificationError('bad-signature') unless the operator key signed this head;
 * the algorithm table decides the hash and the check, as for every other signature.
 */
export function verifyTreeHead(head: SignedTreeHead, operatorCertificate: Buffer | string): void {
  const [der] = readCertificates(Buffer.from(operatorCertificate));
  if (!der) throw new Error('the operator certificate holds no certificate');
  const { key, spec } = certificateKey(der, 'the operator certificate');
  if (!verifyWithKey(spec, key, treeHeadSignedData(head), head.signature)) {
    throw new ArchiveVerificationError(
      'bad-signature',
      `tree head of ${head.treeSize} entries (root ${head.rootHash.toString('hex')}) is not signed by the operator certificate (${algorithmTitle(spec.name, 'en')})`,
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
