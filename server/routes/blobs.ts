// Blobs: content-addressed uploads, and downloads only for parties to a document that
// references the blob. A subscriber never learns whether a blob it has no right to exists:
// bytes that are already stored are still streamed and hash-checked, then the upload is
// recorded as the caller's.
import type { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { HubContext } from '../hub';
import { HubError, registerRoute } from '../http';
import { recordDelivery, referableBlobSize } from './documents';

export function registerBlobRoutes(app: FastifyInstance, ctx: HubContext): void {
  const { storage, blobs } = ctx;

  registerRoute(app, ctx, 'putBlob', async ({ params, caller, req }) => {
    const type = req.headers['content-type'];
    if (!type?.startsWith('application/octet-stream')) {
      throw new HubError(
        'unsupported-media-type',
        `A blob is uploaded as application/octet-stream, not ${type ?? 'without a Content-Type'}`,
      );
    }
    const declared = Number(req.headers['content-length']);
    const tooLarge = () =>
      new HubError('blob-too-large', `The blob is larger than this hub accepts (${blobs.maxSize} bytes)`, {
        headers: { connection: 'close' },
      });
    // Refused before reading when the client says how much it sends.
    if (Number.isFinite(declared) && declared > blobs.maxSize) throw tooLarge();
    // 201 or 200 says whether *this* subscriber had uploaded it: whether anyone else had is not its business.
    const alreadyMine = await storage.uploadedBy(params.sha256, caller.subscriber.id);
    const result = await blobs.write(params.sha256, req.body as Readable);
    if (result.kind === 'too-large') throw tooLarge();
    if (result.kind === 'hash-mismatch') {
      throw new HubError(
        'blob-hash-mismatch',
        `The ${result.size} bytes received hash to ${result.actual}, not to ${params.sha256}; nothing was stored`,
      );
    }
    await storage.recordBlob(params.sha256, result.size, caller.subscriber.id, ctx.now().toISOString());
    return { status: alreadyMine ? 200 : 201, body: { sha256: params.sha256, size: result.size } };
  });

  // "Present" only where a send may reference it; a received file is uploaded again before it is forwarded.
  registerRoute(app, ctx, 'headBlob', async ({ params, caller, reply }) => {
    const size = await referableBlobSize(ctx, params.sha256, caller.subscriber.id);
    if (size === undefined) throw new HubError('not-found', `No blob ${params.sha256} uploaded by you`);
    reply.code(200).header('content-length', String(size)).header('content-type', 'application/octet-stream').send();
    return 'sent';
  });

  registerRoute(app, ctx, 'getBlob', async ({ params, caller, reply }) => {
    const me = caller.subscriber.id;
    const document = await storage.documentReferencingBlob(params.sha256, me);
    const size = document && (await storage.getBlobSize(params.sha256));
    if (!document || size === undefined)
      throw new HubError('not-found', `No blob ${params.sha256} in a document you sent or received`);
    if (document.recipientId === me) {
      const record = await storage.getDocument(document.id);
      if (record && !record.deliveredAt) await recordDelivery(ctx, record);
    }
    reply
      .code(200)
      .header('content-length', String(size))
      .header('content-type', 'application/octet-stream')
      .send(blobs.read(params.sha256));
    return 'sent';
  });
}
