// Notices tokens being plugged in and pulled out by polling the slot list: SoftHSM and several
// vendor modules have no usable C_WaitForSlotEvent, and polling a few slots is cheap. A new
// token is reported only after it has stayed for the settle time (docs/architecture.md §7: a freshly
// inserted token is not ready for a second or so).
import { EventEmitter } from 'node:events';
import { listTokens, type TokenInfo } from './tokens';

export interface TokenWatcherOptions {
  modulePath: string;
  /** Poll period; default 1000 ms. */
  intervalMs?: number;
  /** How long a new token must stay before it is reported; default 1000 ms. */
  settleMs?: number;
  /** The clock, for tests. */
  now?: () => number;
  /** The scan, for tests and for modules needing special handling; default listTokens(modulePath). */
  scan?: () => TokenInfo[];
}

export interface TokenWatcherEvents {
  inserted: [token: TokenInfo];
  removed: [token: TokenInfo];
  /** A scan failed (module unloadable, ...): polling goes on. */
  failed: [error: Error];
}

const keyOf = (t: TokenInfo) => `${t.slotId}\n${t.serial}\n${t.label}`;

export class TokenWatcher extends EventEmitter<TokenWatcherEvents> {
  private readonly intervalMs: number;
  private readonly settleMs: number;
  private readonly now: () => number;
  private readonly scan: () => TokenInfo[];
  private timer: NodeJS.Timeout | undefined;
  /** Seen but not yet settled: key → first seen at. */
  private readonly arriving = new Map<string, { token: TokenInfo; since: number }>();
  private readonly settled = new Map<string, TokenInfo>();

  constructor(options: TokenWatcherOptions) {
    super();
    this.intervalMs = options.intervalMs ?? 1000;
    this.settleMs = options.settleMs ?? 1000;
    this.now = options.now ?? Date.now;
    this.scan = options.scan ?? (() => listTokens(options.modulePath));
  }

  /** The tokens reported as inserted and not removed since. */
  get present(): TokenInfo[] {
    return [...this.settled.values()];
  }

  start(): this {
    if (!this.timer) {
      this.poll();
      this.timer = setInterval(() => this.poll(), this.intervalMs);
      this.timer.unref();
    }
    return this;
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One scan: reports removals at once and insertions that have settled. */
  poll(): void {
    let tokens: TokenInfo[];
    try {
      // An uninitialised token cannot sign or hold certificates: nothing to tell the clerk.
      tokens = this.scan().filter((t) => t.flags.tokenInitialized);
    } catch (e) {
      this.emit('failed', e instanceof Error ? e : new Error(String(e)));
      return;
    }
    const now = this.now();
    const current = new Map(tokens.map((t) => [keyOf(t), t]));
    for (const [key, token] of this.settled) {
      if (!current.has(key)) {
        this.settled.delete(key);
        this.emit('removed', token);
      }
    }
    for (const key of this.arriving.keys()) if (!current.has(key)) this.arriving.delete(key);
    for (const [key, token] of current) {
      if (this.settled.has(key)) continue;
      const arriving = this.arriving.get(key) ?? { token, since: now };
      this.arriving.set(key, arriving);
      if (now - arriving.since >= this.settleMs) {
        this.arriving.delete(key);
        this.settled.set(key, token);
        this.emit('inserted', token);
      }
    }
  }
}
