// Main's side of the session host (docs/architecture.md §8): starts the host when first needed,
// sends it requests and checks every answer against the contract, answers the session's
// questions (the day's signer signs here; its key and PIN never leave main), and turns a host
// that died into a failed request. The next request starts a new host; what the dead one
// stored stays stored (the store's exactly-once rules, §6), and its session lock is stale.
// Runs in: the Electron main process (and `edo-clerk web`, the tests).
import type { z } from 'zod';
import type { Signer } from '../crypto/signer';
import type { SessionItems, SignerSource } from '../exchange/session';
import type {
  invokeContract,
  PendingSignArgs,
  SessionProgress,
  SessionSummary,
  SessionTrigger,
  SignOutcome,
} from '../ipc/contract';
import type { SessionReport } from '../workplace/sessions';
import { errorInfoOf, errorOf, FromHost, problemOf, resultSchema } from './contract';
import type { CallResult, HostCall, HostRequest, ReadChannel, ToHost } from './contract';

/** A started host process, however it was started (Electron's utilityProcess, Node's fork). */
export interface HostProcess {
  readonly pid: number | undefined;
  send(message: ToHost): void;
  onMessage(listener: (message: unknown) => void): void;
  /** Once, when the process has ended or cannot be reached; `why` in words ("killed by SIGKILL"). */
  onExit(listener: (why: string) => void): void;
  kill(): void;
}

type Args<C extends ReadChannel> = z.input<(typeof invokeContract)[C]['args']>;
type Result<C extends ReadChannel> = z.infer<(typeof invokeContract)[C]['result']>;

export type StartHost = (profileDir: string) => HostProcess;

/** What the host asks of main during a session. */
export interface HostHelpers {
  /** The day's signer (the token, or the profile's software key). */
  signer(): SignerSource;
  servicePassword(): Promise<string | undefined>;
}

/** The host ended with requests open (a crash, a kill): those requests failed. */
export class SessionHostStopped extends Error {
  constructor(why: string) {
    super(`The session host stopped (${why}); what it had stored is kept, and the next session starts a new host`);
    this.name = 'SessionHostStopped';
  }
}

interface Open {
  request: HostRequest;
  resolve(result: unknown): void;
  reject(e: Error): void;
  onProgress?: (p: SessionProgress) => void;
  /** The signer this session acquired, kept for its signatures. */
  signer?: Promise<Signer>;
}

interface Live {
  process: HostProcess;
  ready: Promise<void>;
  open: Map<number, Open>;
}

export class SessionHostClient {
  private live: Live | undefined;
  private nextId = 1;

  constructor(
    private readonly profileDir: string,
    private readonly start: StartHost,
    private readonly helpers: HostHelpers,
  ) {}

  /** The running host's process id (none before the first request or after it ended). */
  get pid(): number | undefined {
    return this.live?.process.pid;
  }

  runSession(trigger: SessionTrigger, onProgress: (p: SessionProgress) => void, signOnly?: number[]) {
    const request = { type: 'run-session', trigger, ...(signOnly ? { signOnly } : {}) } as const;
    return this.request(request, onProgress) as Promise<SessionReport>;
  }

  read<C extends ReadChannel>(channel: C, args: Args<C>): Promise<Result<C>> {
    return this.request({ type: 'read', channel, args }) as Promise<Result<C>>;
  }

  lastSession(): Promise<SessionSummary | null> {
    return this.request({ type: 'last-session' }) as Promise<SessionSummary | null>;
  }

  signOutcome(wanted: number[], items: SessionItems | undefined): Promise<SignOutcome> {
    return this.request({ type: 'sign-outcome', wanted, ...(items ? { items } : {}) }) as Promise<SignOutcome>;
  }

  /**
   * Signs the chosen pending service documents (or all) in `session`, the scheduler's manual run
   * (the core signs them only inside an exchange session: the ИОП needs the operator's data), and
   * says what became of each.
   */
  async signPending(
    which: PendingSignArgs,
    session: (signOnly?: number[]) => Promise<SessionReport | undefined>,
  ): Promise<SignOutcome> {
    const wanted = 'all' in which ? (await this.read('pending:list', undefined)).map((p) => p.id) : which.ids;
    const report = await session('all' in which ? undefined : which.ids);
    return this.signOutcome(wanted, report?.items);
  }

  close(): void {
    this.live?.process.kill();
    this.live = undefined;
  }

  private async request(request: HostRequest, onProgress?: (p: SessionProgress) => void): Promise<unknown> {
    const live = this.host();
    await live.ready;
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      live.open.set(id, { request, resolve, reject, onProgress });
      live.process.send({ kind: 'request', id, request });
    });
  }

  private host(): Live {
    if (this.live) return this.live;
    const child = this.start(this.profileDir);
    const open = new Map<number, Open>();
    let ready!: () => void;
    let notReady!: (e: Error) => void;
    const live: Live = { process: child, open, ready: new Promise((r, j) => ((ready = r), (notReady = j))) };
    // Who waits for it hears why it never became ready; nobody waiting is no unhandled rejection.
    live.ready.catch(() => {});
    this.live = live;
    /** Everything waiting on this host fails; the next request starts another. */
    const fail = (e: Error) => {
      if (this.live === live) this.live = undefined;
      notReady(e);
      open.forEach((o) => o.reject(e));
      open.clear();
    };
    child.onExit((why) => fail(new SessionHostStopped(why)));
    child.onMessage((raw) => {
      const parsed = FromHost.safeParse(raw);
      // A host that speaks outside the contract is not trusted with anything more: it is stopped.
      if (!parsed.success) return this.distrust(live, fail, problemOf(parsed.error));
      const m = parsed.data;
      if (m.kind === 'ready') return ready();
      if (m.kind === 'refused') {
        const refused = m.id === undefined ? undefined : open.get(m.id);
        open.delete(m.id ?? 0);
        return refused?.reject(new Error(`The session host refused the request: ${m.problem}`));
      }
      const o = open.get(m.id);
      if (!o) return this.distrust(live, fail, `message for request ${m.id}, which is not open`);
      if (m.kind === 'progress') return o.onProgress?.(m.progress);
      if (m.kind === 'call') return void this.answer(live, o, m.call, m.ask);
      open.delete(m.id);
      if (m.kind === 'failed') return o.reject(errorOf(m.error));
      const result = resultSchema(o.request).safeParse(m.result);
      if (!result.success) {
        o.reject(new Error(`The session host answered outside its contract: ${problemOf(result.error)}`));
        return this.distrust(live, fail, problemOf(result.error));
      }
      o.resolve(result.data);
    });
    return live;
  }

  private distrust(live: Live, fail: (e: Error) => void, problem: string): void {
    fail(new Error(`The session host sent a message outside its contract and was stopped: ${problem}`));
    live.process.kill();
  }

  private async answer(live: Live, o: Open, call: number, ask: HostCall): Promise<void> {
    try {
      const result: CallResult = await this.callResult(o, ask);
      live.process.send({ kind: 'answer', call, result });
    } catch (e) {
      live.process.send({ kind: 'answer-failed', call, error: errorInfoOf(e) });
    }
  }

  private async callResult(o: Open, ask: HostCall): Promise<CallResult> {
    if (o.request.type !== 'run-session') throw new Error('Only an exchange session asks main to sign or for a secret');
    if (ask.type === 'service-password') {
      return { type: 'service-password', password: (await this.helpers.servicePassword()) ?? null };
    }
    // A failed acquire is tried again at the session's next question (the clerk may have logged in).
    if (ask.type === 'acquire-signer' || !o.signer) o.signer = this.helpers.signer().acquire();
    const signer = await o.signer.catch((e: unknown) => {
      o.signer = undefined;
      throw e;
    });
    if (ask.type === 'acquire-signer') {
      const { algorithm, description } = signer;
      return { type: 'signer', certificate: signer.certificate.toString('base64'), algorithm, description };
    }
    return { type: 'signature', signature: (await signer.sign(Buffer.from(ask.data, 'base64'))).toString('base64') };
  }
}
