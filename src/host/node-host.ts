// The session host as a Node child process (child_process.fork of child.ts): for `edo-clerk web`,
// the end-to-end suites and the tests, where there is no Electron utilityProcess. The app's main
// process forks the same entry with utilityProcess (main/session-host.ts).
import { fork } from 'node:child_process';
import { join, resolve } from 'node:path';
import type { HostProcess } from './client';

/** This code runs from the checkout's TypeScript (tsx, vitest), not from a build in out/. */
const fromSources = import.meta.url.endsWith('.ts');

/** The entry: from the sources child.ts through tsx; built, session-host.js beside the bundle. */
const entry = fromSources ? resolve(import.meta.dirname, 'child.ts') : join(import.meta.dirname, 'session-host.js');

export function forkNodeHost(profileDir: string): HostProcess {
  const execArgv = fromSources ? ['--import', 'tsx'] : [];
  const child = fork(entry, [profileDir], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const exitListeners: ((why: string) => void)[] = [];
  let ended = false;
  const end = (why: string) => {
    if (ended) return;
    ended = true;
    exitListeners.forEach((l) => l(why));
  };
  child.on('exit', (code, signal) => end(signal ? `killed by ${signal}` : `exit code ${code}`));
  child.on('error', (e) => end(e.message));
  return {
    pid: child.pid,
    // A message to a host that just died is lost with it: its exit fails what waited for it.
    send: (m) => void (child.connected && child.send(m, (e) => e && end(e.message))),
    onMessage: (l) => void child.on('message', l),
    onExit: (l) => void exitListeners.push(l),
    kill: () => void child.kill('SIGKILL'),
  };
}
