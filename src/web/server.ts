// The local web client's server: the built renderer over HTTP and the handler registry over one
// WebSocket, on 127.0.0.1 only. Generic over the registry: a dispatcher (channel → validated
// handler) and an event stream, so it serves whatever main/handlers.ts registers. Nobody but
// the clerk who got the printed address gets in: its secret is exchanged for an HttpOnly,
// SameSite=Strict cookie, and a Host or Origin that is not this server's own (DNS rebinding, a
// page of another site) is refused before anything else.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import type { EventName } from '../ipc/channels';
import { staticFile } from './static-files';

export type WebDispatch = (channel: unknown, args: unknown) => Promise<unknown>;

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
}

export interface WebServer {
  /** The address to open, with this start's secret; it works until the server stops. */
  url: string;
  origin: string;
  notify(notice: WebNotice): void;
  close(): Promise<void>;
}

const cookieName = 'edo-clerk-session';
/** A whole outbox of files travels as base64 in one message. */
const maxMessageBytes = 256 * 1024 * 1024;

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

export async function startWebServer(options: WebServerOptions): Promise<WebServer> {
  const rendererDir = resolve(options.rendererDir);
  const secret = randomBytes(32).toString('base64url');
  const session = randomBytes(32).toString('base64url');
  const sockets = new Set<WebSocket>();
  let host = '';
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
  /** Why a request is refused before its path is looked at; undefined: it may go on. */
  const refusal = (req: IncomingMessage, needsOrigin: boolean): [number, string] | undefined => {
    if (req.headers.host !== host) return [421, 'This server answers only to its own address (127.0.0.1)'];
    const from = req.headers.origin;
    if (from !== undefined ? from !== origin : needsOrigin) return [403, 'Requests from another site are refused'];
    if (!sameSecret(cookieOf(req), session) && !isLogin(req)) return [401, 'Open the address that `edo-clerk web` printed, with its secret'];
    return undefined;
  };
  const isLogin = (req: IncomingMessage) => new URL(req.url ?? '/', origin).searchParams.has('secret');

  const serveFile = (res: ServerResponse, path: string) => {
    const found = staticFile(rendererDir, path, 'web.html');
    if (!found) return refuse(res, 404, 'Not found');
    res.writeHead(200, { ...baseHeaders, 'Content-Type': found.contentType, 'Content-Length': found.size });
    createReadStream(found.file).pipe(res);
  };

  const server = createServer((req, res) => {
    const denied = refusal(req, req.method !== 'GET' && req.method !== 'HEAD');
    if (denied) return refuse(res, ...denied);
    if (req.method !== 'GET' && req.method !== 'HEAD') return refuse(res, 405, 'Only GET');
    const url = new URL(req.url ?? '/', origin);
    if (url.searchParams.has('secret')) {
      if (!sameSecret(url.searchParams.get('secret') ?? undefined, secret)) return refuse(res, 401, 'This secret is not the one `edo-clerk web` printed');
      // The secret leaves the address bar (and the history) at once; the cookie stays in this browser.
      res.writeHead(303, { ...baseHeaders, Location: '/', 'Set-Cookie': `${cookieName}=${session}; HttpOnly; SameSite=Strict; Path=/` });
      return res.end();
    }
    serveFile(res, url.pathname);
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: maxMessageBytes });
  server.on('upgrade', (req, socket, head) => {
    const denied = refusal(req, true) ?? (isLogin(req) || new URL(req.url ?? '/', origin).pathname !== '/api' ? [404, 'Not found'] : undefined);
    if (denied) {
      socket.end(`HTTP/1.1 ${denied[0]} Refused\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n${denied[1]}\n`);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
      ws.on('close', () => sockets.delete(ws));
      ws.on('message', (data) => void answer(ws, data.toString()));
    });
  });

  const answer = async (ws: WebSocket, text: string) => {
    let call: unknown;
    try {
      call = JSON.parse(text);
    } catch {
      return ws.close(1003, 'not JSON');
    }
    if (!isCall(call)) return ws.close(1003, 'not a call');
    try {
      const result = await options.dispatch(call.channel, call.args);
      ws.send(JSON.stringify({ id: call.id, result }));
    } catch (e) {
      const error = e instanceof Error ? { name: e.name, message: e.message } : { name: 'Error', message: String(e) };
      ws.send(JSON.stringify({ id: call.id, error }));
    }
  };
  const broadcast = (message: unknown) => {
    const text = JSON.stringify(message);
    for (const ws of sockets) ws.send(text);
  };
  const unsubscribe = options.events.subscribe((event, payload) => broadcast({ event, payload }));

  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(options.port ?? 0, '127.0.0.1', () => done());
  });
  const { port } = server.address() as AddressInfo;
  origin = `http://127.0.0.1:${port}`;
  host = `127.0.0.1:${port}`;

  return {
    url: `${origin}/?secret=${secret}`,
    origin,
    notify: (notice) => broadcast({ notice }),
    async close() {
      unsubscribe();
      for (const ws of sockets) ws.terminate();
      wss.close();
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}
