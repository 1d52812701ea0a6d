// Runs in: the Electron main process. A thin shell: one instance, one window, the tray, the
// OS events that wake the scheduler, and the handler registry wired to the core of src/.
import { join } from 'node:path';
import { app, dialog, ipcMain, net, Notification, powerMonitor, session, shell } from 'electron';
import { createClerkMain, type ClerkMain, type ClerkNotification } from './clerk-main';
import { defaultProfileDir } from '../src/settings/profile-dir';
import { createCoreServices } from './core-services';
import { forkUtilityHost } from './session-host';
import type { Platform } from './handlers';
import { registerIpc } from './ipc';
import { AppSandbox, wakesClerk } from './sandbox';
import { hardenSession } from './security';
import { ClerkTray } from './tray';
import { mainText } from './i18n';
import { createMainWindow, loadRenderer, showWindow } from './window';

/** Origins the app may open in the OS browser besides the exchange server's own. */
const externalOrigins: readonly string[] = [];
const startedAtLogin = process.argv.includes('--hidden');
const networkPollMs = 15_000;

async function start(): Promise<void> {
  let quitting = false;
  hardenSession(session.defaultSession);
  const assets = join(app.getAppPath(), 'assets');
  // The profile the CLI uses too (EDO_CLERK_PROFILE, else the OS's per-user app data folder).
  const profileDir = defaultProfileDir();
  const clerkRef: { current?: ClerkMain } = {};
  const sandbox = new AppSandbox({
    profileDir,
    hubScript: join(app.getAppPath(), 'bin/edo-hub.js'),
    onEvent: (event) => {
      if (event.type === 'error' || event.type === 'hub-stopped')
        console.error(
          `local sandbox: ${event.type === 'error' ? event.message : `the hub stopped (exit ${event.code})`}`,
        );
      if (wakesClerk(event)) void clerkRef.current?.scheduler.trigger('schedule');
    },
  });
  // A profile the sandbox made gets its hub back before the services read the server's address.
  if (sandbox.inUse())
    await sandbox
      .start()
      .catch((e: unknown) => console.error(`local sandbox: ${e instanceof Error ? e.message : String(e)}`));
  const platform: Platform = {
    appInfo: () => ({ name: app.getName(), version: app.getVersion() }),
    // Only 'app:openExternal' calls this, after its allowlist (main/handlers.ts).
    openExternal: (url) => shell.openExternal(url), // eng-disable OPEN_EXTERNAL_JS_CHECK
    setStartAtLogin: (enabled) => app.setLoginItemSettings({ openAtLogin: enabled, args: ['--hidden'] }),
    startSandbox: () => sandbox.start(),
    confirmTokenModule: async (path) => {
      const t = (key: Parameters<typeof mainText>[1]) => mainText(clerkRef.current?.language() ?? 'ru', key, { path });
      const { response } = await dialog.showMessageBox(window, {
        type: 'warning',
        message: t('module.confirm.message'),
        detail: t('module.confirm.detail'),
        buttons: [t('module.confirm.cancel'), t('module.confirm.load')],
        defaultId: 0,
        cancelId: 0,
        noLink: true,
      });
      return response === 1;
    },
    // An archived original and its signatures go only where the clerk points in this dialog.
    chooseFolder: async () => {
      const { canceled, filePaths } = await dialog.showOpenDialog(window, {
        properties: ['openDirectory', 'createDirectory'],
      });
      return canceled ? undefined : filePaths[0];
    },
    // The card and the evidence package go only where the clerk points in this dialog.
    chooseSaveFile: async (name) => {
      const { canceled, filePath } = await dialog.showSaveDialog(window, { defaultPath: name });
      return canceled || !filePath ? undefined : filePath;
    },
  };

  // The tray is made after the services; state changes before that are shown when it appears.
  const trayRef: { current?: ClerkTray } = {};
  // The window loads its UI only after IPC is registered (below).
  const window = createMainWindow({
    preloadPath: join(import.meta.dirname, '../preload/index.cjs'),
    iconPath: join(assets, 'icon.svg'),
    showOnReady: !startedAtLogin,
    isQuitting: () => quitting,
    // Links leave the app only for allowlisted https origins.
    openExternal: (url) => void clerkRef.current?.dispatch('app:openExternal', { url }),
  });

  const notify = (n: ClerkNotification) => {
    if (!Notification.isSupported()) return;
    const notification = new Notification({ title: n.title, body: n.body });
    notification.on('click', () => {
      showWindow(window);
      clerkRef.current?.openView(n.view);
    });
    notification.show();
  };

  const services = await createCoreServices(profileDir, { startHost: forkUtilityHost });
  const clerk: ClerkMain = await createClerkMain({
    services,
    platform,
    externalOrigins,
    notify,
    onTrayState: (state) => trayRef.current?.setState(state),
  });
  clerkRef.current = clerk;

  registerIpc(ipcMain, window, clerk.dispatch, clerk.events);
  // Every channel answers now: the UI's first calls find their handlers.
  loadRenderer(window, {
    rendererUrl: process.env.ELECTRON_RENDERER_URL,
    rendererFile: join(import.meta.dirname, '../renderer/index.html'),
  });
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
  app.on('will-quit', (event) => {
    // The sandbox's hub is stopped and waited for before the app ends (its watchdog ends it on a crash).
    if (sandbox.isRunning()) {
      event.preventDefault();
      void sandbox.stop().finally(() => app.quit());
      return;
    }
    services.close();
  });
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
