// Runs in: the Electron main process. ClerkServices over the core of src/ for one profile
// folder: its settings, store and keychain, the day's token (or the profile's software key),
// and the clerk's workflows of src/workplace. Only wiring lives here. The exchange session and
// the store's reads run in the session host (src/host, docs/architecture.md §8), which asks
// back here for each signature.
import { HttpExchangeClient } from '../src/exchange/http-client';
import { ClerkProfile, resolveToken, secretNames, SoftwareSignerSource } from '../src/exchange/profile';
import type { SignerSource } from '../src/exchange/session';
import { SessionHostClient, type StartHost } from '../src/host/client';
import { forkNodeHost } from '../src/host/node-host';
import type { SecretName, TokenStatus } from '../src/ipc/contract';
import type { Contact as HubContact } from '../src/protocol/directory';
import type { SecretStore } from '../src/settings/keychain';
import type { ClerkStore } from '../src/store';
import { queueOutgoing } from '../src/workplace/outbox';
import { takeWorkflowStep } from '../src/workplace/workflow';
import { signingRefusal, softwareKeyStatus } from '../src/workplace/signing';
import { DayPowersOfAttorney } from '../src/workplace/day-power-of-attorney';
import { contactOf } from '../src/workplace/contacts';
import { issueAtHub } from '../src/workplace/power-of-attorney';
import { applySettings, notConfigured, settingsOf } from '../src/workplace/settings';
import { DayToken, type KeptPins } from './day-token';
import { createArchiveServices } from './archive-services';
import { evidenceFileName, evidenceLanguage, saveProfileEvidence } from '../src/evidence';
import type { ClerkServices } from './services';

export interface CoreServicesOptions {
  /** The keychain to use (tests pass their own); default: the OS keychain of the profile. */
  secrets?: SecretStore;
  /** Token watcher timing; default: the watcher's own (1 s poll, 1 s settle). */
  tokenWatch?: { intervalMs?: number; settleMs?: number };
  /** How the session host is started: Electron's utilityProcess in the app (main/session-host.ts); default a Node child process. */
  startHost?: StartHost;
}

export interface CoreServices extends ClerkServices {
  close(): void;
}

export async function createCoreServices(profileDir: string, options: CoreServicesOptions = {}): Promise<CoreServices> {
  const profile = new ClerkProfile(profileDir, options.secrets);
  const configured = () => profile.settingsFile.exists();
  /** The store exists only in a configured profile. */
  const needStore = (): ClerkStore => {
    if (!configured()) throw notConfigured();
    return profile.store;
  };

  const keptPins: KeptPins = {
    get: (serial) => profile.secrets.get(secretNames.keptPin(serial)),
    delete: async (serial) => void (await profile.secrets.delete(secretNames.keptPin(serial))),
  };
  let token: DayToken;
  const tokenListeners = new Set<(s: TokenStatus) => void>();
  const announce = (s: TokenStatus) => tokenListeners.forEach((l) => l(s));
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
      if (!softwareKey()) announce(dayPowers.of(s));
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
    if (software?.keyFile !== setting.keyFile)
      software = { keyFile: setting.keyFile, source: new SoftwareSignerSource(setting, profile.dir, profile.secrets) };
    return software;
  };
  const signerSource = (): SignerSource => softwareKey()?.source ?? token.signerSource;
  const tokenStatus = async (): Promise<TokenStatus> => {
    const key = softwareKey();
    return dayPowers.of(key ? await softwareKeyStatus(key.keyFile, key.source) : token.status());
  };
  // The prompt names the day's МЧД; the hub's answer about it comes later, as a change of the status.
  const dayPowers = new DayPowersOfAttorney(
    profile,
    () => hub(),
    () => void tokenStatus().then(announce),
  );

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

  const host = new SessionHostClient(profile.dir, options.startHost ?? forkNodeHost, {
    signer: signerSource,
    servicePassword: () => profile.secrets.get(secretNames.servicePassword),
  });

  return {
    ...archiveServices,
    evidence: {
      suggestedName: (document, kind) => evidenceFileName(needStore(), document, kind),
      // The day's login; its signer (the token: the key stays there) signs the package's manifest.
      write: async (document, kind, file) => {
        const { client } = await hub();
        const signer = await signerSource().acquire();
        await saveProfileEvidence(profile, document, kind, file, {
          client,
          language: evidenceLanguage(profile.settings.language),
          signer,
        });
      },
    },
    powersOfAttorney: { issue: (args) => issueAtHub(hub, signerSource(), profile.settings.serverUrl, args) },
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
      list: (q) => host.read('documents:list', q),
      open: (id) => host.read('documents:open', { id }),
    },
    outbox: {
      add: async ({ title, counterpartyId, files, signatureRequested }) => {
        const s = needStore();
        const done = await signingRefusal(async () => {
          const source = signerSource();
          const outgoing = {
            title,
            counterpartyId,
            signatureRequested,
            files: files.map((f) => ({ name: f.name, content: Buffer.from(f.contentBase64, 'base64') })),
          };
          const check = profile.representativeCheck(source);
          return { queued: await queueOutgoing(s, source, outgoing, check, profile.stampOwnSignature()) };
        });
        return 'failed' in done ? { queued: [], ...done } : done;
      },
    },
    workflow: {
      step: async ({ documentId, step, reason }) => {
        const s = needStore();
        const done = await signingRefusal(async () => {
          const source = signerSource();
          const signer = { source, representative: profile.representativeCheck(source) };
          await takeWorkflowStep(s, signer, documentId, step, reason);
          return { queued: true };
        });
        return 'failed' in done ? { queued: false, ...done } : done;
      },
      awaiting: () => host.read('workflow:awaiting', undefined),
    },
    pending: {
      list: () => host.read('pending:list', undefined),
      sign: async (which, session) => {
        if (!session) throw new Error('Pending service documents are signed in an exchange session the scheduler runs');
        return host.signPending(which, session);
      },
    },
    contacts: {
      list: () => host.read('contacts:list', undefined),
      invite: (subscriberId) => contactAction((c) => c.invite(subscriberId)),
      accept: (contactId) => contactAction((c) => c.accept(contactId)),
      reject: (contactId) => contactAction((c) => c.reject(contactId)),
      searchSubscribers: (query) => host.read('subscribers:search', { query }),
    },
    sessions: {
      run: (trigger, onProgress, signOnly) => host.runSession(trigger, onProgress, signOnly),
      log: (limit) => host.read('session:log', { limit }),
      last: () => host.lastSession(),
    },
    settings: {
      get: async () => {
        const secrets = {
          servicePassword: await hasSecret('servicePassword'),
          tokenPin: await hasSecret('tokenPin'),
          pfxPassword: await hasSecret('pfxPassword'),
        };
        return settingsOf(configured() ? profile.settings : undefined, secrets, profile.dir);
      },
      set: async function (patch) {
        const modulesBefore = configured() ? profile.settings.modulePaths : [];
        const { serverChanged } = applySettings(profile.settingsFile, patch);
        if (serverChanged) await profile.secrets.delete(secretNames.servicePassword);
        // The Settings view sends the paths with every save: the same ones keep the day's login.
        if (patch.modulePaths !== undefined && patch.modulePaths.join('\n') !== modulesBefore.join('\n')) {
          // Other module paths: watch the token through them from now on.
          token.close();
          token = makeToken();
          announce(dayPowers.of(token.status()));
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
      host.close();
      token.close();
      profile.close();
    },
  };
}
