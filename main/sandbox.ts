// Runs in: the Electron main process. The local sandbox inside the app (src/sandbox): started
// when the clerk picks "Try it with a local sandbox" on a first start, and on every later start
// of a profile the sandbox made; stopped when the app quits. No electron import: the caller
// gives the paths.
import {
  isSandboxProfile,
  SandboxBusyError,
  startSandbox,
  type RunningSandbox,
  type SandboxEvent,
  type SandboxOptions,
} from '../src/sandbox/sandbox';

export interface AppSandboxOptions {
  profileDir: string;
  /** bin/edo-hub.js inside the app (the hub runs as a child of this binary in Node mode); default: see src/sandbox/hub-process.ts. */
  hubScript?: string;
  onEvent(event: SandboxEvent): void;
  /** Test timings of the demo counterparty. */
  schedule?: SandboxOptions['schedule'];
}

/** Whether the clerk's own sessions should run now: the demo counterparty sent something. */
export function wakesClerk(event: SandboxEvent): boolean {
  if (event.type === 'document-sent') return true;
  return (
    event.type === 'session' &&
    (event.result.summary.serviceDocumentsSent > 0 || event.result.summary.workflowSteps > 0)
  );
}

export class AppSandbox {
  private running: RunningSandbox | undefined;
  private starting: Promise<void> | undefined;

  constructor(private readonly options: AppSandboxOptions) {}

  /** The profile was made by the sandbox and still uses it: start it with the app. */
  inUse(): boolean {
    try {
      return isSandboxProfile(this.options.profileDir);
    } catch {
      return false; // unreadable settings: the app says what is wrong with them elsewhere
    }
  }

  isRunning(): boolean {
    return this.running !== undefined;
  }

  /** The sandbox this app runs (not one that `edo-clerk demo` runs for the profile). */
  current(): RunningSandbox | undefined {
    return this.running;
  }

  /** Starts it once; when `edo-clerk demo` runs this profile's sandbox already, the app uses that one. */
  start(): Promise<void> {
    this.starting ??= startSandbox({
      profileDir: this.options.profileDir,
      hubScript: this.options.hubScript,
      onEvent: this.options.onEvent,
      schedule: this.options.schedule,
    }).then(
      (running) => {
        this.running = running;
      },
      (e: unknown) => {
        if (e instanceof SandboxBusyError) return;
        this.starting = undefined; // the clerk may try again
        throw e;
      },
    );
    return this.starting;
  }

  async stop(): Promise<void> {
    const running = this.running;
    this.running = undefined;
    this.starting = undefined;
    await running?.stop();
  }
}
