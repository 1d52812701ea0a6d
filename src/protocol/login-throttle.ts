// Slows down repeated failed logins: after a few failures for the same login (or certificate)
// or from the same address, the next attempt must wait, doubling each time up to a cap.
// Shared by the hub (server/auth/throttle.ts keeps its counters in the database with
// PostgreSQL) and the agent's staff web client (its client addresses, in memory).

export interface ThrottleOptions {
  /** Failures allowed before the first wait, per key kind. */
  freeFailures: { account: number; address: number };
  firstWaitMs: number;
  maxWaitMs: number;
  /** A key idle this long is forgotten. */
  forgetAfterMs: number;
}

export const defaultThrottle: ThrottleOptions = {
  freeFailures: { account: 3, address: 20 },
  firstWaitMs: 1000,
  maxWaitMs: 60_000,
  forgetAfterMs: 15 * 60_000,
};

/** Where the failures are counted: each call atomic. Times are milliseconds since the epoch. */
export interface ThrottleCounters {
  /** The wait a key is blocked until (0: none), forgetting it when idle since before `forgetBefore`. */
  blockedUntil(key: string, forgetBefore: number): Promise<number>;
  /** Counts a failure (restarting the count after an idle spell); `block` gives the wait's end from the count. */
  failed(key: string, now: number, forgetBefore: number, block: (failures: number) => number): Promise<void>;
  clear(key: string): Promise<void>;
}

export class MemoryThrottleCounters implements ThrottleCounters {
  private readonly entries = new Map<string, { failures: number; blockedUntil: number; lastFailure: number }>();

  async blockedUntil(key: string, forgetBefore: number) {
    const entry = this.entries.get(key);
    if (entry && entry.lastFailure < forgetBefore) this.entries.delete(key);
    return entry && entry.lastFailure >= forgetBefore ? entry.blockedUntil : 0;
  }

  async failed(key: string, now: number, forgetBefore: number, block: (failures: number) => number) {
    const entry = this.entries.get(key);
    const failures = entry && entry.lastFailure >= forgetBefore ? entry.failures + 1 : 1;
    this.entries.set(key, {
      failures,
      lastFailure: now,
      blockedUntil: Math.max(entry?.blockedUntil ?? 0, block(failures)),
    });
  }

  async clear(key: string) {
    this.entries.delete(key);
  }
}

export class LoginThrottle {
  constructor(
    private readonly options: ThrottleOptions = defaultThrottle,
    private readonly now: () => number = Date.now,
    private readonly counters: ThrottleCounters = new MemoryThrottleCounters(),
  ) {}

  /** Milliseconds to wait before another attempt for these keys (0: go ahead). */
  async waitFor(keys: { account?: string; address: string }): Promise<number> {
    const now = this.now();
    let wait = 0;
    for (const key of this.keysOf(keys))
      wait = Math.max(wait, (await this.counters.blockedUntil(key, now - this.options.forgetAfterMs)) - now);
    return wait;
  }

  async failed(keys: { account?: string; address: string }): Promise<void> {
    const now = this.now();
    for (const key of this.keysOf(keys)) {
      const free = key.startsWith('address:') ? this.options.freeFailures.address : this.options.freeFailures.account;
      await this.counters.failed(key, now, now - this.options.forgetAfterMs, (failures) =>
        failures >= free
          ? now + Math.min(this.options.maxWaitMs, this.options.firstWaitMs * 2 ** (failures - free))
          : 0,
      );
    }
  }

  async succeeded(keys: { account?: string }): Promise<void> {
    if (keys.account) await this.counters.clear(`account:${keys.account}`);
  }

  private keysOf(keys: { account?: string; address: string }): string[] {
    return [`address:${keys.address}`, ...(keys.account ? [`account:${keys.account}`] : [])];
  }
}
