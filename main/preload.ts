// Runs in: the sandboxed preload of the main window. Exposes only window.clerk.invoke and
// window.clerk.on; names are checked against the contract's list before anything is sent.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { isEventName, isInvokeChannel } from '../src/ipc/channels';
import type { ClerkBridge } from '../src/ipc/contract';

const bridge: ClerkBridge = {
  invoke(channel, args) {
    if (!isInvokeChannel(channel)) return Promise.reject(new Error(`Unknown channel: ${String(channel)}`));
    return ipcRenderer.invoke(channel, args);
  },
  on(event, callback) {
    if (!isEventName(event)) throw new Error(`Unknown event: ${String(event)}`);
    const listener = (_e: IpcRendererEvent, payload: unknown) => callback(payload as never);
    ipcRenderer.on(event, listener);
    return () => ipcRenderer.removeListener(event, listener);
  },
};

contextBridge.exposeInMainWorld('clerk', bridge);
