// Runs in: the Electron main process. The clerk's one window: closing it hides it to the
// tray (exchange goes on); only Quit ends the app.
import { BrowserWindow } from 'electron';
import { lockNavigation, secureWebPreferences } from './security';

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
    webPreferences: secureWebPreferences(options.preloadPath),
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
