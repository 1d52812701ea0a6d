// Runs in: Node (vitest), with electron mocked.
// The Electron entry point with the electron module replaced: what starts, close-to-tray versus
// Quit, the tray's actions, and the OS events that wake the scheduler. The core services are
// the in-memory ones (the real ones are exercised by test/e2e/clerk-real.spec.ts).
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { invokeChannels } from '../src/ipc/channels';
import { MemoryClerk } from '../test/e2e/support/memory-services';

type Handler = (...args: unknown[]) => unknown;

const on = () => {
  const handlers = new Map<string, Handler>();
  return { handlers, on: (event: string, h: Handler) => void handlers.set(event, h) };
};

const fake = vi.hoisted(() => ({
  app: undefined as unknown as ReturnType<typeof Object>,
  windows: [] as unknown[],
  trays: [] as unknown[],
  ipc: new Map<string, Handler>(),
  power: new Map<string, Handler>(),
  quit: { called: 0 },
  /** How many IPC handlers there were when the window loaded its UI. */
  loads: [] as number[],
  dialog: { answer: 0, asked: [] as { parent: unknown; detail: string }[] },
}));

const memory = new MemoryClerk({ tokenPresent: true });

vi.mock('./core-services', () => ({ createCoreServices: async () => ({ ...memory.services(), close: () => {} }) }));

vi.mock('electron', () => {
  const appEvents = on();
  class BrowserWindow {
    events = on();
    contentsEvents = on();
    visible = false;
    options: unknown;
    webContents = {
      mainFrame: {},
      setWindowOpenHandler: () => {},
      on: this.contentsEvents.on,
      send: () => {},
    };
    constructor(options: unknown) {
      this.options = options;
      fake.windows.push(this);
    }
    on(event: string, h: Handler) {
      this.events.on(event, h);
    }
    once(event: string, h: Handler) {
      this.events.on(event, h);
    }
    loadFile() {
      fake.loads.push(fake.ipc.size);
      return Promise.resolve();
    }
    loadURL() {
      fake.loads.push(fake.ipc.size);
      return Promise.resolve();
    }
    isDestroyed() {
      return false;
    }
    isMinimized() {
      return false;
    }
    restore() {}
    show() {
      this.visible = true;
    }
    hide() {
      this.visible = false;
    }
    focus() {}
  }
  class Tray {
    menu: { label?: string; click?: () => void }[] = [];
    image = '';
    constructor(image: { path: string }) {
      this.image = image.path;
      fake.trays.push(this);
    }
    on() {}
    setImage(image: { path: string }) {
      this.image = image.path;
    }
    setToolTip() {}
    setContextMenu(menu: { items: Tray['menu'] }) {
      this.menu = menu.items;
    }
  }
  const app = {
    events: appEvents,
    requestSingleInstanceLock: () => true,
    whenReady: () => Promise.resolve(),
    on: appEvents.on,
    quit: () => {
      fake.quit.called += 1;
    },
    getAppPath: () => process.cwd(),
    getName: () => 'EDO Clerk',
    getVersion: () => '0.1.0',
    setLoginItemSettings: vi.fn(),
  };
  fake.app = app;
  return {
    app,
    BrowserWindow,
    Tray,
    Menu: { buildFromTemplate: (items: unknown[]) => ({ items }) },
    nativeImage: { createFromPath: (path: string) => ({ path }) },
    dialog: {
      showMessageBox: async (parent: unknown, options: { detail: string }) => {
        fake.dialog.asked.push({ parent, detail: options.detail });
        return { response: fake.dialog.answer, checkboxChecked: false };
      },
    },
    ipcMain: {
      handle: (channel: string, h: Handler) => fake.ipc.set(channel, h),
      removeHandler: (c: string) => fake.ipc.delete(c),
    },
    net: { isOnline: () => true },
    Notification: class {
      static isSupported() {
        return false;
      }
    },
    powerMonitor: { on: (event: string, h: Handler) => fake.power.set(event, h) },
    session: {
      defaultSession: {
        setPermissionRequestHandler: () => {},
        setPermissionCheckHandler: () => {},
        webRequest: { onHeadersReceived: () => {} },
      },
    },
    shell: { openExternal: vi.fn() },
  };
});

interface FakeWindow {
  visible: boolean;
  options: { webPreferences: Record<string, unknown> };
  events: { handlers: Map<string, Handler> };
}
interface FakeTray {
  image: string;
  menu: { label?: string; click?: () => void }[];
}

const window = () => fake.windows[0] as FakeWindow;
const tray = () => fake.trays[0] as FakeTray;
const click = (label: string) => tray().menu.find((i) => i.label === label)!.click!();
const closeWindow = () => {
  const event = {
    prevented: false,
    preventDefault() {
      this.prevented = true;
    },
  };
  window().events.handlers.get('close')!(event);
  return event.prevented;
};

beforeAll(async () => {
  await import('./index');
  await vi.waitFor(() => expect(fake.trays).toHaveLength(1));
});

describe('the app', () => {
  it('starts one secure window, a handler per contract channel, and the tray', () => {
    expect(fake.windows).toHaveLength(1);
    expect(window().options.webPreferences).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
    });
    expect([...fake.ipc.keys()].sort()).toEqual([...invokeChannels].sort());
    expect(tray().image).toMatch(/assets\/tray\/idle\.png$/);
  });

  it('loads the UI once, after every channel has its handler', () => {
    expect(fake.loads).toEqual([invokeChannels.length]);
  });

  it('runs a session from the tray, and on resume from sleep', async () => {
    click('Провести сеанс обмена сейчас');
    await vi.waitFor(() => expect(memory.runs).toHaveLength(1));
    fake.power.get('resume')!();
    await vi.waitFor(() => expect(memory.runs).toHaveLength(2));
    expect(memory.runs.map((r) => r.trigger)).toEqual(['resume', 'manual']);
  });

  it('pauses and resumes background exchange from the tray', async () => {
    click('Приостановить фоновый обмен');
    await vi.waitFor(() => expect(tray().menu.some((i) => i.label === 'Возобновить фоновый обмен')).toBe(true));
    fake.power.get('resume')!();
    await new Promise((ok) => setTimeout(ok, 20));
    expect(memory.runs).toHaveLength(2);
    click('Возобновить фоновый обмен');
    await vi.waitFor(() => expect(tray().menu.some((i) => i.label === 'Приостановить фоновый обмен')).toBe(true));
  });

  it('closing the window hides it to the tray; Open shows it; Quit really quits', () => {
    window().visible = true;
    expect(closeWindow()).toBe(true);
    expect(window().visible).toBe(false);
    click('Открыть');
    expect(window().visible).toBe(true);
    expect(fake.quit.called).toBe(0);
    click('Выход');
    expect(fake.quit.called).toBe(1);
    expect(closeWindow()).toBe(false);
  });
});

describe('settings from the renderer', () => {
  const invoke = (channel: string, args: unknown) => {
    const w = fake.windows[0] as { webContents: { mainFrame: unknown } };
    return fake.ipc.get(channel)!({ sender: w.webContents, senderFrame: w.webContents.mainFrame }, args);
  };
  const modules = async () => (await memory.services().settings.get()).modulePaths;
  const softhsm = '/usr/lib/softhsm/libsofthsm2.so';

  it('a token module where vendors install theirs is taken without asking', async () => {
    await invoke('settings:set', { modulePaths: [softhsm, '/usr/lib/librtpkcs11ecp.so'] });
    expect(await modules()).toEqual([softhsm, '/usr/lib/librtpkcs11ecp.so']);
    expect(fake.dialog.asked).toEqual([]);
  });

  it('any other module path is loaded only if the clerk confirms it in main’s own dialog', async () => {
    fake.dialog.answer = 0; // Cancel
    await expect(invoke('settings:set', { modulePaths: [softhsm, '/tmp/evil/libpkcs11.so'] })).rejects.toThrow(
      'The token module /tmp/evil/libpkcs11.so was not loaded',
    );
    expect(fake.dialog.asked).toEqual([
      { parent: window(), detail: expect.stringContaining('/tmp/evil/libpkcs11.so') },
    ]);
    expect(await modules()).toEqual([softhsm, '/usr/lib/librtpkcs11ecp.so']);

    fake.dialog.answer = 1; // Load
    await invoke('settings:set', { modulePaths: [softhsm, '/opt/vendor/libpkcs11.so'] });
    expect(await modules()).toEqual([softhsm, '/opt/vendor/libpkcs11.so']);
    // A path the settings hold already is not asked about again.
    fake.dialog.answer = 0;
    await invoke('settings:set', { modulePaths: ['/opt/vendor/libpkcs11.so'] });
    expect(fake.dialog.asked).toHaveLength(2);
  });

  it('refuses a relative module path and a plain-http server elsewhere than this machine', async () => {
    await expect(invoke('settings:set', { modulePaths: ['libpkcs11.so'] })).rejects.toThrow(
      'A token module path must be absolute',
    );
    await expect(invoke('settings:set', { modulePaths: ['//fileserver/share/libpkcs11.so'] })).rejects.toThrow(
      'A token module path must be absolute',
    );
    await expect(invoke('settings:set', { serverUrl: 'http://edo.example.ru' })).rejects.toThrow('must use https');
    expect((await memory.services().settings.get()).serverUrl).toBe('https://edo.example.ru');
    for (const local of [
      'http://127.0.0.1:8080',
      'http://localhost:8080/',
      'http://[::1]:8080',
      'https://edo.example.ru',
    ]) {
      await invoke('settings:set', { serverUrl: local });
      expect((await memory.services().settings.get()).serverUrl).toBe(local);
    }
    expect(fake.dialog.asked).toHaveLength(2);
  });
});
