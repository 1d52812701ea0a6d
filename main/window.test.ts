// Main's window security options, with the electron module replaced (its binary cannot be
// downloaded here).
import { describe, expect, it, vi } from 'vitest';

vi.mock('electron', () => ({
  app: { requestSingleInstanceLock: () => false, quit: vi.fn(), whenReady: () => new Promise(() => {}) },
  BrowserWindow: vi.fn(),
  ipcMain: { handle: vi.fn() },
  session: {},
}));

describe('main window', () => {
  it('isolates the renderer: context isolation, sandbox, no Node', async () => {
    const { secureWebPreferences } = await import('./index');
    const prefs = secureWebPreferences('/app/out/preload/index.cjs');
    expect(prefs).toMatchObject({
      preload: '/app/out/preload/index.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
    });
  });
});
