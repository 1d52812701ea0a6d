// Runs in: the Electron main process. Puts the handler registry on ipcMain: one handler per
// contract channel, each refusing any caller but our window's top frame; events go back to
// that window only.
import type { BrowserWindow, IpcMain, IpcMainInvokeEvent } from 'electron';
import { invokeChannels } from '../src/ipc/channels';
import type { Dispatch, EventHub } from './handlers';

/** Only our own window's top frame may call main: not a subframe, not another webContents. */
export function fromOwnWindow(event: IpcMainInvokeEvent, window: BrowserWindow): boolean {
  return (
    !window.isDestroyed() && event.sender === window.webContents && event.senderFrame === window.webContents.mainFrame
  );
}

export function registerIpc(ipcMain: IpcMain, window: BrowserWindow, dispatch: Dispatch, events: EventHub): () => void {
  for (const channel of invokeChannels) {
    ipcMain.handle(channel, async (event, args: unknown) => {
      if (!fromOwnWindow(event, window)) throw new Error(`Refused ${channel}: not from the app's window`);
      return dispatch(channel, args);
    });
  }
  const unsubscribe = events.subscribe((event, payload) => {
    if (!window.isDestroyed()) window.webContents.send(event, payload);
  });
  return () => {
    unsubscribe();
    for (const channel of invokeChannels) ipcMain.removeHandler(channel);
  };
}
