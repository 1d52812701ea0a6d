import { describe, expect, it } from 'vitest';
import {
  consistencyPath,
  EMPTY_TREE_HASH,
  inclusionPath,
  leafHash,
  nodeHash,
  ProofError,
  rootFromLeafHashes,
  verifyConsistency,
  verifyInclusion,
  type SubtreeHash,
} from './merkle';

// Reference vectors of transparency-dev/merkle (proof/verify_test.go), the Go implementation
// behind Trillian and the CT ecosystem: the RFC 6962 / 9162 test tree of eight leaves.
const h = (hex: string) => Buffer.from(hex, 'hex');
const leaves = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'].map(
  h,
);
const roots = [
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
].map(h);
// leaf is 0-based here (the Go table is 1-based).
const inclusionVectors = [
  {
    leaf: 0,
    size: 8,
    proof: [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  },
  {
    leaf: 5,
    size: 8,
    proof: [
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
  { leaf: 2, size: 3, proof: ['fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125'] },
  {
    leaf: 1,
    size: 5,
    proof: [
      '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  },
];
const consistencyVectors = [
  { size1: 1, size2: 1, proof: [] as string[] },
  {
    size1: 1,
    size2: 8,
    proof: [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  },
  {
    size1: 6,
    size2: 8,
    proof: [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
  {
    size1: 2,
    size2: 5,
    proof: [
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  },
  {
    size1: 6,
    size2: 7,
    proof: [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
];

const leafHashes = leaves.map((l) => leafHash(l));
const memoryTree =
  (hashes: Buffer[]): SubtreeHash =>
  (start, end) =>
    rootFromLeafHashes(hashes, start, end);

function flipBit(proof: Buffer[], i: number): Buffer[] {
  return proof.map((p, j) => (j === i ? Buffer.from(p.map((b, k) => (k === 0 ? b ^ 8 : b))) : p));
}

describe('RFC 9162 tree hashing', () => {
  it('computes the reference roots of every prefix of the test tree', () => {
    roots.forEach((root, i) =>
      expect(rootFromLeafHashes(leafHashes.slice(0, i + 1)).toString('hex')).toBe(root.toString('hex')),
    );
  });

  it('hashes the empty tree to SHA-256 of nothing and separates leaves from nodes', () => {
    expect(rootFromLeafHashes([]).toString('hex')).toBe(
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
    expect(EMPTY_TREE_HASH.equals(rootFromLeafHashes([]))).toBe(true);
    const [a, b] = [leafHash(Buffer.from('a')), leafHash(Buffer.from('b'))];
    expect(leafHash(Buffer.concat([a, b])).equals(nodeHash(a, b))).toBe(false);
  });
});

describe('inclusion proofs (RFC 9162 §2.1.3)', () => {
  it.each(inclusionVectors)(
    'generates and verifies the reference proof for leaf $leaf of $size',
    ({ leaf, size, proof }) => {
      const tree = memoryTree(leafHashes.slice(0, size));
      expect(inclusionPath(leaf, size, tree).map((p) => p.toString('hex'))).toEqual(proof);
      expect(() => verifyInclusion(leaf, size, leafHashes[leaf]!, proof.map(h), roots[size - 1]!)).not.toThrow();
    },
  );

  it.each(inclusionVectors)(
    'rejects corrupted variants of the proof for leaf $leaf of $size',
    ({ leaf, size, proof: hex }) => {
      const proof = hex.map(h);
      const root = roots[size - 1]!;
      const lh = leafHashes[leaf]!;
      const probes: [string, () => void][] = [
        ['leaf index - 1', () => verifyInclusion(leaf - 1, size, lh, proof, root)],
        ['leaf index + 1', () => verifyInclusion(leaf + 1, size, lh, proof, root)],
        ['leaf index ^ 2', () => verifyInclusion(leaf ^ 2, size, lh, proof, root)],
        ['tree size * 2', () => verifyInclusion(leaf, size * 2, lh, proof, root)],
        ['tree size / 2', () => verifyInclusion(leaf, Math.floor(size / 2), lh, proof, root)],
        ['wrong leaf', () => verifyInclusion(leaf, size, leafHash(Buffer.from('WrongLeaf')), proof, root)],
        ['empty root', () => verifyInclusion(leaf, size, lh, proof, EMPTY_TREE_HASH)],
        ['trailing root', () => verifyInclusion(leaf, size, lh, [...proof, root], root)],
        ['preceding root', () => verifyInclusion(leaf, size, lh, [root, ...proof], root)],
        ['removed component', () => verifyInclusion(leaf, size, lh, proof.slice(0, -1), root)],
        ...proof.map((_, i): [string, () => void] => [
          `modified proof[${i}]`,
          () => verifyInclusion(leaf, size, lh, flipBit(proof, i), root),
        ]),
      ];
      for (const [name, probe] of probes) expect(probe, name).toThrow(ProofError);
    },
  );

  it('rejects a leaf index outside the tree and a proof for the single-leaf tree that is not empty', () => {
    expect(() => verifyInclusion(0, 0, leafHashes[0]!, [], EMPTY_TREE_HASH)).toThrow(/outside a tree of 0/);
    expect(() => verifyInclusion(0, 1, leafHashes[0]!, [leafHashes[1]!], leafHashes[0]!)).toThrow(/too many/);
    expect(() => verifyInclusion(0, 1, leafHashes[0]!, [], leafHashes[0]!)).not.toThrow();
  });

  it('proves every leaf of every tree up to 70 leaves built here', () => {
    const hashes = Array.from({ length: 70 }, (_, i) => leafHash(Buffer.from(`entry ${i}`)));
    for (let size = 1; size <= hashes.length; size++) {
      const tree = memoryTree(hashes.slice(0, size));
      const root = rootFromLeafHashes(hashes.slice(0, size));
      for (let i = 0; i < size; i++) {
        const proof = inclusionPath(i, size, tree);
        verifyInclusion(i, size, hashes[i]!, proof, root);
        if (size > 1) expect(() => verifyInclusion(i, size, hashes[(i + 1) % size]!, proof, root)).toThrow(ProofError);
      }
    }
  });
});

describe('consistency proofs (RFC 9162 §2.1.4)', () => {
  it.each(consistencyVectors)(
    'generates and verifies the reference proof from $size1 to $size2',
    ({ size1, size2, proof }) => {
      const tree = memoryTree(leafHashes.slice(0, size2));
      expect(consistencyPath(size1, size2, tree).map((p) => p.toString('hex'))).toEqual(proof);
      expect(() => verifyConsistency(size1, size2, proof.map(h), roots[size1 - 1]!, roots[size2 - 1]!)).not.toThrow();
    },
  );

  it.each(consistencyVectors.filter((v) => v.proof.length > 0))(
    'rejects corrupted variants of the proof from $size1 to $size2',
    ({ size1, size2, proof: hex }) => {
      const proof = hex.map(h);
      const [r1, r2] = [roots[size1 - 1]!, roots[size2 - 1]!];
      const probes: [string, () => void][] = [
        ['size1 - 1', () => verifyConsistency(size1 - 1, size2, proof, r1, r2)],
        ['size1 + 1', () => verifyConsistency(size1 + 1, size2, proof, r1, r2)],
        ['size1 ^ 2', () => verifyConsistency(size1 ^ 2, size2, proof, r1, r2)],
        ['size2 * 2', () => verifyConsistency(size1, size2 * 2, proof, r1, r2)],
        ['size2 / 2', () => verifyConsistency(size1, Math.floor(size2 / 2), proof, r1, r2)],
        ['swapped roots', () => verifyConsistency(size1, size2, proof, r2, r1)],
        ['wrong root1', () => verifyConsistency(size1, size2, proof, EMPTY_TREE_HASH, r2)],
        ['wrong root2', () => verifyConsistency(size1, size2, proof, r1, EMPTY_TREE_HASH)],
        ['empty proof', () => verifyConsistency(size1, size2, [], r1, r2)],
        ['trailing root1', () => verifyConsistency(size1, size2, [...proof, r1], r1, r2)],
        ['trailing root2', () => verifyConsistency(size1, size2, [...proof, r2], r1, r2)],
        ['preceding root1', () => verifyConsistency(size1, size2, [r1, ...proof], r1, r2)],
        ['preceding root2', () => verifyConsistency(size1, size2, [r2, ...proof], r1, r2)],
        ['preceding proof[0]', () => verifyConsistency(size1, size2, [proof[0]!, ...proof], r1, r2)],
        ['truncated proof', () => verifyConsistency(size1, size2, proof.slice(0, -1), r1, r2)],
        ...proof.map((_, i): [string, () => void] => [
          `modified proof[${i}]`,
          () => verifyConsistency(size1, size2, flipBit(proof, i), r1, r2),
        ]),
      ];
      for (const [name, probe] of probes) expect(probe, name).toThrow(ProofError);
    },
  );

  it('handles the trivial cases the RFC leaves to the caller', () => {
    const [r1, r2] = [roots[0]!, roots[1]!];
    expect(() => verifyConsistency(0, 0, [], EMPTY_TREE_HASH, EMPTY_TREE_HASH)).not.toThrow();
    expect(() => verifyConsistency(0, 1, [], EMPTY_TREE_HASH, r1)).not.toThrow();
    expect(() => verifyConsistency(1, 1, [], r1, r2)).toThrow(/two different roots for the same tree size 1/);
    expect(() => verifyConsistency(2, 1, [], r2, r1)).toThrow(/tree shrank from 2 to 1/);
    expect(() => verifyConsistency(1, 1, [EMPTY_TREE_HASH], r1, r1)).toThrow(/must be empty/);
    expect(() => verifyConsistency(0, 1, [EMPTY_TREE_HASH], EMPTY_TREE_HASH, r1)).toThrow(/must be empty/);
  });

  it('proves every pair of sizes up to 70 leaves built here, and refuses a changed leaf', () => {
    const hashes = Array.from({ length: 70 }, (_, i) => leafHash(Buffer.from(`entry ${i}`)));
    const tree = memoryTree(hashes);
    const rootOf = (n: number) => rootFromLeafHashes(hashes, 0, n);
    for (let second = 1; second <= hashes.length; second++) {
      for (let first = 1; first <= second; first++) {
        verifyConsistency(first, second, consistencyPath(first, second, tree), rootOf(first), rootOf(second));
      }
    }
    // A log that rewrote leaf 3 cannot prove it extends the tree of 10 seen before.
    const rewritten = hashes.map((x, i) => (i === 3 ? leafHash(Buffer.from('forged')) : x));
    const forgedProof = consistencyPath(10, 40, memoryTree(rewritten));
    expect(() => verifyConsistency(10, 40, forgedProof, rootOf(10), rootFromLeafHashes(rewritten, 0, 40))).toThrow(
      /old root/,
    );
  });
});
