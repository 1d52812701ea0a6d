// A TCP proxy on loopback between a client and the hub that breaks chosen answers, the way a
// flaky network or a dying load balancer does:
//
//   const proxy = await startFaultProxy();                 // listens on 127.0.0.1, port 0
//   const hub = await startHub({ args: ['--public-origin', proxy.url] });
//   proxy.forwardTo(hub.url);
//   proxy.cut('GET /v1/events', { afterBodyBytes: 10 });   // the next such answer: head and 10 body bytes, then the connection closes
//   proxy.drop('POST /v1/auth/certificate');               // the next such request reaches the hub; its answer never comes back
//   proxy.fired                                            // the faults that happened, e.g. ['cut GET /v1/events?after=0']
//
// A fault matches a request whose "METHOD /path?query" starts with the given text, and is used
// once. The client's HTTP/1.1 connection is kept alive and requests on it go one after the
// other, so the answer that follows a matched request is its answer.
import { connect, createServer, type Socket } from 'node:net';

interface Fault {
  kind: 'cut' | 'drop';
  request: string;
  afterBodyBytes: number;
}

export interface FaultProxy {
  /** http://127.0.0.1:PORT */
  url: string;
  forwardTo(url: string): void;
  /** The next answer to a matching request ends after its head and `afterBodyBytes` bytes of its body. */
  cut(request: string, options?: { afterBodyBytes?: number }): void;
  /** The next matching request is forwarded; the connection closes as soon as its answer starts. */
  drop(request: string): void;
  /** What happened, in order: "cut METHOD /path" or "drop METHOD /path". */
  fired: string[];
  close(): Promise<void>;
}

const requestLine = /^(GET|HEAD|POST|PUT|PATCH|DELETE) (\S+) HTTP\/1\.1\r\n/m;

export async function startFaultProxy(): Promise<FaultProxy> {
  const faults: Fault[] = [];
  const fired: string[] = [];
  const sockets = new Set<Socket>();
  let target: URL | undefined;

  const server = createServer((client) => {
    if (!target) return client.destroy();
    const upstream = connect(Number(target.port), target.hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined);
    }
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end);
    upstream.on('close', end);

    /** The fault for the answer now expected on this connection, and what of it has passed. */
    let armed: (Fault & { seen: string }) | undefined;
    let answer = Buffer.alloc(0);
    let forwarded = 0;
    client.on('data', (chunk: Buffer) => {
      const line = requestLine.exec(chunk.toString('latin1'));
      if (line) {
        const seen = `${line[1]} ${line[2]}`;
        const i = faults.findIndex((f) => seen.startsWith(f.request));
        if (i >= 0) {
          armed = { ...faults.splice(i, 1)[0]!, seen };
          answer = Buffer.alloc(0);
          forwarded = 0;
        }
      }
      upstream.write(chunk);
    });
    let broken = false;
    upstream.on('data', (chunk: Buffer) => {
      if (broken) return;
      if (!armed) return void client.write(chunk);
      if (armed.kind === 'drop') {
        fired.push(`drop ${armed.seen}`);
        broken = true;
        return end();
      }
      answer = Buffer.concat([answer, chunk]);
      const head = answer.indexOf('\r\n\r\n');
      if (head < 0) return; // the head is held back until it is whole
      const keep = head + 4 + armed.afterBodyBytes;
      client.write(answer.subarray(forwarded, Math.min(keep, answer.length)));
      forwarded = Math.min(keep, answer.length);
      if (forwarded < keep) return;
      fired.push(`cut ${armed.seen}`);
      broken = true;
      client.end(end);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };

  return {
    url: `http://127.0.0.1:${port}`,
    fired,
    forwardTo: (url) => void (target = new URL(url)),
    cut: (request, options = {}) =>
      void faults.push({ kind: 'cut', request, afterBodyBytes: options.afterBodyBytes ?? 1 }),
    drop: (request) => void faults.push({ kind: 'drop', request, afterBodyBytes: 0 }),
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
