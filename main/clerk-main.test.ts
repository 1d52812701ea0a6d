// Runs in: Node (vitest); no electron involved (clerk-main imports none).
// What wakes the scheduler (token inserted, network back, resume from sleep), which
// notifications the clerk gets and how often, and the tray's state.
import { describe, expect, it } from 'vitest';
import { counterparties, MemoryClerk } from '../test/e2e/support/memory-services';
import type { SessionOutcome } from '../src/vocabulary';
import { createClerkMain, trayStateOf, type ClerkNotification, type TrayState } from './clerk-main';

async function start(clerk = new MemoryClerk()) {
  const notifications: ClerkNotification[] = [];
  const trayStates: TrayState[] = [];
  const main = await createClerkMain({
    services: clerk.services(),
    platform: {
      appInfo: () => ({ name: 'EDO Clerk', version: '1' }),
      openExternal: async () => {},
      setStartAtLogin: () => {},
    },
    externalOrigins: [],
    notify: (n) => notifications.push(n),
    onTrayState: (s) => trayStates.push(s),
  });
  return { clerk, main, notifications, trayStates };
}

describe('clerk main', () => {
  it('runs a session when the token is inserted, the network comes back, or the machine wakes', async () => {
    const { clerk, main } = await start();
    // A background trigger asks for the mode first, so its session starts a tick later.
    const settled = async () => {
      await new Promise((ok) => setTimeout(ok, 0));
      await main.scheduler.idle();
    };
    clerk.insertToken();
    await settled();
    expect(clerk.runs.map((r) => r.trigger)).toEqual(['token-inserted']);
    // Removing it or logging in is not an insertion.
    clerk.removeToken();
    await settled();
    expect(clerk.runs).toHaveLength(1);

    main.setOnline(true); // it was online already: nothing came back
    main.setOnline(false);
    main.setOnline(true);
    await settled();
    main.resumed();
    await settled();
    // The log lists the newest first.
    expect(clerk.runs.map((r) => r.trigger)).toEqual(['resume', 'online', 'token-inserted']);
    await main.stop();
  });

  it('tells about new documents and signatures waiting, and a token needed only once', async () => {
    const { clerk, main, notifications } = await start();
    clerk.incoming.push({ title: 'Счёт № 1', fileName: 'a.txt', content: 'a', from: counterparties[0]! });
    await main.dispatch('session:run', undefined);
    await main.scheduler.idle();
    expect(notifications.map((n) => [n.kind, n.title])).toEqual([
      ['incoming', 'Новые входящие документы: 1'],
      ['pending', 'Ждут подписи: 1'],
      ['token', 'Нужен токен'],
    ]);
    expect(notifications[0]!.body).toBe('Счёт № 1');
    expect(notifications.map((n) => n.view)).toEqual(['inbox', 'pending', 'pending']);

    // The next session changes nothing: no notice repeats.
    await main.dispatch('session:run', undefined);
    await main.scheduler.idle();
    expect(notifications).toHaveLength(3);
    await main.stop();
  });

  it('tells about a failed session once, in the clerk’s language, and the tray shows it', async () => {
    const { clerk, main, notifications, trayStates } = await start();
    await main.dispatch('settings:set', { language: 'en' });
    clerk.failNext = 'connect ECONNREFUSED';
    await main.dispatch('session:run', undefined);
    await main.scheduler.idle();
    clerk.failNext = 'connect ECONNREFUSED';
    await main.dispatch('session:run', undefined);
    await main.scheduler.idle();
    expect(notifications).toEqual([
      { kind: 'failed', title: 'The exchange session failed', body: 'connect ECONNREFUSED', view: 'log' },
    ]);
    expect(trayStates).toEqual(['idle', 'exchanging', 'error', 'exchanging', 'error']);
    await main.dispatch('session:run', undefined);
    await main.scheduler.idle();
    expect(main.trayState()).toBe('idle');
    await main.stop();
  });

  it('derives the tray state: exchanging, offline, error, needs attention, idle', () => {
    const last = (outcome: SessionOutcome) => ({
      id: 1,
      trigger: 'manual' as const,
      startedAt: '2026-11-22T09:00:00Z',
      finishedAt: null,
      outcome,
      received: 0,
      sent: 0,
      signed: 0,
      pending: 0,
      clerkNeeded: null,
    });
    expect(trayStateOf(true, false, last('error'), 3)).toBe('exchanging');
    expect(trayStateOf(false, false, last('done'), 0)).toBe('offline');
    expect(trayStateOf(false, true, last('error'), 0)).toBe('error');
    expect(trayStateOf(false, true, last('needs-clerk'), 0)).toBe('attention');
    expect(trayStateOf(false, true, last('done'), 2)).toBe('attention');
    expect(trayStateOf(false, true, null, 0)).toBe('idle');
  });

  it('pushes session progress and state to the window while a session runs', async () => {
    const { main } = await start();
    const seen: string[] = [];
    main.events.subscribe((event) => seen.push(event));
    await main.dispatch('session:run', undefined);
    await main.scheduler.idle();
    expect(seen).toContain('session:progress');
    expect(seen.filter((e) => e === 'session:changed').length).toBeGreaterThanOrEqual(2);
    const state = (await main.dispatch('session:state', undefined)) as { running: boolean; last: { outcome: string } };
    expect(state.running).toBe(false);
    expect(state.last.outcome).toBe('done');
    await main.stop();
  });

  it('signing pending documents runs its session through the scheduler: after the running one, shown like any other', async () => {
    const clerk = new MemoryClerk();
    const base = clerk.services();
    let running = 0;
    let overlapped = false;
    const sessionsRun: string[] = [];
    const main = await createClerkMain({
      services: {
        ...base,
        sessions: {
          ...base.sessions,
          run: async (trigger, onProgress) => {
            running += 1;
            overlapped ||= running > 1;
            sessionsRun.push(trigger);
            await new Promise((ok) => setTimeout(ok, 5));
            try {
              return await base.sessions.run(trigger, onProgress);
            } finally {
              running -= 1;
            }
          },
        },
        // Like the core's: the signatures are made inside the session it is handed.
        pending: {
          ...base.pending,
          sign: async (which, session) => {
            await session!();
            return base.pending.sign(which);
          },
        },
      },
      platform: {
        appInfo: () => ({ name: 'EDO Clerk', version: '1' }),
        openExternal: async () => {},
        setStartAtLogin: () => {},
      },
      externalOrigins: [],
      notify: () => {},
      onTrayState: () => {},
    });
    const runningSeen: boolean[] = [];
    main.events.subscribe((event, payload) => {
      if (event === 'session:changed') runningSeen.push((payload as { running: boolean }).running);
    });
    await main.dispatch('session:run', undefined);
    await main.dispatch('pending:sign', { all: true });
    // It waited for its own session, which ran after the one already running, never beside it.
    expect(sessionsRun).toEqual(['manual', 'manual']);
    expect(overlapped).toBe(false);
    expect(running).toBe(0);
    expect(main.scheduler.state()).toMatchObject({ running: false, last: { trigger: 'manual', outcome: 'done' } });
    expect(runningSeen).toContain(true);
    await main.stop();
  });
});
