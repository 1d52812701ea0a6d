// Shared by the session tests and the bench: `edo-clerk` run as a real child process (the way a
// scheduled task or the agent runs it). Organizations are registered on the hub with
// registerTokenOrganization (test/support/hub.ts).
import { spawn, type ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../..');
const cli = join(root, 'src/cli/main.ts');

export interface ClerkRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON (with --json), else undefined. */
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export interface ClerkOptions {
  stdin?: string;
  /** The child's environment (default: this process's). */
  env?: NodeJS.ProcessEnv;
  /** Called with each stderr line (progress); return true to SIGKILL the process right there. */
  killWhen?: (line: string, index: number) => boolean;
}

export function startClerk(args: string[], options: ClerkOptions = {}): { child: ChildProcess; done: Promise<ClerkRun> } {
  const child = spawn(process.execPath, ['--import', 'tsx', cli, ...args], { cwd: root, env: options.env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let lines = 0;
  let pendingLine = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => {
    const text = d.toString();
    stderr += text;
    pendingLine += text;
    const parts = pendingLine.split('\n');
    pendingLine = parts.pop() ?? '';
    for (const line of parts) {
      if (options.killWhen?.(line, lines++) && child.exitCode === null) child.kill('SIGKILL');
    }
  });
  child.stdin!.end(options.stdin ?? '');
  const done = new Promise<ClerkRun>((r, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      let json: unknown;
      try {
        json = JSON.parse(stdout);
      } catch {
        json = undefined;
      }
      r({ code, signal, stdout, stderr, json });
    });
  });
  return { child, done };
}

export function clerk(args: string[], options: ClerkOptions = {}): Promise<ClerkRun> {
  return startClerk(args, options).done;
}

/** `edo-clerk ARGS --profile PROFILE --json`: a clerk's command in its own profile. */
export function inProfile(profile: string, args: string[], stdin?: string): Promise<ClerkRun> {
  return clerk([...args, '--profile', profile, '--json'], { stdin });
}

/** Fails with everything the CLI said when it did not exit as expected. */
export function expectExit(run: ClerkRun, code: number): ClerkRun {
  if (run.code !== code) throw new Error(`edo-clerk exited with ${run.code}${run.signal ? ` (${run.signal})` : ''}, expected ${code}\nstdout: ${run.stdout}\nstderr: ${run.stderr}`);
  return run;
}

export interface Org {
  id: string;
  name: string;
  inn: string;
}
