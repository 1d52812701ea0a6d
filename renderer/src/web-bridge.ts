// Runs in: the renderer, when served by `edo-clerk web` (web.html) instead of the desktop's
// preload. The same window.clerk (invoke/on) over one WebSocket to the web client's server,
// which dispatches to the desktop's handler registry; names are checked against the contract's
// list first, as the preload does. Notifications the desktop shows through the OS come as the
// browser's, where the clerk allowed them. A staff session that ends (expired, logged out)
// closes the socket with its own code: the page reloads to the login form.
import { isEventName, isInvokeChannel } from '../../src/ipc/channels';
import type { ClerkBridge, View } from '../../src/ipc/contract';

interface Answer {
  id?: number;
  result?: unknown;
  error?: { name: string; message: string };
  event?: string;
  payload?: unknown;
  notice?: { title: string; body: string; view: View };
}

const reconnectMs = 1000;
/** The server's sessionEndedCode (src/web/server.ts). */
const sessionEndedCode = 4401;
const listeners = new Map<string, Set<(payload: never) => void>>();
const calls = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
let nextId = 1;
let socket: WebSocket;
let opened: Promise<void>;

const emit = (event: string, payload: unknown) => listeners.get(event)?.forEach((l) => l(payload as never));

function connect(): void {
  socket = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api`);
  opened = new Promise((resolve) => socket.addEventListener('open', () => resolve(), { once: true }));
  socket.addEventListener('message', (m) => {
    const a = JSON.parse(String(m.data)) as Answer;
    if (a.id !== undefined) {
      const call = calls.get(a.id);
      calls.delete(a.id);
      if (a.error) call?.reject(Object.assign(new Error(a.error.message), { name: a.error.name }));
      else call?.resolve(a.result);
    } else if (a.event !== undefined) emit(a.event, a.payload);
    else if (a.notice) showNotice(a.notice);
  });
  socket.addEventListener('close', (closed) => {
    if (closed.code === sessionEndedCode) return location.reload();
    for (const call of calls.values())
      call.reject(new Error('The connection to edo-clerk web was lost; reload the page once it runs again'));
    calls.clear();
    setTimeout(connect, reconnectMs);
  });
}

function showNotice(notice: NonNullable<Answer['notice']>): void {
  if (!('Notification' in window) || Notification.permission !== 'granted') return;
  const n = new Notification(notice.title, { body: notice.body });
  n.onclick = () => {
    window.focus();
    emit('app:navigate', { view: notice.view });
  };
}

// A browser asks for the permission only after the clerk did something on the page.
document.addEventListener(
  'click',
  () => {
    if ('Notification' in window && Notification.permission === 'default') void Notification.requestPermission();
  },
  { once: true },
);

const bridge: ClerkBridge = {
  async invoke(channel, args) {
    if (!isInvokeChannel(channel)) throw new Error(`Unknown channel: ${String(channel)}`);
    await opened;
    const id = nextId++;
    const answer = new Promise<never>((resolve, reject) =>
      calls.set(id, { resolve: resolve as (v: unknown) => void, reject }),
    );
    socket.send(JSON.stringify({ id, channel, args }));
    return answer;
  },
  on(event, callback) {
    if (!isEventName(event)) throw new Error(`Unknown event: ${String(event)}`);
    const set = listeners.get(event) ?? new Set();
    listeners.set(event, set);
    set.add(callback as (payload: never) => void);
    return () => void set.delete(callback as (payload: never) => void);
  },
};

/** Connects to the server and gives the page its window.clerk; once, before the app mounts. */
export function connectBridge(): void {
  connect();
  Object.defineProperty(window, 'clerk', { value: Object.freeze(bridge) });
}
