// One exchange session at a time per profile, whoever starts it (the tray app, a scheduled
// CLI run, the agent): a lock file created exclusively, holding the owner's pid. A lock whose
// process is gone (killed, crashed), or that was taken before the machine booted (its pid may
// belong to someone else by now), is stale and is taken over. Two processes finding the same
// stale lock in the same instant could both take it: the window is a few microseconds after a
// crash, and the exchange stays exactly-once even then (idempotency keys, cursors in transactions).
import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { uptime } from 'node:os';
import { join } from 'node:path';

export class SessionBusyError extends Error {
  constructor(
    readonly pid: number,
    readonly since: string,
  ) {
    super(`An exchange session is already running for this profile (process ${pid}, since ${since}).`);
    this.name = 'SessionBusyError';
  }
}

interface LockContent {
  pid: number;
  since: string;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readLock(path: string): LockContent | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as LockContent;
  } catch {
    return undefined; // gone, or torn by a crash while it was being written
  }
}

export interface SessionLock {
  release(): void;
}

export function acquireSessionLock(profileDir: string): SessionLock {
  const path = join(profileDir, 'session.lock');
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      try {
        writeSync(fd, JSON.stringify({ pid: process.pid, since: new Date().toISOString() } satisfies LockContent));
      } finally {
        closeSync(fd);
      }
      let released = false;
      return {
        release() {
          if (released) return;
          released = true;
          if (readLock(path)?.pid === process.pid) rmSync(path, { force: true });
        },
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const held = readLock(path);
      const beforeBoot = held !== undefined && Date.parse(held.since) < Date.now() - uptime() * 1000;
      if (held && !beforeBoot && held.pid !== process.pid && processAlive(held.pid)) throw new SessionBusyError(held.pid, held.since);
      if (held?.pid === process.pid) throw new SessionBusyError(held.pid, held.since);
      rmSync(path, { force: true }); // stale: its process is gone
    }
  }
  throw new Error(`Cannot take the session lock ${path}: it keeps reappearing.`);
}
