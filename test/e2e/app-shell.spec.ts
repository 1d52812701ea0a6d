// The built renderer opens in Debian's Chromium and shows the app's name, in Russian by
// default and in English on request.
import { existsSync, mkdirSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { serveFolder, type StaticServer } from '../support/static-server';
import { systemPart } from '../support/system';
import { chromiumPath } from './chromium';

const chromium = systemPart(
  'Chromium',
  existsSync(chromiumPath),
  `no browser at ${chromiumPath}; install Debian's chromium or set EDO_CHROMIUM`,
);

test.describe('app shell', () => {
  test.skip(!chromium.ok, chromium.reason);
  let server: StaticServer;
  test.beforeAll(async () => {
    server = await serveFolder('out/renderer');
  });
  test.afterAll(async () => server?.close());

  test('shows the app name in Russian, and in English after switching', async ({ page }) => {
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    await page.goto(server.url);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('EDO Clerk — делопроизводитель');
    await expect(page).toHaveTitle('EDO Clerk');
    mkdirSync('test-results/screenshots', { recursive: true });
    await page.screenshot({ path: 'test-results/screenshots/app-shell-ru.png' });
    await page.getByRole('button', { name: 'English' }).click();
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('EDO Clerk — document clerk');
    expect(errors).toEqual([]);
  });
});
