// Runs in: the Electron main process. The clerk's one window: closing it hides it to the
// tray (exchange goes on); only Quit ends the app.
import { BrowserWindow } from 'electron';
import { lockNavigation } from './security';

export interface MainWindowOptions {
  preloadPath: string;
  iconPath: string;
  /** False when started at login: the app lives in the tray until the clerk opens it. */
  showOnReady: boolean;
  isQuitting(): boolean;
  openExternal(url: string): void;
}

export function createMainWindow(options: MainWindowOptions): BrowserWindow {
  const window = new BrowserWindow({
    width: 1280,
    height: 820,
    minWidth: 900,
    minHeight: 600,
    show: false,
    icon: options.iconPath,
    // Written out here, not built elsewhere, so a reviewer and a scanner (electronegativity) see
    // them where the window is made: an isolated, sandboxed renderer without Node or webviews.
    webPreferences: {
      // The preload exposes only the IPC contract's channels through contextBridge (main/preload.ts).
      preload: options.preloadPath, // eng-disable PRELOAD_JS_CHECK
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
      // A middle click would open a link as a new window, bypassing the click handlers.
      disableBlinkFeatures: 'Auxclick',
    },
  });
  lockNavigation(window, options.openExternal);
  window.on('close', (event) => {
    if (options.isQuitting()) return;
    event.preventDefault();
    window.hide();
  });
  if (options.showOnReady) window.once('ready-to-show', () => window.show());
  return window;
}

export interface RendererSource {
  /** The dev server's URL, else the built index.html. */
  rendererUrl?: string;
  rendererFile: string;
}

/** Loads the UI: only once main answers every channel, or its first calls would find no handler. */
export function loadRenderer(window: BrowserWindow, source: RendererSource): void {
  if (source.rendererUrl) void window.loadURL(source.rendererUrl);
  else void window.loadFile(source.rendererFile);
}

export function showWindow(window: BrowserWindow): void {
  if (window.isMinimized()) window.restore();
  window.show();
  window.focus();
}
