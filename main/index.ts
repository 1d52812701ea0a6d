// Runs in: the Electron main process. A thin shell: the window, and the IPC handlers wired to
// the core services of src/.
import { join } from 'node:path';
import { app, BrowserWindow, ipcMain, session, type IpcMainInvokeEvent } from 'electron';
import { invokeContract, type InvokeChannel } from '../src/ipc/contract';

const rendererUrl = process.env.ELECTRON_RENDERER_URL;

export function secureWebPreferences(preloadPath: string): Electron.WebPreferences {
  return {
    preload: preloadPath,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    spellcheck: false,
  };
}

function createWindow(): BrowserWindow {
  const window = new BrowserWindow({
    width: 1200,
    height: 800,
    show: false,
    webPreferences: secureWebPreferences(join(import.meta.dirname, '../preload/index.cjs')),
  });
  window.webContents.setWindowOpenHandler(() => ({ action: 'deny' }));
  window.webContents.on('will-navigate', (event) => event.preventDefault());
  window.once('ready-to-show', () => window.show());
  if (rendererUrl) void window.loadURL(rendererUrl);
  else void window.loadFile(join(import.meta.dirname, '../renderer/index.html'));
  return window;
}

/** Only our own window's top frame may call main. */
function fromOwnWindow(event: IpcMainInvokeEvent, window: BrowserWindow): boolean {
  return event.sender === window.webContents && event.senderFrame === window.webContents.mainFrame;
}

const handlers: { [C in InvokeChannel]: () => unknown } = {
  'app:info': () => ({ name: app.getName(), version: app.getVersion() }),
};

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  void app.whenReady().then(() => {
    session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
    const window = createWindow();
    for (const channel of Object.keys(invokeContract) as InvokeChannel[]) {
      ipcMain.handle(channel, (event, args: unknown) => {
        if (!fromOwnWindow(event, window)) throw new Error(`Refused ${channel}: not from the app's window`);
        invokeContract[channel].args.parse(args);
        return invokeContract[channel].result.parse(handlers[channel]());
      });
    }
    app.on('second-instance', () => {
      if (window.isMinimized()) window.restore();
      window.show();
      window.focus();
    });
  });
}
