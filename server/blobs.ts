// Content-addressed blob files under the data directory: blobs/ab/abcdef... An upload streams
// into a temporary file while being hashed and counted; only bytes whose SHA-256 equals the
// name they were sent under are renamed into place, so a blob file is never partial or wrong.
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream, mkdirSync } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export type BlobWriteResult =
  | { kind: 'stored'; size: number }
  | { kind: 'hash-mismatch'; actual: string; size: number }
  | { kind: 'too-large'; limit: number };

class TooLarge extends Error {}

export class BlobFiles {
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
    return stat(this.pathOf(sha256)).then(
      () => true,
      () => false,
    );
  }

  read(sha256: string): Readable {
    return createReadStream(this.pathOf(sha256));
  }

  /** The stored size, or undefined when there is no such blob (the archive's view of the store). */
  async stat(sha256: string): Promise<{ size: number } | undefined> {
    return stat(this.pathOf(sha256)).then(
      (s) => ({ size: s.size }),
      () => undefined,
    );
  }

  open(sha256: string): Readable {
    return this.read(sha256);
  }

  /** Streams `input` to disk, checking its hash and size; nothing is kept unless both are right. */
  async write(sha256: string, input: Readable): Promise<BlobWriteResult> {
    const tmp = join(this.tmpDir, `${randomUUID()}.part`);
    const hash = createHash('sha256');
    let size = 0;
    const maxSize = this.maxSize;
    const meter = new Transform({
      transform(chunk: Buffer, _enc, done) {
        size += chunk.length;
        if (size > maxSize) return done(new TooLarge());
        hash.update(chunk);
        done(null, chunk);
      },
    });
    // The request is piped in, not put into the pipeline: on a refusal it must stay open so
    // the client still gets the answer (the connection is closed after it).
    const written = pipeline(meter, createWriteStream(tmp, { flags: 'wx' }));
    const inputFailed = (e: Error) => meter.destroy(e);
    input.on('error', inputFailed);
    input.pipe(meter);
    try {
      await written;
    } catch (e) {
      input.unpipe(meter);
      await rm(tmp, { force: true });
      if (e instanceof TooLarge) return { kind: 'too-large', limit: maxSize };
      throw e;
    } finally {
      input.off('error', inputFailed);
    }
    const actual = hash.digest('hex');
    if (actual !== sha256) {
      await rm(tmp, { force: true });
      return { kind: 'hash-mismatch', actual, size };
    }
    const target = this.pathOf(sha256);
    if (await this.exists(sha256)) {
      await rm(tmp, { force: true });
      return { kind: 'stored', size };
    }
    mkdirSync(join(this.root, sha256.slice(0, 2)), { recursive: true });
    await rename(tmp, target);
    return { kind: 'stored', size };
  }
}
