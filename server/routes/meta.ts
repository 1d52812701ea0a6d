// Health and the protocol's OpenAPI document: the only routes besides login without a token.
import type { FastifyInstance } from 'fastify';
import { buildOpenApi } from '../../src/protocol';
import type { HubContext } from '../hub';
import { registerRoute } from '../http';

export function registerMetaRoutes(app: FastifyInstance, ctx: HubContext): void {
  const openapi = buildOpenApi(ctx.version);
  registerRoute(app, ctx, 'health', async () => ({ status: 200, body: { status: 'ok', version: ctx.version } }));
  registerRoute(app, ctx, 'openapi', async () => ({ status: 200, body: openapi }));
}
