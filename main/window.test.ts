// Runs in: Node (vitest), with electron mocked.
// Main's window and session security, and close-to-tray versus Quit, with the electron module
// replaced (its binary cannot be downloaded here).
import { beforeEach, describe, expect, it, vi } from 'vitest';

type Handler = (...args: unknown[]) => unknown;

const made: FakeWindow[] = [];
class FakeWindow {
  options: Record<string, unknown>;
  handlers = new Map<string, Handler>();
  contentsHandlers = new Map<string, Handler>();
  windowOpen: Handler | undefined;
  hidden = false;
  loaded: string | undefined;
  webContents = {
    setWindowOpenHandler: (h: Handler) => (this.windowOpen = h),
    on: (event: string, h: Handler) => this.contentsHandlers.set(event, h),
  };
  constructor(options: Record<string, unknown>) {
    this.options = options;
    made.push(this);
  }
  on(event: string, h: Handler) {
    this.handlers.set(event, h);
  }
  once(event: string, h: Handler) {
    this.handlers.set(event, h);
  }
  hide() {
    this.hidden = true;
  }
  loadFile(file: string) {
    this.loaded = file;
    return Promise.resolve();
  }
  loadURL(url: string) {
    this.loaded = url;
    return Promise.resolve();
  }
}

vi.mock('electron', () => ({ BrowserWindow: FakeWindow }));

const { createMainWindow, loadRenderer } = await import('./window');
const { contentSecurityPolicy, hardenSession } = await import('./security');

function makeWindow(quitting: { value: boolean }, opened: string[] = []) {
  createMainWindow({
    preloadPath: '/app/out/preload/index.cjs',
    iconPath: '/app/assets/icon.svg',
    showOnReady: true,
    isQuitting: () => quitting.value,
    openExternal: (url) => opened.push(url),
  });
  return made[made.length - 1]!;
}

describe('main window', () => {
  beforeEach(() => {
    made.length = 0;
  });

  it('isolates the renderer: context isolation, sandbox, no Node, no webview', () => {
    const window = makeWindow({ value: false });
    expect(window.options.webPreferences).toEqual({
      preload: '/app/out/preload/index.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
      disableBlinkFeatures: 'Auxclick',
    });
  });

  it('loads the UI only when told (once main answers every channel): the built file, or the dev server', () => {
    const window = makeWindow({ value: false });
    expect(window.loaded).toBeUndefined();
    loadRenderer(window as unknown as Parameters<typeof loadRenderer>[0], {
      rendererFile: '/app/out/renderer/index.html',
    });
    expect(window.loaded).toBe('/app/out/renderer/index.html');
    loadRenderer(window as unknown as Parameters<typeof loadRenderer>[0], {
      rendererUrl: 'http://localhost:5173',
      rendererFile: '/app/out/renderer/index.html',
    });
    expect(window.loaded).toBe('http://localhost:5173');
  });

  it('denies navigation, redirects, webviews and new windows; links go to openExternal only', () => {
    const opened: string[] = [];
    const window = makeWindow({ value: false }, opened);
    for (const event of ['will-navigate', 'will-redirect', 'will-attach-webview']) {
      const e = { preventDefault: vi.fn() };
      window.contentsHandlers.get(event)!(e);
      expect(e.preventDefault, event).toHaveBeenCalled();
    }
    expect(window.windowOpen!({ url: 'https://evil.example/' })).toEqual({ action: 'deny' });
    expect(opened).toEqual(['https://evil.example/']);
  });

  it('closing hides the window to the tray; after Quit it really closes', () => {
    const quitting = { value: false };
    const window = makeWindow(quitting);
    const close = { preventDefault: vi.fn() };
    window.handlers.get('close')!(close);
    expect(close.preventDefault).toHaveBeenCalled();
    expect(window.hidden).toBe(true);

    window.hidden = false;
    quitting.value = true;
    const closeOnQuit = { preventDefault: vi.fn() };
    window.handlers.get('close')!(closeOnQuit);
    expect(closeOnQuit.preventDefault).not.toHaveBeenCalled();
    expect(window.hidden).toBe(false);
  });

  it('starts hidden in the tray when launched at login', () => {
    createMainWindow({
      preloadPath: 'p',
      iconPath: 'i',
      showOnReady: false,
      isQuitting: () => false,
      openExternal: () => {},
    });
    expect(made[0]!.handlers.has('ready-to-show')).toBe(false);
  });
});

describe('session', () => {
  it('denies every permission and sends the strict CSP', () => {
    let request: Handler | undefined;
    let check: Handler | undefined;
    let headers: Handler | undefined;
    hardenSession({
      setPermissionRequestHandler: (h: Handler) => (request = h),
      setPermissionCheckHandler: (h: Handler) => (check = h),
      webRequest: { onHeadersReceived: (h: Handler) => (headers = h) },
    } as unknown as Electron.Session);
    const answer = vi.fn();
    request!({}, 'media', answer);
    expect(answer).toHaveBeenCalledWith(false);
    expect(check!({}, 'notifications')).toBe(false);
    const done = vi.fn();
    headers!({ responseHeaders: { 'x-a': ['1'] } }, done);
    expect(done).toHaveBeenCalledWith({
      responseHeaders: { 'x-a': ['1'], 'Content-Security-Policy': [contentSecurityPolicy] },
    });
    expect(contentSecurityPolicy).toContain("script-src 'self'");
    expect(contentSecurityPolicy).toContain("object-src 'none'");
    expect(contentSecurityPolicy).not.toContain('unsafe-eval');
    // No inline styles either: React sets style props through the CSSOM, which the policy allows.
    expect(contentSecurityPolicy).not.toContain('unsafe-inline');
  });
});

describe('the page policy', () => {
  it('is the same in renderer/index.html as in the header main sends', async () => {
    const { readFileSync } = await import('node:fs');
    const html = readFileSync(new URL('../renderer/index.html', import.meta.url), 'utf8');
    const meta = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(html)?.[1];
    expect(meta).toBe(contentSecurityPolicy);
  });
});
