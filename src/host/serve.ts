// The session host's side (docs/architecture.md §8): the exchange session and the profile's store
// in a process of their own, so synchronous SQLite and CMS checks never hold up Electron's main
// thread. Requests come in on `port` (contract.ts), each checked; a session asks main for its
// signer's certificate and each signature, and for the service password: the token, its PIN and
// the keychain stay in main. Runs in: the session host (child.ts).
import type { z } from 'zod';
import type { Signer } from '../crypto/signer';
import { ClerkProfile, secretNames } from '../exchange/profile';
import type { SessionProgress, SignerSource } from '../exchange/session';
import { invokeContract } from '../ipc/contract';
import type { SecretStore } from '../settings/keychain';
import type { ClerkStore } from '../store';
import { contactOf } from '../workplace/contacts';
import { listDocuments, openDocument, subscriberOf } from '../workplace/documents';
import { pendingItems, signOutcomeOf } from '../workplace/pending';
import { lastSession, progressOf, sessionLog, summaryOfResult } from '../workplace/sessions';
import { notConfigured } from '../workplace/settings';
import { awaitingOf } from '../workplace/workflow';
import type { FromHost } from './contract';
import { errorInfoOf, errorOf, problemOf, resultSchema, ToHost } from './contract';
import type { CallResult, HostCall, HostRequest, ReadChannel } from './contract';

export interface HostPort {
  send(message: FromHost): void;
  onMessage(listener: (message: unknown) => void): void;
}

/** The answer each question expects: a mismatched answer is refused, not trusted. */
const answerType = {
  'acquire-signer': 'signer',
  sign: 'signature',
  'service-password': 'service-password',
} as const satisfies Record<HostCall['type'], CallResult['type']>;
type AnswerTo<T extends HostCall['type']> = Extract<CallResult, { type: (typeof answerType)[T] }>;

/** The id a message claims, when it has a readable one: a refusal names the request it refuses. */
function claimedId(raw: unknown): number | undefined {
  const id = (raw as { id?: unknown } | null)?.id;
  return typeof id === 'number' && Number.isInteger(id) && id > 0 ? id : undefined;
}

const lastOf = (s: ClerkStore | undefined) => (s ? lastSession(s) : null);
const outcomeOf = (s: ClerkStore | undefined, r: Extract<HostRequest, { type: 'sign-outcome' }>) =>
  s ? signOutcomeOf(s, r.wanted, r.items) : { signed: [], failed: [] };

/** A read's arguments outside its channel's schema: refused like any message outside the contract. */
class RefusedArguments extends Error {}

function argsOf<S extends z.ZodType>(schema: S, raw: unknown): z.infer<S> {
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new RefusedArguments(problemOf(parsed.error));
  return parsed.data;
}

export function serveHost(profileDir: string, port: HostPort): void {
  const calls = new Map<number, { expect: CallResult['type']; resolve(r: CallResult): void; reject(e: Error): void }>();
  let nextCall = 1;
  // The reads' profile: it needs no secret, so it is given none.
  const noSecrets: SecretStore = {
    get: async () => undefined,
    set: async () => Promise.reject(new Error('The session host keeps no secrets')),
    delete: async () => false,
  };
  const reads = new ClerkProfile(profileDir, noSecrets);
  const store = (): ClerkStore | undefined => (reads.settingsFile.exists() ? reads.store : undefined);
  const needStore = (): ClerkStore => {
    const s = store();
    if (!s) throw notConfigured();
    return s;
  };

  /** One question to main on behalf of request `id`. */
  type Question<T extends HostCall['type']> = Extract<HostCall, { type: T }>;
  const ask = <T extends HostCall['type']>(id: number, question: Question<T>): Promise<AnswerTo<T>> =>
    new Promise((resolve, reject) => {
      const call = nextCall++;
      calls.set(call, { expect: answerType[question.type as T], resolve: (r) => resolve(r as AnswerTo<T>), reject });
      port.send({ kind: 'call', id, call, ask: question });
    });

  /** The day's signer as main holds it: the certificate here, every signature made there. */
  const remoteSigner = (id: number): SignerSource => ({
    acquire: async (): Promise<Signer> => {
      const s = await ask(id, { type: 'acquire-signer' });
      return {
        certificate: Buffer.from(s.certificate, 'base64'),
        algorithm: s.algorithm,
        description: s.description,
        sign: async (data) => {
          const { signature } = await ask(id, { type: 'sign', data: data.toString('base64') });
          return Buffer.from(signature, 'base64');
        },
      };
    },
  });

  /** A session's secrets: only the service password, asked of main for a password login. */
  const sessionSecrets = (id: number): SecretStore => ({
    ...noSecrets,
    get: async (name) => {
      if (name !== secretNames.servicePassword) return undefined;
      return (await ask(id, { type: 'service-password' })).password ?? undefined;
    },
  });

  const runSession = async (id: number, request: Extract<HostRequest, { type: 'run-session' }>) => {
    const profile = new ClerkProfile(profileDir, sessionSecrets(id));
    try {
      if (!profile.settingsFile.exists()) throw notConfigured();
      const startedAt = new Date().toISOString();
      const { trigger, signOnly } = request;
      const onProgress = (p: SessionProgress) => port.send({ kind: 'progress', id, progress: progressOf(p) });
      const result = await profile.runSession({ trigger, signer: remoteSigner(id), signOnly, onProgress });
      const s = profile.store;
      return {
        summary: summaryOfResult(s, trigger, startedAt, result),
        items: result.items,
        receivedTitles: result.items.received.map((d) => s.document(d)?.title ?? ''),
      };
    } finally {
      profile.close();
    }
  };

  const read = async (channel: ReadChannel, raw: unknown): Promise<unknown> => {
    const s = store();
    switch (channel) {
      case 'documents:list': {
        const q = argsOf(invokeContract[channel].args, raw);
        return s ? listDocuments(s, q) : { total: 0, offset: q.offset, rows: [] };
      }
      case 'documents:open':
        return openDocument(needStore(), argsOf(invokeContract[channel].args, raw).id, reads.trustedRoots());
      case 'pending:list':
        return s ? pendingItems(s) : [];
      case 'contacts:list':
        return s ? s.contacts().map((c) => contactOf(s, c)) : [];
      case 'subscribers:search': {
        const { query } = argsOf(invokeContract[channel].args, raw);
        return s ? s.findSubscribers(query, 50).map((f) => subscriberOf(s, f.id, f.name)) : [];
      }
      case 'session:log':
        return s ? sessionLog(s, argsOf(invokeContract[channel].args, raw).limit) : [];
      case 'workflow:awaiting':
        return s ? awaitingOf(s) : { signature: [], annulment: [] };
    }
  };

  const answer = async (id: number, request: HostRequest) => {
    try {
      const result =
        request.type === 'run-session'
          ? await runSession(id, request)
          : request.type === 'last-session'
            ? lastOf(store())
            : request.type === 'sign-outcome'
              ? outcomeOf(store(), request)
              : await read(request.channel, request.args);
      // What leaves the host is checked as strictly as what comes in.
      port.send({ kind: 'result', id, result: resultSchema(request).parse(result) });
    } catch (e) {
      // A read's arguments failing their channel's schema are refused like any message outside the contract.
      if (e instanceof RefusedArguments) return port.send({ kind: 'refused', id, problem: e.message });
      port.send({ kind: 'failed', id, error: errorInfoOf(e) });
    }
  };

  port.onMessage((raw) => {
    const parsed = ToHost.safeParse(raw);
    if (!parsed.success) return port.send({ kind: 'refused', id: claimedId(raw), problem: problemOf(parsed.error) });
    const m = parsed.data;
    if (m.kind === 'request') return void answer(m.id, m.request);
    const waiting = calls.get(m.call);
    if (!waiting) return port.send({ kind: 'refused', problem: `answer to call ${m.call}: none is open` });
    calls.delete(m.call);
    if (m.kind === 'answer-failed') return waiting.reject(errorOf(m.error));
    if (m.result.type !== waiting.expect) {
      return waiting.reject(new Error(`main answered a ${waiting.expect} question with a ${m.result.type}`));
    }
    waiting.resolve(m.result);
  });
  port.send({ kind: 'ready' });
}
