// A small reverse proxy on loopback in front of several hub instances, the way a load balancer
// stands before them: requests go to the upstreams in turn, bodies streamed both ways, and each
// carries X-Forwarded-For (the client's address appended), X-Forwarded-Proto and X-Forwarded-Host
// (what the client reached). The proxy connects upstream from its own loopback address, so a hub
// tells its connections apart from the clients' own.
//
//   const proxy = await startHttpProxy({ from: '127.0.0.9' });   // listens on 127.0.0.1, port 0
//   proxy.forwardTo([one.url, two.url]);
//   proxy.served                                               // how many requests each upstream took
import { createServer, request, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';

export interface HttpProxy {
  /** http://127.0.0.1:PORT */
  url: string;
  forwardTo(urls: string[]): void;
  /** Requests forwarded to each upstream so far, by its URL. */
  served: Map<string, number>;
  close(): Promise<void>;
}

const forwardedFor = (req: IncomingMessage) => {
  const earlier = req.headers['x-forwarded-for'];
  const client = req.socket.remoteAddress ?? '';
  return earlier ? `${Array.isArray(earlier) ? earlier.join(', ') : earlier}, ${client}` : client;
};

export async function startHttpProxy(options: { from: string }): Promise<HttpProxy> {
  let upstreams: URL[] = [];
  let turn = 0;
  const served = new Map<string, number>();
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    const target = upstreams[turn++ % upstreams.length];
    if (!target) return void res.writeHead(502).end();
    served.set(target.origin, (served.get(target.origin) ?? 0) + 1);
    const headers = {
      ...req.headers,
      'x-forwarded-for': forwardedFor(req),
      'x-forwarded-proto': 'http',
      'x-forwarded-host': req.headers.host ?? '',
    };
    const to = {
      host: target.hostname,
      port: target.port,
      localAddress: options.from,
      method: req.method,
      path: req.url,
      headers,
    };
    const upstream = request(to, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => (res.headersSent ? res.destroy() : res.writeHead(502).end()));
    req.pipe(upstream);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    served,
    forwardTo: (urls) => void (upstreams = urls.map((u) => new URL(u))),
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
