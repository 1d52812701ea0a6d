// Runs in: the Electron main process. ClerkServices over the core of src/ for one profile
// folder: the profile's settings and SQLite store, its keychain, the hub client and the
// exchange session engine, and the day's token. Only translation lives here: the clerk's
// work itself is the core's.
import { basename } from 'node:path';
import { signDetached, verifyDetached } from '../src/crypto/cms';
import { HttpExchangeClient } from '../src/exchange/http-client';
import { describeCertificate } from '../src/crypto/certificates';
import { ClerkProfile, resolveToken, secretNames, SoftwareSignerSource } from '../src/exchange/profile';
import type { SessionStep as CoreStep, SignerSource } from '../src/exchange/session';
import type {
  Contact,
  DocumentDetail,
  DocumentRow,
  DocumentStatus,
  PendingReason,
  SecretName,
  SessionLogEntry,
  SessionProgress,
  SessionRun,
  SessionStep,
  SessionSummary,
  SessionTrigger,
  Settings,
  SettingsPatch,
  SignatureProblem,
  SignFailure,
  TokenStatus,
} from '../src/ipc/contract';
import type { SecretStore } from '../src/settings/keychain';
import type { ProfileSettingsInput } from '../src/settings/settings';
import type { DocumentRow as StoredDocument, SessionOutcome as StoredOutcome, ClerkStore } from '../src/store';
import { TokenError } from '../src/token/errors';
import { DayToken, type KeptPins } from './day-token';
import { createArchiveServices } from './archive-services';
import type { ClerkServices, SessionReport } from './services';

const coreSteps: Record<CoreStep, SessionStep> = {
  authenticate: 'authenticate',
  subscribers: 'subscribers',
  contacts: 'contacts',
  outbox: 'send',
  events: 'receive',
  'service-documents': 'serviceDocuments',
  finish: 'archive',
};
const stepOrder = Object.keys(coreSteps) as CoreStep[];

const outcomes: Record<StoredOutcome | 'not-allowed', SessionSummary['outcome']> = {
  running: 'running',
  done: 'ok',
  'needs-clerk': 'needsClerk',
  error: 'failed',
  interrupted: 'failed',
  'not-allowed': 'failed',
};

const problems: Record<string, SignatureProblem> = {
  'digest-mismatch': 'digestMismatch',
  'bad-signature': 'badSignature',
  'untrusted-chain': 'untrustedChain',
  expired: 'expiredAtSigning',
  'not-yet-valid': 'notYetValidAtSigning',
};


/** Largest file shown in the document view; bigger ones are opened from the archive instead. */
const previewLimit = 20 * 1024 * 1024;

function statusOf(d: StoredDocument, pendingReceipt: boolean): DocumentStatus {
  if (d.direction === 'in' && d.signatureState === 'invalid') return 'signatureInvalid';
  const map: Record<StoredDocument['status'], DocumentStatus> = {
    queued: 'queued',
    sent: 'sent',
    delivered: 'delivered',
    'receipt-received': 'receiptReceived',
    'clarification-requested': 'clarificationRequested',
    rejected: 'failed',
    received: pendingReceipt ? 'receiptPending' : 'received',
    'receipt-sent': 'receiptSent',
    'clarification-sent': 'clarificationSent',
  };
  return map[d.status];
}

function previewKind(fileName: string): { kind: DocumentDetail['preview']['kind']; mediaType: string } {
  const ext = fileName.toLowerCase().split('.').pop() ?? '';
  if (ext === 'pdf') return { kind: 'pdf', mediaType: 'application/pdf' };
  if (['png', 'jpg', 'jpeg', 'gif', 'webp'].includes(ext)) return { kind: 'image', mediaType: `image/${ext === 'jpg' ? 'jpeg' : ext}` };
  if (ext === 'xml') return { kind: 'xml', mediaType: 'application/xml' };
  if (['txt', 'csv', 'json'].includes(ext)) return { kind: 'text', mediaType: 'text/plain' };
  return { kind: 'none', mediaType: 'application/octet-stream' };
}

function signFailureOf(e: unknown): { reason: SignFailure; message: string } | undefined {
  if (!(e instanceof TokenError)) return undefined;
  const reason: SignFailure =
    e.code === 'pin-locked' ? 'pinLocked' : e.code === 'token-removed' ? 'tokenRemoved' : e.code === 'certificate-not-found' || e.code === 'key-not-found' ? 'error' : 'tokenNeeded';
  return { reason, message: e.message };
}

export interface CoreServicesOptions {
  /** The keychain to use (tests pass their own); default: the OS keychain of the profile. */
  secrets?: SecretStore;
  /** Token watcher timing; default: the watcher's own (1 s poll, 1 s settle). */
  tokenWatch?: { intervalMs?: number; settleMs?: number };
}

export interface CoreServices extends ClerkServices {
  close(): void;
}

export async function createCoreServices(profileDir: string, options: CoreServicesOptions = {}): Promise<CoreServices> {
  const profile = new ClerkProfile(profileDir, options.secrets);
  const configured = () => profile.settingsFile.exists();
  /** The store exists only in a configured profile; before that every list is empty. */
  const store = (): ClerkStore | undefined => (configured() ? profile.store : undefined);

  const keptPins: KeptPins = {
    get: (serial) => profile.secrets.get(secretNames.keptPin(serial)),
    delete: async (serial) => void (await profile.secrets.delete(secretNames.keptPin(serial))),
  };
  let token: DayToken;
  const tokenListeners = new Set<Parameters<ClerkServices['token']['onChange']>[0]>();
  const makeToken = () => {
    let target;
    let problem: string | undefined;
    try {
      target = resolveToken(configured() ? profile.settings : undefined);
    } catch (e) {
      problem = e instanceof Error ? e.message : String(e);
    }
    const t = new DayToken(target, problem, options.tokenWatch, keptPins);
    // With a software key in the settings, a token coming and going changes nothing.
    t.onChange((s) => {
      if (!softwareKey()) tokenListeners.forEach((l) => l(s));
    });
    return t;
  };
  token = makeToken();

  /**
   * A software key in the settings (the local sandbox's demo key, a server's .pfx) signs without
   * a token or a PIN: it stands in for the day's token everywhere.
   */
  let software: { keyFile: string; source: SoftwareSignerSource } | undefined;
  const softwareKey = (): { keyFile: string; source: SoftwareSignerSource } | undefined => {
    const setting = configured() ? profile.settings.signer : undefined;
    if (setting?.kind !== 'software') return undefined;
    if (software?.keyFile !== setting.keyFile) software = { keyFile: setting.keyFile, source: new SoftwareSignerSource(setting, profile.dir, profile.secrets) };
    return software;
  };
  const signerSource = (): SignerSource => softwareKey()?.source ?? token.signerSource;
  const tokenStatus = async (): Promise<TokenStatus> => {
    const key = softwareKey();
    if (!key) return token.status();
    const noFlags = { countLow: false, finalTry: false, locked: false };
    try {
      const who = describeCertificate((await key.source.acquire()).certificate);
      return {
        state: 'loggedIn',
        token: { label: basename(key.keyFile), serial: '', model: 'software key', pinPad: false },
        owner: { name: who.commonName, position: who.position, organization: who.organization ?? '', inn: who.orgInn, validTo: who.notAfter.toISOString() },
        triesLeft: null,
        pinFlags: noFlags,
      };
    } catch (e) {
      return { state: 'absent', triesLeft: null, pinFlags: noFlags, message: e instanceof Error ? e.message : String(e) };
    }
  };

  /** A kept PIN belongs to one token: the one plugged in now. */
  const secretKey = (name: SecretName): string | undefined => {
    if (name === 'servicePassword') return secretNames.servicePassword;
    if (name === 'pfxPassword') return secretNames.keyPassword;
    const serial = token.status().token?.serial;
    return serial === undefined ? undefined : secretNames.keptPin(serial);
  };
  const hasSecret = async (name: SecretName) => {
    const key = secretKey(name);
    return key !== undefined && (await profile.secrets.get(key).catch(() => undefined)) !== undefined;
  };

  const subscriberOf = (s: ClerkStore, id: string, name?: string) => {
    const found = s.subscriber(id);
    return { id, name: found?.name ?? name ?? id, inn: found?.inn ?? '', ...(found?.kpp ? { kpp: found.kpp } : {}) };
  };

  const pendingDocuments = (s: ClerkStore) => new Set(s.pendingServiceDocuments().filter((p) => p.type === 'receipt').map((p) => p.documentId));

  const rowOf = (s: ClerkStore, d: StoredDocument, pending: Set<number>): DocumentRow => ({
    id: String(d.id),
    box: d.direction === 'in' ? 'inbox' : 'outbox',
    title: d.title,
    fileName: d.fileName,
    counterparty: subscriberOf(s, d.counterpartyId, d.counterpartyName),
    status: statusOf(d, pending.has(d.id)),
    date: d.sentAt ?? d.receivedAt ?? d.createdAt,
    size: d.size,
  });

  const contactOf = (s: ClerkStore, c: { id: string; counterpartyId: string; state: string }, since: string): Contact => ({
    id: c.id,
    subscriber: subscriberOf(s, c.counterpartyId),
    state: c.state === 'invited-by-me' ? 'invitedByMe' : c.state === 'invites-me' ? 'invitesMe' : c.state === 'rejected' ? 'rejected' : 'connected',
    since,
  });

  /** A hub client logged in with the day's token (or the service password). */
  const hub = async () => {
    const client = new HttpExchangeClient(profile.settings.serverUrl);
    await client.authenticate(await profile.authenticator(signerSource())());
    return client;
  };

  /** The archive and the organization settings reach the hub with the same login as the sessions. */
  const archiveServices = createArchiveServices(profile.dir, async () => {
    if (!configured()) throw new Error('Set the exchange server in Settings first');
    const client = new HttpExchangeClient(profile.settings.serverUrl);
    const me = await client.authenticate(await profile.authenticator(signerSource())());
    return { client, userId: me.user.id, userName: me.user.name };
  });

  const contactAction = async (subscriberId: string, act: (c: HttpExchangeClient) => Promise<{ subscriber: { id: string }; state: string }>) => {
    const s = store();
    if (!s) throw new Error('Set the exchange server in Settings first');
    const contact = await act(await hub());
    const stored = { id: contact.subscriber.id, counterpartyId: contact.subscriber.id, state: contact.state };
    s.upsertContact({ ...stored, data: contact });
    return contactOf(s, stored, new Date().toISOString());
  };

  const runOf = (s: ClerkStore, r: ReturnType<ClerkStore['runs']>[number]): SessionRun => {
    const summary = r.summary as Partial<Record<'documentsReceived' | 'documentsSent' | 'serviceDocumentsSigned' | 'pending', number>> & { error?: string };
    return {
      id: String(r.id),
      trigger: r.trigger === 'manual' ? 'manual' : 'schedule',
      startedAt: r.startedAt,
      finishedAt: r.finishedAt,
      outcome: outcomes[r.outcome],
      received: summary.documentsReceived ?? 0,
      sent: summary.documentsSent ?? 0,
      signed: summary.serviceDocumentsSigned ?? 0,
      pending: summary.pending ?? 0,
      ...(summary.error ? { error: summary.error } : {}),
      entries: s.runLog(r.id).map(
        (e): SessionLogEntry => ({
          at: e.at,
          level: e.level === 'error' || e.level === 'warn' ? e.level : 'info',
          step: coreSteps[e.step as CoreStep] ?? null,
          message: e.message,
        }),
      ),
    };
  };

  const runSession = async (trigger: SessionTrigger, onProgress: (p: SessionProgress) => void, signOnly?: number[]): Promise<SessionReport> => {
    if (!configured()) throw new Error('Set the exchange server in Settings first');
    const startedAt = new Date().toISOString();
    const result = await profile.runSession({
      trigger: trigger === 'manual' || trigger === 'send' ? 'manual' : 'schedule',
      signer: signerSource(),
      signOnly,
      onProgress: (p) => {
        const index = stepOrder.indexOf(p.step);
        const within = p.total > 0 ? Math.min(1, p.done / p.total) : 0;
        onProgress({ step: coreSteps[p.step], done: p.done, total: p.total > 0 ? p.total : null, percent: Math.min(100, ((index + within) / stepOrder.length) * 100) });
      },
    });
    const s = profile.store;
    const received = result.summary.documentsReceived;
    const error = result.error ?? result.clerkNeeded?.message;
    return {
      summary: {
        id: String(result.runId ?? startedAt),
        trigger,
        startedAt,
        finishedAt: new Date().toISOString(),
        outcome: outcomes[result.outcome],
        received,
        sent: result.summary.documentsSent,
        signed: result.summary.serviceDocumentsSigned,
        pending: result.summary.pending,
        ...(error ? { error } : {}),
      },
      receivedTitles: received > 0 ? s.listDocuments({ direction: 'in', limit: received }).items.map((d) => d.title) : [],
      tokenNeeded: result.outcome === 'needs-clerk' && /^(token|pin)-/.test(result.clerkNeeded?.code ?? ''),
    };
  };

  const settingsOf = async (): Promise<Settings> => {
    const secrets = { servicePassword: await hasSecret('servicePassword'), tokenPin: await hasSecret('tokenPin'), pfxPassword: await hasSecret('pfxPassword') };
    if (!configured()) return { serverUrl: '', mode: 'workstation', scheduleMinutes: 15, tokenModules: [], language: 'ru', startAtLogin: true, login: '', secrets };
    const p = profile.settings;
    return {
      serverUrl: p.serverUrl,
      mode: p.mode,
      scheduleMinutes: p.scheduleMinutes,
      tokenModules: p.modulePaths,
      language: p.language === 'en' ? 'en' : 'ru',
      startAtLogin: p.startAtLogin,
      login: p.auth.method === 'password' ? p.auth.login : '',
      secrets,
    };
  };

  return {
    ...archiveServices,
    token: {
      status: tokenStatus,
      login: (pin) => token.login(pin),
      cancel: async () => token.cancel(),
      onChange: (listener) => {
        tokenListeners.add(listener);
        return () => tokenListeners.delete(listener);
      },
    },
    documents: {
      list: async (q) => {
        const s = store();
        if (!s) return { total: 0, offset: q.offset, rows: [] };
        const page = s.listDocuments({
          direction: q.box === 'inbox' ? 'in' : 'out',
          search: q.search,
          counterpartyId: q.counterpartyId,
          // Statuses the core keeps apart from the pending receipt are filtered after the query's status.
          status: q.status ? coreStatusesOf(q.status) : undefined,
          from: q.from ? `${q.from}T00:00:00.000Z` : undefined,
          to: q.to ? `${q.to}T23:59:59.999Z` : undefined,
          limit: q.limit,
          offset: q.offset,
        });
        const pending = pendingDocuments(s);
        return { total: page.total, offset: q.offset, rows: page.items.map((d) => rowOf(s, d, pending)) };
      },
      open: async (id) => {
        const s = store();
        const d = s?.document(Number(id));
        if (!s || !d) throw new Error(`No document ${id}`);
        const { kind, mediaType } = previewKind(d.fileName);
        const size = s.blobs.has(d.blobHash) ? s.blobs.size(d.blobHash) : 0;
        const tooLarge = size > previewLimit;
        const content = { path: s.blobs.pathOf(d.blobHash) };
        const roots = profile.trustedRoots();
        // As the session does: at the operator's send time, so a backdated signingTime cannot
        // revive an expired certificate; a document not sent yet is judged now.
        const at = d.sentAt ? new Date(d.sentAt) : new Date();
        const signatures = await Promise.all(
          s.signatures(d.id).map(async (stored) => {
            const r = await verifyDetached(stored.cms, content, { trustedRoots: roots, at });
            return {
              signer: r.signer?.commonName ?? stored.signer ?? '',
              position: r.signer?.position,
              organization: r.signer?.organization ?? '',
              inn: r.signer?.orgInn,
              certificateSerial: r.signer?.serialNumber ?? '',
              issuer: r.signer?.issuer ?? '',
              signedAt: r.signingTime?.toISOString() ?? stored.signingTime ?? null,
              algorithm: r.algorithm ?? '',
              valid: r.valid,
              problems: [...new Set(r.problems.map((p) => problems[p.code] ?? 'malformed'))],
            };
          }),
        );
        const pending = pendingDocuments(s);
        return {
          document: rowOf(s, d, pending),
          mediaType,
          preview: { kind, tooLarge, ...(kind !== 'none' && !tooLarge && size > 0 ? { contentBase64: s.blobs.read(d.blobHash).toString('base64') } : {}) },
          signatures,
          serviceDocuments: s.serviceDocumentsOf(d.id).map((sd) => ({
            id: String(sd.id),
            type: sd.type === 'send-confirmation' ? 'sendConfirmation' : sd.type === 'receipt-confirmation' ? 'receiptConfirmation' : sd.type,
            direction: sd.direction,
            status: sd.status,
            date: sd.updatedAt,
            ...(sd.text ? { text: sd.text } : {}),
          })),
        };
      },
    },
    outbox: {
      add: async ({ title, counterpartyId, files }) => {
        const s = store();
        if (!s) throw new Error('Set the exchange server in Settings first');
        // Every file is signed before any is queued: a token refusing half-way queues nothing, so
        // the clerk's retry cannot send the first files twice.
        const signAll = async () => {
          const signer = await signerSource().acquire();
          const signed = [];
          for (const file of files) {
            const content = Buffer.from(file.contentBase64, 'base64');
            signed.push({ file, content, cms: await signDetached(content, signer), signer: signer.description, signingTime: new Date().toISOString() });
          }
          return signed;
        };
        let signed;
        try {
          signed = await signAll();
        } catch (e) {
          const failure = signFailureOf(e);
          if (!failure) throw e;
          return { queued: [], failed: failure };
        }
        const blobs: Awaited<ReturnType<typeof s.blobs.write>>[] = [];
        for (const f of signed) blobs.push(await s.blobs.write(f.content));
        const counterparty = subscriberOf(s, counterpartyId);
        const queued = s.transaction(() =>
          signed.map((f, i) => {
            const { documentId } = s.queueOutgoingDocument({
              counterpartyId,
              counterpartyName: counterparty.name,
              title: files.length > 1 ? `${title} (${basename(f.file.name)})` : title,
              kind: 'document',
              fileName: basename(f.file.name),
              blobHash: blobs[i]!.hash,
              size: blobs[i]!.size,
              signature: { cms: f.cms, valid: null, signer: f.signer, signingTime: f.signingTime },
            });
            return String(documentId);
          }),
        );
        return { queued };
      },
    },
    pending: {
      list: async () => {
        const s = store();
        if (!s) return [];
        const mode = profile.settings.mode;
        return s.pendingServiceDocuments().map((p) => {
          const reason: PendingReason = p.refused ? 'signFailed' : /token|pin|log in/i.test(p.pendingReason ?? '') ? 'tokenNeeded' : mode === 'manual' ? 'manualMode' : 'needsSignature';
          return {
            id: String(p.id),
            documentId: String(p.document.id),
            documentTitle: p.document.title,
            counterparty: subscriberOf(s, p.document.counterpartyId, p.document.counterpartyName).name,
            type: p.type === 'clarification' ? 'clarification' : 'receipt',
            reason,
            since: p.createdAt,
          };
        });
      },
      // The core signs service documents inside an exchange session (it needs the operator's
      // data for the ИОП): signing pending ones is a manual session with the day's token, run by
      // the scheduler (`session`) so that it never meets another session.
      sign: async (which, session) => {
        if (!session) throw new Error('Pending service documents are signed in an exchange session the scheduler runs: none was given');
        const s = store();
        if (!s) return { signed: [], failed: [] };
        const before = s.pendingServiceDocuments().map((p) => String(p.id));
        const wanted = 'all' in which ? before : which.ids;
        try {
          await signerSource().acquire();
        } catch (e) {
          const failure = signFailureOf(e);
          if (!failure) throw e;
          return { signed: [], failed: wanted.map((id) => ({ id, ...failure })) };
        }
        await session('all' in which ? undefined : which.ids.map(Number));
        const still = new Set(s.pendingServiceDocuments().filter((p) => p.status === 'pending').map((p) => String(p.id)));
        return {
          signed: wanted.filter((id) => before.includes(id) && !still.has(id)),
          failed: wanted.filter((id) => !before.includes(id) || still.has(id)).map((id) => ({ id, reason: before.includes(id) ? ('error' as const) : ('notFound' as const) })),
        };
      },
    },
    contacts: {
      list: async () => {
        const s = store();
        if (!s) return [];
        const since = new Date(0).toISOString();
        return s.contacts().map((c) => contactOf(s, c, since));
      },
      invite: (subscriberId) => contactAction(subscriberId, (c) => c.invite(subscriberId)),
      accept: (contactId) => contactAction(contactId, (c) => c.accept(contactId)),
      reject: (contactId) => contactAction(contactId, (c) => c.reject(contactId)),
      searchSubscribers: async (query) => {
        const s = store();
        return s ? s.findSubscribers(query, 50).map((f) => subscriberOf(s, f.id, f.name)) : [];
      },
    },
    sessions: {
      run: runSession,
      log: async (limit) => {
        const s = store();
        return s ? s.runs(limit).map((r) => runOf(s, r)) : [];
      },
      last: async () => {
        const s = store();
        const last = s?.runs(1)[0];
        if (!s || !last) return null;
        const { entries: _entries, ...summary } = runOf(s, last);
        return summary;
      },
    },
    settings: {
      get: settingsOf,
      set: async (patch: SettingsPatch) => {
        const change: Partial<ProfileSettingsInput> = {
          ...(patch.serverUrl !== undefined ? { serverUrl: patch.serverUrl } : {}),
          ...(patch.scheduleMinutes !== undefined ? { scheduleMinutes: patch.scheduleMinutes } : {}),
          ...(patch.tokenModules !== undefined ? { modulePaths: patch.tokenModules } : {}),
          ...(patch.language !== undefined ? { language: patch.language } : {}),
          ...(patch.startAtLogin !== undefined ? { startAtLogin: patch.startAtLogin } : {}),
          ...(patch.login !== undefined ? { auth: patch.login ? { method: 'password' as const, login: patch.login } : { method: 'certificate' as const } } : {}),
        };
        const before = configured() ? new URL(profile.settings.serverUrl).origin : undefined;
        if (configured()) profile.settingsFile.update(change);
        else profile.settingsFile.write(change as ProfileSettingsInput); // names the missing server URL when there is none
        // The kept service password was the old server's: it never goes to another one.
        if (before !== undefined && new URL(profile.settings.serverUrl).origin !== before) await profile.secrets.delete(secretNames.servicePassword);
        if (patch.tokenModules !== undefined) {
          // Other module paths: watch the token through them from now on.
          token.close();
          token = makeToken();
          tokenListeners.forEach((l) => l(token.status()));
        }
        return settingsOf();
      },
      // Without a server nothing runs in the background (no "session failed" at a first start when a token is plugged in).
      mode: async () => (configured() ? profile.settings.mode : 'manual'),
      setSecret: async (name, value) => {
        const key = secretKey(name);
        if (!key) throw new Error('Connect the token whose PIN is to be kept');
        await profile.secrets.set(key, value);
      },
    },
    close() {
      token.close();
      profile.close();
    },
  };
}

/** The core's statuses behind one status of the clerk's lists. */
function coreStatusesOf(status: DocumentStatus): StoredDocument['status'][] {
  const map: Partial<Record<DocumentStatus, StoredDocument['status'][]>> = {
    queued: ['queued'],
    sent: ['sent'],
    delivered: ['delivered'],
    receiptReceived: ['receipt-received'],
    clarificationRequested: ['clarification-requested'],
    failed: ['rejected'],
    received: ['received'],
    receiptPending: ['received'],
    receiptSent: ['receipt-sent'],
    clarificationSent: ['clarification-sent'],
    signatureInvalid: ['received'],
  };
  return map[status] ?? [];
}
