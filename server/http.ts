// The HTTP layer between Fastify and the route handlers: every route of the protocol table is
// registered from its spec, its params/query/headers/body parsed by the zod schemas, its caller
// authenticated by bearer token, and every failure answered as {error, message, requestId}.
import { createHash, randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { errorCodes, routes, type ErrorCode, type RouteName, type RouteSpec } from '../src/protocol';
import type { HubStorage, SubscriberRecord, UserRecord } from './storage/storage';

export class HubError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly extra: { issues?: { path: string; message: string }[]; headers?: Record<string, string> } = {},
  ) {
    super(message);
    this.name = 'HubError';
  }

  get status(): number {
    return errorCodes[this.code];
  }
}

export interface Caller {
  user: UserRecord;
  subscriber: SubscriberRecord;
  tokenExpiresAt: string;
}

type Routes = typeof routes;
type Parsed<R, K extends string> =
  R extends Record<K, infer S> ? (S extends z.ZodType ? z.output<S> : undefined) : undefined;

export interface RouteInput<N extends RouteName> {
  params: Parsed<Routes[N], 'params'>;
  query: Parsed<Routes[N], 'query'>;
  headers: Parsed<Routes[N], 'headers'>;
  body: Parsed<Routes[N], 'body'>;
  /** Present on every route with auth: true. */
  caller: Routes[N]['auth'] extends true ? Caller : undefined;
  req: FastifyRequest;
  reply: FastifyReply;
}

/** A JSON answer, or 'sent' when the handler answered through `reply` itself (streams, HEAD). */
export type RouteOutput = { status: number; body: unknown; headers?: Record<string, string> } | 'sent';

export type RouteHandler<N extends RouteName> = (input: RouteInput<N>) => Promise<RouteOutput>;

export const sha256Hex = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');

/** Validates one part of a request (params, query, headers, body) against its schema. */
export function parse(schema: z.ZodType | undefined, value: unknown, where: string): unknown {
  if (!schema) return undefined;
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues.map((i) => ({
    path: [where, ...i.path.map(String)].join('.'),
    message: i.message,
  }));
  throw new HubError(
    'invalid-request',
    `Invalid ${where}: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
    { issues },
  );
}

/** What registerRoute needs: who a bearer token belongs to, and whether answers are checked. */
export interface RouteContext {
  /** Checks what the hub answers against the protocol (catches a hub bug before a client does). */
  validateResponses: boolean;
  /** The caller of a request with a bearer token (the hub's: authenticate below). */
  callerOf(req: FastifyRequest): Promise<Caller>;
}

export interface HttpContext extends RouteContext {
  storage: HubStorage;
  now: () => Date;
  /** Why a user holding a valid token may no longer act (a revoked information system), if so. */
  revokedReason?: (user: UserRecord) => Promise<string | undefined>;
}

/** The caller of a request with a bearer token (HubError 'unauthorized' without a valid one). */
export async function authenticate(ctx: HttpContext, req: FastifyRequest): Promise<Caller> {
  const header = req.headers.authorization;
  const token = header?.startsWith('Bearer ') ? header.slice(7).trim() : undefined;
  if (!token) throw new HubError('unauthorized', 'Authorization: Bearer <token> is required; log in at /v1/auth/*');
  const record = await ctx.storage.findAccessToken(sha256Hex(token), ctx.now().toISOString());
  if (!record) throw new HubError('unauthorized', 'The access token is unknown or expired; log in again');
  const [user, subscriber] = await Promise.all([
    ctx.storage.getUser(record.userId),
    ctx.storage.getSubscriber(record.subscriberId),
  ]);
  if (!user || !subscriber)
    throw new HubError('unauthorized', 'The access token belongs to a user that no longer exists');
  const revoked = await ctx.revokedReason?.(user);
  if (revoked) throw new HubError('unauthorized', revoked);
  return { user, subscriber, tokenExpiresAt: record.expiresAt };
}

/** Checks an answer against the protocol's schema for its status: a hub bug is caught before a client sees it. */
export function checkAnswer(schema: unknown, body: unknown, req: FastifyRequest, name: string): void {
  if (!schema || typeof schema !== 'object') return;
  const checked = (schema as z.ZodType).safeParse(body);
  if (!checked.success) {
    req.log.error({ issues: checked.error.issues }, `response of ${name} does not match the protocol`);
    throw new HubError('internal', `The hub built an invalid answer for ${name}`);
  }
}

export function registerRoute<N extends RouteName>(
  app: FastifyInstance,
  ctx: RouteContext,
  name: N,
  handler: RouteHandler<N>,
  options: { bodyLimit?: number } = {},
): void {
  const spec: RouteSpec = routes[name];
  const bodySchema = spec.body === 'binary' ? undefined : spec.body;
  app.route({
    method: spec.method,
    url: spec.path,
    ...(options.bodyLimit ? { bodyLimit: options.bodyLimit } : {}),
    handler: async (req, reply) => {
      const caller = spec.auth ? await ctx.callerOf(req) : undefined;
      if (caller) req.log = req.log.child({ subscriber: caller.subscriber.id, user: caller.user.id });
      if (spec.headers && 'idempotency-key' in spec.headers.shape && !req.headers['idempotency-key']) {
        throw new HubError(
          'idempotency-key-required',
          'The Idempotency-Key header is required: a client-generated key, stored before the first attempt',
        );
      }
      const input = {
        params: parse(spec.params, req.params, 'params'),
        query: parse(spec.query, req.query, 'query'),
        headers: parse(spec.headers, req.headers, 'headers'),
        body: parse(bodySchema, req.body, 'body'),
        caller,
        req,
        reply,
      } as RouteInput<N>;
      const out = await handler(input);
      if (out === 'sent') return reply;
      if (ctx.validateResponses) checkAnswer(spec.responses[out.status], out.body, req, name);
      if (out.headers) reply.headers(out.headers);
      return reply.code(out.status).send(out.body);
    },
  });
}

/** Fastify's own errors (bad JSON, body too large, wrong media type) as protocol errors. */
function fromFastifyError(error: { code?: string; statusCode?: number; message: string }): HubError {
  if (error instanceof HubError) return error;
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new HubError('body-too-large', error.message);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new HubError('unsupported-media-type', error.message);
  }
  if (error.statusCode === 415) return new HubError('unsupported-media-type', error.message);
  if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500)
    return new HubError('invalid-request', error.message);
  return new HubError('internal', 'The hub failed; the request id is in its log');
}

/** Every error in the hub's one shape (src/protocol/errors.ts). */
function sendHubError(error: unknown, req: FastifyRequest, reply: FastifyReply): FastifyReply {
  const hubError = fromFastifyError(error as { code?: string; statusCode?: number; message: string });
  if (hubError.code === 'internal') req.log.error({ err: error }, 'request failed');
  if (hubError.extra.headers) reply.headers(hubError.extra.headers);
  return reply.code(hubError.status).send({
    error: hubError.code,
    message: hubError.message,
    requestId: String(req.id),
    ...(hubError.extra.issues ? { issues: hubError.extra.issues } : {}),
  });
}

/**
 * Fastify's router answers a bad or over-long URL before any route or error handler runs; given
 * as Fastify's `frameworkErrors` option, these get the hub's shape too.
 */
export function frameworkErrors(
  error: { code?: string; message: string },
  req: FastifyRequest,
  reply: FastifyReply,
): FastifyReply {
  if (error.code === 'FST_ERR_MAX_PARAM_LENGTH')
    return sendHubError(
      new HubError('uri-too-long', 'A path parameter is longer than any id the hub gives'),
      req,
      reply,
    );
  return sendHubError(new HubError('invalid-request', error.message), req, reply);
}

/**
 * A request Node's HTTP parser refuses (headers over its limit, a request not in time, a
 * malformed one) never becomes a request: Node emits 'clientError' on the server, and Fastify
 * hands it to its `clientErrorHandler` option, this one. It answers on the socket in the hub's
 * shape, with a fresh request id that the log line names too, and closes the connection.
 */
export function clientErrorHandler(this: FastifyInstance, error: Error & { code?: string }, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return; // nobody is left to answer
  const refusal =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? new HubError(
          'headers-too-large',
          'The request headers are larger than the hub reads; send fewer or shorter ones',
        )
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? new HubError('request-timeout', 'The request did not arrive whole in time')
        : new HubError('invalid-request', 'The request is not well-formed HTTP');
  const requestId = randomUUID();
  this.log.info({ err: error, requestId, status: refusal.status }, 'request refused by the HTTP parser');
  if (socket.writable) {
    const body = JSON.stringify({ error: refusal.code, message: refusal.message, requestId });
    socket.write(
      [
        `HTTP/1.1 ${refusal.status} ${STATUS_CODES[refusal.status]}`,
        'Content-Type: application/json; charset=utf-8',
        `Content-Length: ${Buffer.byteLength(body)}`,
        `x-request-id: ${requestId}`,
        'Connection: close',
        '',
        body,
      ].join('\r\n'),
    );
  }
  socket.destroy(error);
}

export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error, req, reply) => sendHubError(error, req, reply));
  app.setNotFoundHandler((req, reply) =>
    reply.code(404).send({
      error: 'not-found',
      message: `No route ${req.method} ${req.url.split('?')[0]}`,
      requestId: String(req.id),
    }),
  );
}
