// What the crypto benches share: an async rate loop and the median of alternating rounds.

export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Calls `run` in a loop for `seconds`; returns calls per second. */
export async function rate(seconds: number, run: (i: number) => unknown): Promise<number> {
  const until = process.hrtime.bigint() + BigInt(Math.round(seconds * 1e9));
  let count = 0;
  const started = process.hrtime.bigint();
  while (process.hrtime.bigint() < until) await run(count++);
  return count / (Number(process.hrtime.bigint() - started) / 1e9);
}
