// Runs in: Node (vitest), with `electron` mocked (no Electron binary here). main/session-host.ts
// forks the built session host as a utilityProcess and wires its port to src/host's client:
// what it forks, that messages go both ways, and that an ended host takes no more messages.
// The host itself, forked by Node, is proven in test/node/session-host.test.ts.
import type { EventEmitter } from 'node:events';
import { join } from 'node:path';
import { describe, expect, it, vi, type Mock } from 'vitest';

type Forked = {
  modulePath: string;
  args: string[];
  options: unknown;
  child: EventEmitter & { postMessage: Mock; kill: Mock };
};
const forked = vi.hoisted(() => [] as Forked[]);
vi.mock('electron', async () => {
  const { EventEmitter: Emitter } = await import('node:events');
  return {
    utilityProcess: {
      fork: (modulePath: string, args: string[], options: unknown) => {
        const child = Object.assign(new Emitter(), { pid: 4242, postMessage: vi.fn(), kill: vi.fn(() => true) });
        forked.push({ modulePath, args, options, child });
        return child;
      },
    },
  };
});

const { forkUtilityHost } = await import('./session-host');

describe('the session host as a utilityProcess', () => {
  it('forks session-host.js beside main with the profile folder, and wires its messages and exit', () => {
    const host = forkUtilityHost('/home/clerk/profile');
    const [f] = forked;
    expect(f!.modulePath).toBe(join(import.meta.dirname, 'session-host.js'));
    expect(f!.args).toEqual(['/home/clerk/profile']);
    expect(f!.options).toMatchObject({ serviceName: 'EDO Clerk session host' });
    expect(host.pid).toBe(4242);

    const messages: unknown[] = [];
    const exits: string[] = [];
    host.onMessage((m) => messages.push(m));
    host.onExit((why) => exits.push(why));
    f!.child.emit('message', { kind: 'ready' });
    expect(messages).toEqual([{ kind: 'ready' }]);

    host.send({ kind: 'request', id: 1, request: { type: 'last-session' } });
    expect(f!.child.postMessage).toHaveBeenCalledWith({ kind: 'request', id: 1, request: { type: 'last-session' } });

    f!.child.emit('exit', 9);
    expect(exits).toEqual(['exit code 9']);
    host.send({ kind: 'request', id: 2, request: { type: 'last-session' } });
    expect(f!.child.postMessage).toHaveBeenCalledTimes(1);
    host.kill();
    expect(f!.child.kill).toHaveBeenCalled();
  });
});
