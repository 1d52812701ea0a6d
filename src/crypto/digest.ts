// Hashing of document content. Documents can be hundreds of megabytes: a file is read chunk by
// chunk into one buffer used again (no garbage for the collector to fall behind on), never
// loaded whole; a stream chunk by chunk.
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { Streebog } from './streebog';

/**
 * The content: bytes, a file (or `length` bytes of it from `start`: a stored ZIP entry), a stream, or a
 * stream opened only when the content is hashed (not at all when a malformed signature is refused first).
 */
export type ContentSource =
  | Buffer
  | { path: string; start?: number; length?: number }
  | { open: () => NodeJS.ReadableStream }
  | NodeJS.ReadableStream;
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
  if (isReadable(content) || 'open' in content) {
    const stream = isReadable(content) ? content : content.open();
    for await (const chunk of stream) digest.update(chunk as Buffer | string);
    return digest.digest();
  }
  const file = await open(content.path, 'r');
  try {
    const buffer = Buffer.allocUnsafe(1024 * 1024);
    const end = content.length === undefined ? Infinity : (content.start ?? 0) + content.length;
    for (let at = content.start ?? 0; at < end;) {
      const { bytesRead } = await file.read(buffer, 0, Math.min(buffer.length, end - at), at);
      if (bytesRead === 0) break;
      digest.update(buffer.subarray(0, bytesRead));
      at += bytesRead;
    }
  } finally {
    await file.close();
  }
  return digest.digest();
}
