// The built renderer opens in Debian's Chromium, bound to the app's handlers as the preload binds
// it (here over the in-memory services), and shows the app's name, in Russian by default and in
// English on request. Opened without them, it says where it runs (clerk-ui.spec.ts).
import { existsSync, mkdirSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { serveFolder, type StaticServer } from '../support/static-server';
import { systemPart } from '../support/system';
import { chromiumPath } from './chromium';
import { installClerk } from './support/clerk-page';
import { MemoryClerk } from './support/memory-services';

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
    const harness = await installClerk(page, new MemoryClerk({ tokenPresent: true }).services());
    await page.goto(server.url);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('EDO Clerk — делопроизводитель');
    await expect(page).toHaveTitle('EDO Clerk');
    mkdirSync('test-results/screenshots', { recursive: true });
    await page.screenshot({ path: 'test-results/screenshots/app-shell-ru.png' });
    // The day's token prompt comes first; cancelled, the window behind it answers.
    await page.getByRole('dialog').getByRole('button', { name: 'Отмена' }).click();
    await page.getByRole('button', { name: 'English' }).click();
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('EDO Clerk — document clerk');
    expect(errors).toEqual([]);
    await harness.stop();
  });
});
