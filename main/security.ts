// Runs in: the Electron main process. What the renderer may not do: navigate away, open
// windows, get any permission, load anything but the app's own files.
import type { BrowserWindow, Session } from 'electron';

/** The same policy as renderer/index.html's meta tag, also sent as a header (dev server). */
export const contentSecurityPolicy =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; " +
  "object-src 'none'; frame-src blob:; base-uri 'none'; form-action 'none'";

export function hardenSession(session: Session): void {
  session.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
  session.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [contentSecurityPolicy] } });
  });
}

/**
 * No navigation, no new windows, no webviews. A link the clerk clicks goes to the OS browser
 * only through `openExternal`, which applies the allowlist.
 */
export function lockNavigation(window: BrowserWindow, openExternal: (url: string) => void): void {
  const contents = window.webContents;
  contents.setWindowOpenHandler(({ url }) => {
    openExternal(url);
    return { action: 'deny' };
  });
  contents.on('will-navigate', (event) => event.preventDefault());
  contents.on('will-redirect', (event) => event.preventDefault());
  contents.on('will-attach-webview', (event) => event.preventDefault());
}
