// The client's audit of the archive (`edo-clerk archive verify`, the Archive view): check the
// hub's current tree head against the one remembered, then each of our archived documents
// against that head. Tree-level problems are thrown; each entry gets its own verdict.
import type { ArchivedEntry } from './entry';
import { ArchiveVerificationError, type ArchiveProblem } from './errors';
import type { TreeHeadMonitor } from './monitor';
import type { SignedTreeHead } from './tree-head';
import { verifyArchivedEntry, type InclusionProofJson } from './verify';

/** The hub's archive as the client reaches it (over HTTP in the app, directly in tests). */
export interface ArchiveSource {
  treeHead(): Promise<SignedTreeHead>;
  /** undefined when the hub has no entry at this index. */
  entry(index: number): Promise<ArchivedEntry | undefined>;
  inclusionProof(index: number, treeSize: number): Promise<InclusionProofJson>;
}

/** What the client recorded when a document was archived. */
export interface ArchiveReceipt {
  index: number;
  leafHash: string;
}

export type EntryVerdict =
  | { index: number; verified: true; entry: ArchivedEntry }
  | { index: number; verified: false; problem: ArchiveProblem; message: string };

export interface AuditReport {
  head: SignedTreeHead;
  entries: EntryVerdict[];
}

export class ArchiveAuditor {
  constructor(
    private readonly source: ArchiveSource,
    private readonly monitor: TreeHeadMonitor,
    private readonly operatorCertificate: Buffer | string,
  ) {}

  /** Throws ArchiveVerificationError when the tree itself was rewritten, truncated or forged. */
  async audit(receipts: readonly ArchiveReceipt[]): Promise<AuditReport> {
    const head = await this.source.treeHead();
    await this.monitor.observe(head);
    const entries: EntryVerdict[] = [];
    for (const receipt of receipts) entries.push(await this.verifyEntry(receipt, head));
    return { head, entries };
  }

  private async verifyEntry(receipt: ArchiveReceipt, head: SignedTreeHead): Promise<EntryVerdict> {
    const { index } = receipt;
    if (index >= head.treeSize) {
      return {
        index,
        verified: false,
        problem: 'missing',
        message: `entry ${index} is beyond the signed tree of ${head.treeSize} entries`,
      };
    }
    const entry = await this.source.entry(index);
    if (!entry)
      return {
        index,
        verified: false,
        problem: 'missing',
        message: `the hub no longer lists entry ${index} (archived with leaf hash ${receipt.leafHash})`,
      };
    try {
      const proof = await this.source.inclusionProof(index, head.treeSize);
      verifyArchivedEntry(entry, proof, head, {
        expectedLeafHash: receipt.leafHash,
        operatorCertificate: this.operatorCertificate,
      });
      return { index, verified: true, entry };
    } catch (e) {
      if (e instanceof ArchiveVerificationError)
        return { index, verified: false, problem: e.problem, message: e.message };
      throw e;
    }
  }
}
