import { spawn, spawnSync } from 'node:child_process';
import type * as nodeFs from 'node:fs';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { acquireSessionLock, type SessionLock, SessionBusyError } from './lock';

/** Runs once, just before the next link to `<lock>.takeover`: forces another contender into the takeover window. */
const fsStep = vi.hoisted(() => ({ beforeTakeover: undefined as (() => void) | undefined }));
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof nodeFs>();
  return {
    ...fs,
    linkSync: (existing: string, target: string) => {
      const step = fsStep.beforeTakeover;
      if (target.endsWith('.takeover') && step) {
        fsStep.beforeTakeover = undefined;
        step();
      }
      fs.linkSync(existing, target);
    },
  };
});

let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'clerk-lock-'))));
afterEach(() => {
  fsStep.beforeTakeover = undefined;
  rmSync(dir, { recursive: true, force: true });
});

const lockFile = () => join(dir, 'session.lock');
const deadPid = () =>
  Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);

describe('the session lock', () => {
  it('lets one session run per profile and frees the profile on release', () => {
    const lock = acquireSessionLock(dir);
    expect(() => acquireSessionLock(dir)).toThrow(SessionBusyError);
    lock.release();
    expect(existsSync(lockFile())).toBe(false);
    acquireSessionLock(dir).release();
    expect(readdirSync(dir)).toEqual([]); // no temporary or set-aside files left behind
  });

  it('refuses while another live process holds it, and takes over the lock of a dead one', () => {
    writeFileSync(lockFile(), JSON.stringify({ pid: process.ppid, since: new Date().toISOString() }));
    expect(() => acquireSessionLock(dir)).toThrow(/already running.*process \d+/);
    // the same live pid, but written before this machine booted: another process's lock from before a reboot
    writeFileSync(lockFile(), JSON.stringify({ pid: process.ppid, since: '2000-01-01T00:00:00Z' }));
    acquireSessionLock(dir).release();
    writeFileSync(lockFile(), JSON.stringify({ pid: deadPid(), since: '2026-11-22T10:00:00Z' }));
    acquireSessionLock(dir).release();
    expect(readdirSync(dir)).toEqual([]);
  });

  it('takes an empty or torn lock for a live one while it is young, and for a stale one once old', () => {
    for (const content of ['', '{"pid": 12']) {
      writeFileSync(lockFile(), content);
      expect(() => acquireSessionLock(dir)).toThrow(/is starting for this profile/);
      const old = new Date(Date.now() - 60_000);
      utimesSync(lockFile(), old, old); // left by a crash a minute ago
      acquireSessionLock(dir).release();
      expect(existsSync(lockFile())).toBe(false);
    }
  });

  it('takes over the lock of an earlier process whose pid this one reuses, but never its own', () => {
    writeFileSync(lockFile(), JSON.stringify({ pid: process.pid, since: new Date().toISOString() }));
    const lock = acquireSessionLock(dir);
    expect(() => acquireSessionLock(dir)).toThrow(new RegExp(`already running.*process ${process.pid}`));
    lock.release();
    expect(readdirSync(dir)).toEqual([]);
  });

  describe('when two contenders find the same stale lock, and one takes it over while the other is about to', () => {
    // B has judged the dead process's lock stale; A takes it over (and C may come) before B's takeover starts.
    const raceWith = (inTheGap: () => void) => {
      writeFileSync(lockFile(), JSON.stringify({ pid: deadPid(), since: new Date().toISOString() }));
      fsStep.beforeTakeover = inTheGap;
      return () => acquireSessionLock(dir);
    };
    const holder = () => (JSON.parse(readFileSync(lockFile(), 'utf8')) as { nonce: string }).nonce;

    it('leaves the lock A took to A', () => {
      let a: SessionLock | undefined;
      let aNonce = '';
      const b = raceWith(() => {
        a = acquireSessionLock(dir);
        aNonce = holder();
      });
      expect(b).toThrow(SessionBusyError);
      expect(holder()).toBe(aNonce);
      a!.release();
      expect(readdirSync(dir)).toEqual([]);
    });

    it('leaves the lock C took, after A released, to C, and lets A in again once C is done', () => {
      let c: SessionLock | undefined;
      let cNonce = '';
      const b = raceWith(() => {
        acquireSessionLock(dir).release(); // A
        c = acquireSessionLock(dir);
        cNonce = holder();
      });
      expect(b).toThrow(SessionBusyError);
      expect(holder()).toBe(cNonce);
      c!.release();
      acquireSessionLock(dir).release();
      expect(readdirSync(dir)).toEqual([]);
    });

    it('lets B take the lock A has already released, and A take it after B', () => {
      const b = raceWith(() => acquireSessionLock(dir).release());
      const lock = b();
      expect(() => acquireSessionLock(dir)).toThrow(SessionBusyError);
      lock.release();
      acquireSessionLock(dir).release();
      expect(readdirSync(dir)).toEqual([]);
    });
  });

  it('waits for a live takeover, and removes the takeover file of one that died taking over', () => {
    writeFileSync(lockFile(), JSON.stringify({ pid: deadPid(), since: new Date().toISOString() }));
    const takeover = `${lockFile()}.takeover`;
    writeFileSync(takeover, JSON.stringify({ pid: process.ppid, since: new Date().toISOString() }));
    expect(() => acquireSessionLock(dir)).toThrow(/is starting for this profile/);
    writeFileSync(takeover, JSON.stringify({ pid: process.ppid, since: new Date(Date.now() - 60_000).toISOString() })); // hung a minute
    acquireSessionLock(dir).release();
    writeFileSync(lockFile(), JSON.stringify({ pid: deadPid(), since: new Date().toISOString() }));
    writeFileSync(takeover, JSON.stringify({ pid: deadPid(), since: new Date().toISOString() }));
    acquireSessionLock(dir).release();
    expect(readdirSync(dir)).toEqual([]);
  });

  it('never lets two processes hold it at once, even when they all find the same stale lock', async () => {
    // Each contender tries many times to take the lock, logs "+pid" when it holds it and "-pid" before releasing.
    const log = join(dir, 'holders.log');
    const script = `
      import { appendFileSync } from 'node:fs';
      import { acquireSessionLock } from ${JSON.stringify(resolve(import.meta.dirname, 'lock.ts'))};
      let held = 0;
      for (let i = 0; i < 300 && held < 5; i++) {
        let lock;
        try { lock = acquireSessionLock(${JSON.stringify(dir)}); } catch (e) { if (e.name !== 'SessionBusyError') throw e; continue; }
        appendFileSync(${JSON.stringify(log)}, '+' + process.pid + '\\n');
        held++;
        appendFileSync(${JSON.stringify(log)}, '-' + process.pid + '\\n');
        lock.release();
      }`;
    writeFileSync(join(dir, 'contender.mts'), script);
    writeFileSync(lockFile(), JSON.stringify({ pid: deadPid(), since: new Date().toISOString() }));
    const runs = Array.from(
      { length: 4 },
      () =>
        new Promise<{ code: number | null; stderr: string }>((done) => {
          const child = spawn(process.execPath, ['--import', 'tsx', join(dir, 'contender.mts')], {
            stdio: ['ignore', 'ignore', 'pipe'],
          });
          let stderr = '';
          child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
          child.on('close', (code) => done({ code, stderr }));
        }),
    );
    for (const r of await Promise.all(runs)) expect(r.code, r.stderr).toBe(0);
    const lines = readFileSync(log, 'utf8').trim().split('\n');
    expect(lines.length).toBeGreaterThan(2);
    for (let i = 0; i < lines.length; i += 2) {
      // every "+pid" is followed by the same pid's "-pid": nobody took the lock while it was held
      expect(lines[i + 1], lines.slice(Math.max(0, i - 2), i + 4).join(' ')).toBe(`-${lines[i]!.slice(1)}`);
    }
  });
});
