// Runs in: Node (vitest), with electron mocked.
// The IPC registry: one handler per contract channel and none else; a caller that is not our
// window's top frame is refused; arguments and results are checked against the contract.
import { describe, expect, it, vi } from 'vitest';
import { invokeChannels, invokeContract } from '../src/ipc/contract';
import { MemoryClerk } from '../test/e2e/support/memory-services';
import { memoryHandlers } from '../test/support/memory-handlers';
import { createClerkMain } from './clerk-main';
import { createDispatcher, isAllowedExternal, type Handlers, type Platform } from './handlers';
import { registerIpc } from './ipc';

vi.mock('electron', () => ({}));

const platform: Platform = {
  appInfo: () => ({ name: 'EDO Clerk', version: '1.0.0' }),
  openExternal: vi.fn(async () => {}),
  setStartAtLogin: vi.fn(),
};

function handlersFor(clerk = new MemoryClerk()): Handlers {
  return memoryHandlers(clerk, { platform, externalOrigins: ['https://help.edo-clerk.example'] });
}

describe('handler registry', () => {
  it('has a handler for every contract channel and none else', () => {
    expect(Object.keys(handlersFor()).sort()).toEqual([...invokeChannels].sort());
    expect(Object.keys(invokeContract).sort()).toEqual([...invokeChannels].sort());
  });

  it('refuses unknown channels and bad arguments by name, and never passes them to a handler', async () => {
    const handlers = handlersFor();
    const spy = vi.spyOn(handlers, 'documents:list');
    const dispatch = createDispatcher(handlers);
    await expect(dispatch('fs:read', { path: '/etc/passwd' })).rejects.toThrow('Unknown channel: fs:read');
    await expect(dispatch('documents:list', { direction: 'trash', offset: 0, limit: 10 })).rejects.toThrow(
      /Invalid arguments for documents:list:[\s\S]*direction/,
    );
    await expect(dispatch('documents:list', { direction: 'in', offset: -1, limit: 10 })).rejects.toThrow(/offset/);
    await expect(dispatch('settings:set', { mode: 'server' })).rejects.toThrow(/Invalid arguments for settings:set/);
    // A renderer that skipped its own check: the signature checks' field is named.
    await expect(
      dispatch('settings:set', { signatureChecks: { tsaUrl: 'tsa.example.ru/tsp', offline: false } }),
    ).rejects.toThrow(/signatureChecks\.tsaUrl/);
    await expect(dispatch('settings:set', { signatureChecks: { crlFolder: 'crl', offline: false } })).rejects.toThrow(
      /The CRL folder must be an absolute path[\s\S]*signatureChecks\.crlFolder/,
    );
    expect(spy).not.toHaveBeenCalled();
    await expect(dispatch('documents:list', { direction: 'in', offset: 0, limit: 10 })).resolves.toEqual({
      total: 0,
      offset: 0,
      rows: [],
    });
  });

  it('refuses a result that breaks the contract', async () => {
    const handlers = handlersFor();
    handlers['app:info'] = async () => ({ name: 'x' }) as never;
    await expect(createDispatcher(handlers)('app:info', undefined)).rejects.toThrow(
      /result of app:info broke the contract/,
    );
  });

  it('opens only https links to allowlisted origins and the exchange server', async () => {
    const dispatch = createDispatcher(handlersFor());
    await expect(dispatch('app:openExternal', { url: 'https://help.edo-clerk.example/pin' })).resolves.toEqual({
      opened: true,
    });
    await expect(dispatch('app:openExternal', { url: 'https://edo.example.ru/status' })).resolves.toEqual({
      opened: true,
    });
    await expect(dispatch('app:openExternal', { url: 'http://help.edo-clerk.example/pin' })).resolves.toEqual({
      opened: false,
    });
    await expect(dispatch('app:openExternal', { url: 'file:///etc/passwd' })).resolves.toEqual({ opened: false });
    expect(platform.openExternal).toHaveBeenCalledTimes(2);
    expect(isAllowedExternal('https://help.edo-clerk.example.evil.com/', ['https://help.edo-clerk.example'])).toBe(
      false,
    );
    expect(isAllowedExternal('not a url', ['https://help.edo-clerk.example'])).toBe(false);
  });
});

describe('ipcMain registration', () => {
  async function setUp() {
    const handlers = new Map<string, (event: unknown, args: unknown) => Promise<unknown>>();
    const ipcMain = {
      handle: (channel: string, h: never) => handlers.set(channel, h),
      removeHandler: (c: string) => handlers.delete(c),
    };
    const mainFrame = { url: 'file:///app/out/renderer/index.html' };
    const sent: [string, unknown][] = [];
    const webContents = { mainFrame, send: (e: string, p: unknown) => sent.push([e, p]) };
    const window = { webContents, isDestroyed: () => false };
    const clerk = await createClerkMain({
      services: new MemoryClerk().services(),
      platform,
      externalOrigins: [],
      notify: () => {},
      onTrayState: () => {},
    });
    const unregister = registerIpc(ipcMain as never, window as never, clerk.dispatch, clerk.events);
    return { handlers, webContents, mainFrame, sent, clerk, unregister };
  }

  it('registers exactly the contract channels', async () => {
    const { handlers, unregister, clerk } = await setUp();
    expect([...handlers.keys()].sort()).toEqual([...invokeChannels].sort());
    unregister();
    expect(handlers.size).toBe(0);
    await clerk.stop();
  });

  it("answers our window's top frame and refuses a subframe or another webContents", async () => {
    const { handlers, webContents, mainFrame, clerk } = await setUp();
    const info = handlers.get('app:info')!;
    await expect(info({ sender: webContents, senderFrame: mainFrame }, undefined)).resolves.toEqual({
      name: 'EDO Clerk',
      version: '1.0.0',
    });
    const subframe = { url: 'https://evil.example/' };
    await expect(info({ sender: webContents, senderFrame: subframe }, undefined)).rejects.toThrow(
      "Refused app:info: not from the app's window",
    );
    const otherContents = { mainFrame: subframe };
    await expect(info({ sender: otherContents, senderFrame: subframe }, undefined)).rejects.toThrow(/Refused/);
    await expect(info({ sender: webContents, senderFrame: null }, undefined)).rejects.toThrow(/Refused/);
    await clerk.stop();
  });

  it('sends main’s events to the window', async () => {
    const { sent, clerk } = await setUp();
    clerk.openView('pending');
    expect(sent).toContainEqual(['app:navigate', { view: 'pending' }]);
    await clerk.stop();
  });
});
