// Runs in: the renderer. The one way to main: window.clerk, with main's error text made
// readable (Electron prefixes it with "Error invoking remote method …").
import {
  downloadPath,
  type BrowserDownload,
  type EventName,
  type EventPayload,
  type InvokeArgs,
  type InvokeChannel,
  type InvokeResult,
} from '../../src/ipc/contract';

export async function invoke<C extends InvokeChannel>(channel: C, args: InvokeArgs<C>): Promise<InvokeResult<C>> {
  try {
    return await window.clerk.invoke(channel, args);
  } catch (e) {
    throw new Error(errorText(e), { cause: e });
  }
}

export function on<E extends EventName>(event: E, callback: (payload: EventPayload<E>) => void): () => void {
  return window.clerk.on(event, callback);
}

export function errorText(e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  return message.replace(/^Error invoking remote method '[^']+': (\w*Error: )?/, '');
}

/** Bytes of a picked or dropped file, as the contract carries them. */
export async function fileToBase64(file: Blob): Promise<string> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

export function base64ToBytes(base64: string): Uint8Array<ArrayBuffer> {
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/**
 * The web client's save: the browser fetches each file the server made (once, with this page's
 * cookie) and saves it where the clerk chooses, as any download.
 */
export function startDownloads(downloads: readonly BrowserDownload[]): void {
  for (const { id, name } of downloads) {
    const link = document.createElement('a');
    link.href = `${downloadPath}${id}`;
    link.download = name;
    link.hidden = true;
    document.body.append(link);
    link.click();
    link.remove();
  }
}
