// The hub's content-addressed blob store (docs/architecture.md §8), twice: files under the data
// directory (blobs/ab/abcdef..., the default) and chunked rows in PostgreSQL
// (server/storage/database-blobs.ts), for instances that share nothing but the database. Either
// way an upload streams into a place of its own while being hashed and counted, and only bytes
// whose SHA-256 equals the name they were sent under become the blob, so a blob is never partial
// or wrong.
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream, mkdirSync } from 'node:fs';
import { readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, type Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ContentSource } from '../src/crypto/digest';

export type BlobWriteResult =
  | { kind: 'stored'; size: number }
  | { kind: 'hash-mismatch'; actual: string; size: number }
  | { kind: 'too-large'; limit: number };

/** What the hub's routes, signature checks and archive use of a blob store. */
export interface BlobStore {
  readonly maxSize: number;
  exists(sha256: string): Promise<boolean>;
  /** The stored size, or undefined when there is no such blob (the archive's view of the store). */
  stat(sha256: string): Promise<{ size: number } | undefined>;
  /** The blob's bytes, streamed. */
  read(sha256: string): Readable;
  /** The same as read (the archive's name for it). */
  open(sha256: string): Readable;
  /** The blob as the signature checks hash it, opened only then (a malformed signature opens nothing). */
  content(sha256: string): ContentSource;
  /** Streams `input` in, checking its hash and size; nothing is kept unless both are right. */
  write(sha256: string, input: Readable): Promise<BlobWriteResult>;
  /** Drops what uploads started before `before` left behind (a hub killed mid-upload); returns how many. */
  purgeAbandoned(before: Date): Promise<number>;
}

class TooLarge extends Error {}

/**
 * Streams `input` into `sink` while hashing and counting it: too-large as soon as it passes
 * `maxSize`, else the digest and size. The input is piped in, not put into the pipeline: on a
 * refusal it must stay open so the client still gets the answer (the connection is closed after
 * it). The caller discards what reached the sink when the answer is not its blob.
 */
export async function meteredCopy(
  input: Readable,
  sink: Writable,
  maxSize: number,
): Promise<{ kind: 'copied'; sha256: string; size: number } | { kind: 'too-large' }> {
  const hash = createHash('sha256');
  let size = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      size += chunk.length;
      if (size > maxSize) return done(new TooLarge());
      hash.update(chunk);
      done(null, chunk);
    },
  });
  const written = pipeline(meter, sink);
  const inputFailed = (e: Error) => meter.destroy(e);
  input.on('error', inputFailed);
  input.pipe(meter);
  try {
    await written;
  } catch (e) {
    input.unpipe(meter);
    if (e instanceof TooLarge) return { kind: 'too-large' };
    throw e;
  } finally {
    input.off('error', inputFailed);
  }
  return { kind: 'copied', sha256: hash.digest('hex'), size };
}

/** The blob store of files: blobs/ab/abcdef..., uploads in blobs/tmp until they are right. */
export class BlobFiles implements BlobStore {
  private readonly tmpDir: string;

  constructor(
    private readonly root: string,
    readonly maxSize: number,
  ) {
    this.tmpDir = join(root, 'tmp');
    mkdirSync(this.tmpDir, { recursive: true });
  }

  pathOf(sha256: string): string {
    return join(this.root, sha256.slice(0, 2), sha256);
  }

  async exists(sha256: string): Promise<boolean> {
    return (await this.stat(sha256)) !== undefined;
  }

  read(sha256: string): Readable {
    return createReadStream(this.pathOf(sha256));
  }

  /** The file itself: digestContent reads it through one buffer used again. */
  content(sha256: string): ContentSource {
    return { path: this.pathOf(sha256) };
  }

  async stat(sha256: string): Promise<{ size: number } | undefined> {
    return stat(this.pathOf(sha256)).then(
      (s) => ({ size: s.size }),
      () => undefined,
    );
  }

  open(sha256: string): Readable {
    return this.read(sha256);
  }

  async purgeAbandoned(before: Date): Promise<number> {
    let dropped = 0;
    for (const name of await readdir(this.tmpDir)) {
      const part = join(this.tmpDir, name);
      const s = await stat(part).catch(() => undefined);
      if (s === undefined || s.mtime >= before) continue;
      await rm(part, { force: true });
      dropped++;
    }
    return dropped;
  }

  async write(sha256: string, input: Readable): Promise<BlobWriteResult> {
    const tmp = join(this.tmpDir, `${randomUUID()}.part`);
    let copied: Awaited<ReturnType<typeof meteredCopy>>;
    try {
      copied = await meteredCopy(input, createWriteStream(tmp, { flags: 'wx' }), this.maxSize);
    } catch (e) {
      await rm(tmp, { force: true });
      throw e;
    }
    if (copied.kind === 'too-large') {
      await rm(tmp, { force: true });
      return { kind: 'too-large', limit: this.maxSize };
    }
    const { size } = copied;
    if (copied.sha256 !== sha256) {
      await rm(tmp, { force: true });
      return { kind: 'hash-mismatch', actual: copied.sha256, size };
    }
    if (await this.exists(sha256)) {
      await rm(tmp, { force: true });
      return { kind: 'stored', size };
    }
    mkdirSync(join(this.root, sha256.slice(0, 2)), { recursive: true });
    await rename(tmp, this.pathOf(sha256));
    return { kind: 'stored', size };
  }
}
