// Runs in: the Electron main process. ClerkServices over the core of src/ for one profile
// folder: its settings, store and keychain, the day's token (or the profile's software key),
// and the clerk's workflows of src/workplace. Only wiring lives here.
import { basename } from 'node:path';
import { describeCertificate } from '../src/crypto/certificates';
import { RevocationChecker } from '../src/crypto/revocation';
import { HttpExchangeClient } from '../src/exchange/http-client';
import { ClerkProfile, resolveToken, secretNames, SoftwareSignerSource } from '../src/exchange/profile';
import { clerkNeededBy, type SignerSource } from '../src/exchange/session';
import type { ClerkNeededReason, SecretName, SessionProgress, SessionTrigger, TokenStatus } from '../src/ipc/contract';
import type { Contact as HubContact } from '../src/protocol/directory';
import type { SecretStore } from '../src/settings/keychain';
import type { ClerkStore } from '../src/store';
import { listDocuments, openDocument, subscriberOf } from '../src/workplace/documents';
import { queueOutgoing } from '../src/workplace/outbox';
import { awaitingOf, takeWorkflowStep } from '../src/workplace/workflow';
import { PowerOfAttorneyRefused } from '../src/exchange/representative';
import { pendingItems, signOutcomeOf } from '../src/workplace/pending';
import { lastSession, progressOf, sessionLog, summaryOfResult } from '../src/workplace/sessions';
import { contactOf } from '../src/workplace/contacts';
import { applySettings, notConfigured, settingsOf } from '../src/workplace/settings';
import { DayToken, type KeptPins } from './day-token';
import { createArchiveServices } from './archive-services';
import { evidenceFileName, evidenceLanguage, saveEvidence } from '../src/evidence';
import type { ClerkServices, SessionReport } from './services';

export interface CoreServicesOptions {
  /** The keychain to use (tests pass their own); default: the OS keychain of the profile. */
  secrets?: SecretStore;
  /** Token watcher timing; default: the watcher's own (1 s poll, 1 s settle). */
  tokenWatch?: { intervalMs?: number; settleMs?: number };
}

export interface CoreServices extends ClerkServices {
  close(): void;
}

/** Runs a signing act; a token or key that needs the clerk comes back as the reason (nothing signed), anything else is thrown. */
async function tokenFailure<T extends object>(act: () => Promise<T>): Promise<T | { failed: { reason: ClerkNeededReason; message: string } }> {
  try {
    return await act();
  } catch (e) {
    const needed = clerkNeededBy(e);
    if (!needed) throw e;
    return { failed: { reason: needed.code, message: needed.message } };
  }
}

const noFlags = { countLow: false, finalTry: false, locked: false };

export async function createCoreServices(profileDir: string, options: CoreServicesOptions = {}): Promise<CoreServices> {
  const profile = new ClerkProfile(profileDir, options.secrets);
  const configured = () => profile.settingsFile.exists();
  /** The store exists only in a configured profile; before that every list is empty. */
  const store = (): ClerkStore | undefined => (configured() ? profile.store : undefined);
  const needStore = (): ClerkStore => {
    const s = store();
    if (!s) throw notConfigured();
    return s;
  };

  const keptPins: KeptPins = {
    get: (serial) => profile.secrets.get(secretNames.keptPin(serial)),
    delete: async (serial) => void (await profile.secrets.delete(secretNames.keptPin(serial))),
  };
  let token: DayToken;
  const tokenListeners = new Set<(s: TokenStatus) => void>();
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
  const softwareKey = () => {
    const setting = configured() ? profile.settings.signer : undefined;
    if (setting?.kind !== 'software') return undefined;
    if (software?.keyFile !== setting.keyFile) software = { keyFile: setting.keyFile, source: new SoftwareSignerSource(setting, profile.dir, profile.secrets) };
    return software;
  };
  const signerSource = (): SignerSource => softwareKey()?.source ?? token.signerSource;
  const tokenStatus = async (): Promise<TokenStatus> => {
    const key = softwareKey();
    if (!key) return token.status();
    try {
      const who = describeCertificate((await key.source.acquire()).certificate);
      return {
        state: 'logged-in',
        token: { label: basename(key.keyFile), serial: '', model: 'software key', pinPad: false },
        owner: { name: who.commonName, position: who.position, organization: who.organization ?? '', inn: who.orgInn, validTo: who.notAfter.toISOString() },
        pinFlags: noFlags,
      };
    } catch (e) {
      return { state: 'absent', pinFlags: noFlags, message: e instanceof Error ? e.message : String(e) };
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

  /** A hub client logged in with the day's token (or the service password). */
  const hub = async () => {
    if (!configured()) throw notConfigured();
    const client = new HttpExchangeClient(profile.settings.serverUrl);
    return { client, me: await client.authenticate(await profile.authenticator(signerSource())()) };
  };

  /** The archive and the organization settings reach the hub with the same login as the sessions. */
  const archiveServices = createArchiveServices(profile.dir, async () => {
    const { client, me } = await hub();
    return { client, userId: me.user.id, userName: me.user.name };
  });

  const contactAction = async (act: (c: HttpExchangeClient) => Promise<HubContact>) => {
    const s = needStore();
    return contactOf(s, s.recordContact(await act((await hub()).client)));
  };

  const runSession = async (trigger: SessionTrigger, onProgress: (p: SessionProgress) => void, signOnly?: number[]): Promise<SessionReport> => {
    if (!configured()) throw notConfigured();
    const startedAt = new Date().toISOString();
    const result = await profile.runSession({ trigger, signer: signerSource(), signOnly, onProgress: (p) => onProgress(progressOf(p)) });
    const s = profile.store;
    return {
      summary: summaryOfResult(s, trigger, startedAt, result),
      items: result.items,
      receivedTitles: result.items.received.map((id) => s.document(id)?.title ?? ''),
    };
  };

  return {
    ...archiveServices,
    evidence: {
      suggestedName: (document, kind) => evidenceFileName(needStore(), document, kind),
      // The day's login; its signer (the token: the key stays there) signs the package's manifest.
      write: async (document, kind, file) => {
        const { client } = await hub();
        const signer = await signerSource().acquire();
        const revocation = new RevocationChecker(profile.revocationSettings());
        const language = evidenceLanguage(profile.settings.language);
        await saveEvidence(needStore(), document, kind, file, { client, trustedRoots: profile.trustedRoots(), language, signer, revocation });
      },
    },
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
        return s ? listDocuments(s, q) : { total: 0, offset: q.offset, rows: [] };
      },
      open: async (id) => openDocument(needStore(), id, profile.trustedRoots()),
    },
    outbox: {
      add: async ({ title, counterpartyId, files, signatureRequested }) => {
        const s = needStore();
        const failed = await tokenFailure(async () => {
          const source = signerSource();
          const outgoing = { title, counterpartyId, signatureRequested, files: files.map((f) => ({ name: f.name, content: Buffer.from(f.contentBase64, 'base64') })) };
          try {
            return { queued: await queueOutgoing(s, source, outgoing, profile.representativeCheck(source), profile.stampOwnSignature()) };
          } catch (e) {
            // The МЧД does not let the clerk sign: nothing signed, the reason is the hub's code.
            if (e instanceof PowerOfAttorneyRefused) return { failed: { reason: e.code, message: e.message } };
            throw e;
          }
        });
        return 'failed' in failed ? { queued: [], ...failed } : failed;
      },
    },
    workflow: {
      step: async ({ documentId, step, reason }) => {
        const s = needStore();
        const done = await tokenFailure(async () => {
          await takeWorkflowStep(s, signerSource(), documentId, step, reason);
          return { queued: true };
        });
        return 'failed' in done ? { queued: false, ...done } : done;
      },
      awaiting: async () => {
        const s = store();
        return s ? awaitingOf(s) : { signature: [], annulment: [] };
      },
    },
    pending: {
      list: async () => {
        const s = store();
        return s ? pendingItems(s) : [];
      },
      // The core signs service documents inside an exchange session (it needs the operator's
      // data for the ИОП): signing pending ones is a manual session with the day's token, run by
      // the scheduler (`session`) so that it never meets another session.
      sign: async (which, session) => {
        if (!session) throw new Error('Pending service documents are signed in an exchange session the scheduler runs: none was given');
        const s = store();
        if (!s) return { signed: [], failed: [] };
        const wanted = 'all' in which ? pendingItems(s).map((p) => p.id) : which.ids;
        const report = await session('all' in which ? undefined : which.ids);
        return signOutcomeOf(s, wanted, report?.items);
      },
    },
    contacts: {
      list: async () => {
        const s = store();
        return s ? s.contacts().map((c) => contactOf(s, c)) : [];
      },
      invite: (subscriberId) => contactAction((c) => c.invite(subscriberId)),
      accept: (contactId) => contactAction((c) => c.accept(contactId)),
      reject: (contactId) => contactAction((c) => c.reject(contactId)),
      searchSubscribers: async (query) => {
        const s = store();
        return s ? s.findSubscribers(query, 50).map((f) => subscriberOf(s, f.id, f.name)) : [];
      },
    },
    sessions: {
      run: runSession,
      log: async (limit) => {
        const s = store();
        return s ? sessionLog(s, limit) : [];
      },
      last: async () => {
        const s = store();
        return s ? lastSession(s) : null;
      },
    },
    settings: {
      get: async () => {
        const secrets = { servicePassword: await hasSecret('servicePassword'), tokenPin: await hasSecret('tokenPin'), pfxPassword: await hasSecret('pfxPassword') };
        return settingsOf(configured() ? profile.settings : undefined, secrets);
      },
      set: async function (patch) {
        const { serverChanged } = applySettings(profile.settingsFile, patch);
        if (serverChanged) await profile.secrets.delete(secretNames.servicePassword);
        if (patch.modulePaths !== undefined) {
          // Other module paths: watch the token through them from now on.
          token.close();
          token = makeToken();
          tokenListeners.forEach((l) => l(token.status()));
        }
        return this.get();
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
