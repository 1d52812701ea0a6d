// The blob store in the hub's database (`serve --blob-store database`, with PostgreSQL): every
// instance reaches every blob through the database alone. A blob is rows of 1 MiB chunks, written
// one chunk at a time and read a quarter chunk a query, so neither an upload nor a download is
// ever whole in memory. An upload's chunks go under an upload id of their own; only when its bytes hash to the name it
// was sent under does one short transaction make them the blob (or drop them, when the blob was
// there already). An upload cut off with its instance leaves its chunks under a started upload,
// dropped a day later by purgeAbandoned.
import { randomUUID } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { meteredCopy, type BlobStore, type BlobWriteResult } from '../blobs';
import type { ContentSource } from '../../src/crypto/digest';
import type { SchemaComponent, SqlDatabase } from './sql';

const CHUNK = 1024 * 1024;
// A chunk is read back in quarters: node-postgres hands a bytea over as hex text (its binary
// result mode decodes every field as UTF-8 and mangles the bytes, brianc/node-postgres#3495), and
// with 2 MiB strings per query a 1 GiB download grew the instance 67 MiB (bench/hub-blobs), with
// 512 KiB ones 19 MiB at most in three runs.
const READ_PIECE = CHUNK / 4;

const ddl = (bytes: string) => `
CREATE TABLE blob_store_uploads (upload_id TEXT PRIMARY KEY, started_at TEXT NOT NULL);
CREATE TABLE blob_store_chunks (
  upload_id TEXT NOT NULL, seq INTEGER NOT NULL, data ${bytes} NOT NULL, PRIMARY KEY (upload_id, seq)
);
CREATE TABLE blob_store_contents (
  sha256 TEXT PRIMARY KEY, upload_id TEXT NOT NULL, size BIGINT NOT NULL, chunks INTEGER NOT NULL
);
`;

export const blobStoreSchema: SchemaComponent = {
  name: 'blob-store',
  migrations: [{ sqlite: ddl('BLOB'), postgres: ddl('BYTEA') }],
};

export class DatabaseBlobs implements BlobStore {
  constructor(
    private readonly db: SqlDatabase,
    readonly maxSize: number,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async exists(sha256: string): Promise<boolean> {
    return (await this.stat(sha256)) !== undefined;
  }

  async stat(sha256: string): Promise<{ size: number } | undefined> {
    const row = await this.db.get<{ size: number }>('SELECT size FROM blob_store_contents WHERE sha256 = ?', [sha256]);
    return row && { size: Number(row.size) };
  }

  read(sha256: string): Readable {
    const db = this.db;
    async function* chunks() {
      const blob = await db.get<{ upload_id: string; chunks: number }>(
        'SELECT upload_id, chunks FROM blob_store_contents WHERE sha256 = ?',
        [sha256],
      );
      if (!blob) throw Object.assign(new Error(`No blob ${sha256} in the database`), { code: 'ENOENT' });
      for (let seq = 0; seq < blob.chunks; seq++) {
        for (let at = 0; at < CHUNK; at += READ_PIECE) {
          const row = await db.get<{ data: Buffer }>(
            'SELECT substr(data, ?, ?) AS data FROM blob_store_chunks WHERE upload_id = ? AND seq = ?',
            [at + 1, READ_PIECE, blob.upload_id, seq],
          );
          if (!row) throw new Error(`The blob ${sha256} lacks its chunk ${seq} in the database`);
          if (row.data.length > 0) yield row.data;
          if (row.data.length < READ_PIECE) break;
        }
      }
    }
    return Readable.from(chunks(), { objectMode: false });
  }

  open(sha256: string): Readable {
    return this.read(sha256);
  }

  content(sha256: string): ContentSource {
    return { open: () => this.read(sha256) };
  }

  async write(sha256: string, input: Readable): Promise<BlobWriteResult> {
    const uploadId = randomUUID();
    await this.db.run('INSERT INTO blob_store_uploads (upload_id, started_at) VALUES (?, ?)', [
      uploadId,
      this.now().toISOString(),
    ]);
    let seq = 0;
    let held: Buffer[] = [];
    let heldBytes = 0;
    const store = async (data: Buffer) => {
      await this.db.run('INSERT INTO blob_store_chunks (upload_id, seq, data) VALUES (?, ?, ?)', [
        uploadId,
        seq++,
        data,
      ]);
    };
    // Whole chunks go to the database as they fill; the caller's stream waits meanwhile.
    const sink = new Writable({
      highWaterMark: CHUNK,
      write(piece: Buffer, _enc, done) {
        held.push(piece);
        heldBytes += piece.length;
        (async () => {
          while (heldBytes >= CHUNK) {
            const all = Buffer.concat(held);
            await store(all.subarray(0, CHUNK));
            held = [all.subarray(CHUNK)];
            heldBytes = all.length - CHUNK;
          }
        })().then(() => done(), done);
      },
      final(done) {
        (heldBytes > 0 ? store(Buffer.concat(held)) : Promise.resolve()).then(() => done(), done);
      },
    });
    let copied: Awaited<ReturnType<typeof meteredCopy>>;
    try {
      copied = await meteredCopy(input, sink, this.maxSize);
    } catch (e) {
      await this.drop(uploadId);
      throw e;
    }
    if (copied.kind === 'too-large') {
      await this.drop(uploadId);
      return { kind: 'too-large', limit: this.maxSize };
    }
    const { size } = copied;
    if (copied.sha256 !== sha256) {
      await this.drop(uploadId);
      return { kind: 'hash-mismatch', actual: copied.sha256, size };
    }
    await this.db.transaction(async (tx) => {
      const added = await tx.run(
        'INSERT INTO blob_store_contents (sha256, upload_id, size, chunks) VALUES (?, ?, ?, ?) ' +
          'ON CONFLICT (sha256) DO NOTHING',
        [sha256, uploadId, size, seq],
      );
      if (added === 0) await tx.run('DELETE FROM blob_store_chunks WHERE upload_id = ?', [uploadId]);
      await tx.run('DELETE FROM blob_store_uploads WHERE upload_id = ?', [uploadId]);
    });
    return { kind: 'stored', size };
  }

  /** Drops the chunks of uploads started before `before` and never finished (their instance died); returns how many. */
  async purgeAbandoned(before: Date): Promise<number> {
    const stale = await this.db.all<{ upload_id: string }>(
      'SELECT upload_id FROM blob_store_uploads WHERE started_at < ?',
      [before.toISOString()],
    );
    for (const { upload_id } of stale) await this.drop(upload_id);
    return stale.length;
  }

  private async drop(uploadId: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.run('DELETE FROM blob_store_chunks WHERE upload_id = ?', [uploadId]);
      await tx.run('DELETE FROM blob_store_uploads WHERE upload_id = ?', [uploadId]);
    });
  }
}
