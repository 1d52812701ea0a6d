// Runs in: Node (vitest), with electron mocked.
// The tray: its menu's actions, and an icon per state.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';

const trays: FakeTray[] = [];
class FakeTray {
  image: string;
  menu: { label?: string; click?: () => void; id?: string }[] = [];
  tooltip = '';
  handlers = new Map<string, () => void>();
  constructor(image: { path: string }) {
    this.image = image.path;
    trays.push(this);
  }
  setImage(image: { path: string }) {
    this.image = image.path;
  }
  setToolTip(text: string) {
    this.tooltip = text;
  }
  setContextMenu(menu: { items: FakeTray['menu'] }) {
    this.menu = menu.items;
  }
  on(event: string, h: () => void) {
    this.handlers.set(event, h);
  }
  destroy() {}
}

vi.mock('electron', () => ({
  Tray: FakeTray,
  nativeImage: { createFromPath: (path: string) => ({ path }) },
  Menu: { buildFromTemplate: (items: unknown[]) => ({ items }) },
}));

const { ClerkTray, trayIconPath } = await import('./tray');
const assets = join(import.meta.dirname, '../assets');

function makeTray(view = { language: 'ru' as 'ru' | 'en', paused: false }) {
  const actions = { open: vi.fn(), runNow: vi.fn(), setPaused: vi.fn(), quit: vi.fn() };
  const tray = new ClerkTray(assets, actions, () => view);
  return { tray, fake: trays[trays.length - 1]!, actions, view };
}

const click = (fake: FakeTray, label: string) => {
  const item = fake.menu.find((i) => i.label === label);
  if (!item?.click) throw new Error(`no menu item "${label}" in ${fake.menu.map((i) => i.label).join(', ')}`);
  item.click();
};

describe('tray', () => {
  it('has an icon file for every state', () => {
    for (const state of ['idle', 'exchanging', 'attention', 'offline', 'error'] as const) {
      expect(existsSync(trayIconPath(assets, state)), state).toBe(true);
      expect(existsSync(trayIconPath(assets, state).replace('.png', '@2x.png')), state).toBe(true);
    }
  });

  it('menu: Open, Run exchange session now, Pause, Quit each do their action', () => {
    const { fake, actions } = makeTray();
    expect(fake.menu.filter((i) => i.label).map((i) => i.label)).toEqual([
      'Открыть',
      'Провести сеанс обмена сейчас',
      'Приостановить фоновый обмен',
      'Выход',
    ]);
    click(fake, 'Открыть');
    expect(actions.open).toHaveBeenCalledOnce();
    click(fake, 'Провести сеанс обмена сейчас');
    expect(actions.runNow).toHaveBeenCalledOnce();
    click(fake, 'Приостановить фоновый обмен');
    expect(actions.setPaused).toHaveBeenCalledWith(true);
    click(fake, 'Выход');
    expect(actions.quit).toHaveBeenCalledOnce();
    fake.handlers.get('click')!();
    expect(actions.open).toHaveBeenCalledTimes(2);
  });

  it('offers Resume while paused, and speaks English when the clerk does', () => {
    const { tray, fake, actions, view } = makeTray();
    view.paused = true;
    view.language = 'en';
    tray.refresh();
    click(fake, 'Resume background exchange');
    expect(actions.setPaused).toHaveBeenCalledWith(false);
    expect(fake.menu.filter((i) => i.label).map((i) => i.label)).toEqual([
      'Open',
      'Run exchange session now',
      'Resume background exchange',
      'Quit',
    ]);
  });

  it('shows the state in its icon and tooltip', () => {
    const { tray, fake } = makeTray();
    expect(fake.image).toBe(join(assets, 'tray/idle.png'));
    tray.setState('error');
    expect(fake.image).toBe(join(assets, 'tray/error.png'));
    expect(fake.tooltip).toBe('EDO Clerk: сеанс обмена завершился ошибкой');
    tray.setState('exchanging');
    expect(fake.image).toBe(join(assets, 'tray/exchanging.png'));
  });
});
