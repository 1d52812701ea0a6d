// Serves a built folder (the renderer) on loopback for browser tests: module scripts do not
// load from file:// in Chromium.
import { createReadStream, existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { staticFile } from '../../src/web/static-files';

export interface StaticServer {
  url: string;
  close(): Promise<void>;
}

export async function serveFolder(folder: string): Promise<StaticServer> {
  const root = resolve(folder);
  if (!existsSync(join(root, 'index.html')))
    throw new Error(`${root}/index.html is missing: run "npm run build" first`);
  const server: Server = createServer((req, res) => {
    const found = staticFile(root, new URL(req.url ?? '/', 'http://x').pathname, 'index.html');
    if (!found) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': found.contentType });
    createReadStream(found.file).pipe(res);
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/`, close: () => new Promise((ok) => server.close(() => ok())) };
}
