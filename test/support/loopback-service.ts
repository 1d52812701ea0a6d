// A loopback HTTP service whose answers come from a command (OpenSSL's responder, TSA): each
// request body is handed to a handler; `alive() === false` cuts connections like a service that is down.
import { spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type Server } from 'node:http';

/** Serves `handler` on 127.0.0.1 (a free port); a failing handler answers 500 with its error. */
export async function listen(
  handler: (req: IncomingMessage, body: Buffer) => Promise<{ type: string; body: Buffer }>,
  alive: () => boolean,
): Promise<Server> {
  const server = createServer((req, res) => {
    if (!alive()) {
      req.socket.destroy();
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      handler(req, Buffer.concat(chunks)).then(
        (answer) => res.writeHead(200, { 'content-type': answer.type }).end(answer.body),
        (e: unknown) => res.writeHead(500).end(String(e)),
      );
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return server;
}

/** Runs `command` with `input` on its stdin; its stdout, or an error with its stderr. */
export function run(command: string, args: string[], input: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0
        ? resolve(Buffer.concat(out))
        : reject(new Error(`${command} ${args[0]}: ${Buffer.concat(err).toString()}`)),
    );
    child.stdin.end(input);
  });
}
