// Hashing of document content. Documents can be hundreds of megabytes: a file is read as a
// stream, chunk by chunk, never loaded whole.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

export type ContentSource = Buffer | { path: string } | NodeJS.ReadableStream;
export type DigestAlgorithm = 'sha256' | 'sha384';

function isReadable(content: ContentSource): content is NodeJS.ReadableStream {
  // Checked before `path`: an fs.ReadStream is a stream that also has a `path`.
  return typeof (content as NodeJS.ReadableStream).pipe === 'function';
}

export async function digestContent(content: ContentSource, hash: DigestAlgorithm = 'sha256'): Promise<Buffer> {
  const digest = createHash(hash);
  if (Buffer.isBuffer(content)) return digest.update(content).digest();
  const stream = isReadable(content) ? content : createReadStream(content.path);
  for await (const chunk of stream) digest.update(chunk as Buffer | string);
  return digest.digest();
}
