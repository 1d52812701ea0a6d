// The hub's HTTP client, the one way the clerk reaches the hub (exchange, organization and
// archive routes alike): calls typed by the protocol's route table, a bearer token, one
// re-authentication on 401, retries with backoff on network failures and on "still in
// progress", blobs streamed both ways, answers validated against the protocol's schemas (a hub
// that answers something else is an error naming the route, not a crash three steps later).
// An answer is read whole inside the attempt, so one cut part way is retried like a refused
// connection; a byte stream cut part way is asked for again and continues where it stopped.
import { Readable } from 'node:stream';
import type { z } from 'zod';
import {
  ErrorBody,
  loginSignedContent,
  routePath,
  routes,
  type ErrorCode,
  type LoginResponse,
  type RouteBody,
  type RouteName,
  type RouteParams,
  type RouteQuery,
  type RouteSpec,
  type WorkflowStep,
  type WorkflowStepBody,
  type WorkflowStepResult,
} from '../protocol';
import type { Authenticator, ExchangeClient } from './client';

export class HubError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode | 'bad-answer',
    message: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'HubError';
  }
}

/** The hub could not be reached, or its answer was lost on the way (after the retries). */
export class HubUnreachableError extends Error {
  /** The request never left: the connection was refused. */
  readonly neverSent: boolean;
  /** The socket's own words ("connect ECONNREFUSED 127.0.0.1:9"), which a clerk's message quotes as they are. */
  readonly reason: string;

  constructor(
    readonly url: string,
    cause: unknown,
  ) {
    const reason = describeCause(cause);
    super(`The exchange hub at ${url} cannot be reached: ${reason}`);
    this.name = 'HubUnreachableError';
    this.reason = reason;
    this.neverSent = causeCode(cause) === 'ECONNREFUSED';
  }
}

function causeCode(e: unknown): string | undefined {
  for (let c = e; c instanceof Error; c = c.cause) if ('code' in c && typeof c.code === 'string') return c.code;
  return undefined;
}

/** fetch's own words ("fetch failed", "terminated") say nothing; the socket's do. */
function describeCause(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  return e.cause instanceof Error ? e.cause.message : e.message;
}

export interface HttpClientOptions {
  /** Retries of a call that failed on the network or with 409 request-in-progress / 503. */
  retries?: number;
  /** First backoff delay; doubles on every retry. */
  backoffMs?: number;
  fetch?: typeof fetch;
}

type Routes = typeof routes;
type AnswerOf<V> = V extends z.ZodType ? z.output<V> : V extends 'binary' ? Readable : undefined;

/** What a call of the route resolves to: its JSON answer parsed, a byte stream, or nothing. */
export type RouteAnswer<N extends RouteName> = AnswerOf<Routes[N]['responses'][keyof Routes[N]['responses']]>;

/** A call of a route: the parts its spec has, typed by its schemas. */
export interface RouteRequest<N extends RouteName> {
  params?: RouteParams<N>;
  query?: RouteQuery<N>;
  body?: RouteBody<N>;
  /** A streamed body (a 'binary' route), made afresh for each attempt. */
  stream?: () => Readable;
  size?: number;
  idempotencyKey?: string;
}

/** The one call every client of the hub makes (the archive's and the organization's too). */
export interface HubCalls {
  call<N extends RouteName>(name: N, request?: RouteRequest<N>): Promise<RouteAnswer<N>>;
}

/** The hub's login nonce: 32 random bytes. */
const nonceBytes = 32;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Whether trying again may succeed, and does no harm: a request whose answer was lost is repeated only if the route allows it. */
function retryable(e: unknown, route: RouteSpec): boolean {
  if (e instanceof HubError)
    return (
      e.status === 503 ||
      e.status === 502 ||
      e.status === 504 ||
      e.code === 'request-in-progress' ||
      e.code === 'too-many-attempts'
    );
  return e instanceof HubUnreachableError && (route.repeatable !== false || e.neverSent);
}

const label = (route: RouteSpec) => `${route.method} ${route.path}`;

export class HttpExchangeClient implements ExchangeClient, HubCalls {
  private accessToken: string | undefined;
  private authenticator: Authenticator | undefined;
  private readonly retries: number;
  private readonly backoffMs: number;
  private readonly fetch: typeof fetch;

  constructor(
    readonly baseUrl: string,
    options: HttpClientOptions = {},
  ) {
    this.retries = options.retries ?? 4;
    this.backoffMs = options.backoffMs ?? 250;
    this.fetch = options.fetch ?? fetch;
  }

  /** One request; a refusal is a HubError, a network failure a HubUnreachableError. */
  private async send<N extends RouteName>(name: N, o: RouteRequest<N>): Promise<Response> {
    const route: RouteSpec = routes[name];
    const url = new URL(routePath(name, o.params as Record<string, string> | undefined), this.baseUrl);
    for (const [k, v] of Object.entries((o.query ?? {}) as Record<string, unknown>))
      if (v !== undefined) url.searchParams.set(k, String(v));
    const headers: Record<string, string> = {};
    if (route.auth && this.accessToken) headers.authorization = `Bearer ${this.accessToken}`;
    if (o.idempotencyKey) headers['idempotency-key'] = o.idempotencyKey;
    let body: RequestInit['body'];
    if (o.stream) {
      headers['content-type'] = 'application/octet-stream';
      if (o.size !== undefined) headers['content-length'] = String(o.size);
      body = Readable.toWeb(o.stream()) as ReadableStream;
    } else if (o.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(o.body);
    }
    let res: Response;
    try {
      res = await this.fetch(url, {
        method: route.method,
        headers,
        body,
        ...(o.stream ? { duplex: 'half' } : {}),
      } as RequestInit);
    } catch (e) {
      throw new HubUnreachableError(this.baseUrl, e);
    }
    if (res.ok) return res;
    const text = await res.text().catch(() => '');
    let parsed: ReturnType<typeof ErrorBody.safeParse> | undefined;
    try {
      parsed = ErrorBody.safeParse(JSON.parse(text));
    } catch {
      parsed = undefined;
    }
    const retryAfter = Number(res.headers.get('retry-after')) || undefined;
    if (parsed?.success)
      throw new HubError(res.status, parsed.data.error, `${label(route)}: ${parsed.data.message}`, retryAfter);
    throw new HubError(
      res.status,
      res.status === 401 ? 'unauthorized' : 'bad-answer',
      `${label(route)}: HTTP ${res.status} ${text.slice(0, 200)}`,
      retryAfter,
    );
  }

  /** One request and its whole answer: parsed JSON, nothing, or (a 'binary' route) the response to stream. */
  private async attempt<N extends RouteName>(name: N, o: RouteRequest<N>): Promise<unknown> {
    const route: RouteSpec = routes[name];
    const res = await this.send(name, o);
    const schema = route.responses[res.status];
    if (schema === undefined) {
      await res.body?.cancel();
      throw new HubError(res.status, 'bad-answer', `${label(route)}: unexpected HTTP ${res.status}`);
    }
    if (schema === 'binary') return res;
    let text: string;
    try {
      text = await res.text();
    } catch (e) {
      throw new HubUnreachableError(
        this.baseUrl,
        new Error(`the answer to ${label(route)} was cut off (${describeCause(e)})`),
      );
    }
    if (schema === null) return undefined;
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new HubError(res.status, 'bad-answer', `${label(route)}: the answer is not JSON: ${text.slice(0, 200)}`);
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      throw new HubError(
        res.status,
        'bad-answer',
        `${label(route)}: the answer does not match the protocol: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      );
    }
    return parsed.data;
  }

  /** The retries and the re-login on 401, for every call of the client. */
  private async retrying<T>(route: RouteSpec, once: () => Promise<T>): Promise<T> {
    let reauthenticated = false;
    for (let attempt = 0; ; attempt++) {
      try {
        return await once();
      } catch (e) {
        if (e instanceof HubError && e.status === 401 && route.auth && this.authenticator && !reauthenticated) {
          reauthenticated = true; // the token expired or the hub restarted: log in again, once
          await this.login(this.authenticator);
          continue;
        }
        if (!retryable(e, route) || attempt >= this.retries) throw e;
        const hinted = e instanceof HubError && e.retryAfterSeconds ? e.retryAfterSeconds * 1000 : 0;
        await sleep(Math.max(hinted, this.backoffMs * 2 ** attempt));
      }
    }
  }

  async call<N extends RouteName>(name: N, request: RouteRequest<N> = {}): Promise<RouteAnswer<N>> {
    const route: RouteSpec = routes[name];
    const answer = await this.retrying(route, () => this.attempt(name, request));
    if (answer instanceof Response)
      return this.resumable(route, answer, () =>
        this.retrying(route, () => this.send(name, request)),
      ) as RouteAnswer<N>;
    return answer as RouteAnswer<N>;
  }

  /**
   * The bytes of a 'binary' answer (content-addressed, so every answer has the same bytes): when
   * the connection breaks part way, the route is asked again and the bytes already given are
   * skipped. The caller still checks the hash.
   */
  private resumable(route: RouteSpec, first: Response, again: () => Promise<Response>): Readable {
    const { retries, backoffMs, baseUrl } = this;
    async function* bytes(): AsyncGenerator<Buffer> {
      let res = first;
      let delivered = 0;
      for (let resumed = 0; ; resumed++) {
        let skip = delivered;
        try {
          if (!res.body) throw new HubError(res.status, 'bad-answer', `${label(route)}: empty answer`);
          for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
            let part = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
            if (skip >= part.length) {
              skip -= part.length;
              continue;
            }
            part = part.subarray(skip);
            skip = 0;
            delivered += part.length;
            yield part;
          }
          if (skip > 0)
            throw new HubError(
              res.status,
              'bad-answer',
              `${label(route)}: the answer asked again is shorter than the bytes already received`,
            );
          return;
        } catch (e) {
          if (e instanceof HubError) throw e;
          if (resumed >= retries)
            throw new HubUnreachableError(
              baseUrl,
              new Error(`the answer to ${label(route)} was cut off after ${delivered} bytes (${describeCause(e)})`),
            );
          await sleep(backoffMs * 2 ** resumed);
          res = await again();
        }
      }
    }
    return Readable.from(bytes(), { objectMode: false });
  }

  /** A certificate login is challenge, signature and login as one unit: a retry starts with a fresh challenge (each is single-use). */
  private async login(how: Authenticator): Promise<LoginResponse> {
    let result: LoginResponse;
    if (how.method === 'password') {
      result = await this.call('loginWithPassword', { body: { login: how.login, password: how.password } });
    } else {
      result = await this.retrying(routes.challenge, async () => {
        const challenge = (await this.attempt('challenge', { body: {} })) as RouteAnswer<'challenge'>;
        const nonce = Buffer.from(challenge.nonce, 'base64');
        // The clerk's key signs only what is plainly a login nonce, never bytes of the hub's choosing (a document, a receipt).
        if (nonce.length !== nonceBytes || nonce.toString('base64') !== challenge.nonce) {
          throw new HubError(
            200,
            'bad-answer',
            `POST /v1/auth/challenge: the login nonce must be exactly ${nonceBytes} bytes in base64, the hub sent ${nonce.length} bytes; not signing it`,
          );
        }
        // The key signs content the client builds: bound to the hub it means to reach and to this challenge.
        const signature = await how.signLogin(
          Buffer.from(
            loginSignedContent({ origin: this.baseUrl, challengeId: challenge.challengeId, nonce: challenge.nonce }),
          ),
        );
        const body = { challengeId: challenge.challengeId, signature: signature.toString('base64') };
        return (await this.attempt('loginWithCertificate', { body })) as RouteAnswer<'loginWithCertificate'>;
      });
    }
    this.accessToken = result.accessToken;
    return result;
  }

  async authenticate(how: Authenticator): Promise<LoginResponse> {
    const result = await this.login(how);
    this.authenticator = how;
    return result;
  }

  operator() {
    return this.call('operator');
  }

  subscribers(after: number, limit = 500) {
    return this.call('listSubscribers', { query: { after, limit } });
  }

  contacts(after: number, limit = 500) {
    return this.call('listContacts', { query: { after, limit } });
  }

  invite(subscriberId: string, message?: string) {
    return this.call('inviteContact', { body: { subscriberId, ...(message ? { message } : {}) } });
  }

  accept(subscriberId: string) {
    return this.call('acceptContact', { params: { subscriberId }, body: {} });
  }

  reject(subscriberId: string) {
    return this.call('rejectContact', { params: { subscriberId }, body: {} });
  }

  async hasBlob(sha256: string): Promise<boolean> {
    try {
      await this.call('headBlob', { params: { sha256 } });
      return true;
    } catch (e) {
      if (e instanceof HubError && e.status === 404) return false;
      throw e;
    }
  }

  async putBlob(sha256: string, size: number, body: () => Readable): Promise<void> {
    await this.call('putBlob', { params: { sha256 }, stream: body, size });
  }

  getBlob(sha256: string): Promise<Readable> {
    return this.call('getBlob', { params: { sha256 } });
  }

  sendDocument(idempotencyKey: string, request: Parameters<ExchangeClient['sendDocument']>[1]) {
    return this.call('sendDocument', { idempotencyKey, body: request });
  }

  document(documentId: string) {
    return this.call('getDocument', { params: { documentId } });
  }

  postServiceDocument(
    documentId: string,
    idempotencyKey: string,
    request: Parameters<ExchangeClient['postServiceDocument']>[2],
  ) {
    return this.call('postServiceDocument', { params: { documentId }, idempotencyKey, body: request });
  }

  events(after: number, limit = 200, waitSeconds = 0) {
    return this.call('listEvents', { query: { after, limit, wait: waitSeconds } });
  }

  checkPowerOfAttorney(request: Parameters<ExchangeClient['checkPowerOfAttorney']>[0]) {
    return this.call('checkPowerOfAttorney', { body: request });
  }

  documentPowerOfAttorney(documentId: string, number: string) {
    return this.call('getDocumentPowerOfAttorney', { params: { documentId, number } });
  }

  workflowStep(
    step: WorkflowStep,
    target: { documentId: string; proposalId?: string | undefined },
    idempotencyKey: string,
    body: WorkflowStepBody,
  ): Promise<WorkflowStepResult> {
    const { documentId, proposalId } = target;
    const answer = (name: 'acceptAnnulment' | 'rejectAnnulment') => {
      if (!proposalId) throw new Error(`${step} needs the proposal it answers`);
      return this.call(name, { params: { documentId, proposalId }, idempotencyKey, body: body as never });
    };
    switch (step) {
      case 'sign':
        return this.call('signDocument', { params: { documentId }, idempotencyKey, body: body as never });
      case 'refuse-signature':
        return this.call('refuseSignature', { params: { documentId }, idempotencyKey, body: body as never });
      case 'propose-annulment':
        return this.call('proposeAnnulment', { params: { documentId }, idempotencyKey, body: body as never });
      case 'accept-annulment':
        return answer('acceptAnnulment');
      case 'reject-annulment':
        return answer('rejectAnnulment');
    }
  }
}
