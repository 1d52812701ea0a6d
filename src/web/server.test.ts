// Runs in: Node (vitest). The web client's server over main's real handler registry
// (createClerkMain over the in-memory services): the secret, the cookie, Host and Origin
// checks, files only from the renderer folder, and the contract's validation over the socket.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createClerkMain, type ClerkMain } from '../../main/clerk-main';
import { contentSecurityPolicy } from '../../main/security';
import { MemoryClerk } from '../../test/e2e/support/memory-services';
import { callingSession, DownloadShelf } from './downloads';
import { startWebServer, type WebServer } from './server';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function get(url: string, path: string, headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    request(new URL(url), { path, headers }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    })
      .once('error', reject)
      .end();
  });
}

function openSocket(url: string, headers: Record<string, string>): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`refused: ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

describe('the web client server', () => {
  let dir: string;
  let clerk: ClerkMain;
  let server: WebServer;
  let cookie: string;
  let ws: WebSocket;
  const downloads = new DownloadShelf();
  const secretPath = () => new URL(server.url).pathname + new URL(server.url).search;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'edo-web-'));
    mkdirSync(join(dir, 'renderer', 'assets'), { recursive: true });
    writeFileSync(join(dir, 'renderer', 'web.html'), '<!doctype html><title>EDO Clerk</title>');
    writeFileSync(join(dir, 'renderer', 'assets', 'app.js'), 'export {};');
    writeFileSync(join(dir, 'outside.txt'), 'not for the browser');
    const platform = {
      appInfo: () => ({ name: 'EDO Clerk', version: '1.0.0' }),
      openExternal: async () => {},
      setStartAtLogin: () => {},
    };
    clerk = await createClerkMain({
      services: new MemoryClerk().services(),
      platform,
      externalOrigins: [],
      notify: () => {},
      onTrayState: () => {},
    });
    server = await startWebServer({
      rendererDir: join(dir, 'renderer'),
      dispatch: clerk.dispatch,
      events: clerk.events,
      contentSecurityPolicy,
      downloads,
    });
  });

  afterAll(async () => {
    ws?.close();
    await server?.close();
    await clerk?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('listens on 127.0.0.1 only and prints an address with a long random secret', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?secret=[\w-]{43}$/);
  });

  it('exchanges the secret for an HttpOnly SameSite=Strict cookie and takes it out of the address', async () => {
    const login = await get(server.url, secretPath());
    expect(login.status).toBe(303);
    expect(login.headers.location).toBe('/');
    const setCookie = login.headers['set-cookie']!;
    expect(setCookie).toHaveLength(1);
    expect(setCookie[0]).toMatch(/^edo-clerk-session=[\w-]+; HttpOnly; SameSite=Strict; Path=\/$/);
    // The cookie is not the secret: the address in a history is no session.
    expect(setCookie[0]).not.toContain(new URL(server.url).searchParams.get('secret'));
    cookie = setCookie[0]!.split(';')[0]!;
    const page = await get(server.url, '/', { Cookie: cookie });
    expect(page.status).toBe(200);
    expect(page.body).toContain('<title>EDO Clerk</title>');
    expect(page.headers['content-security-policy']).toBe(contentSecurityPolicy);
    expect((await get(server.url, '/assets/app.js', { Cookie: cookie })).headers['content-type']).toMatch(
      /^text\/javascript/,
    );
  });

  it('refuses no secret, a wrong secret, another Host and another Origin', async () => {
    expect((await get(server.url, '/')).status).toBe(401);
    expect((await get(server.url, '/?secret=guess')).status).toBe(401);
    expect((await get(server.url, secretPath(), { Host: 'rebound.example' })).status).toBe(421);
    expect((await get(server.url, '/', { Cookie: cookie, Host: `localhost:${new URL(server.url).port}` })).status).toBe(
      421,
    );
    expect((await get(server.url, '/', { Cookie: cookie, Origin: 'http://evil.example' })).status).toBe(403);
  });

  it('serves nothing outside the renderer folder', async () => {
    for (const path of ['/../outside.txt', '/%2e%2e/outside.txt', '/..%2foutside.txt', '/assets', '/%E0%A4%A']) {
      const reply = await get(server.url, path, { Cookie: cookie });
      expect(reply.status, path).toBe(404);
      expect(reply.body).not.toContain('not for the browser');
    }
  });

  it('hands a download once, as an attachment with its UTF-8 name, to a request with the cookie from its own site', async () => {
    const [offered] = await downloads.offer(async (folder) => {
      const file = join(folder, 'Счёт № 77.txt.card.pdf');
      writeFileSync(file, '%PDF-1.7 card');
      return [file];
    });
    const path = `/downloads/${offered!.id}`;
    const port = new URL(server.url).port;
    expect((await get(server.url, path)).status).toBe(401);
    expect((await get(server.url, path, { Cookie: 'edo-clerk-session=guess' })).status).toBe(401);
    expect((await get(server.url, path, { Cookie: cookie, Origin: 'http://evil.example' })).status).toBe(403);
    expect((await get(server.url, path, { Cookie: cookie, Host: `localhost:${port}` })).status).toBe(421);
    // The secret in the address is no way around the cookie.
    expect((await get(server.url, `${path}?secret=guess`)).status).toBe(401);
    expect((await get(server.url, `/downloads/${'A'.repeat(43)}`, { Cookie: cookie })).status).toBe(404);
    const reply = await get(server.url, path, { Cookie: cookie, Origin: server.origin });
    expect(reply.status).toBe(200);
    expect(reply.body).toBe('%PDF-1.7 card');
    expect(reply.headers['content-type']).toBe('application/pdf');
    expect(reply.headers['content-length']).toBe('13');
    expect(reply.headers['content-disposition']).toBe(
      `attachment; filename="____ _ 77.txt.card.pdf"; filename*=UTF-8''${encodeURIComponent('Счёт № 77.txt.card.pdf')}`,
    );
    expect(reply.headers['x-content-type-options']).toBe('nosniff');
    // Once: the file is gone from the server's folder and the id is spent.
    expect((await get(server.url, path, { Cookie: cookie })).status).toBe(404);
  });

  it('hands a download made during one session’s call to that session only', async () => {
    const make = async (folder: string) => {
      writeFileSync(join(folder, 'card.pdf'), '%PDF-');
      return [join(folder, 'card.pdf')];
    };
    const [others] = await callingSession.run('another-session', () => downloads.offer(make));
    expect((await get(server.url, `/downloads/${others!.id}`, { Cookie: cookie })).status).toBe(404);
    const [mine] = await callingSession.run(cookie.split('=')[1]!, () => downloads.offer(make));
    expect((await get(server.url, `/downloads/${mine!.id}`, { Cookie: cookie })).status).toBe(200);
  });

  it('lets only a socket with the cookie and its own Origin in', async () => {
    const api = `ws://${new URL(server.url).host}/api`;
    await expect(openSocket(api, { Origin: server.origin })).rejects.toThrow('refused: 401');
    await expect(openSocket(api, { Cookie: cookie })).rejects.toThrow('refused: 403');
    await expect(openSocket(api, { Cookie: cookie, Origin: 'http://evil.example' })).rejects.toThrow('refused: 403');
    ws = await openSocket(api, { Cookie: cookie, Origin: server.origin });
  });

  it('validates calls as IPC does, answers each by its id and pushes the registry’s events', async () => {
    const messages: unknown[] = [];
    ws.on('message', (m: Buffer) => messages.push(JSON.parse(m.toString())));
    const answerTo = async (id: number) => {
      await expect.poll(() => messages.some((m) => (m as { id?: number }).id === id)).toBe(true);
      return messages.find((m) => (m as { id?: number }).id === id);
    };
    ws.send(JSON.stringify({ id: 1, channel: 'fs:read', args: { path: '/etc/passwd' } }));
    ws.send(JSON.stringify({ id: 2, channel: 'documents:list', args: { direction: 'trash', offset: 0, limit: 10 } }));
    ws.send(JSON.stringify({ id: 3, channel: 'documents:list', args: { direction: 'in', offset: 0, limit: 10 } }));
    expect(await answerTo(1)).toEqual({
      id: 1,
      error: { name: 'InvalidMessageError', message: 'Unknown channel: fs:read' },
    });
    expect(await answerTo(2)).toMatchObject({
      id: 2,
      error: {
        name: 'InvalidMessageError',
        message: expect.stringMatching(/^Invalid arguments for documents:list:[\s\S]*direction/),
      },
    });
    expect(await answerTo(3)).toEqual({ id: 3, result: { total: 0, offset: 0, rows: [] } });
    clerk.openView('archive');
    await expect.poll(() => messages).toContainEqual({ event: 'app:navigate', payload: { view: 'archive' } });
    server.notify({ title: 'Новые документы', body: 'Счёт № 1', view: 'inbox' });
    await expect
      .poll(() => messages)
      .toContainEqual({ notice: { title: 'Новые документы', body: 'Счёт № 1', view: 'inbox' } });
  });
});
