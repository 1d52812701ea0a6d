// The blob store in the database on both backends: a blob of several chunks read back byte for
// byte (also one ending on a read piece's edge), a second upload of the same bytes kept once, a
// wrong hash or an oversized upload leaving no row behind, and the chunks of an upload cut off
// with its instance dropped a day later.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { buffer, text } from 'node:stream/consumers';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { backends, closeDatabases } from '../../test/support/databases';
import { blobStoreSchema, DatabaseBlobs } from './database-blobs';
import type { SqlDatabase } from './sql';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'edo-hub-blobs-'));
});
afterEach(async () => {
  await closeDatabases();
  rmSync(dir, { recursive: true, force: true });
});

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
/** The bytes in pieces of odd sizes, as a network delivers them. */
const pieces = (b: Buffer) =>
  Readable.from(
    Array.from({ length: Math.ceil(b.length / 70_001) }, (_, i) => b.subarray(i * 70_001, (i + 1) * 70_001)),
  );
const rows = async (db: SqlDatabase) => {
  const count = async (table: string) => Number((await db.get<{ n: number }>(`SELECT count(*) AS n FROM ${table}`))!.n);
  return {
    uploads: await count('blob_store_uploads'),
    chunks: await count('blob_store_chunks'),
    blobs: await count('blob_store_contents'),
  };
};

describe.each(backends)('DatabaseBlobs on $name', (backend) => {
  it.skipIf(backend.skip !== undefined)('keeps a blob of several chunks once and streams it back whole', async () => {
    const db = await backend.open([blobStoreSchema], { dir });
    const blobs = new DatabaseBlobs(db, 8 * 1024 * 1024);
    const bytes = randomBytes(3 * 1024 * 1024 + 12_345);
    expect(await blobs.write(sha(bytes), pieces(bytes))).toEqual({ kind: 'stored', size: bytes.length });
    expect(await blobs.write(sha(bytes), pieces(bytes))).toEqual({ kind: 'stored', size: bytes.length });
    expect(await rows(db)).toEqual({ uploads: 0, chunks: 4, blobs: 1 });
    expect(await blobs.stat(sha(bytes))).toEqual({ size: bytes.length });
    expect((await buffer(blobs.read(sha(bytes)))).equals(bytes)).toBe(true);
    // A last chunk that ends on a read piece's edge comes back whole too.
    const edge = randomBytes(1024 * 1024 + 256 * 1024);
    await blobs.write(sha(edge), pieces(edge));
    expect((await buffer(blobs.read(sha(edge)))).equals(edge)).toBe(true);
    expect(await blobs.exists(sha(Buffer.from('other')))).toBe(false);
    await expect(text(blobs.read(sha(Buffer.from('other'))))).rejects.toThrow(/No blob/);
  });

  it.skipIf(backend.skip !== undefined)('stores nothing of a wrong hash or an upload over the limit', async () => {
    const db = await backend.open([blobStoreSchema], { dir });
    const blobs = new DatabaseBlobs(db, 2 * 1024 * 1024);
    const bytes = randomBytes(1024 * 1024 + 1);
    expect(await blobs.write(sha(Buffer.from('claimed')), pieces(bytes))).toEqual({
      kind: 'hash-mismatch',
      actual: sha(bytes),
      size: bytes.length,
    });
    const large = randomBytes(3 * 1024 * 1024);
    expect(await blobs.write(sha(large), pieces(large))).toEqual({ kind: 'too-large', limit: 2 * 1024 * 1024 });
    expect(await rows(db)).toEqual({ uploads: 0, chunks: 0, blobs: 0 });
  });

  it.skipIf(backend.skip !== undefined)(
    'drops an upload whose sender failed at once, and one its killed instance left, a day later',
    async () => {
      const db = await backend.open([blobStoreSchema], { dir });
      const blobs = new DatabaseBlobs(db, 8 * 1024 * 1024, () => new Date('2026-12-02T10:00:00Z'));
      const cut = new Readable({ read() {} });
      cut.push(randomBytes(1024 * 1024 + 5));
      const written = blobs.write(sha(Buffer.from('never whole')), cut);
      await expect.poll(async () => (await rows(db)).chunks).toBe(1);
      cut.destroy(new Error('connection reset'));
      await expect(written).rejects.toThrow('connection reset');
      expect(await rows(db)).toEqual({ uploads: 0, chunks: 0, blobs: 0 });
      // What a SIGKILL leaves: an upload started, a chunk stored, no clean-up; and one under way now.
      for (const [id, startedAt] of [
        ['killed', '2026-12-01T09:00:00.000Z'],
        ['running', '2026-12-02T09:59:00.000Z'],
      ]) {
        await db.run('INSERT INTO blob_store_uploads (upload_id, started_at) VALUES (?, ?)', [id!, startedAt!]);
        await db.run('INSERT INTO blob_store_chunks (upload_id, seq, data) VALUES (?, 0, ?)', [id!, randomBytes(10)]);
      }
      expect(await blobs.purgeAbandoned(new Date('2026-12-01T10:00:00Z'))).toBe(1);
      expect(await rows(db)).toEqual({ uploads: 1, chunks: 1, blobs: 0 });
    },
  );
});
