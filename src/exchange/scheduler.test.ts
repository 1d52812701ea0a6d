// Runs in: Node (vitest); no electron involved.
// The scheduler never runs two sessions at once, whoever asks; it runs on schedule only in
// workstation mode and not while paused; the clerk's own requests are never lost.
import { describe, expect, it, vi } from 'vitest';
import type { OperatingMode, SessionTrigger } from '../vocabulary';
import type { SessionReport } from '../workplace/sessions';
import { ExchangeScheduler, type Timers } from './scheduler';

/** A session the test finishes by hand, counting how many run at once. */
function harness(mode: OperatingMode = 'workstation', onReport?: (r: SessionReport) => void) {
  const runs: { trigger: SessionTrigger; signOnly?: number[]; finish: (fail?: Error) => void }[] = [];
  let running = 0;
  let maxRunning = 0;
  const timers: { fn: () => void; ms: number; cleared: boolean }[] = [];
  const fakeTimers: Timers = {
    setTimeout: (fn, ms) => {
      const t = { fn, ms, cleared: false };
      timers.push(t);
      return t;
    },
    clearTimeout: (t) => void ((t as { cleared: boolean }).cleared = true),
  };
  const reports: SessionReport[] = [];
  const state = { mode };
  const scheduler = new ExchangeScheduler({
    runSession: (trigger, _onProgress, signOnly) => {
      running += 1;
      maxRunning = Math.max(maxRunning, running);
      return new Promise<SessionReport>((resolve, reject) => {
        runs.push({
          trigger,
          signOnly,
          finish: (fail) => {
            running -= 1;
            if (fail) reject(fail);
            else
              resolve({
                summary: {
                  id: runs.length,
                  trigger,
                  startedAt: '2026-11-22T09:00:00.000Z',
                  finishedAt: '2026-11-22T09:01:00.000Z',
                  outcome: 'done',
                  received: 0,
                  sent: 0,
                  signed: 0,
                  pending: 0,
                  clerkNeeded: null,
                },
                items: { received: [], sent: [], signed: [], serviceDocumentsSent: [], notSigned: [], refused: [] },
                receivedTitles: [],
              });
          },
        });
      });
    },
    mode: async () => state.mode,
    intervalMinutes: async () => 10,
    onChange: () => {},
    onProgress: () => {},
    onReport: (r) => {
      reports.push(r);
      onReport?.(r);
    },
    timers: fakeTimers,
    now: () => new Date('2026-11-22T09:00:00.000Z'),
  });
  const settle = () => new Promise((ok) => setTimeout(ok, 0));
  return { scheduler, runs, timers, reports, state, settle, maxRunning: () => maxRunning };
}

describe('exchange scheduler', () => {
  it('never runs two sessions at once, whatever asks', async () => {
    const h = harness();
    expect(await h.scheduler.trigger('schedule')).toEqual({ started: true });
    const during = await Promise.all(
      (['resume', 'online', 'token-inserted', 'schedule', 'manual', 'send', 'manual'] as const).map((t) =>
        h.scheduler.trigger(t),
      ),
    );
    expect(during.filter((r) => r.started)).toEqual([]);
    expect(h.runs).toHaveLength(1);
    h.runs[0]!.finish();
    await h.settle();
    // The clerk's requests during the run join one follow-up run.
    expect(h.runs).toHaveLength(2);
    expect(h.scheduler.state().running).toBe(true);
    h.runs[1]!.finish();
    await h.scheduler.idle();
    expect(h.runs).toHaveLength(2);
    expect(h.maxRunning()).toBe(1);
    expect(h.scheduler.state().running).toBe(false);
  });

  it('drops background triggers during a run but queues the clerk’s', async () => {
    const h = harness();
    await h.scheduler.trigger('manual');
    expect(await h.scheduler.trigger('resume')).toEqual({ started: false, reason: 'alreadyRunning' });
    expect(await h.scheduler.trigger('send')).toEqual({ started: false, reason: 'queued' });
    h.runs[0]!.finish();
    await h.settle();
    expect(h.runs.map((r) => r.trigger)).toEqual(['manual', 'send']);
    h.runs[1]!.finish();
    await h.scheduler.idle();
  });

  it('runs on schedule in workstation mode and arms the next run after each session', async () => {
    const h = harness();
    await h.scheduler.rearm();
    expect(h.timers).toHaveLength(1);
    expect(h.timers[0]!.ms).toBe(10 * 60_000);
    expect(h.scheduler.state().nextRunAt?.toISOString()).toBe('2026-11-22T09:10:00.000Z');
    h.timers[0]!.fn();
    await h.settle();
    expect(h.runs.map((r) => r.trigger)).toEqual(['schedule']);
    h.runs[0]!.finish();
    await h.scheduler.idle();
    await h.settle();
    // The fired timer and the next one, armed after the session.
    expect(h.timers).toHaveLength(2);
    expect(h.timers[1]!.cleared).toBe(false);
  });

  it('runs nothing by itself in server or manual mode; the clerk still can', async () => {
    for (const mode of ['server', 'manual'] as const) {
      const h = harness(mode);
      await h.scheduler.rearm();
      expect(h.timers).toHaveLength(0);
      for (const t of ['schedule', 'resume', 'online', 'token-inserted'] as const)
        expect(await h.scheduler.trigger(t)).toEqual({ started: false, reason: 'notWorkstation' });
      expect(await h.scheduler.trigger('manual')).toEqual({ started: true });
      h.runs[0]!.finish();
      await h.scheduler.idle();
    }
  });

  it('pause stops background runs and the timer; resume brings them back', async () => {
    const h = harness();
    await h.scheduler.rearm();
    await h.scheduler.setPaused(true);
    expect(h.timers[0]!.cleared).toBe(true);
    expect(h.scheduler.state()).toMatchObject({ paused: true, nextRunAt: null });
    expect(await h.scheduler.trigger('online')).toEqual({ started: false, reason: 'paused' });
    expect(await h.scheduler.trigger('manual')).toEqual({ started: true });
    h.runs[0]!.finish();
    await h.scheduler.idle();
    await h.scheduler.setPaused(false);
    expect(h.scheduler.state().paused).toBe(false);
    expect(h.timers.filter((t) => !t.cleared)).toHaveLength(1);
  });

  it('a session that throws ends as a failed session, and the next one can run', async () => {
    const h = harness();
    await h.scheduler.trigger('manual');
    h.runs[0]!.finish(new Error('database is locked'));
    await h.scheduler.idle();
    expect(h.scheduler.state().last).toMatchObject({
      outcome: 'error',
      error: 'database is locked',
      trigger: 'manual',
    });
    expect(h.reports).toHaveLength(1);
    expect(await h.scheduler.trigger('manual')).toEqual({ started: true });
    h.runs[1]!.finish();
    await h.scheduler.idle();
    expect(h.scheduler.state().last?.outcome).toBe('done');
  });

  it('a listener that throws still ends the run: the scheduler re-arms and runs the next session', async () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    let throwOnce = true;
    const h = harness('workstation', () => {
      if (throwOnce) {
        throwOnce = false;
        throw new Error('tray is gone');
      }
    });
    await h.scheduler.trigger('manual');
    h.runs[0]!.finish();
    await h.scheduler.idle();
    expect(h.scheduler.state()).toMatchObject({
      running: false,
      progress: null,
      nextRunAt: new Date('2026-11-22T09:10:00.000Z'),
    });
    expect(h.timers.filter((t) => !t.cleared)).toHaveLength(1);
    expect(logged).toHaveBeenCalledWith(expect.stringContaining('tray is gone'));
    expect(await h.scheduler.trigger('schedule')).toEqual({ started: true });
    h.runs[1]!.finish();
    await h.scheduler.idle();
    expect(h.reports).toHaveLength(2);
    logged.mockRestore();
  });

  it('the clerk’s awaited run joins the follow-up of a running session and ends with it', async () => {
    const h = harness();
    await h.scheduler.trigger('schedule');
    let done = false;
    const awaited = h.scheduler.runForClerk('manual').then(() => (done = true));
    h.runs[0]!.finish();
    await h.settle();
    expect(h.runs.map((r) => r.trigger)).toEqual(['schedule', 'manual']);
    expect(done).toBe(false);
    h.runs[1]!.finish();
    await awaited;
    expect(h.maxRunning()).toBe(1);
    expect(h.scheduler.state()).toMatchObject({ running: false, last: { trigger: 'manual' } });
    // With nothing running, it starts a session of its own.
    const alone = h.scheduler.runForClerk('manual');
    await h.settle();
    expect(h.runs).toHaveLength(3);
    h.runs[2]!.finish();
    await alone;
    expect(h.scheduler.state().running).toBe(false);
  });

  it('signs exactly the clerk’s selection; selections joining one follow-up add up, and "all" wins', async () => {
    const h = harness();
    const first = h.scheduler.runForClerk('manual', [3]);
    await h.settle();
    expect(h.runs[0]).toMatchObject({ trigger: 'manual', signOnly: [3] });
    const second = h.scheduler.runForClerk('manual', [5]);
    const third = h.scheduler.runForClerk('manual', [7, 5]);
    // The awaited runs end with the loop that holds them, the follow-up included.
    h.runs[0]!.finish();
    await h.settle();
    expect(h.runs[1]!.signOnly).toEqual([5, 7]);
    h.runs[1]!.finish();
    await Promise.all([first, second, third]);
    // A selection and a "sign all" in the same follow-up: everything is signed.
    const busy = h.scheduler.runForClerk('manual', [1]);
    await h.settle();
    const selected = h.scheduler.runForClerk('manual', [2]);
    const all = h.scheduler.runForClerk('manual');
    h.runs[2]!.finish();
    await h.settle();
    expect(h.runs[3]!.signOnly).toBeUndefined();
    h.runs[3]!.finish();
    await Promise.all([busy, selected, all]);
    expect(h.maxRunning()).toBe(1);
  });
});
