// What a client checks about the archive: that an entry the hub lists is in the signed tree,
// and that a newer signed tree extends an older one. Every failure is an
// ArchiveVerificationError naming what broke.
import { z } from 'zod';
import { archiveEntryLeafHash, type ArchivedEntry } from './entry';
import { ArchiveVerificationError } from './errors';
import { ProofError, verifyConsistency, verifyInclusion } from './merkle';
import { verifyTreeHead, type SignedTreeHead } from './tree-head';

const hexHash = z.string().regex(/^[0-9a-f]{64}$/);

export const inclusionProofJsonSchema = z.object({
  leafIndex: z.number().int().nonnegative(),
  treeSize: z.number().int().nonnegative(),
  hashes: z.array(hexHash),
});
export type InclusionProofJson = z.infer<typeof inclusionProofJsonSchema>;

export const consistencyProofJsonSchema = z.object({
  first: z.number().int().nonnegative(),
  second: z.number().int().nonnegative(),
  hashes: z.array(hexHash),
});
export type ConsistencyProofJson = z.infer<typeof consistencyProofJsonSchema>;

export const hashesToHex = (hashes: readonly Buffer[]): string[] => hashes.map((h) => h.toString('hex'));
export const hashesFromHex = (hashes: readonly string[]): Buffer[] => hashes.map((h) => Buffer.from(h, 'hex'));

export interface EntryVerification {
  /** The leaf hash recorded when the document was archived (the archive receipt), if kept. */
  expectedLeafHash?: string;
  operatorCertificate: Buffer | string;
}

/**
 * Verifies a listed entry against a signed tree head: the head's signature, the entry's bytes
 * against its leaf hash, and the inclusion proof against the head's root.
 */
export function verifyArchivedEntry(
  entry: ArchivedEntry,
  proof: InclusionProofJson,
  head: SignedTreeHead,
  { expectedLeafHash, operatorCertificate }: EntryVerification,
): void {
  verifyTreeHead(head, operatorCertificate);
  const computed = archiveEntryLeafHash(entry).toString('hex');
  if (computed !== entry.leafHash) {
    throw new ArchiveVerificationError(
      'entry-changed',
      `entry ${entry.index} (${entry.fileName}) hashes to ${computed} but the hub lists leaf hash ${entry.leafHash}`,
    );
  }
  if (expectedLeafHash !== undefined && expectedLeafHash !== computed) {
    throw new ArchiveVerificationError(
      'entry-changed',
      `entry ${entry.index} (${entry.fileName}) hashes to ${computed}; when it was archived its leaf hash was ${expectedLeafHash}`,
    );
  }
  if (proof.leafIndex !== entry.index || proof.treeSize !== head.treeSize) {
    throw new ArchiveVerificationError(
      'not-included',
      `the hub sent a proof for entry ${proof.leafIndex} of ${proof.treeSize}, asked for entry ${entry.index} of ${head.treeSize}`,
    );
  }
  try {
    verifyInclusion(
      entry.index,
      head.treeSize,
      Buffer.from(computed, 'hex'),
      hashesFromHex(proof.hashes),
      head.rootHash,
    );
  } catch (e) {
    if (!(e instanceof ProofError)) throw e;
    throw new ArchiveVerificationError(
      'not-included',
      `entry ${entry.index} (${entry.fileName}) is not in the signed tree: ${e.message}`,
      { cause: e },
    );
  }
}

/**
 * Checks that `newer` extends `older` (both already signature-checked): a smaller tree is a
 * truncation, the same size with another root a rewrite, a failed proof an inconsistency.
 */
export function verifyTreeHeadConsistency(
  older: SignedTreeHead,
  newer: SignedTreeHead,
  proof: readonly Buffer[],
): void {
  if (newer.treeSize < older.treeSize) {
    throw new ArchiveVerificationError(
      'truncated',
      `the archive had ${older.treeSize} entries (tree head of ${new Date(older.timestamp).toISOString()}) and now claims ${newer.treeSize}`,
    );
  }
  if (newer.treeSize === older.treeSize) {
    if (!newer.rootHash.equals(older.rootHash)) {
      throw new ArchiveVerificationError(
        'root-mismatch',
        `two signed roots for ${older.treeSize} entries: ${older.rootHash.toString('hex')} seen before, ${newer.rootHash.toString('hex')} now`,
      );
    }
    return;
  }
  try {
    verifyConsistency(older.treeSize, newer.treeSize, proof, older.rootHash, newer.rootHash);
  } catch (e) {
    if (!(e instanceof ProofError)) throw e;
    throw new ArchiveVerificationError(
      'inconsistent',
      `the tree of ${newer.treeSize} entries does not extend the tree of ${older.treeSize} entries seen before: ${e.message}`,
      { cause: e },
    );
  }
}
