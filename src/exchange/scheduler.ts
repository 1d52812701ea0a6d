// Runs in: the Electron main process (plain Node: no Electron here), beside the operating
// modes' policy (./policy) it answers to. When exchange sessions run: every N minutes in
// workstation mode, on resume from sleep, when the network comes back, when the token is
// inserted, and when the clerk asks. Never two at once: a trigger during a run either joins a
// single follow-up run (the clerk's own requests) or is dropped (background ones: the running
// session already does their work).
import type { SessionProgress, SessionSummary } from '../ipc/contract';
import type { OperatingMode, SessionTrigger } from '../vocabulary';
import type { SessionReport } from '../workplace/sessions';
import { onDemand } from './policy';

export type TriggerResult =
  { started: true } | { started: false; reason: 'alreadyRunning' | 'queued' | 'paused' | 'notWorkstation' };

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface SchedulerDeps {
  runSession(
    trigger: SessionTrigger,
    onProgress: (p: SessionProgress) => void,
    signOnly?: number[],
  ): Promise<SessionReport>;
  mode(): Promise<OperatingMode>;
  intervalMinutes(): Promise<number>;
  /** Called after every change of what SchedulerState shows. */
  onChange(): void;
  onProgress(progress: SessionProgress): void;
  onReport(report: SessionReport): void;
  now?: () => Date;
  timers?: Timers;
}

export interface SchedulerState {
  running: boolean;
  paused: boolean;
  progress: SessionProgress | null;
  last: SessionSummary | null;
  nextRunAt: Date | null;
}

export class ExchangeScheduler {
  private current: Promise<void> | null = null;
  private followUp: SessionTrigger | null = null;
  /** The clerk's selection for the follow-up run; undefined signs every pending document. */
  private followUpSignOnly: number[] | undefined;
  private paused = false;
  private progress: SessionProgress | null = null;
  private last: SessionSummary | null;
  /** The last run's report: the clerk's request reads what its run did from it. */
  private lastReport: SessionReport | undefined;
  private timer: unknown = null;
  private nextRunAt: Date | null = null;
  private stopped = false;
  private readonly timers: Timers;
  private readonly now: () => Date;

  constructor(
    private readonly deps: SchedulerDeps,
    last: SessionSummary | null = null,
  ) {
    this.last = last;
    this.timers = deps.timers ?? {
      setTimeout: (fn, ms) => setTimeout(fn, ms),
      clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
    };
    this.now = deps.now ?? (() => new Date());
  }

  state(): SchedulerState {
    return {
      running: this.current !== null,
      paused: this.paused,
      progress: this.progress,
      last: this.last,
      nextRunAt: this.nextRunAt,
    };
  }

  /** Asks for a session. The clerk's triggers run even when background exchange is paused. */
  async trigger(trigger: SessionTrigger): Promise<TriggerResult> {
    const byClerk = onDemand(trigger);
    if (!byClerk) {
      if (this.paused || this.stopped) return { started: false, reason: 'paused' };
      if ((await this.deps.mode()) !== 'workstation') return { started: false, reason: 'notWorkstation' };
    }
    if (this.current && !byClerk) return { started: false, reason: 'alreadyRunning' };
    return this.request(trigger).result;
  }

  /**
   * The clerk's request, awaited: resolves when the session that does its work has ended (the
   * one it starts, or the follow-up run it joins), never running beside another session.
   */
  async runForClerk(trigger: 'manual' | 'send', signOnly?: number[]): Promise<SessionReport | undefined> {
    await this.request(trigger, signOnly).run;
    return this.lastReport;
  }

  /** Starts a run, or joins the follow-up run of the one running now; `run` ends with it. */
  private request(trigger: SessionTrigger, signOnly?: number[]): { result: TriggerResult; run: Promise<void> } {
    if (this.current) {
      // Selections joining one follow-up run add up; a request without one signs everything.
      const joined =
        this.followUp === null
          ? signOnly
          : this.followUpSignOnly && signOnly
            ? [...new Set([...this.followUpSignOnly, ...signOnly])]
            : undefined;
      this.followUp = trigger;
      this.followUpSignOnly = joined;
      return { result: { started: false, reason: 'queued' }, run: this.current };
    }
    // The loop starts once it is recorded as the current run, so its end always clears it; what
    // breaks inside it is logged, never left to reject unheard.
    const run = Promise.resolve()
      .then(() => this.runLoop(trigger, signOnly))
      .catch((e: unknown) => console.error(`exchange scheduler: ${e instanceof Error ? e.message : String(e)}`));
    this.current = run;
    this.deps.onChange();
    return { result: { started: true }, run };
  }

  /** Resolves when no session is running (tests and Quit wait on it). */
  async idle(): Promise<void> {
    while (this.current) await this.current;
  }

  async setPaused(paused: boolean): Promise<void> {
    this.paused = paused;
    await this.rearm();
  }

  /** Arms the next scheduled run from now; call at start and after a settings change. */
  async rearm(): Promise<void> {
    if (this.timer !== null) this.timers.clearTimeout(this.timer);
    this.timer = null;
    this.nextRunAt = null;
    const ms =
      !this.stopped && !this.paused && (await this.deps.mode()) === 'workstation'
        ? (await this.deps.intervalMinutes()) * 60_000
        : 0;
    // An interval of 0 minutes turns the schedule off.
    if (ms > 0) {
      this.nextRunAt = new Date(this.now().getTime() + ms);
      this.timer = this.timers.setTimeout(() => {
        this.timer = null;
        void this.trigger('schedule').then((r) => {
          // A scheduled run that could not start still has to schedule the one after it.
          if (!r.started) void this.rearm();
        });
      }, ms);
    }
    this.deps.onChange();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== null) this.timers.clearTimeout(this.timer);
    this.timer = null;
    this.nextRunAt = null;
  }

  private async runLoop(first: SessionTrigger, firstSignOnly?: number[]): Promise<void> {
    try {
      let trigger: SessionTrigger | null = first;
      let signOnly = firstSignOnly;
      while (trigger) {
        await this.runOne(trigger, signOnly);
        trigger = this.followUp;
        signOnly = this.followUpSignOnly;
        this.followUp = null;
        this.followUpSignOnly = undefined;
      }
    } finally {
      // Even when a listener threw: a scheduler stuck "running" would never run a session again.
      this.current = null;
      this.followUp = null;
      this.followUpSignOnly = undefined;
      this.progress = null;
      await this.rearm();
    }
  }

  private async runOne(trigger: SessionTrigger, signOnly?: number[]): Promise<void> {
    const startedAt = this.now().toISOString();
    this.progress = { step: 'authenticate', done: 0, total: null, percent: 0 };
    this.deps.onChange();
    let report: SessionReport;
    try {
      report = await this.deps.runSession(
        trigger,
        (p) => {
          this.progress = p;
          this.deps.onProgress(p);
        },
        signOnly,
      );
    } catch (error) {
      // A session that threw instead of reporting still ends as a failed session the clerk sees.
      report = {
        summary: {
          id: null,
          trigger,
          startedAt,
          finishedAt: this.now().toISOString(),
          outcome: 'error',
          received: 0,
          sent: 0,
          signed: 0,
          pending: this.last?.pending ?? 0,
          clerkNeeded: null,
          error: error instanceof Error ? error.message : String(error),
        },
        items: { received: [], sent: [], signed: [], serviceDocumentsSent: [], notSigned: [], refused: [] },
        receivedTitles: [],
      };
    }
    this.last = report.summary;
    this.lastReport = report;
    this.deps.onReport(report);
    this.progress = null;
    this.deps.onChange();
  }
}
