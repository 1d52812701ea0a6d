// RFC 9162 (Certificate Transparency v2) Merkle tree hashing, proof generation and proof
// verification. The hub builds proofs with these functions over its stored subtree hashes;
// the client verifies them with the RFC's own algorithms (§2.1.3.2, §2.1.4.2), so a hub that
// rewrites or truncates the archive cannot produce proofs that pass.
import { createHash } from 'node:crypto';

export const HASH_SIZE = 32;

/** The hash of the empty tree: SHA-256 of nothing (RFC 9162 §2.1.1). */
export const EMPTY_TREE_HASH = createHash('sha256').digest();

const LEAF_PREFIX = Buffer.from([0x00]);
const NODE_PREFIX = Buffer.from([0x01]);

/** SHA-256(0x00 || data). */
export function leafHash(data: Uint8Array): Buffer {
  return createHash('sha256').update(LEAF_PREFIX).update(data).digest();
}

/** SHA-256(0x01 || left || right). */
export function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  return createHash('sha256').update(NODE_PREFIX).update(left).update(right).digest();
}

/** Why a proof did not verify; the archive's typed errors carry it. */
export class ProofError extends Error {
  override readonly name = 'ProofError';
}

/** The largest power of two strictly smaller than n (n > 1): the RFC's split point k. */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

export function isPowerOfTwo(n: number): boolean {
  return Number.isSafeInteger(n) && n > 0 && 2 ** Math.floor(Math.log2(n)) === n;
}

/**
 * MTH(D[start:end]) for a tree the caller can look into: the hub answers complete aligned
 * subtrees from storage; an in-memory tree computes them.
 */
export type SubtreeHash = (start: number, end: number) => Buffer;

/** MTH over leaf hashes held in memory (tests, small trees, the hub's own recomputation). */
export function rootFromLeafHashes(leaves: readonly Buffer[], start = 0, end = leaves.length): Buffer {
  const n = end - start;
  if (n === 0) return EMPTY_TREE_HASH;
  if (n === 1) return leaves[start]!;
  const k = splitPoint(n);
  return nodeHash(rootFromLeafHashes(leaves, start, start + k), rootFromLeafHashes(leaves, start + k, end));
}

function checkSize(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0)
    throw new ProofError(`${name} must be a non-negative integer, got ${value}`);
}

/** PATH(m, D[n]) of RFC 9162 §2.1.3.1: the audit path of leaf `index` in the tree of `treeSize`. */
export function inclusionPath(index: number, treeSize: number, hashOf: SubtreeHash): Buffer[] {
  checkSize('leaf index', index);
  checkSize('tree size', treeSize);
  if (index >= treeSize) throw new ProofError(`leaf index ${index} is outside a tree of ${treeSize} entries`);
  const path: Buffer[] = [];
  // Walk down from the root; the RFC's recursion emits the deepest sibling first.
  let start = 0;
  let end = treeSize;
  let m = index;
  while (end - start > 1) {
    const k = splitPoint(end - start);
    if (m < k) {
      path.push(hashOf(start + k, end));
      end = start + k;
    } else {
      path.push(hashOf(start, start + k));
      start += k;
      m -= k;
    }
  }
  return path.reverse();
}

/** PROOF(m, D[n]) = SUBPROOF(m, D[n], true) of RFC 9162 §2.1.4.1. */
export function consistencyPath(first: number, second: number, hashOf: SubtreeHash): Buffer[] {
  checkSize('first tree size', first);
  checkSize('second tree size', second);
  if (first > second) throw new ProofError(`first tree size ${first} is larger than second tree size ${second}`);
  if (first === 0 || first === second) return [];
  const proof: Buffer[] = [];
  let start = 0;
  let end = second;
  let m = first;
  let whole = true; // the RFC's b: true while the subtree is the whole old tree's left part
  while (m !== end - start) {
    const k = splitPoint(end - start);
    if (m <= k) {
      proof.push(hashOf(start + k, end));
      end = start + k;
    } else {
      proof.push(hashOf(start, start + k));
      start += k;
      m -= k;
      whole = false;
    }
  }
  if (!whole) proof.push(hashOf(start, end));
  return proof.reverse();
}

function checkHash(name: string, hash: Uint8Array): void {
  if (hash.length !== HASH_SIZE)
    throw new ProofError(`${name} is ${hash.length} bytes, a SHA-256 hash is ${HASH_SIZE}`);
}

/**
 * The root an inclusion proof leads to (RFC 9162 §2.1.3.2 steps 1–4); throws a ProofError when
 * the proof has the wrong shape for (index, treeSize).
 */
export function rootFromInclusionProof(
  index: number,
  treeSize: number,
  leaf: Uint8Array,
  proof: readonly Uint8Array[],
): Buffer {
  checkSize('leaf index', index);
  checkSize('tree size', treeSize);
  checkHash('leaf hash', leaf);
  proof.forEach((p, i) => checkHash(`inclusion proof element ${i}`, p));
  if (index >= treeSize) throw new ProofError(`leaf index ${index} is outside a tree of ${treeSize} entries`);
  // fn and sn exceed 2^32 only beyond four billion entries; BigInt keeps the shifts exact anyway.
  let fn = BigInt(index);
  let sn = BigInt(treeSize - 1);
  let r: Buffer = Buffer.from(leaf);
  for (const p of proof) {
    if (sn === 0n)
      throw new ProofError(`inclusion proof for leaf ${index} of ${treeSize} has ${proof.length} elements: too many`);
    if ((fn & 1n) === 1n || fn === sn) {
      r = nodeHash(p, r);
      while ((fn & 1n) === 0n && fn !== 0n) {
        fn >>= 1n;
        sn >>= 1n;
      }
    } else {
      r = nodeHash(r, p);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  if (sn !== 0n)
    throw new ProofError(`inclusion proof for leaf ${index} of ${treeSize} has ${proof.length} elements: too few`);
  return r;
}

/** RFC 9162 §2.1.3.2: throws a ProofError naming what failed; returns when `leaf` is in the tree of `root`. */
export function verifyInclusion(
  index: number,
  treeSize: number,
  leaf: Uint8Array,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): void {
  checkHash('root hash', root);
  const computed = rootFromInclusionProof(index, treeSize, leaf, proof);
  if (!computed.equals(root)) {
    throw new ProofError(
      `inclusion proof for leaf ${index} of ${treeSize} leads to root ${computed.toString('hex')}, the tree head says ${Buffer.from(root).toString('hex')}`,
    );
  }
}

/**
 * RFC 9162 §2.1.4.2: proves that the tree of `second` entries with `secondRoot` extends the
 * tree of `first` entries with `firstRoot`. Throws a ProofError naming what failed.
 */
export function verifyConsistency(
  first: number,
  second: number,
  proof: readonly Uint8Array[],
  firstRoot: Uint8Array,
  secondRoot: Uint8Array,
): void {
  checkSize('first tree size', first);
  checkSize('second tree size', second);
  checkHash('first root hash', firstRoot);
  checkHash('second root hash', secondRoot);
  proof.forEach((p, i) => checkHash(`consistency proof element ${i}`, p));
  if (first > second) throw new ProofError(`tree shrank from ${first} to ${second} entries`);
  // The trivial cases the RFC leaves to the caller: equal sizes and an empty old tree.
  if (first === second) {
    if (proof.length !== 0) throw new ProofError(`consistency proof between equal sizes ${first} must be empty`);
    if (!Buffer.from(firstRoot).equals(secondRoot))
      throw new ProofError(`two different roots for the same tree size ${first}`);
    return;
  }
  if (first === 0) {
    if (proof.length !== 0) throw new ProofError('consistency proof from the empty tree must be empty');
    return;
  }
  // Step 1.
  if (proof.length === 0) throw new ProofError(`consistency proof from ${first} to ${second} is empty`);
  // Step 2.
  const path: Uint8Array[] = isPowerOfTwo(first) ? [firstRoot, ...proof] : [...proof];
  // Step 3.
  let fn = BigInt(first - 1);
  let sn = BigInt(second - 1);
  // Step 4.
  while ((fn & 1n) === 1n) {
    fn >>= 1n;
    sn >>= 1n;
  }
  // Step 5.
  let fr: Buffer = Buffer.from(path[0]!);
  let sr: Buffer = Buffer.from(path[0]!);
  // Step 6.
  for (const c of path.slice(1)) {
    if (sn === 0n) throw new ProofError(`consistency proof from ${first} to ${second} has too many elements`);
    if ((fn & 1n) === 1n || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      while ((fn & 1n) === 0n && fn !== 0n) {
        fn >>= 1n;
        sn >>= 1n;
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  // Step 7.
  if (sn !== 0n) throw new ProofError(`consistency proof from ${first} to ${second} has too few elements`);
  if (!fr.equals(firstRoot)) {
    throw new ProofError(
      `consistency proof from ${first} to ${second} does not lead to the old root ${Buffer.from(firstRoot).toString('hex')}`,
    );
  }
  if (!sr.equals(secondRoot)) {
    throw new ProofError(
      `consistency proof from ${first} to ${second} does not lead to the new root ${Buffer.from(secondRoot).toString('hex')}`,
    );
  }
}
