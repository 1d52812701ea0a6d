// The sandbox's exchange hub: `edo-hub` run as a child process (the client never imports the
// hub's code), on loopback, with its data inside the clerk's profile. In Electron the child is
// the app's own binary in Node mode (ELECTRON_RUN_AS_NODE=1).
import { spawn } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';

export interface HubCommand {
  /** bin/edo-hub.js of this installation; default: the hub beside this code (see command). */
  hubScript?: string;
  /** The Node (or Electron) binary; default: this process's. */
  execPath?: string;
}

/** How much of the hub's stderr is kept for error messages. */
const stderrKept = 16 * 1024;
const startTimeoutMs = 60_000;

/**
 * Runs inside the child before the hub: when our end of its stdin closes (this process ended,
 * even by a crash), the hub is told to stop, so no orphan keeps the port and the database.
 */
const watchdog = `data:text/javascript,${encodeURIComponent("process.stdin.on('end',()=>process.kill(process.pid,'SIGTERM'));process.stdin.on('error',()=>{});process.stdin.resume();process.stdin.unref?.();")}`;

/** This code runs from the checkout's TypeScript (tsx, vitest), not from a build in out/. */
const fromSources = import.meta.url.endsWith('.ts');

/** Node's arguments before the hub's own: from the sources, the hub's sources through tsx; built, bin/edo-hub.js. */
function command(c: HubCommand): { execPath: string; script: string[]; cwd: string; env: NodeJS.ProcessEnv } {
  const root = resolve(import.meta.dirname, '../..');
  const script = c.hubScript
    ? [resolve(c.hubScript)]
    : fromSources
      ? ['--import', 'tsx', join(root, 'server/cli.ts')]
      : [join(root, 'bin/edo-hub.js')];
  return {
    execPath: c.execPath ?? process.execPath,
    script,
    cwd: c.hubScript ? resolve(dirname(c.hubScript), '..') : root,
    env: { ...process.env, ...(process.versions.electron ? { ELECTRON_RUN_AS_NODE: '1' } : {}) },
  };
}

function keepTail(text: string, more: string): string {
  const all = text + more;
  return all.length > stderrKept ? all.slice(-stderrKept) : all;
}

/** Runs `edo-hub ARGS --data DIR --json` and returns its JSON answer; a failure names the command and what the hub said. */
export function hubAdmin<T>(dataDir: string, args: string[], c: HubCommand = {}, stdin = ''): Promise<T> {
  const cmd = command(c);
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd.execPath, [...cmd.script, ...args, '--data', dataDir, '--json'], {
      cwd: cmd.cwd,
      env: cmd.env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr = keepTail(stderr, d.toString())));
    child.on('error', (e) =>
      reject(new Error(`Cannot run the sandbox hub (${cmd.execPath} ${cmd.script.join(' ')}): ${e.message}`)),
    );
    child.on('close', (code) => {
      if (code !== 0)
        return reject(new Error(`edo-hub ${args.join(' ')} failed (exit ${code}): ${stderr.trim() || stdout.trim()}`));
      try {
        resolvePromise(JSON.parse(stdout) as T);
      } catch {
        reject(new Error(`edo-hub ${args.join(' ')} answered "${stdout.trim()}" instead of JSON`));
      }
    });
    child.stdin.end(stdin);
  });
}

export interface HubProcess {
  url: string;
  port: number;
  pid: number;
  /** SIGTERM and wait until it has exited. */
  stop(): Promise<void>;
  /** Resolves when the hub exits, for whatever reason. */
  readonly exited: Promise<number | null>;
  /** The hub's last log lines. */
  log(): string;
}

/** Starts `edo-hub serve` on 127.0.0.1:`port` (0: a free port) with `serveArgs` (--operator-key) and waits for its URL line. */
export async function startHubProcess(
  dataDir: string,
  port: number,
  c: HubCommand = {},
  serveArgs: string[] = [],
): Promise<HubProcess> {
  const cmd = command(c);
  const child = spawn(
    cmd.execPath,
    [
      '--import',
      watchdog,
      ...cmd.script,
      'serve',
      '--data',
      dataDir,
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '--log-level',
      'warn',
      '--json',
      ...serveArgs,
    ],
    { cwd: cmd.cwd, env: cmd.env, stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr = keepTail(stderr, d.toString())));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const started = await new Promise<{ url: string; pid: number }>((resolveStart, reject) => {
    const lines = createInterface({ input: child.stdout });
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
      reject(new Error(`The sandbox hub did not start within ${startTimeoutMs / 1000} s: ${stderr.trim()}`));
    }, startTimeoutMs);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`Cannot run the sandbox hub (${cmd.execPath} ${cmd.script.join(' ')}): ${e.message}`));
    });
    lines.once('line', (line) => {
      clearTimeout(timer);
      try {
        resolveStart(JSON.parse(line) as { url: string; pid: number });
      } catch {
        child.kill('SIGTERM');
        reject(new Error(`The sandbox hub printed "${line}" instead of its address: ${stderr.trim()}`));
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`The sandbox hub stopped (exit ${code}) before it was listening: ${stderr.trim()}`));
    });
  });
  let stopping: Promise<void> | undefined;
  return {
    url: started.url,
    port: Number(new URL(started.url).port),
    pid: started.pid,
    exited,
    log: () => stderr,
    stop: () =>
      (stopping ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
        child.stdin.end();
        await exited;
      })()),
  };
}
