// Wakes the long polls of GET /v1/events when a subscriber's feed grows. The feed itself is in
// storage; this only says "look again", so a missed wake-up costs at most one poll's wait. With
// several instances on PostgreSQL, each instance's listener wakes its polls for events any
// instance committed (LISTEN/NOTIFY, server/storage/sql-storage.ts; docs/architecture.md §8).
import type { AppendedEvents } from './storage/storage';

export class EventNotifier {
  private readonly waiting = new Map<string, Set<() => void>>();
  private readonly versions = new Map<string, number>();
  private closed = false;

  /** Changes whenever the subscriber's feed grows; read it before looking at the feed. */
  version(subscriberId: string): number {
    return this.versions.get(subscriberId) ?? 0;
  }

  /**
   * Resolves when an event for the subscriber is appended (or was, since `sinceVersion`), after
   * `ms`, on `signal`, or at shutdown.
   */
  wait(subscriberId: string, sinceVersion: number, ms: number, signal?: AbortSignal): Promise<void> {
    if (this.closed || ms <= 0 || signal?.aborted || this.version(subscriberId) !== sinceVersion)
      return Promise.resolve();
    return new Promise((resolve) => {
      const set = this.waiting.get(subscriberId) ?? new Set();
      this.waiting.set(subscriberId, set);
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        set.delete(done);
        if (set.size === 0 && this.waiting.get(subscriberId) === set) this.waiting.delete(subscriberId);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal?.addEventListener('abort', done, { once: true });
      set.add(done);
    });
  }

  notify(appended: AppendedEvents): void {
    this.wake(appended.map((a) => a.subscriberId));
  }

  /** The subscribers' feeds grew (here or on another instance). */
  wake(subscriberIds: Iterable<string>): void {
    for (const subscriberId of new Set(subscriberIds)) {
      this.versions.set(subscriberId, this.version(subscriberId) + 1);
      for (const wake of [...(this.waiting.get(subscriberId) ?? [])]) wake();
    }
  }

  /** Notifications may have been missed (the listener reconnected): every poll looks again. */
  wakeAll(): void {
    this.wake([...this.waiting.keys()]);
  }

  /** At shutdown: answer every long poll now. */
  close(): void {
    this.closed = true;
    for (const set of this.waiting.values()) for (const wake of [...set]) wake();
  }
}
