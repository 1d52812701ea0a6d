// Runs in: the Electron main process. The tray icon (one per state) and its menu: Open, Run
// exchange session now, Pause / resume background exchange, Quit.
import { join } from 'node:path';
import { Menu, nativeImage, Tray, type MenuItemConstructorOptions } from 'electron';
import type { Language } from '../src/ipc/contract';
import type { TrayState } from './clerk-main';
import { mainText } from './i18n';

export interface TrayActions {
  open(): void;
  runNow(): void;
  setPaused(paused: boolean): void;
  quit(): void;
}

export function trayMenuTemplate(
  language: Language,
  paused: boolean,
  actions: TrayActions,
): MenuItemConstructorOptions[] {
  const t = (key: Parameters<typeof mainText>[1]) => mainText(language, key);
  return [
    { id: 'open', label: t('tray.open'), click: () => actions.open() },
    { id: 'runNow', label: t('tray.runNow'), click: () => actions.runNow() },
    paused
      ? { id: 'resume', label: t('tray.resume'), click: () => actions.setPaused(false) }
      : { id: 'pause', label: t('tray.pause'), click: () => actions.setPaused(true) },
    { type: 'separator' },
    { id: 'quit', label: t('tray.quit'), click: () => actions.quit() },
  ];
}

export function trayIconPath(assetsFolder: string, state: TrayState): string {
  return join(assetsFolder, 'tray', `${state}.png`);
}

export class ClerkTray {
  private readonly tray: Tray;
  private state: TrayState = 'idle';

  constructor(
    private readonly assetsFolder: string,
    private readonly actions: TrayActions,
    private readonly view: () => { language: Language; paused: boolean },
  ) {
    this.tray = new Tray(nativeImage.createFromPath(trayIconPath(assetsFolder, this.state)));
    this.tray.on('click', () => actions.open());
    this.refresh();
  }

  setState(state: TrayState): void {
    this.state = state;
    this.tray.setImage(nativeImage.createFromPath(trayIconPath(this.assetsFolder, state)));
    this.refresh();
  }

  /** Rebuilds the menu and tooltip: after a language or pause change. */
  refresh(): void {
    const { language, paused } = this.view();
    this.tray.setToolTip(mainText(language, `tray.state.${this.state}`));
    this.tray.setContextMenu(Menu.buildFromTemplate(trayMenuTemplate(language, paused, this.actions)));
  }

  destroy(): void {
    this.tray.destroy();
  }
}
