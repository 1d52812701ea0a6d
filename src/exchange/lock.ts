// One exchange session at a time per profile, whoever starts it (the tray app, a scheduled
// CLI run, the agent): a lock file holding the owner's pid. It is written whole to a temporary
// file and linked into place, so it never exists half-written. A lock whose process is gone
// (killed, crashed), or that was taken before the machine booted (its pid may belong to
// someone else by now), is stale and is taken over: renamed aside under a unique name (only
// one of several contenders can rename it), checked again, then removed. A lock that cannot be
// read is busy while young (another writer's, or a disk's oddity) and stale once old.
import { randomUUID } from 'node:crypto';
import { linkSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { uptime } from 'node:os';
import { join } from 'node:path';

export class SessionBusyError extends Error {
  constructor(
    readonly pid: number,
    readonly since: string,
  ) {
    super(
      pid > 0
        ? `An exchange session is already running for this profile (process ${pid}, since ${since}).`
        : `An exchange session is starting for this profile (its lock file, from ${since}, is being written).`,
    );
    this.name = 'SessionBusyError';
  }
}

interface LockContent {
  pid: number;
  since: string;
}

/** An unreadable lock younger than this is taken as another process's lock, not as a torn one. */
const unreadableGraceMs = 5_000;

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

type LockState = { kind: 'gone' } | { kind: 'held'; content: LockContent; raw: string } | { kind: 'unreadable'; raw: string; modified: Date };

function readLock(path: string): LockState {
  let raw: string;
  let modified: Date;
  try {
    modified = statSync(path).mtime;
    raw = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'gone' };
    throw e;
  }
  try {
    const content = JSON.parse(raw) as LockContent;
    if (Number.isInteger(content.pid) && content.pid > 0 && typeof content.since === 'string') return { kind: 'held', content, raw };
  } catch {
    // torn or empty: judged by its age below
  }
  return { kind: 'unreadable', raw, modified };
}

function stale(state: Exclude<LockState, { kind: 'gone' }>): boolean {
  if (state.kind === 'unreadable') return Date.now() - state.modified.getTime() > unreadableGraceMs;
  const { pid, since } = state.content;
  const beforeBoot = Date.parse(since) < Date.now() - uptime() * 1000;
  return pid !== process.pid && (beforeBoot || !processAlive(pid));
}

/** Creates the lock with our pid in it, whole; false when a lock is there. */
function tryCreate(path: string, content: LockContent): boolean {
  const temp = `${path}.${process.pid}.${randomUUID()}.tmp`;
  writeFileSync(temp, JSON.stringify(content));
  try {
    linkSync(temp, path);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  } finally {
    rmSync(temp, { force: true });
  }
}

export interface SessionLock {
  release(): void;
}

export function acquireSessionLock(profileDir: string): SessionLock {
  const path = join(profileDir, 'session.lock');
  const mine: LockContent = { pid: process.pid, since: new Date().toISOString() };
  for (let attempt = 0; attempt < 5; attempt++) {
    if (tryCreate(path, mine)) {
      const raw = JSON.stringify(mine);
      let released = false;
      return {
        release() {
          if (released) return;
          released = true;
          const held = readLock(path);
          if (held.kind === 'held' && held.raw === raw) rmSync(path, { force: true });
        },
      };
    }
    const held = readLock(path);
    if (held.kind === 'gone') continue;
    if (!stale(held)) {
      if (held.kind === 'held') throw new SessionBusyError(held.content.pid, held.content.since);
      throw new SessionBusyError(0, held.modified.toISOString());
    }
    // Take the stale lock over: only one contender's rename can move it.
    const aside = `${path}.stale-${process.pid}-${randomUUID()}`;
    try {
      renameSync(path, aside);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue; // another contender moved it first
      throw e;
    }
    const moved = readLock(aside);
    if (moved.kind !== 'gone' && moved.raw !== held.raw) {
      // Between our look and our rename the stale lock was replaced by a live one: give it back.
      try {
        linkSync(aside, path);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e; // yet another lock took its place: busy all the same
      } finally {
        rmSync(aside, { force: true });
      }
      if (moved.kind === 'held') throw new SessionBusyError(moved.content.pid, moved.content.since);
      throw new SessionBusyError(0, moved.modified.toISOString());
    }
    rmSync(aside, { force: true });
  }
  throw new Error(`Cannot take the session lock ${path}: it keeps reappearing.`);
}
