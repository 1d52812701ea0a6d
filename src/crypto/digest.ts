// Hashing of document content. Documents can be hundreds of megabytes: a file is read as a
// stream, chunk by chunk, never loaded whole.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Streebog } from './streebog';

export type ContentSource = Buffer | { path: string } | NodeJS.ReadableStream;
export type DigestAlgorithm = 'sha256' | 'sha384' | 'streebog256' | 'streebog512';

/** node:crypto's Hash, or our Streebog where node:crypto (BoringSSL in Electron) has none. */
export function createDigest(hash: DigestAlgorithm): { update(data: Buffer | string): unknown; digest(): Buffer } {
  if (hash === 'streebog256') return new Streebog(256);
  if (hash === 'streebog512') return new Streebog(512);
  return createHash(hash);
}

function isReadable(content: ContentSource): content is NodeJS.ReadableStream {
  // Checked before `path`: an fs.ReadStream is a stream that also has a `path`.
  return typeof (content as NodeJS.ReadableStream).pipe === 'function';
}

export async function digestContent(content: ContentSource, hash: DigestAlgorithm = 'sha256'): Promise<Buffer> {
  const digest = createDigest(hash);
  if (Buffer.isBuffer(content)) {
    digest.update(content);
    return digest.digest();
  }
  const stream = isReadable(content) ? content : createReadStream(content.path);
  for await (const chunk of stream) digest.update(chunk as Buffer | string);
  return digest.digest();
}
