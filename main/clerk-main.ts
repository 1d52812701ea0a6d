// Runs in: the Electron main process (and, in end-to-end tests, the Playwright process). What
// main does besides Electron's own plumbing: the handler registry, the scheduler and what
// wakes it, notifications worth showing, and the tray's state. No electron import here, so it
// runs unchanged under test.
import {
  failedOutcomes,
  isTokenReason,
  type Awaiting,
  type Language,
  type SessionSummary,
  type TokenState,
  type TokenStatus,
  type View,
} from '../src/ipc/contract';
import { createDispatcher, createHandlers, EventHub, sessionState, type Dispatch, type Platform } from './handlers';
import { mainText } from './i18n';
import { ExchangeScheduler, type Timers } from '../src/exchange/scheduler';
import type { ClerkServices, SessionReport } from './services';

export type TrayState = 'idle' | 'exchanging' | 'attention' | 'offline' | 'error';

export interface ClerkNotification {
  kind: 'incoming' | 'pending' | 'awaiting' | 'token' | 'failed';
  title: string;
  body: string;
  /** Where a click on the notification takes the clerk. */
  view: View;
}

export interface ClerkMainDeps {
  services: ClerkServices;
  platform: Platform;
  externalOrigins: readonly string[];
  notify(notification: ClerkNotification): void;
  onTrayState(state: TrayState): void;
  timers?: Timers;
  now?: () => Date;
}

export interface ClerkMain {
  dispatch: Dispatch;
  events: EventHub;
  scheduler: ExchangeScheduler;
  trayState(): TrayState;
  language(): Language;
  paused(): boolean;
  /** The OS says the network went away or came back. */
  setOnline(online: boolean): void;
  /** The machine woke from sleep. */
  resumed(): void;
  openView(view: View): void;
  stop(): Promise<void>;
}

const tokenAway: ReadonlySet<TokenState> = new Set(['absent', 'no-module']);

export function trayStateOf(
  running: boolean,
  online: boolean,
  last: SessionSummary | null,
  pendingCount: number,
): TrayState {
  if (running) return 'exchanging';
  if (!online) return 'offline';
  if (last && failedOutcomes.has(last.outcome)) return 'error';
  if (last?.outcome === 'needs-clerk' || pendingCount > 0) return 'attention';
  return 'idle';
}

export async function createClerkMain(deps: ClerkMainDeps): Promise<ClerkMain> {
  const { services } = deps;
  const events = new EventHub();
  let online = true;
  let language: Language = (await services.settings.get()).language;
  let token: TokenStatus = await services.token.status();
  let pendingCount = (await services.pending.list()).length;
  let awaiting = await services.workflow.awaiting();
  // Each notice is shown once per change of what it is about, not after every background run.
  let tokenNoticeShown = false;
  let lastFailed = false;
  let tray: TrayState | null = null;

  const updateTray = () => {
    const s = scheduler.state();
    const next = trayStateOf(s.running, online, s.last, pendingCount);
    if (next !== tray) deps.onTrayState((tray = next));
  };

  /** What awaits the clerk's own signature or answer after a session: only what is new is told, and the sidebar's count follows. */
  const followAwaiting = (now: Awaiting) => {
    for (const what of ['signature', 'annulment'] as const) {
      const titles = now[what]
        .filter((n) => !awaiting[what].some((o) => o.documentId === n.documentId))
        .map((n) => n.title);
      if (titles.length > 0)
        deps.notify({
          kind: 'awaiting',
          title: mainText(language, `notify.awaiting.${what}.title`, { count: titles.length }),
          body: titles.slice(0, 3).join('\n'),
          view: 'pending',
        });
    }
    awaiting = now;
    events.emit('awaiting:changed', { count: now.signature.length + now.annulment.length });
  };

  const notifyAbout = (report: SessionReport) => {
    const t = (key: Parameters<typeof mainText>[1], values?: Record<string, string | number>) =>
      mainText(language, key, values);
    const { summary } = report;
    if (report.receivedTitles.length > 0) {
      deps.notify({
        kind: 'incoming',
        title: t('notify.incoming.title', { count: report.receivedTitles.length }),
        body: report.receivedTitles.slice(0, 3).join('\n'),
        view: 'inbox',
      });
    }
    if (summary.pending > pendingCount) {
      deps.notify({
        kind: 'pending',
        title: t('notify.pending.title', { count: summary.pending }),
        body: t('notify.pending.body'),
        view: 'pending',
      });
    }

    const tokenNeeded = summary.clerkNeeded !== null && isTokenReason(summary.clerkNeeded);
    if (tokenNeeded && !tokenNoticeShown && token.state !== 'cancelled') {
      tokenNoticeShown = true;
      deps.notify({ kind: 'token', title: t('notify.token.title'), body: t('notify.token.body'), view: 'pending' });
    }
    const failed = failedOutcomes.has(summary.outcome);
    if (failed && !lastFailed)
      deps.notify({ kind: 'failed', title: t('notify.failed.title'), body: summary.error ?? '', view: 'log' });
    lastFailed = failed;
  };

  const scheduler: ExchangeScheduler = new ExchangeScheduler(
    {
      runSession: (trigger, onProgress, signOnly) => services.sessions.run(trigger, onProgress, signOnly),
      mode: () => services.settings.mode(),
      intervalMinutes: async () => (await services.settings.get()).scheduleMinutes,
      onChange: () => {
        updateTray();
        void sessionState(services, scheduler).then((state) => events.emit('session:changed', state));
      },
      onProgress: (p) => events.emit('session:progress', p),
      onReport: (report) => {
        notifyAbout(report);
        // A profile closed meanwhile (the app quitting) has nothing to count.
        services.workflow.awaiting().then(followAwaiting, () => {});
        pendingCount = report.summary.pending;
        events.emit('documents:changed', { direction: 'in' });
        events.emit('documents:changed', { direction: 'out' });
        events.emit('pending:changed', { count: pendingCount });
        events.emit('contacts:changed', {});
        updateTray();
      },
      timers: deps.timers,
      now: deps.now,
    },
    await services.sessions.last(),
  );

  events.subscribe((event, payload) => {
    if (event === 'settings:changed') language = (payload as { language: Language }).language;
    if (event === 'pending:changed') {
      pendingCount = (payload as { count: number }).count;
      updateTray();
    }
  });

  const unsubscribeToken = services.token.onChange((status) => {
    const inserted = tokenAway.has(token.state) && !tokenAway.has(status.state);
    if (status.state === 'logged-in') tokenNoticeShown = false;
    token = status;
    events.emit('token:changed', status);
    if (inserted) void scheduler.trigger('token-inserted');
  });

  const dispatch = createDispatcher(
    createHandlers({ services, scheduler, platform: deps.platform, events, externalOrigins: deps.externalOrigins }),
  );
  await scheduler.rearm();
  updateTray();

  return {
    dispatch,
    events,
    scheduler,
    trayState: () => tray ?? 'idle',
    language: () => language,
    paused: () => scheduler.state().paused,
    setOnline(next) {
      const back = !online && next;
      online = next;
      updateTray();
      if (back) void scheduler.trigger('online');
    },
    resumed() {
      void scheduler.trigger('resume');
    },
    openView(view) {
      events.emit('app:navigate', { view });
    },
    async stop() {
      scheduler.stop();
      unsubscribeToken();
      await scheduler.idle();
    },
  };
}
