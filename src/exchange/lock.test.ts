import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acquireSessionLock, SessionBusyError } from './lock';

let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'clerk-lock-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('the session lock', () => {
  it('lets one session run per profile and frees the profile on release', () => {
    const lock = acquireSessionLock(dir);
    expect(() => acquireSessionLock(dir)).toThrow(SessionBusyError);
    lock.release();
    expect(existsSync(join(dir, 'session.lock'))).toBe(false);
    acquireSessionLock(dir).release();
  });

  it('refuses while another live process holds it, and takes over the lock of a dead one', () => {
    writeFileSync(join(dir, 'session.lock'), JSON.stringify({ pid: process.ppid, since: new Date().toISOString() }));
    expect(() => acquireSessionLock(dir)).toThrow(/already running.*process \d+/);
    // the same live pid, but written before this machine booted: another process's lock from before a reboot
    writeFileSync(join(dir, 'session.lock'), JSON.stringify({ pid: process.ppid, since: '2000-01-01T00:00:00Z' }));
    acquireSessionLock(dir).release();
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    writeFileSync(join(dir, 'session.lock'), JSON.stringify({ pid: Number(dead.stdout), since: '2026-11-22T10:00:00Z' }));
    acquireSessionLock(dir).release();
    writeFileSync(join(dir, 'session.lock'), '{"pid": 12'); // torn by a crash while written
    acquireSessionLock(dir).release();
  });
});
