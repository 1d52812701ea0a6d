// Content-addressed blob files: a file's name is the SHA-256 of its bytes, so a blob written
// twice is one file, a replayed download changes nothing, and a torn write never has a name.
import { createHash, randomBytes } from 'node:crypto';
import {
  createReadStream,
  createWriteStream,
  existsSync,
  mkdirSync,
  renameSync,
  rmSync,
  statSync,
  readFileSync,
} from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export class BlobHashMismatchError extends Error {
  constructor(
    readonly expected: string,
    readonly actual: string,
  ) {
    super(`Blob content does not match its hash: expected sha256 ${expected}, got ${actual}`);
    this.name = 'BlobHashMismatchError';
  }
}

export interface StoredBlob {
  hash: string;
  size: number;
}

const hashPattern = /^[0-9a-f]{64}$/;

export class BlobStore {
  constructor(readonly dir: string) {
    mkdirSync(join(dir, 'tmp'), { recursive: true });
  }

  pathOf(hash: string): string {
    if (!hashPattern.test(hash)) throw new Error(`Not a sha256 hex digest: "${hash}"`);
    return join(this.dir, hash.slice(0, 2), hash);
  }

  has(hash: string): boolean {
    return existsSync(this.pathOf(hash));
  }

  size(hash: string): number {
    return statSync(this.pathOf(hash)).size;
  }

  read(hash: string): Buffer {
    return readFileSync(this.pathOf(hash));
  }

  stream(hash: string): Readable {
    return createReadStream(this.pathOf(hash));
  }

  /**
   * Writes a stream to a temporary file while hashing it, fsyncs, and renames it to its hash:
   * after a crash there is either the whole blob or none. With `expectedHash` a mismatch is
   * an error and nothing is kept.
   */
  async write(source: Readable | AsyncIterable<Uint8Array> | Buffer, expectedHash?: string): Promise<StoredBlob> {
    const temp = join(this.dir, 'tmp', `${process.pid}-${randomBytes(8).toString('hex')}`);
    const hash = createHash('sha256');
    let size = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _enc, done) {
        hash.update(chunk);
        size += chunk.length;
        done(null, chunk);
      },
    });
    try {
      const input = Buffer.isBuffer(source) ? Readable.from([source]) : source;
      await pipeline(input, counter, createWriteStream(temp));
      const actual = hash.digest('hex');
      if (expectedHash !== undefined && actual !== expectedHash) throw new BlobHashMismatchError(expectedHash, actual);
      // Async: several blobs of a page are flushed at once on libuv's pool.
      const handle = await open(temp, 'r');
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
      const final = this.pathOf(actual);
      mkdirSync(join(this.dir, actual.slice(0, 2)), { recursive: true });
      renameSync(temp, final);
      return { hash: actual, size };
    } finally {
      rmSync(temp, { force: true });
    }
  }

  writeFile(path: string): Promise<StoredBlob> {
    return this.write(createReadStream(path));
  }
}
