// Test support for the archive (tests and bench/archive): a content-addressed blob directory
// like the hub's, and sample entries with real-looking detached signatures.
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { ArchiveBlobStore, NewArchiveEntry } from '../../server/archive/log';

export class DirectoryBlobStore implements ArchiveBlobStore {
  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  put(data: Buffer): { sha256: string; size: number } {
    const sha256 = createHash('sha256').update(data).digest('hex');
    writeFileSync(join(this.dir, sha256), data);
    return { sha256, size: data.length };
  }

  async stat(sha256: string): Promise<{ size: number } | undefined> {
    try {
      return { size: statSync(join(this.dir, sha256)).size };
    } catch {
      return undefined;
    }
  }

  open(sha256: string): Readable {
    return createReadStream(join(this.dir, sha256));
  }
}

/** An entry for a blob; the signature is random bytes of a CMS's size (the log does not parse it). */
export function sampleEntry(
  blob: { sha256: string; size: number },
  overrides: Partial<NewArchiveEntry> = {},
): NewArchiveEntry {
  return {
    orgId: 'org-romashka',
    userId: 'user-ivanova',
    documentId: `doc-${randomBytes(6).toString('hex')}`,
    kind: 'document',
    fileName: 'Договор поставки №17.pdf',
    blobSha256: blob.sha256,
    size: blob.size,
    signatures: [randomBytes(1200).toString('base64')],
    ...overrides,
  };
}
