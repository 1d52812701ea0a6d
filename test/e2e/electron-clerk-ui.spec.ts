// The same clerk's views through Playwright's _electron, where an Electron binary exists: the
// real main process, preload and core services over a fresh profile. Here the binary cannot be
// downloaded, so this skips and says why; the Chromium suite (clerk-ui.spec.ts) covers the UI.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { _electron, expect, test, type ElectronApplication } from '@playwright/test';
import { electronPath, electronSkipReason } from './electron';

test.describe('the clerk UI in Electron', () => {
  test.skip(electronPath === undefined, electronSkipReason);
  let app: ElectronApplication;
  let profile: string;

  test.beforeEach(async () => {
    profile = mkdtempSync(join(tmpdir(), 'edo-clerk-electron-'));
    app = await _electron.launch({ executablePath: electronPath!, args: ['.', `--user-data-dir=${profile}`] });
  });
  test.afterEach(async () => {
    await app?.close();
    rmSync(profile, { recursive: true, force: true });
  });

  test('the window is isolated and answers only the contract', async () => {
    const page = await app.firstWindow();
    expect(await page.evaluate(() => typeof (globalThis as { require?: unknown }).require)).toBe('undefined');
    expect(await page.evaluate(() => Object.keys(window.clerk).sort())).toEqual(['invoke', 'on']);
    await expect(page.evaluate(() => window.clerk.invoke('fs:read' as never, undefined as never))).rejects.toThrow(
      /Unknown channel/,
    );
    expect(await page.evaluate(() => window.clerk.invoke('app:info', undefined))).toMatchObject({
      name: expect.any(String),
    });
  });

  test('every view opens; screenshots of each', async () => {
    const page = await app.firstWindow();
    mkdirSync('test-results/screenshots', { recursive: true });
    await page.getByRole('heading', { level: 1 }).waitFor();
    // The day-start prompt, if the profile's mode asks for it, is closed for good with Cancel.
    const cancel = page.getByRole('dialog').getByRole('button', { name: 'Отмена' });
    if (await cancel.isVisible()) await cancel.click();
    for (const [name, heading] of [
      ['Входящие', 'Входящие'],
      ['Исходящие', 'Исходящие'],
      ['Ждут подписи', 'Служебные документы, которые ждут нашей подписи'],
      ['Контакты', 'Контакты'],
      ['Журнал обмена', 'Журнал сеансов обмена'],
      ['Настройки', 'Настройки'],
    ] as const) {
      await page.getByRole('navigation').getByRole('button', { name }).click();
      await expect(page.getByRole('heading', { level: 2, name: heading })).toBeVisible();
      await page.screenshot({ path: `test-results/screenshots/electron-${name}.png` });
    }
  });

  test('closing the window hides it to the tray; the app keeps running', async () => {
    const page = await app.firstWindow();
    await page.getByRole('heading', { level: 1 }).waitFor();
    await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows()[0]!.close());
    expect(await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows().map((w) => w.isVisible()))).toEqual([
      false,
    ]);
  });
});
