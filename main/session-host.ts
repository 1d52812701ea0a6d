// Runs in: the Electron main process. The session host (src/host, docs/architecture.md §8) as an
// Electron utilityProcess: the exchange session and the store off main's thread, the token here.
// The entry is the build's session-host.js beside main's bundle (electron.vite.config.ts).
import { join } from 'node:path';
import { utilityProcess } from 'electron';
import type { HostProcess } from '../src/host/client';

export function forkUtilityHost(profileDir: string): HostProcess {
  const child = utilityProcess.fork(join(import.meta.dirname, 'session-host.js'), [profileDir], {
    serviceName: 'EDO Clerk session host',
    stdio: 'inherit',
  });
  let ended = false;
  const exitListeners: ((why: string) => void)[] = [];
  child.on('exit', (code) => {
    ended = true;
    exitListeners.forEach((l) => l(`exit code ${code}`));
  });
  return {
    get pid() {
      return child.pid;
    },
    // A message to a host that just ended is lost with it: its exit fails what waited for it.
    send: (m) => void (ended || child.postMessage(m)),
    onMessage: (l) => void child.on('message', l),
    onExit: (l) => void exitListeners.push(l),
    kill: () => void child.kill(),
  };
}
