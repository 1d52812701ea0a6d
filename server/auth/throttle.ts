// The hub's login throttle (src/protocol/login-throttle.ts): its counters are in memory for the
// embedded hub (one process; a restart forgives) and in the database with PostgreSQL, so that
// every instance counts the same failures (docs/architecture.md §8).
import type { ThrottleCounters } from '../../src/protocol/login-throttle';
import type { Sql } from '../storage/sql';

export {
  defaultThrottle,
  LoginThrottle,
  MemoryThrottleCounters,
  type ThrottleCounters,
  type ThrottleOptions,
} from '../../src/protocol/login-throttle';

/** The counters in the login_failures table (the exchange's schema), shared by every instance on the database. */
export class SqlThrottleCounters implements ThrottleCounters {
  constructor(private readonly db: Sql & { transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T> }) {}

  async blockedUntil(key: string, forgetBefore: number) {
    const row = await this.db.get<{ blocked_until: number }>(
      'SELECT blocked_until FROM login_failures WHERE key = ? AND last_failure >= ?',
      [key, forgetBefore],
    );
    return row ? Number(row.blocked_until) : 0;
  }

  async failed(key: string, now: number, forgetBefore: number, block: (failures: number) => number) {
    await this.db.transaction(async (tx) => {
      // One statement counts: failures at once on two instances both count.
      const row = await tx.get<{ failures: number; blocked_until: number }>(
        `INSERT INTO login_failures (key, failures, blocked_until, last_failure) VALUES (?, 1, 0, ?)
         ON CONFLICT (key) DO UPDATE SET failures = CASE WHEN login_failures.last_failure < ? THEN 1 ELSE login_failures.failures + 1 END,
           last_failure = excluded.last_failure
         RETURNING failures, blocked_until`,
        [key, now, forgetBefore],
      );
      const until = Math.max(Number(row!.blocked_until), block(Number(row!.failures)));
      await tx.run('UPDATE login_failures SET blocked_until = ? WHERE key = ?', [until, key]);
    });
  }

  async clear(key: string) {
    await this.db.run('DELETE FROM login_failures WHERE key = ?', [key]);
  }
}
