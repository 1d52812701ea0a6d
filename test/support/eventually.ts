// Waiting in tests for what happens in the background (a session, a notice sent after the HTTP
// answer, a log line): polled, bounded, and failing with what was awaited, never a bare timeout.

/** Polls `probe` until it returns a value other than undefined; fails naming `what` after `limitMs`. */
export async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  { limitMs = 90_000, intervalMs = 300 }: { limitMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const until = Date.now() + limitMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`Not within ${limitMs / 1000} s: ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
