// The real Electron app, where its binary exists: the window opens with the app's name and
// the renderer has no Node.
import { _electron, expect, test } from '@playwright/test';
import { electronPath, electronSkipReason } from './electron';

test.describe('Electron app shell', () => {
  test.skip(electronPath === undefined, electronSkipReason);

  test('opens the main window showing the app name, without Node in the renderer', async () => {
    const app = await _electron.launch({ executablePath: electronPath!, args: ['.'] });
    try {
      const page = await app.firstWindow();
      await expect(page.getByRole('heading', { level: 1 })).toHaveText('EDO Clerk — делопроизводитель');
      expect(await page.evaluate(() => typeof (globalThis as { require?: unknown }).require)).toBe('undefined');
      expect(await page.evaluate(() => typeof window.clerk.invoke)).toBe('function');
    } finally {
      await app.close();
    }
  });
});
