// A newcomer's first start on a machine without the Electron binary (issue 14): the script
// behind `npm start` says why there is no desktop window and starts the same app as the local
// web client, with the local sandbox in a fresh profile; Chromium opens the printed address and
// the clerk receives the demo counterparty's document, opens it with its verified signature and
// sends a file from the Outbox. The server refuses a request without the secret, from another
// site (Origin) and under another name (Host, as DNS rebinding would send it). The document's
// card and evidence package are downloaded from its view (the browser saves them; there is no
// save dialog here), and pdftotext, zbarimg, unzip and verify-evidence judge the files.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import WebSocket from 'ws';
import { onPath, systemPart } from '../support/system';
import { chromiumPath } from './chromium';
import { readCard, unpackEvidence } from './support/evidence-judges';
import { clerkHarness } from './support/node-fixtures';

const { clerk, expectExit } = await clerkHarness();

const chromium = systemPart(
  'Chromium',
  existsSync(chromiumPath),
  `no browser at ${chromiumPath}; install Debian's chromium or set EDO_CHROMIUM`,
);

const tools = systemPart(
  'poppler-utils, zbar-tools and unzip',
  onPath('pdftotext', 'pdftoppm', 'zbarimg', 'unzip'),
  'install poppler-utils zbar-tools unzip',
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

/** The cookie the printed address's secret is exchanged for. */
function sessionCookie(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    request(url, (res) => {
      res.resume();
      resolve((res.headers['set-cookie'] ?? [])[0]?.split(';')[0] ?? '');
    })
      .once('error', reject)
      .end();
  });
}

/** One call over the page's own channel (the WebSocket), as the page makes it. */
async function call(url: string, cookie: string, channel: string, args: unknown): Promise<unknown> {
  const ws = new WebSocket(`ws://${new URL(url).host}/api`, {
    headers: { Origin: new URL(url).origin, Cookie: cookie },
  });
  try {
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    ws.send(JSON.stringify({ id: 1, channel, args }));
    const answer = await new Promise<{ result?: unknown; error?: { message: string } }>((resolve) =>
      ws.once('message', (m: Buffer) => resolve(JSON.parse(m.toString()))),
    );
    if (answer.error) throw new Error(answer.error.message);
    return answer.result;
  } finally {
    ws.close();
  }
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

  test('the document’s card and evidence package are downloaded from its view; pdftotext, zbarimg, unzip and verify-evidence judge them', async () => {
    test.skip(!tools.ok, tools.reason);
    test.setTimeout(180_000);
    const profile = join(dir, 'profile');
    const title = 'Счёт на оплату № 1';
    const inbox = expectExit(await clerk(['inbox', '--search', title, '--profile', profile, '--json']), 0).json;
    const hubId = inbox.items.find((d: { title: string }) => d.title.startsWith(title)).hubId as string;

    await page.getByRole('navigation').getByRole('button', { name: 'Входящие' }).click();
    await page.getByRole('row').filter({ hasText: title }).click();
    const view = dialog();
    const saveFrom = async (button: RegExp, expectedName: RegExp) => {
      const [download] = await Promise.all([
        page.waitForEvent('download', { timeout: 90_000 }),
        view.getByRole('button', { name: button }).click(),
      ]);
      expect(download.suggestedFilename()).toMatch(expectedName);
      const file = join(dir, download.suggestedFilename());
      await download.saveAs(file);
      await expect(
        view.getByRole('status').filter({ hasText: `Браузер сохраняет файл: ${download.suggestedFilename()}` }),
      ).toBeVisible();
      return file;
    };
    const cardFile = await saveFrom(/^Карточка документа \(PDF\)/, /\.card\.pdf$/);
    const zipFile = await saveFrom(/^Пакет доказательств \(ZIP\)/, /\.evidence\.zip$/);
    await view.getByRole('button', { name: 'Закрыть' }).click();

    // The package: unzip accepts it, verify-evidence holds it; its original gives the digest the card must show.
    const { original } = unpackEvidence(zipFile, join(dir, 'evidence-1'));
    const sha256 = createHash('sha256').update(original).digest('hex');
    const verdict = expectExit(await clerk(['verify-evidence', zipFile, '--profile', profile, '--json']), 0).json;
    expect(verdict).toMatchObject({ ok: true, verdict: 'valid', failed: [], undetermined: [] });

    // The card: the demo counterparty's signer, the verdict, the digest and the hub's id, in Russian.
    const { text: card, qr } = readCard(cardFile, dir, 'web-document-card-page');
    for (const expected of [
      'Карточка электронного документа',
      'Владелец: Петров Сергей Иванович',
      'Проверка подписи: подпись верна',
      sha256,
      hubId,
    ])
      expect(card).toContain(expected);
    // The clerk's receipt notice, signed under the МЧД with a personal certificate: no empty position or organization.
    expect(card).toContain('Владелец: Иванова Мария Петровна');
    expect(card).not.toContain('Петровна, —');
    // The QR code zbarimg reads off the rendered first page is the verification reference.
    expect(qr).toBe(`edo-clerk:verify?document=${encodeURIComponent(hubId)}&sha256=${sha256}`);
  });

  test('a download is refused without the cookie, from another site or host, and for a document not in this profile', async () => {
    test.setTimeout(120_000);
    const cookie = await sessionCookie(url);
    const origin = new URL(url).origin;
    const inbox = expectExit(
      await clerk(['inbox', '--search', 'Счёт на оплату № 1', '--profile', join(dir, 'profile'), '--json']),
      0,
    ).json;
    const hubId = inbox.items[0].hubId as string;
    const saved = (await call(url, cookie, 'evidence:save', { document: hubId, kind: 'card' })) as {
      downloads: { id: string }[];
    };
    const path = `${origin}/downloads/${saved.downloads[0]!.id}`;
    expect(await statusOf(path, {})).toBe(401);
    expect(await statusOf(path, { Cookie: 'edo-clerk-session=guess' })).toBe(401);
    expect(await statusOf(path, { Cookie: cookie, Origin: 'http://evil.example' })).toBe(403);
    expect(await statusOf(path, { Cookie: cookie, Host: `evil.example:${new URL(url).port}` })).toBe(421);
    expect(await statusOf(`${origin}/downloads/${'A'.repeat(43)}`, { Cookie: cookie })).toBe(404);
    // The refused requests did not spend it; the one with the cookie does.
    expect(await statusOf(path, { Cookie: cookie })).toBe(200);
    expect(await statusOf(path, { Cookie: cookie })).toBe(404);
    // Another organization's document (a hub id this profile never received) and an unknown number make nothing.
    for (const document of ['0b7a1c2e-3d4f-4a5b-8c6d-7e8f9a0b1c2d', '999999'])
      expect(await call(url, cookie, 'evidence:save', { document, kind: 'package' })).toEqual({
        saved: false,
        problem: 'not-found',
      });
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
