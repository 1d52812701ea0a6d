// Runs in: the Electron main process (and, in end-to-end tests, the Playwright process, which
// calls this very registry through page bindings). One handler per contract channel; the
// dispatcher validates every argument before a handler sees it and every result before the
// renderer does.
import { z } from 'zod';
import {
  eventContract,
  invokeContract,
  isInvokeChannel,
  type AppInfo,
  type BrowserDownload,
  type EventName,
  type EventPayload,
  type InvokeChannel,
  type InvokeResult,
  type SessionStart,
  type SessionState,
} from '../src/ipc/contract';
import { knownModulePaths } from '../src/token/module-paths';
import { createArchiveHandlers } from './archive-handlers';
import { createEvidenceHandlers } from './evidence-handlers';
import { createPowerOfAttorneyHandlers } from './power-of-attorney-handlers';
import { createWorkflowHandlers } from './workflow-handlers';
import type { ExchangeScheduler, TriggerResult } from '../src/exchange/scheduler';
import type { ClerkServices } from './services';

/** The operating system's part, replaced in tests. */
export interface Platform {
  appInfo(): AppInfo;
  openExternal(url: string): Promise<void>;
  setStartAtLogin(enabled: boolean): void;
  /**
   * Starts the local sandbox for this profile (a hub child process and a demo counterparty) and
   * sets the profile up for it; absent where the app cannot run one.
   */
  startSandbox?(): Promise<void>;
  /**
   * Asks the clerk, in main's own dialog, whether to load a token module from an unusual path;
   * absent: only the vendors' usual paths are accepted.
   */
  confirmTokenModule?(path: string): Promise<boolean>;
  /** Asks the clerk for a folder to save into (main's own dialog); undefined when the clerk cancels. */
  chooseFolder?(): Promise<string | undefined>;
  /** Asks the clerk where to save a file (main's own save dialog), proposing `name`; undefined when the clerk cancels. */
  chooseSaveFile?(name: string): Promise<string | undefined>;
  /**
   * The browser's way to save (the web client, which has neither dialog): `make` writes its files
   * into a new private folder and returns them; each is handed to the page as a one-shot download.
   */
  offerDownloads?(make: (dir: string) => Promise<string[]>): Promise<BrowserDownload[]>;
}

type Args<C extends InvokeChannel> = z.output<(typeof invokeContract)[C]['args']>;
export type Handlers = { [C in InvokeChannel]: (args: Args<C>) => Promise<InvokeResult<C>> };

export type EventListener = <E extends EventName>(event: E, payload: EventPayload<E>) => void;

/** Events main pushes to the window; payloads are checked like results are. */
export class EventHub {
  private readonly listeners = new Set<EventListener>();

  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit<E extends EventName>(event: E, payload: EventPayload<E>): void {
    const checked = eventContract[event].parse(payload) as EventPayload<E>;
    for (const listener of this.listeners) listener(event, checked);
  }
}

/** https only, and only to hosts the clerk's setup names (the exchange server, the vendor's help). */
export function isAllowedExternal(url: string, allowedOrigins: readonly string[]): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  return parsed.protocol === 'https:' && allowedOrigins.includes(parsed.origin);
}

/**
 * Main loads each token module path of the settings as a native library, so a path that is
 * neither where a vendor installs its module nor in the settings already needs the clerk's
 * confirmation in main's dialog: a compromised renderer alone cannot make main load a library.
 */
async function confirmNewModules(
  paths: readonly string[],
  saved: readonly string[],
  platform: Platform,
): Promise<void> {
  const known = new Set(knownModulePaths().map((m) => m.path));
  for (const path of paths) {
    if (known.has(path) || saved.includes(path)) continue;
    if (!(await platform.confirmTokenModule?.(path)))
      throw new Error(
        `The token module ${path} was not loaded: it is not where token vendors install theirs, and it was not confirmed`,
      );
  }
}

export interface HandlerDeps {
  services: ClerkServices;
  scheduler: ExchangeScheduler;
  platform: Platform;
  events: EventHub;
  /** Fixed origins the app may open in the browser besides the exchange server's. */
  externalOrigins: readonly string[];
}

export async function sessionState(services: ClerkServices, scheduler: ExchangeScheduler): Promise<SessionState> {
  const s = scheduler.state();
  return { ...s, mode: await services.settings.mode(), nextRunAt: s.nextRunAt?.toISOString() ?? null };
}

function sessionStart(r: TriggerResult): SessionStart {
  if (r.started) return { started: true };
  return { started: false, reason: r.reason === 'queued' ? 'queued' : 'alreadyRunning' };
}

export function createHandlers({ services, scheduler, platform, events, externalOrigins }: HandlerDeps): Handlers {
  const s = services;
  return {
    'app:info': async () => platform.appInfo(),
    'app:openExternal': async ({ url }) => {
      const server = (await s.settings.get()).serverUrl;
      const origins = [...externalOrigins, ...(server ? [new URL(server).origin] : [])];
      if (!isAllowedExternal(url, origins)) return { opened: false };
      await platform.openExternal(url); // eng-disable OPEN_EXTERNAL_JS_CHECK: the allowlist above decides
      return { opened: true };
    },
    'token:status': () => s.token.status(),
    'token:login': ({ pin }) => s.token.login(pin),
    'token:cancel': () => s.token.cancel(),
    'documents:list': (query) => s.documents.list(query),
    'documents:open': ({ id }) => s.documents.open(id),
    'outbox:add': async (args) => {
      const added = await s.outbox.add(args);
      if (added.queued.length > 0) events.emit('documents:changed', { direction: 'out' });
      return added;
    },
    'outbox:send': async () => sessionStart(await scheduler.trigger('send')),
    'pending:list': () => s.pending.list(),
    'pending:sign': async (which) => {
      const outcome = await s.pending.sign(which, (signOnly) => scheduler.runForClerk('manual', signOnly));
      events.emit('pending:changed', { count: (await s.pending.list()).length });
      events.emit('documents:changed', { direction: 'in' });
      return outcome;
    },
    'contacts:list': () => s.contacts.list(),
    'contacts:invite': ({ subscriberId }) => s.contacts.invite(subscriberId),
    'contacts:accept': ({ contactId }) => s.contacts.accept(contactId),
    'contacts:reject': ({ contactId }) => s.contacts.reject(contactId),
    'subscribers:search': ({ query }) => s.contacts.searchSubscribers(query),
    'session:state': () => sessionState(s, scheduler),
    'session:run': async () => sessionStart(await scheduler.trigger('manual')),
    'session:pause': async ({ paused }) => {
      await scheduler.setPaused(paused);
      return sessionState(s, scheduler);
    },
    'session:log': ({ limit }) => s.sessions.log(limit),
    'settings:get': () => s.settings.get(),
    'settings:set': async (patch) => {
      if (patch.modulePaths) await confirmNewModules(patch.modulePaths, (await s.settings.get()).modulePaths, platform);
      const settings = await s.settings.set(patch);
      if (patch.startAtLogin !== undefined) platform.setStartAtLogin(patch.startAtLogin);
      if (patch.scheduleMinutes !== undefined) await scheduler.rearm();
      events.emit('settings:changed', settings);
      return settings;
    },
    'secrets:set': async ({ name, value }) => {
      await s.settings.setSecret(name, value);
      events.emit('settings:changed', await s.settings.get());
      return { ok: true as const };
    },
    'sandbox:start': async () => {
      if (!platform.startSandbox) throw new Error('The local sandbox is not available in this build');
      if ((await s.settings.get()).serverUrl)
        throw new Error('An exchange server is set already: the local sandbox is only for a first start');
      await platform.startSandbox();
      const settings = await s.settings.get();
      events.emit('settings:changed', settings);
      events.emit('token:changed', await s.token.status());
      await scheduler.rearm();
      // The first session fetches the directory and the new contact at once.
      void scheduler.trigger('manual');
      return settings;
    },
    ...createArchiveHandlers(s, platform),
    ...createEvidenceHandlers(s, platform),
    ...createPowerOfAttorneyHandlers(s, platform),
    ...createWorkflowHandlers(s, scheduler, events),
  };
}

export class InvalidMessageError extends Error {
  override name = 'InvalidMessageError';
}

export type Dispatch = (channel: unknown, args: unknown) => Promise<unknown>;

/** The one entry for every call from the renderer: unknown names and bad arguments are refused. */
export function createDispatcher(handlers: Handlers): Dispatch {
  return async (channel, args) => {
    if (!isInvokeChannel(channel)) throw new InvalidMessageError(`Unknown channel: ${String(channel)}`);
    const contract = invokeContract[channel];
    const parsed = contract.args.safeParse(args);
    if (!parsed.success)
      throw new InvalidMessageError(`Invalid arguments for ${channel}: ${z.prettifyError(parsed.error)}`);
    const handler = handlers[channel] as (a: unknown) => Promise<unknown>;
    const result = contract.result.safeParse(await handler(parsed.data));
    if (!result.success)
      throw new Error(`The result of ${channel} broke the contract: ${z.prettifyError(result.error)}`);
    return result.data;
  };
}
