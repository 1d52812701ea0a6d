// Runs in: Node (vitest), with electron mocked.
// The Archive and Organization settings channels through main's one registry: each has its
// handler, bad arguments are refused by name before a handler sees them, a download goes only
// to the folder main's dialog gave (a path from the renderer is refused), and only our
// window's top frame is answered.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DownloadShelf } from '../src/web/downloads';
import { MemoryClerk } from '../test/e2e/support/memory-services';
import { memoryHandlers } from '../test/support/memory-handlers';
import { createClerkMain } from './clerk-main';
import { createDispatcher, type Platform } from './handlers';
import { registerIpc } from './ipc';

vi.mock('electron', () => ({}));

const folders: string[] = [];
afterEach(() => {
  for (const dir of folders.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function setUp(platformExtra: Partial<Platform> = {}) {
  const clerk = new MemoryClerk();
  const platform: Platform = {
    appInfo: () => ({ name: 'EDO Clerk', version: '1' }),
    openExternal: async () => {},
    setStartAtLogin: () => {},
    ...platformExtra,
  };
  const handlers = memoryHandlers(clerk, { platform, externalOrigins: [] });
  return { clerk, handlers, dispatch: createDispatcher(handlers) };
}

describe('archive channels', () => {
  it('archive:status answers usage against the quota and the tree check', async () => {
    const { dispatch, clerk } = setUp();
    clerk.archive.notArchived.push({
      fileName: 'big.pdf',
      size: 10,
      refusedAt: '2026-11-20T10:00:00.000Z',
      reason: 'quota exceeded',
    });
    await expect(dispatch('archive:status', undefined)).resolves.toEqual({
      usedBytes: 219_770_000,
      quotaBytes: 5 * 1024 ** 3,
      notArchived: [{ fileName: 'big.pdf', size: 10, refusedAt: '2026-11-20T10:00:00.000Z', reason: 'quota exceeded' }],
      lastTreeHead: null,
      consistency: { ok: true },
    });
    await expect(dispatch('archive:status', { anything: 1 })).rejects.toThrow(/Invalid arguments for archive:status/);
  });

  it('archive:list and archive:verify give each entry its verification state, a tampered one failed with the reason', async () => {
    const { dispatch, clerk } = setUp();
    const listed = (await dispatch('archive:list', undefined)) as { verification: string }[];
    expect(listed.map((r) => r.verification)).toEqual([
      'unchecked',
      'unchecked',
      'unchecked',
      'unchecked',
      'unchecked',
    ]);
    clerk.archive.tampered.add(2);
    const audit = (await dispatch('archive:verify', undefined)) as {
      tree: { ok: boolean };
      entries: { index: number; verification: string; problem?: string }[];
    };
    expect(audit.tree.ok).toBe(true);
    expect(audit.entries.map((e) => e.verification)).toEqual([
      'verified',
      'verified',
      'failed',
      'verified',
      'verified',
    ]);
    expect(audit.entries[2]).toMatchObject({ index: 2, problem: 'entry-changed' });
    await expect(dispatch('archive:verify', 'now')).rejects.toThrow(/Invalid arguments for archive:verify/);
  });

  it('archive:download writes the original and its signatures into the folder main asked the clerk for', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'archive-download-'));
    folders.push(dir);
    const chooseFolder = vi.fn(async () => dir);
    const { dispatch, handlers } = setUp({ chooseFolder });
    const spy = vi.spyOn(handlers, 'archive:download');
    // The renderer never names a path: an extra field is refused before the handler runs.
    await expect(dispatch('archive:download', { index: 0, dir: '/etc' })).rejects.toThrow(
      /Invalid arguments for archive:download/,
    );
    await expect(dispatch('archive:download', { index: -1 })).rejects.toThrow(/index/);
    expect(spy).not.toHaveBeenCalled();
    expect(chooseFolder).not.toHaveBeenCalled();

    const saved = (await dispatch('archive:download', { index: 0 })) as {
      saved: boolean;
      file: string;
      signatures: string[];
    };
    expect(saved.saved).toBe(true);
    expect(saved.file).toBe(join(dir, 'Договор поставки № 12.pdf'));
    expect(readFileSync(saved.file, 'utf8')).toBe('Договор поставки № 12.pdf\n');
    expect(saved.signatures).toEqual([`${saved.file}.1.sig`, `${saved.file}.2.sig`]);
    expect(saved.signatures.every((s) => existsSync(s))).toBe(true);
    await expect(dispatch('archive:download', { index: 99 })).rejects.toThrow(
      'The organization has no archive entry 99',
    );
  });

  it('archive:download writes nothing when the clerk cancels the dialog, and says so where it cannot save', async () => {
    const cancelled = setUp({ chooseFolder: async () => undefined });
    await expect(cancelled.dispatch('archive:download', { index: 0 })).resolves.toEqual({
      saved: false,
      signatures: [],
    });
    // A code the renderer words, not main's English.
    await expect(setUp().dispatch('archive:download', { index: 0 })).resolves.toEqual({
      saved: false,
      signatures: [],
      unavailable: true,
    });
  });

  it('archive:download in the web client hands the original, then each signature, to the browser, one download each', async () => {
    const shelf = new DownloadShelf();
    const { dispatch } = setUp({ offerDownloads: (make) => shelf.offer(make) });
    const saved = (await dispatch('archive:download', { index: 0 })) as { downloads: { id: string; name: string }[] };
    expect(saved).toMatchObject({ saved: true, signatures: [] });
    expect(saved.downloads.map((d) => d.name)).toEqual([
      'Договор поставки № 12.pdf',
      'Договор поставки № 12.pdf.1.sig',
      'Договор поставки № 12.pdf.2.sig',
    ]);
    const original = (await shelf.take(saved.downloads[0]!.id))!;
    expect(readFileSync(original.file, 'utf8')).toBe('Договор поставки № 12.pdf\n');
    await original.done();
    expect(existsSync(original.file)).toBe(false);
    await shelf.close();
  });
});

describe('organization channels', () => {
  it('organization:get shows the settings to a user with the right, and the refusal (journaled) to others', async () => {
    const { dispatch, clerk } = setUp();
    const state = (await dispatch('organization:get', undefined)) as { allowed: boolean; settings: { plan: string } };
    expect(state).toMatchObject({
      allowed: true,
      me: 'user-ivanova',
      settings: { plan: 'standard', operatingMode: 'workstation' },
    });
    clerk.archive.allowed = false;
    await expect(dispatch('organization:get', undefined)).resolves.toEqual({
      allowed: false,
      message: expect.stringContaining('change-organization-settings'),
    });
    expect(clerk.archive.journal.at(-1)).toMatchObject({ action: 'settings.read', outcome: 'refused' });
  });

  it('organization:patch changes only what is named, journals old → new, and refuses an empty or bad patch by name', async () => {
    const { dispatch, handlers, clerk } = setUp();
    const spy = vi.spyOn(handlers, 'organization:patch');
    await expect(dispatch('organization:patch', {})).rejects.toThrow(/name at least one setting/);
    await expect(dispatch('organization:patch', { archiving: { notifyEmail: 'not-an-address' } })).rejects.toThrow(
      /e-mail address/,
    );
    await expect(dispatch('organization:patch', { plan: 'gold' })).rejects.toThrow(/plan/);
    await expect(dispatch('organization:patch', { quota: 1 })).rejects.toThrow(
      /Invalid arguments for organization:patch/,
    );
    expect(spy).not.toHaveBeenCalled();
    const state = await dispatch('organization:patch', {
      archiving: { enabled: false, notifyEmail: 'arch@romashka.ru' },
    });
    expect(state).toMatchObject({
      allowed: true,
      settings: { archiving: { enabled: false, notifyEmail: 'arch@romashka.ru' } },
    });
    expect(clerk.archive.journal.slice(-2)).toMatchObject([
      { action: 'archiving.enabled', oldValue: 'true', newValue: 'false', outcome: 'applied' },
      {
        action: 'archiving.notifyEmail',
        oldValue: '"archive@romashka.ru"',
        newValue: '"arch@romashka.ru"',
        outcome: 'applied',
      },
    ]);
  });

  it('organization:setAccess takes the whole table, each user at most once and with known permissions', async () => {
    const { dispatch } = setUp();
    await expect(
      dispatch('organization:setAccess', { users: [{ userId: 'u', permissions: ['delete-everything'] }] }),
    ).rejects.toThrow(/permissions/);
    await expect(
      dispatch('organization:setAccess', {
        users: [
          { userId: 'u', permissions: [] },
          { userId: 'u', permissions: ['read-restricted'] },
        ],
      }),
    ).rejects.toThrow(/each user at most once/);
    const users = [
      { userId: 'user-ivanova', permissions: ['change-organization-settings'] },
      { userId: 'user-sidorov', permissions: ['read-restricted', 'list-restricted'] },
    ];
    await expect(dispatch('organization:setAccess', { users })).resolves.toMatchObject({
      allowed: true,
      settings: { access: users },
    });
  });

  it('organization:journal pages the journal with a cursor, and refuses a page size out of range', async () => {
    const { dispatch } = setUp();
    await dispatch('organization:patch', { plan: 'premium' });
    await dispatch('organization:patch', { operatingMode: 'server' });
    await expect(dispatch('organization:journal', { after: 0, limit: 0 })).rejects.toThrow(/limit/);
    await expect(dispatch('organization:journal', { after: 0, limit: 501 })).rejects.toThrow(/limit/);
    const first = (await dispatch('organization:journal', { after: 0, limit: 2 })) as {
      entries: { seq: number; action: string }[];
      next: number;
      hasMore: boolean;
    };
    expect(first.entries.map((e) => e.action)).toEqual(['archiving.enabled', 'plan']);
    expect(first).toMatchObject({ next: 2, hasMore: true });
    const rest = (await dispatch('organization:journal', { after: first.next, limit: 2 })) as typeof first;
    expect(rest.entries).toMatchObject([
      { seq: 3, action: 'operatingMode', oldValue: '"workstation"', newValue: '"server"' },
    ]);
    expect(rest.hasMore).toBe(false);
  });
});

describe('the sender check covers the new channels', () => {
  it("answers the window's top frame only", async () => {
    const handlers = new Map<string, (event: unknown, args: unknown) => Promise<unknown>>();
    const ipcMain = {
      handle: (channel: string, h: never) => handlers.set(channel, h),
      removeHandler: (c: string) => handlers.delete(c),
    };
    const mainFrame = { url: 'file:///app/out/renderer/index.html' };
    const webContents = { mainFrame, send: () => {} };
    const chooseFolder = vi.fn(async () => undefined);
    const clerk = await createClerkMain({
      services: new MemoryClerk().services(),
      platform: {
        appInfo: () => ({ name: 'EDO Clerk', version: '1' }),
        openExternal: async () => {},
        setStartAtLogin: () => {},
        chooseFolder,
      },
      externalOrigins: [],
      notify: () => {},
      onTrayState: () => {},
    });
    registerIpc(ipcMain as never, { webContents, isDestroyed: () => false } as never, clerk.dispatch, clerk.events);
    for (const channel of [
      'archive:status',
      'archive:list',
      'archive:verify',
      'archive:download',
      'organization:get',
      'organization:patch',
      'organization:setAccess',
      'organization:journal',
    ]) {
      expect(handlers.has(channel)).toBe(true);
    }
    const download = handlers.get('archive:download')!;
    await expect(
      download({ sender: webContents, senderFrame: { url: 'https://evil.example/' } }, { index: 0 }),
    ).rejects.toThrow(/Refused archive:download/);
    expect(chooseFolder).not.toHaveBeenCalled();
    await expect(download({ sender: webContents, senderFrame: mainFrame }, { index: 0 })).resolves.toEqual({
      saved: false,
      signatures: [],
    });
    expect(chooseFolder).toHaveBeenCalledOnce();
    await clerk.stop();
  });
});
