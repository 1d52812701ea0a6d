// The hub's HTTP client: fetch, a bearer token, one re-authentication on 401, retries with
// backoff on network failures and on "still in progress", blobs streamed both ways, answers
// validated against the protocol's schemas (a hub that answers something else is an error
// naming the route, not a crash three steps later).
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { z } from 'zod';
import { ErrorBody, loginSignedContent, routePath, routes, type ErrorCode, type LoginResponse, type RouteName } from '../protocol';
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

/** The hub could not be reached (after the retries). */
export class HubUnreachableError extends Error {
  constructor(
    readonly url: string,
    cause: unknown,
  ) {
    super(`The exchange hub at ${url} cannot be reached: ${cause instanceof Error ? (cause.cause instanceof Error ? cause.cause.message : cause.message) : String(cause)}`);
    this.name = 'HubUnreachableError';
  }
}

export interface HttpClientOptions {
  /** Retries of a call that failed on the network or with 409 request-in-progress / 503. */
  retries?: number;
  /** First backoff delay; doubles on every retry. */
  backoffMs?: number;
  fetch?: typeof fetch;
}

interface CallOptions {
  params?: Record<string, string>;
  query?: Record<string, string | number | undefined>;
  body?: unknown;
  /** A streamed body, made afresh for each attempt. */
  stream?: () => Readable;
  size?: number;
  idempotencyKey?: string;
  /** Do not parse: return the response (blobs). */
  raw?: boolean;
}

/** The hub's login nonce: 32 random bytes. */
const nonceBytes = 32;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function retryable(e: unknown): boolean {
  if (e instanceof HubError) return e.status === 503 || e.status === 502 || e.status === 504 || e.code === 'request-in-progress' || e.code === 'too-many-attempts';
  return e instanceof HubUnreachableError;
}

export class HttpExchangeClient implements ExchangeClient {
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

  private async attempt(name: RouteName, o: CallOptions): Promise<Response> {
    const route = routes[name];
    const url = new URL(routePath(name, o.params), this.baseUrl);
    for (const [k, v] of Object.entries(o.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
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
      res = await this.fetch(url, { method: route.method, headers, body, ...(o.stream ? { duplex: 'half' } : {}) } as RequestInit);
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
    if (parsed?.success) throw new HubError(res.status, parsed.data.error, `${route.method} ${route.path}: ${parsed.data.message}`, retryAfter);
    throw new HubError(res.status, res.status === 401 ? 'unauthorized' : 'bad-answer', `${route.method} ${route.path}: HTTP ${res.status} ${text.slice(0, 200)}`, retryAfter);
  }

  private async call(name: RouteName, o: CallOptions = {}): Promise<Response> {
    let reauthenticated = false;
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.attempt(name, o);
      } catch (e) {
        if (e instanceof HubError && e.status === 401 && routes[name].auth && this.authenticator && !reauthenticated) {
          reauthenticated = true; // the token expired or the hub restarted: log in again, once
          await this.login(this.authenticator);
          continue;
        }
        if (!retryable(e) || attempt >= this.retries) throw e;
        const hinted = e instanceof HubError && e.retryAfterSeconds ? e.retryAfterSeconds * 1000 : 0;
        await sleep(Math.max(hinted, this.backoffMs * 2 ** attempt));
      }
    }
  }

  private async json<N extends RouteName>(name: N, o: CallOptions = {}): Promise<unknown> {
    const res = await this.call(name, o);
    const text = await res.text();
    const schema = (routes[name].responses as Record<number, z.ZodType | 'binary' | null>)[res.status];
    if (!schema || schema === 'binary') throw new HubError(res.status, 'bad-answer', `${routes[name].method} ${routes[name].path}: unexpected HTTP ${res.status}`);
    const parsed = schema.safeParse(JSON.parse(text));
    if (!parsed.success) {
      throw new HubError(res.status, 'bad-answer', `${routes[name].method} ${routes[name].path}: the answer does not match the protocol: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    }
    return parsed.data;
  }

  private async login(how: Authenticator): Promise<LoginResponse> {
    let result: LoginResponse;
    if (how.method === 'password') {
      result = (await this.json('loginWithPassword', { body: { login: how.login, password: how.password } })) as LoginResponse;
    } else {
      const challenge = (await this.json('challenge', { body: {} })) as { challengeId: string; nonce: string };
      const nonce = Buffer.from(challenge.nonce, 'base64');
      // The clerk's key signs only what is plainly a login nonce, never bytes of the hub's choosing (a document, a receipt).
      if (nonce.length !== nonceBytes || nonce.toString('base64') !== challenge.nonce) {
        throw new HubError(200, 'bad-answer', `POST /v1/auth/challenge: the login nonce must be exactly ${nonceBytes} bytes in base64, the hub sent ${nonce.length} bytes; not signing it`);
      }
      // The key signs content the client builds: bound to the hub it means to reach and to this challenge.
      const signature = await how.signLogin(Buffer.from(loginSignedContent({ origin: this.baseUrl, challengeId: challenge.challengeId, nonce: challenge.nonce })));
      result = (await this.json('loginWithCertificate', { body: { challengeId: challenge.challengeId, signature: signature.toString('base64') } })) as LoginResponse;
    }
    this.accessToken = result.accessToken;
    return result;
  }

  async authenticate(how: Authenticator): Promise<LoginResponse> {
    const result = await this.login(how);
    this.authenticator = how;
    return result;
  }

  async operator() {
    return (await this.json('operator')) as Awaited<ReturnType<ExchangeClient['operator']>>;
  }

  async subscribers(after: number, limit = 500) {
    return (await this.json('listSubscribers', { query: { after, limit } })) as Awaited<ReturnType<ExchangeClient['subscribers']>>;
  }

  async contacts(after: number, limit = 500) {
    return (await this.json('listContacts', { query: { after, limit } })) as Awaited<ReturnType<ExchangeClient['contacts']>>;
  }

  async invite(subscriberId: string, message?: string) {
    return (await this.json('inviteContact', { body: { subscriberId, ...(message ? { message } : {}) } })) as Awaited<ReturnType<ExchangeClient['invite']>>;
  }

  async accept(subscriberId: string) {
    return (await this.json('acceptContact', { params: { subscriberId }, body: {} })) as Awaited<ReturnType<ExchangeClient['accept']>>;
  }

  async reject(subscriberId: string) {
    return (await this.json('rejectContact', { params: { subscriberId }, body: {} })) as Awaited<ReturnType<ExchangeClient['reject']>>;
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
    await this.json('putBlob', { params: { sha256 }, stream: body, size });
  }

  async getBlob(sha256: string): Promise<Readable> {
    const res = await this.call('getBlob', { params: { sha256 } });
    if (!res.body) throw new HubError(res.status, 'bad-answer', `GET blob ${sha256}: empty answer`);
    return Readable.fromWeb(res.body as WebReadableStream<Uint8Array>);
  }

  async sendDocument(idempotencyKey: string, request: Parameters<ExchangeClient['sendDocument']>[1]) {
    return (await this.json('sendDocument', { idempotencyKey, body: request })) as Awaited<ReturnType<ExchangeClient['sendDocument']>>;
  }

  async document(documentId: string) {
    return (await this.json('getDocument', { params: { documentId } })) as Awaited<ReturnType<ExchangeClient['document']>>;
  }

  async postServiceDocument(documentId: string, idempotencyKey: string, request: Parameters<ExchangeClient['postServiceDocument']>[2]) {
    return (await this.json('postServiceDocument', { params: { documentId }, idempotencyKey, body: request })) as Awaited<ReturnType<ExchangeClient['postServiceDocument']>>;
  }

  async events(after: number, limit = 200, waitSeconds = 0) {
    return (await this.json('listEvents', { query: { after, limit, wait: waitSeconds } })) as Awaited<ReturnType<ExchangeClient['events']>>;
  }
}
