// The hub's archive routes through the hub client (./http-client: its retries and re-login):
// the ArchiveSource the auditor checks, the consistency proofs the tree-head monitor asks for,
// the organization's entries and usage, and the originals streamed with their hash checked on
// the way (a changed byte fails the download, it never lands silently on disk).
import { createHash } from 'node:crypto';
import { Transform, type Readable } from 'node:stream';
import type { ArchiveSource } from '../archive/auditor';
import type { ArchivedEntry as Entry } from '../archive/entry';
import { ArchiveVerificationError } from '../archive/errors';
import { treeHeadFromJson, type SignedTreeHead } from '../archive/tree-head';
import { hashesFromHex, type InclusionProofJson } from '../archive/verify';
import type { ArchiveEntriesPage, ArchiveUsage, NotArchivedPage } from '../protocol';
import { HubError, type HubCalls } from './http-client';

export class HttpArchiveSource implements ArchiveSource {
  /** `hub`: a client logged in as a user of the organization. */
  constructor(private readonly hub: HubCalls) {}

  async treeHead(): Promise<SignedTreeHead> {
    return treeHeadFromJson(await this.hub.call('archiveTreeHead'));
  }

  async entry(index: number): Promise<Entry | undefined> {
    try {
      return await this.hub.call('getArchiveEntry', { params: { index } });
    } catch (e) {
      if (e instanceof HubError && e.status === 404) return undefined;
      throw e;
    }
  }

  /** A hub that lists the entry but cannot prove it is in its signed tree has failed the audit for it. */
  async inclusionProof(index: number, treeSize: number): Promise<InclusionProofJson> {
    try {
      return await this.hub.call('archiveInclusionProof', { query: { index, treeSize } });
    } catch (e) {
      if (!(e instanceof HubError) || (e.status < 500 && e.status !== 404)) throw e;
      throw new ArchiveVerificationError(
        'not-included',
        `the hub gives no inclusion proof for entry ${index} in the tree of ${treeSize} entries: ${e.message}`,
        { cause: e },
      );
    }
  }

  /** PROOF(first, second) for TreeHeadMonitor. */
  async consistencyProof(first: number, second: number): Promise<Buffer[]> {
    const proof = await this.hub.call('archiveConsistencyProof', { query: { from: first, to: second } });
    if (proof.first !== first || proof.second !== second) {
      throw new ArchiveVerificationError(
        'inconsistent',
        `asked for a consistency proof from ${first} to ${second} entries, the hub sent one from ${proof.first} to ${proof.second}`,
      );
    }
    return hashesFromHex(proof.hashes);
  }

  usage(): Promise<ArchiveUsage> {
    return this.hub.call('archiveUsage');
  }

  entries(after?: number, limit?: number): Promise<ArchiveEntriesPage> {
    return this.hub.call('listArchiveEntries', { query: { after, limit } });
  }

  /** Every entry of the organization, page by page. */
  async *allEntries(): AsyncGenerator<Entry> {
    let after: number | undefined;
    for (;;) {
      const page = await this.entries(after, 500);
      yield* page.entries;
      if (page.next === null) return;
      after = page.next;
    }
  }

  notArchived(after?: number, limit?: number): Promise<NotArchivedPage> {
    return this.hub.call('listNotArchived', { query: { after, limit } });
  }

  /**
   * The original bytes of an entry as a stream that fails (ArchiveVerificationError
   * 'entry-changed') at its end when the bytes do not hash to the entry's blobSha256 or have
   * another size: write it to a temporary file and keep that only when the stream ends cleanly.
   */
  async original(entry: Pick<Entry, 'index' | 'fileName' | 'blobSha256' | 'size'>): Promise<Readable> {
    const body = await this.hub.call('getArchiveEntryData', { params: { index: entry.index } });
    const hash = createHash('sha256');
    let size = 0;
    const check = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        hash.update(chunk);
        size += chunk.length;
        done(null, chunk);
      },
      flush(done) {
        const actual = hash.digest('hex');
        if (actual === entry.blobSha256 && size === entry.size) return done();
        done(
          new ArchiveVerificationError(
            'entry-changed',
            `the original of entry ${entry.index} (${entry.fileName}) is ${size} bytes hashing to ${actual}; the archived entry says ${entry.size} bytes, SHA-256 ${entry.blobSha256}`,
          ),
        );
      },
    });
    body.on('error', (e) => check.destroy(e));
    return body.pipe(check);
  }
}
