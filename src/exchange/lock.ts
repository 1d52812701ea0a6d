// One exchange session at a time per profile, whoever starts it (the tray app, a scheduled
// CLI run, the agent): a lock file holding the owner's pid and a nonce. It is written whole to
// a temporary file and linked into place, so it never exists half-written and only one creator
// wins. A lock whose process is gone (killed, crashed), that was taken before the machine booted
// (its pid may belong to someone else by now), or that carries our own pid without being one we
// hold (an earlier process's, whose pid we reuse) is stale. A lock that cannot be read is busy
// while young (a disk's oddity) and stale once old.
//
// Taking a stale lock over is "look, then delete", which two contenders must never interleave
// (the second would delete the first's fresh lock): so only the holder of `<lock>.takeover`, an
// exclusive file made the same way, may delete a lock, after looking at it again. A takeover
// file whose holder died, or that is older than any takeover takes, is itself stale and removed.
// What remains: two contenders removing the same stale takeover file in the same instant can
// both go on to take over; that needs a takeover holder to die first.
import { randomUUID } from 'node:crypto';
import { linkSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
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
        : `An exchange session is starting for this profile (its lock file, from ${since}, is being written or taken over).`,
    );
    this.name = 'SessionBusyError';
  }
}

interface LockContent {
  pid: number;
  since: string;
  /** Makes every lock's text unique, so "the lock we hold" is told by its text alone. */
  nonce?: string;
}

/** An unreadable lock younger than this is taken as another process's lock, not as a torn one. */
const unreadableGraceMs = 5_000;
/** A takeover is a few file operations; a takeover file older than this was left by a hung or dead process. */
const takeoverMaxAgeMs = 10_000;

/** The text of every lock this process holds: a lock with our pid and another text is not ours. */
const heldHere = new Set<string>();

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

type LockState =
  | { kind: 'gone' }
  | { kind: 'held'; content: LockContent; raw: string }
  | { kind: 'unreadable'; raw: string; modified: Date };

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
    if (
      Number.isInteger(content.pid) &&
      content.pid > 0 &&
      typeof content.since === 'string' &&
      !Number.isNaN(Date.parse(content.since))
    )
      return { kind: 'held', content, raw };
  } catch {
    // torn or empty: judged by its age below
  }
  return { kind: 'unreadable', raw, modified };
}

function stale(state: Exclude<LockState, { kind: 'gone' }>, maxAgeMs = Infinity): boolean {
  if (state.kind === 'unreadable') return Date.now() - state.modified.getTime() > unreadableGraceMs;
  const { pid, since } = state.content;
  const age = Date.now() - Date.parse(since);
  if (age > maxAgeMs || age > uptime() * 1000) return true;
  return pid === process.pid ? !heldHere.has(state.raw) : !processAlive(pid);
}

function busy(state: Exclude<LockState, { kind: 'gone' }>): SessionBusyError {
  return state.kind === 'held'
    ? new SessionBusyError(state.content.pid, state.content.since)
    : new SessionBusyError(0, state.modified.toISOString());
}

function newContent(): LockContent {
  return { pid: process.pid, since: new Date().toISOString(), nonce: randomUUID() };
}

/** Creates the file with `raw` in it, whole; false when one is there. */
function tryCreate(path: string, raw: string): boolean {
  const temp = `${path}.${process.pid}.${randomUUID()}.tmp`;
  writeFileSync(temp, raw);
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

/** Removes the file if it still holds `raw`: never someone else's that took its place. */
function removeIfOurs(path: string, raw: string): void {
  const now = readLock(path);
  if (now.kind === 'held' && now.raw === raw) rmSync(path, { force: true });
}

/**
 * Deletes the lock at `path` if it is stale, as the only holder of its takeover file; returns
 * so the caller looks again. Throws SessionBusyError while another process is taking it over.
 */
function removeStaleLock(path: string): void {
  const takeover = `${path}.takeover`;
  const raw = JSON.stringify(newContent());
  if (!tryCreate(takeover, raw)) {
    const other = readLock(takeover);
    if (other.kind === 'gone') return; // that takeover just ended
    if (!stale(other, takeoverMaxAgeMs))
      throw new SessionBusyError(0, other.kind === 'held' ? other.content.since : other.modified.toISOString());
    rmSync(takeover, { force: true });
    return;
  }
  try {
    // Looked at again under the takeover file: a contender may have taken it over since our first look.
    const found = readLock(path);
    if (found.kind !== 'gone' && stale(found)) rmSync(path, { force: true });
  } finally {
    removeIfOurs(takeover, raw);
  }
}

export interface SessionLock {
  release(): void;
}

export function acquireSessionLock(profileDir: string): SessionLock {
  const path = join(profileDir, 'session.lock');
  const raw = JSON.stringify(newContent());
  for (let attempt = 0; attempt < 5; attempt++) {
    if (tryCreate(path, raw)) {
      heldHere.add(raw);
      let released = false;
      return {
        release() {
          if (released) return;
          released = true;
          removeIfOurs(path, raw);
          heldHere.delete(raw);
        },
      };
    }
    const found = readLock(path);
    if (found.kind === 'gone') continue;
    if (!stale(found)) throw busy(found);
    removeStaleLock(path);
  }
  throw new Error(`Cannot take the session lock ${path}: it keeps reappearing.`);
}
