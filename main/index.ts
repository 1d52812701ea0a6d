// Runs in: the Electron main process. A thin shell: one instance, one window, the tray, the
// OS events that wake the scheduler, and the handler registry wired to the core of src/.
import { join } from 'node:path';
import { app, ipcMain, net, Notification, powerMonitor, session, shell } from 'electron';
import { createClerkMain, type ClerkMain, type ClerkNotification } from './clerk-main';
import { defaultProfileDir } from '../src/settings/profile-dir';
import { createCoreServices } from './core-services';
import type { Platform } from './handlers';
import { registerIpc } from './ipc';
import { hardenSession } from './security';
import { ClerkTray } from './tray';
import { createMainWindow, showWindow } from './window';

export { secureWebPreferences } from './security';

/** Origins the app may open in the OS browser besides the exchange server's own. */
const externalOrigins: readonly string[] = [];
const startedAtLogin = process.argv.includes('--hidden');
const networkPollMs = 15_000;

async function start(): Promise<void> {
  let quitting = false;
  hardenSession(session.defaultSession);
  const assets = join(app.getAppPath(), 'assets');
  const platform: Platform = {
    appInfo: () => ({ name: app.getName(), version: app.getVersion() }),
    openExternal: (url) => shell.openExternal(url),
    setStartAtLogin: (enabled) => app.setLoginItemSettings({ openAtLogin: enabled, args: ['--hidden'] }),
  };

  // The tray is made after the services; state changes before that are shown when it appears.
  const trayRef: { current?: ClerkTray } = {};
  const window = createMainWindow({
    preloadPath: join(import.meta.dirname, '../preload/index.cjs'),
    rendererUrl: process.env.ELECTRON_RENDERER_URL,
    rendererFile: join(import.meta.dirname, '../renderer/index.html'),
    iconPath: join(assets, 'icon.svg'),
    showOnReady: !startedAtLogin,
    isQuitting: () => quitting,
    // Links leave the app only for allowlisted https origins.
    openExternal: (url) => void clerk.dispatch('app:openExternal', { url }),
  });

  const notify = (n: ClerkNotification) => {
    if (!Notification.isSupported()) return;
    const notification = new Notification({ title: n.title, body: n.body });
    notification.on('click', () => {
      showWindow(window);
      clerk.openView(n.view);
    });
    notification.show();
  };

  // The profile the CLI uses too (EDO_CLERK_PROFILE, else the OS's per-user app data folder).
  const services = await createCoreServices(defaultProfileDir());
  const clerk: ClerkMain = await createClerkMain({
    services,
    platform,
    externalOrigins,
    notify,
    onTrayState: (state) => trayRef.current?.setState(state),
  });

  registerIpc(ipcMain, window, clerk.dispatch, clerk.events);
  const quit = () => {
    quitting = true;
    clerk.scheduler.stop();
    app.quit();
  };
  const tray = new ClerkTray(
    assets,
    {
      open: () => showWindow(window),
      runNow: () => void clerk.scheduler.trigger('manual'),
      setPaused: (paused) => void clerk.scheduler.setPaused(paused).then(() => trayRef.current?.refresh()),
      quit,
    },
    () => ({ language: clerk.language(), paused: clerk.paused() }),
  );
  trayRef.current = tray;
  tray.setState(clerk.trayState());
  clerk.events.subscribe((event) => {
    if (event === 'settings:changed' || event === 'session:changed') tray.refresh();
  });

  app.on('before-quit', () => {
    quitting = true;
  });
  app.on('will-quit', () => services.close());
  app.on('second-instance', () => showWindow(window));
  powerMonitor.on('resume', () => clerk.resumed());
  setInterval(() => clerk.setOnline(net.isOnline()), networkPollMs).unref();
}

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  // The tray keeps the app alive with its window hidden; only Quit ends it.
  app.on('window-all-closed', () => {});
  void app.whenReady().then(start);
}
