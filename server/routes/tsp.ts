// POST /v1/tsp: the operator's RFC 3161 time-stamp service (RFC 3161 3.4, over HTTP). Open
// without login, as a TSA is to any RFC 3161 client; a request is a few hundred bytes.
import type { FastifyInstance } from 'fastify';
import { routes } from '../../src/protocol';
import type { HubContext } from '../hub';
import { HubError, registerRoute } from '../http';

const { media } = routes.timestamp;

export function registerTspRoutes(app: FastifyInstance, ctx: HubContext): void {
  app.addContentTypeParser(media.request, { parseAs: 'buffer', bodyLimit: 64 * 1024 }, (_req, body, done) =>
    done(null, body),
  );
  registerRoute(app, ctx, 'timestamp', async ({ req, reply }) => {
    if (!Buffer.isBuffer(req.body))
      throw new HubError('unsupported-media-type', `A time-stamp request is sent as ${media.request}`);
    const answer = await ctx.operator.tsa.authority.respond(req.body);
    reply.code(200).header('content-type', media.response).send(answer);
    return 'sent';
  });
}
