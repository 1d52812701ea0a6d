// The web client's server: the built renderer over HTTP(S) and the handler registry over one
// WebSocket. Generic over the registry: a dispatcher (channel → validated handler) and an event
// stream, so it serves whatever main/handlers.ts registers. Two ways in, one server:
// - the local clerk (`edo-clerk web`, 127.0.0.1 only): the printed address's per-start secret
//   is exchanged for an HttpOnly, SameSite=Strict cookie;
// - the organization's staff (`edo-clerk agent --web`, HTTPS off this machine): a login form
//   posts the hub login and password, which `staff` checks, for an expiring Secure cookie.
// Either way a Host or Origin that is not this server's own (DNS rebinding, a page of another
// site) is refused before anything else, and every call carries its session to the dispatcher.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { isIPv6, type AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { WebSocketServer, type WebSocket } from 'ws';
import type { EventName } from '../ipc/channels';
import { downloadPath } from '../ipc/download-contract';
import { StaffLoginRequest, type StaffLoginRefusal, type StaffUser, type WebAccess } from '../ipc/staff-contract';
import { attachment, callingSession, downloadType, type DownloadShelf } from './downloads';
import { staticFile } from './static-files';

/** Who a call comes from: the local clerk (user null) or a logged-in staff user. */
export interface WebSession {
  user: StaffUser | null;
}

export type WebDispatch = (channel: unknown, args: unknown, session: WebSession) => Promise<unknown>;

/** The staff's way in: a login checked by the caller (the agent asks the hub). */
export interface StaffAccess {
  login(
    request: StaffLoginRequest,
    clientAddress: string,
  ): Promise<{ user: StaffUser } | { status: number; refusal: StaffLoginRefusal }>;
  /** How long a staff session lasts. */
  sessionMs: number;
}

export interface WebEvents {
  subscribe(listener: (event: EventName, payload: unknown) => void): () => void;
}

/** What the page is told besides the registry's events: a notification to show in the browser. */
export interface WebNotice {
  title: string;
  body: string;
  view: string;
}

export interface WebServerOptions {
  /** The built renderer (out/renderer); its web.html is the page. */
  rendererDir: string;
  dispatch: WebDispatch;
  events: WebEvents;
  /** The Content-Security-Policy of the desktop window (main/security.ts). */
  contentSecurityPolicy: string;
  /** 0: any free port. */
  port?: number;
  /** Where to listen; default 127.0.0.1. The caller requires `tls` off loopback. */
  host?: string;
  /** HTTPS with this certificate and key (PEM). */
  tls?: { cert: string; key: string };
  /** Further names the server answers to (a TLS certificate's), with its port. */
  names?: readonly string[];
  /** The staff's login; absent: the local clerk's per-start secret. */
  staff?: StaffAccess;
  /** Files the handlers made for the browser to save (GET /downloads/<id>, once, with a session); emptied when the server stops. */
  downloads?: DownloadShelf;
}

export interface WebServer {
  /** The address to open (the local one with this start's secret); it works until the server stops. */
  url: string;
  origin: string;
  notify(notice: WebNotice): void;
  close(): Promise<void>;
}

const cookieName = 'edo-clerk-session';
/** A whole outbox of files travels as base64 in one message. */
const maxMessageBytes = 256 * 1024 * 1024;
const maxLoginBytes = 16 * 1024;
/** The close code that tells the page its session ended (it reloads to the login form). */
export const sessionEndedCode = 4401;

/** Messages from the page: one call each; the answer carries its id. */
interface Call {
  id: number;
  channel: unknown;
  args: unknown;
}

function isCall(value: unknown): value is Call {
  return typeof value === 'object' && value !== null && typeof (value as Call).id === 'number';
}

function sameSecret(given: string | undefined, secret: string): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(secret);
  return a.length === b.length && timingSafeEqual(a, b);
}

function cookieOf(req: IncomingMessage): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === cookieName) return value.join('=');
  }
  return undefined;
}

const hostName = (name: string) => (isIPv6(name) ? `[${name}]` : name);
const wildcard = new Set(['0.0.0.0', '::', '']);

function readBody(req: IncomingMessage, limit: number): Promise<string | undefined> {
  return new Promise((done, fail) => {
    let size = 0;
    const parts: Buffer[] = [];
    req.on('data', (d: Buffer) => {
      size += d.length;
      if (size <= limit) parts.push(d);
    });
    req.once('end', () => done(size <= limit ? Buffer.concat(parts).toString('utf8') : undefined));
    req.once('error', fail);
  });
}

export async function startWebServer(options: WebServerOptions): Promise<WebServer> {
  const rendererDir = resolve(options.rendererDir);
  const { staff, tls } = options;
  const listenHost = options.host ?? '127.0.0.1';
  const secret = randomBytes(32).toString('base64url');
  const sessions = new Map<string, { session: WebSession; expiresAt: number }>();
  const sockets = new Map<WebSocket, string>();
  let hosts = new Set<string>();
  let origins = new Set<string>();
  let origin = '';

  const baseHeaders = {
    'Content-Security-Policy': options.contentSecurityPolicy,
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    'Referrer-Policy': 'no-referrer',
    'Cache-Control': 'no-store',
  };
  const refuse = (res: ServerResponse, status: number, text: string) => {
    res.writeHead(status, { ...baseHeaders, 'Content-Type': 'text/plain; charset=utf-8' }).end(`${text}\n`);
  };
  const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res
      .writeHead(status, { ...baseHeaders, ...headers, 'Content-Type': 'application/json; charset=utf-8' })
      .end(JSON.stringify(body));
  };

  const sessionOf = (req: IncomingMessage): { id: string; session: WebSession } | undefined => {
    const id = cookieOf(req);
    const entry = id === undefined ? undefined : sessions.get(id);
    if (!id || !entry) return undefined;
    if (entry.expiresAt <= Date.now()) {
      sessions.delete(id);
      return undefined;
    }
    return { id, session: entry.session };
  };
  /** The Set-Cookie of a session (until the browser closes without `ms`). */
  const cookie = (id: string, ms?: number) =>
    [
      `${cookieName}=${id}`,
      'HttpOnly',
      'SameSite=Strict',
      'Path=/',
      ...(tls ? ['Secure'] : []),
      ...(ms === undefined ? [] : [`Max-Age=${Math.floor(ms / 1000)}`]),
    ].join('; ');
  const startSession = (session: WebSession, ms?: number) => {
    const id = randomBytes(32).toString('base64url');
    sessions.set(id, { session, expiresAt: ms === undefined ? Infinity : Date.now() + ms });
    return cookie(id, ms);
  };
  const endSession = (id: string) => {
    sessions.delete(id);
    for (const [ws, of] of sockets) if (of === id) ws.close(sessionEndedCode, 'the session ended');
  };

  /** Why a request is refused before its path is looked at; undefined: it may go on. */
  const refusal = (req: IncomingMessage, needsOrigin: boolean, needsSession: boolean): [number, string] | undefined => {
    if (!hosts.has(req.headers.host ?? ''))
      return [421, `This server answers only to its own address (${[...hosts].join(', ')})`];
    const from = req.headers.origin;
    if (from !== undefined ? !origins.has(from) : needsOrigin) return [403, 'Requests from another site are refused'];
    if (needsSession && !sessionOf(req))
      return [401, staff ? 'Log in first' : 'Open the address that `edo-clerk web` printed, with its secret'];
    return undefined;
  };
  const pathOf = (req: IncomingMessage) => new URL(req.url ?? '/', origin);
  /** What may be asked without a session: the local secret's exchange; for staff, the page itself and its login. */
  const open = (url: URL) => (staff ? url.pathname !== '/api' : url.searchParams.has('secret'));

  const serveFile = (res: ServerResponse, path: string) => {
    const found = staticFile(rendererDir, path, 'web.html');
    if (!found) return refuse(res, 404, 'Not found');
    res.writeHead(200, { ...baseHeaders, 'Content-Type': found.contentType, 'Content-Length': found.size });
    createReadStream(found.file).pipe(res);
  };

  /** A file a handler made for this browser: streamed once, as an attachment, then removed. */
  const download = async (req: IncomingMessage, res: ServerResponse, id: string) => {
    const current = sessionOf(req);
    if (!current) return refuse(res, 401, 'Log in first');
    if (req.method !== 'GET') return refuse(res, 405, 'Only GET');
    const offered = await options.downloads?.take(id, current.id);
    if (!offered) return refuse(res, 404, 'No such download (each is fetched once, within a minute)');
    try {
      res.writeHead(200, {
        ...baseHeaders,
        'Content-Type': downloadType(offered.name),
        'Content-Length': offered.size,
        'Content-Disposition': attachment(offered.name),
      });
      await pipeline(createReadStream(offered.file), res);
    } finally {
      await offered.done();
    }
  };

  const login = async (access: StaffAccess, req: IncomingMessage, res: ServerResponse) => {
    const invalid = (message: string) =>
      json(res, 400, { error: 'invalid-request', message } satisfies StaffLoginRefusal);
    if (!/^application\/json\b/.test(req.headers['content-type'] ?? ''))
      return invalid('The login is JSON {login, password}');
    const body = await readBody(req, maxLoginBytes);
    let parsed;
    try {
      parsed = body === undefined ? undefined : StaffLoginRequest.safeParse(JSON.parse(body));
    } catch {
      parsed = undefined;
    }
    if (!parsed?.success) return invalid('The login is JSON {login, password}, both non-empty');
    const outcome = await access.login(parsed.data, req.socket.remoteAddress ?? '');
    if ('refusal' in outcome) {
      const retry = outcome.refusal.retryAt
        ? { 'Retry-After': String(Math.max(1, Math.ceil((Date.parse(outcome.refusal.retryAt) - Date.now()) / 1000))) }
        : undefined;
      return json(res, outcome.status, outcome.refusal, retry);
    }
    json(res, 200, { access: 'staff', user: outcome.user } satisfies WebAccess, {
      'Set-Cookie': startSession({ user: outcome.user }, access.sessionMs),
    });
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = pathOf(req);
    const reading = req.method === 'GET' || req.method === 'HEAD';
    const denied = refusal(req, !reading, !open(url));
    if (denied) return refuse(res, ...denied);
    if (staff && req.method === 'POST' && url.pathname === '/login') return login(staff, req, res);
    if (staff && req.method === 'POST' && url.pathname === '/logout') {
      const current = sessionOf(req);
      if (current) endSession(current.id);
      return json(res, 200, { access: 'staff', user: null } satisfies WebAccess, { 'Set-Cookie': cookie('', 0) });
    }
    if (!reading) return refuse(res, 405, 'Only GET');
    // Before the secret's exchange: a download is only ever fetched with a session's cookie.
    if (url.pathname.startsWith(downloadPath)) return download(req, res, url.pathname.slice(downloadPath.length));
    if (url.pathname === '/session')
      return json(
        res,
        200,
        (staff
          ? { access: 'staff', user: sessionOf(req)?.session.user ?? null }
          : { access: 'local' }) satisfies WebAccess,
      );
    if (!staff && url.searchParams.has('secret')) {
      if (!sameSecret(url.searchParams.get('secret') ?? undefined, secret))
        return refuse(res, 401, 'This secret is not the one `edo-clerk web` printed');
      // The secret leaves the address bar (and the history) at once; the cookie stays in this browser.
      res.writeHead(303, { ...baseHeaders, Location: '/', 'Set-Cookie': startSession({ user: null }) });
      return res.end();
    }
    serveFile(res, url.pathname);
  };
  const onRequest = (req: IncomingMessage, res: ServerResponse) =>
    void handle(req, res).catch((e: unknown) => {
      if (!res.headersSent) refuse(res, 500, e instanceof Error ? e.message : String(e));
      else res.destroy();
    });
  const server = tls ? createHttpsServer({ cert: tls.cert, key: tls.key }, onRequest) : createServer(onRequest);

  const wss = new WebSocketServer({ noServer: true, maxPayload: maxMessageBytes });
  server.on('upgrade', (req, socket, head) => {
    const url = pathOf(req);
    const denied = refusal(req, true, true) ?? (open(url) || url.pathname !== '/api' ? [404, 'Not found'] : undefined);
    const current = sessionOf(req);
    if (denied || !current) {
      const [status, text] = denied ?? [401, 'Log in first'];
      socket.end(`HTTP/1.1 ${status} Refused\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n${text}\n`);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.set(ws, current.id);
      ws.on('close', () => sockets.delete(ws));
      ws.on('message', (data) => void answer(ws, current.id, data.toString()));
    });
  });

  const answer = async (ws: WebSocket, sessionId: string, text: string) => {
    // A session can end while its socket is open (it expired, the user logged out).
    const entry = sessions.get(sessionId);
    if (!entry || entry.expiresAt <= Date.now()) return endSession(sessionId);
    let call: unknown;
    try {
      call = JSON.parse(text);
    } catch {
      return ws.close(1003, 'not JSON');
    }
    if (!isCall(call)) return ws.close(1003, 'not a call');
    try {
      // A download a handler makes during this call is this session's alone.
      const result = await callingSession.run(sessionId, () =>
        options.dispatch(call.channel, call.args, entry.session),
      );
      ws.send(JSON.stringify({ id: call.id, result }));
    } catch (e) {
      const error = e instanceof Error ? { name: e.name, message: e.message } : { name: 'Error', message: String(e) };
      ws.send(JSON.stringify({ id: call.id, error }));
    }
  };
  const broadcast = (message: unknown) => {
    const text = JSON.stringify(message);
    for (const ws of sockets.keys()) ws.send(text);
  };
  const unsubscribe = options.events.subscribe((event, payload) => broadcast({ event, payload }));

  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(options.port ?? 0, listenHost, () => done());
  });
  const { port } = server.address() as AddressInfo;
  const names = [...(wildcard.has(listenHost) ? [] : [listenHost]), ...(options.names ?? [])];
  if (names.length === 0) {
    await new Promise<void>((done) => server.close(() => done()));
    throw new Error(
      `Listening on ${listenHost} answers to no name: give the names the server is reached by (the TLS certificate's subjectAltName)`,
    );
  }
  const scheme = tls ? 'https' : 'http';
  hosts = new Set(names.map((n) => `${hostName(n)}:${port}`));
  origins = new Set([...hosts].map((h) => `${scheme}://${h}`));
  origin = `${scheme}://${hostName(names[0]!)}:${port}`;

  return {
    url: staff ? `${origin}/` : `${origin}/?secret=${secret}`,
    origin,
    notify: (notice) => broadcast({ notice }),
    async close() {
      unsubscribe();
      await options.downloads?.close();
      for (const ws of sockets.keys()) ws.terminate();
      wss.close();
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}
