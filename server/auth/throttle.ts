// Slows down repeated failed logins: after a few failures for the same login (or certificate)
// or from the same address, the next attempt must wait, doubling each time up to a cap.
// In memory: one hub process owns its counters; a restart forgives.

interface Entry {
  failures: number;
  blockedUntil: number;
  lastFailure: number;
}

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

export class LoginThrottle {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly options: ThrottleOptions = defaultThrottle,
    private readonly now: () => number = Date.now,
  ) {}

  /** Milliseconds to wait before another attempt for these keys (0: go ahead). */
  waitFor(keys: { account?: string; address: string }): number {
    const now = this.now();
    let wait = 0;
    for (const key of this.keysOf(keys)) {
      const entry = this.entries.get(key);
      if (entry && now - entry.lastFailure > this.options.forgetAfterMs) this.entries.delete(key);
      else if (entry) wait = Math.max(wait, entry.blockedUntil - now);
    }
    return wait;
  }

  failed(keys: { account?: string; address: string }): void {
    const now = this.now();
    for (const key of this.keysOf(keys)) {
      const entry = this.entries.get(key) ?? { failures: 0, blockedUntil: 0, lastFailure: now };
      entry.failures++;
      entry.lastFailure = now;
      const free = key.startsWith('address:') ? this.options.freeFailures.address : this.options.freeFailures.account;
      if (entry.failures >= free) {
        entry.blockedUntil = now + Math.min(this.options.maxWaitMs, this.options.firstWaitMs * 2 ** (entry.failures - free));
      }
      this.entries.set(key, entry);
    }
  }

  succeeded(keys: { account?: string }): void {
    if (keys.account) this.entries.delete(`account:${keys.account}`);
  }

  private keysOf(keys: { account?: string; address: string }): string[] {
    return [`address:${keys.address}`, ...(keys.account ? [`account:${keys.account}`] : [])];
  }
}
