// The session host's entry (docs/architecture.md §8): an Electron utilityProcess in the app
// (messages on process.parentPort), a Node child process elsewhere (`edo-clerk web`, the tests:
// process.send). Its last argument is the profile's folder. Runs in: the session host.
import { z } from 'zod';
import type { FromHost } from './contract';
import { serveHost, type HostPort } from './serve';

/** Electron's port to the parent of a utility process; typed here, since src/ never imports Electron. */
interface ParentPort {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (event: { data: unknown }) => void): void;
}

const profileDir = z.string().min(1, 'the profile folder').parse(process.argv.at(-1));
const parentPort = (process as unknown as { parentPort?: ParentPort }).parentPort;

function nodePort(): HostPort {
  // The parent is gone (even killed): nothing is left to serve, and an orphan would hold the profile.
  process.on('disconnect', () => process.exit(0));
  return { send: (m: FromHost) => void process.send!(m), onMessage: (l) => void process.on('message', l) };
}

function electronPort(parent: ParentPort): HostPort {
  return { send: (m) => parent.postMessage(m), onMessage: (l) => parent.on('message', (e) => l(e.data)) };
}

serveHost(profileDir, parentPort ? electronPort(parentPort) : nodePort());
