// A newcomer's first start on a machine without the Electron binary (issue 14): the script
// behind `npm start` says why there is no desktop window and starts the same app as the local
// web client, with the local sandbox in a fresh profile; Chromium opens the printed address and
// the clerk receives the demo counterparty's document, opens it with its verified signature and
// sends a file from the Outbox. The server refuses a request without the secret, from another
// site (Origin) and under another name (Host, as DNS rebinding would send it).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import WebSocket from 'ws';
import { systemPart } from '../support/system';
import { chromiumPath } from './chromium';

const chromium = systemPart(
  'Chromium',
  existsSync(chromiumPath),
  `no browser at ${chromiumPath}; install Debian's chromium or set EDO_CHROMIUM`,
);

/** Status of a GET with exactly these headers (fetch would not let a test set Host). */
function statusOf(url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.once('error', reject);
    req.end();
  });
}

/** The HTTP status an upgrade to the WebSocket gets (101 when it is let in). */
function upgradeStatus(url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { headers });
    ws.once('open', () => {
      ws.close();
      resolve(101);
    });
    ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.once('error', () => resolve(0));
  });
}

test.describe('npm start without the Electron binary: the app in the browser', () => {
  test.skip(!chromium.ok, chromium.reason);
  test.describe.configure({ mode: 'serial' });

  let dir: string;
  let app: ChildProcess;
  let output = '';
  let url: string;
  let page: Page;
  const dialog = () => page.getByRole('dialog');

  test.beforeAll(async ({ browser }) => {
    test.setTimeout(300_000);
    dir = mkdtempSync(join(tmpdir(), 'edo-newcomer-'));
    // No display and no binary download: what a fresh server-like machine has.
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      EDO_CLERK_PROFILE: join(dir, 'profile'),
      ELECTRON_SKIP_BINARY_DOWNLOAD: '1',
      // A locale that names no language: npm start speaks Russian, the clerk's default.
      LC_ALL: 'C.UTF-8',
    };
    delete env.DISPLAY;
    delete env.WAYLAND_DISPLAY;
    app = spawn(join('node_modules', '.bin', 'tsx'), ['src/web/start.ts'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    app.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    app.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    const started = await new Promise<string>((resolve, reject) => {
      const look = () => {
        const found = /EDO Clerk в браузере: (http:\/\/127\.0\.0\.1:\d+\/\?secret=[\w-]+)/.exec(output);
        if (found) resolve(found[1]!);
      };
      app.stdout!.on('data', look);
      app.once('exit', (code) =>
        reject(new Error(`npm start's script exited (${code}) before printing an address:\n${output}`)),
      );
    });
    url = started;
    page = await browser.newPage({ viewport: { width: 1360, height: 840 }, locale: 'ru-RU' });
  });

  test.afterAll(async () => {
    await page?.close();
    if (app && app.exitCode === null) {
      const exited = new Promise((resolve) => app.once('exit', resolve));
      app.kill('SIGTERM');
      await exited;
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('one line says why there is no desktop window', () => {
    expect(output).toContain(
      'EDO Clerk не может открыть окно настольного приложения: здесь нет дисплея (не заданы ни DISPLAY, ни WAYLAND_DISPLAY); он запускается в браузере.',
    );
  });

  test('without the secret, from another site or under another host name, nothing is served', async () => {
    const origin = new URL(url).origin;
    const host = new URL(url).host;
    expect(await statusOf(`${origin}/`, {})).toBe(401);
    expect(await statusOf(`${origin}/?secret=not-the-secret`, {})).toBe(401);
    expect(await statusOf(url, { Host: `evil.example:${new URL(url).port}` })).toBe(421);
    expect(await statusOf(url, { Host: host, Origin: 'http://evil.example' })).toBe(403);
    // The secret is exchanged for the cookie that every later request needs.
    const login = await new Promise<string[]>((resolve, reject) => {
      request(url, (res) => {
        res.resume();
        resolve(res.headers['set-cookie'] ?? []);
      })
        .once('error', reject)
        .end();
    });
    expect(login).toHaveLength(1);
    expect(login[0]).toMatch(/HttpOnly; SameSite=Strict/);
    const cookie = login[0]!.split(';')[0]!;
    const api = `ws://${host}/api`;
    expect(await upgradeStatus(api, { Origin: origin })).toBe(401);
    expect(await upgradeStatus(api, { Origin: 'http://evil.example', Cookie: cookie })).toBe(403);
    expect(await upgradeStatus(api, { Cookie: cookie })).toBe(403);
    expect(await upgradeStatus(api, { Origin: origin, Cookie: cookie })).toBe(101);
  });

  test('the demo counterparty’s document arrives in the Inbox and opens with its verified signature', async () => {
    test.setTimeout(180_000);
    await page.goto(url);
    // The secret has left the address bar.
    expect(page.url()).toBe(`${new URL(url).origin}/`);
    await page.getByRole('navigation').getByRole('button', { name: 'Входящие' }).click();
    const row = page.getByRole('row').filter({ hasText: 'Счёт на оплату № 1' });
    await expect(row).toContainText('АО "Демо-контрагент"', { timeout: 150_000 });
    await row.click();
    await expect(dialog().locator('.signatures').getByText('✓ Подпись действительна')).toBeVisible();
    await expect(
      dialog()
        .locator('.signatures')
        .getByText(/Подписал: Петров/),
    ).toBeVisible();
    await dialog().getByRole('button', { name: 'Закрыть' }).click();
  });

  test('a file added to the Outbox is signed with the demo key and sent', async () => {
    test.setTimeout(120_000);
    await page.getByRole('navigation').getByRole('button', { name: 'Исходящие' }).click();
    await page.getByRole('button', { name: 'Добавить документы' }).click();
    await page
      .getByTestId('outbox-files')
      .setInputFiles({ name: 'akt.txt', mimeType: 'text/plain', buffer: Buffer.from('Акт сверки за декабрь\n') });
    await dialog().getByLabel('Название документа').fill('Акт сверки за декабрь');
    await dialog().getByLabel('Получатель').selectOption({ label: 'АО "Демо-контрагент" · 7809876549' });
    await dialog().getByRole('button', { name: 'Подписать и отправить сейчас' }).click();
    const row = page.getByRole('row').filter({ hasText: 'Акт сверки за декабрь' });
    await expect(row).toContainText(/Отправлен|Доставлен/, { timeout: 90_000 });
  });
});
