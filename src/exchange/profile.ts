// A clerk's profile put together: its settings, its store, its keychain secrets, its trusted
// roots, its signer and its hub client; and "run an exchange session" over all of them. The
// CLI, the agent and the desktop app's main process all start sessions through here.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { addSignatureTimestamp } from '../crypto/cades';
import { signDetached } from '../crypto/cms';
import { requestTimestamp } from '../crypto/timestamp';
import { CertificateError, readCertificates } from '../crypto/certificates';
import { RevocationChecker, type RevocationSettings } from '../crypto/revocation';
import type { Signer } from '../crypto/signer';
import type { SecretStore } from '../settings/keychain';
import { ProfileSecrets } from '../settings/secret-stores';
import { inProfile, ProfileSettingsFile, type ProfileSettings } from '../settings/settings';
import { ClerkStore } from '../store';
import { TokenError } from '../token/errors';
import { mayTryKeptPin, refusesKeptPin } from '../token/kept-pin';
import { findInstalledModules } from '../token/module-paths';
import { openToken, type TokenSession } from '../token/session';
import { SoftwareSigner } from '../token/software-signer';
import type { LoginResponse, SigningAction } from '../protocol';
import { describeCertificate } from '../crypto/certificates';
import { powerOfAttorneyFor, type RepresentativeDeps, type SigningUnderPowerOfAttorney } from './representative';
import type { Authenticator, ExchangeClient } from './client';
import { HttpExchangeClient } from './http-client';
import { readOperatorPin } from './operator-pin';
import type { SessionTrigger } from '../vocabulary';
import { formatsServiceDocuments } from './service-documents';
export { describeOperatorCertificate, pinOperatorCertificate, readOperatorPin, type OperatorPin } from './operator-pin';
import {
  NoSignerError,
  runExchangeSession,
  type SessionProgress,
  type SessionResult,
  type SignerSource,
} from './session';

/** Secret names inside a profile's keychain scope. */
export const secretNames = {
  servicePassword: 'service-password',
  keyPassword: 'key-password',
  keptPin: (serial: string) => `pin/${serial}`,
};

export interface TokenChoice {
  modulePath?: string;
  token?: string;
}

export interface PinSource {
  /** The PIN typed by the clerk or piped in; undefined: none given (a kept PIN may be used). */
  pin(token: TokenSession): Promise<string | undefined>;
}

/** Resolves the module and token to use: the command line's choice, else the settings'. */
export function resolveToken(
  settings: Pick<ProfileSettings, 'signer' | 'modulePaths' | 'defaultToken'> | undefined,
  choice: TokenChoice = {},
): { modulePath: string; token?: string; keyId?: string } {
  const fromSigner = settings?.signer?.kind === 'token' ? settings.signer : undefined;
  const modulePath =
    choice.modulePath ?? fromSigner?.modulePath ?? findInstalledModules(settings?.modulePaths ?? [])[0]?.path;
  if (!modulePath)
    throw new TokenError('module-not-found', 'No PKCS#11 module found: install the token driver or give --module PATH');
  return { modulePath, token: choice.token ?? fromSigner?.token ?? settings?.defaultToken, keyId: fromSigner?.keyId };
}

/**
 * The key on a token. The PIN comes from the clerk (prompt or --pin-stdin), else from the
 * keychain if the clerk chose to keep it; a kept PIN the token refuses is deleted at once, so
 * no background run ever tries it again.
 */
export class TokenSignerSource implements SignerSource {
  private signer: Signer | undefined;
  private session: TokenSession | undefined;

  constructor(
    private readonly target: { modulePath: string; token?: string; keyId?: string },
    private readonly secrets: SecretStore | undefined,
    private readonly pins: PinSource | undefined,
  ) {}

  async acquire(): Promise<Signer> {
    if (this.signer && this.session?.isPresent()) return this.signer;
    if (!this.target.token)
      throw new TokenError(
        'token-not-present',
        'No token chosen: give --token LABEL|SERIAL or set the default token in the settings',
      );
    const session = openToken({ modulePath: this.target.modulePath, token: this.target.token });
    let kept = false;
    try {
      let pin = await this.pins?.pin(session);
      if (pin === undefined && this.secrets && mayTryKeptPin(session.info.flags)) {
        pin = await this.secrets.get(secretNames.keptPin(session.info.serial)).catch(() => undefined);
        kept = pin !== undefined;
      }
      await session.login(pin);
      this.signer = session.signer(this.target.keyId);
      this.session = session;
      return this.signer;
    } catch (e) {
      if (kept && e instanceof TokenError && refusesKeptPin(e.code)) {
        await this.secrets!.delete(secretNames.keptPin(session.info.serial)).catch(() => false);
      }
      session.close();
      throw e;
    }
  }

  /** The token in use after acquire(). */
  get token(): TokenSession | undefined {
    return this.session;
  }

  close(): void {
    this.session?.close();
    this.session = undefined;
    this.signer = undefined;
  }
}

export class SoftwareSignerSource implements SignerSource {
  private signer: Signer | undefined;

  constructor(
    private readonly setting: Extract<NonNullable<ProfileSettings['signer']>, { kind: 'software' }>,
    private readonly profileDir: string,
    private readonly secrets: SecretStore,
  ) {}

  async acquire(): Promise<Signer> {
    if (this.signer) return this.signer;
    const keyFile = resolve(this.profileDir, this.setting.keyFile);
    const pkcs12 = /\.(pfx|p12)$/i.test(keyFile);
    this.signer = await SoftwareSigner.load(
      pkcs12
        ? { kind: 'pkcs12', path: keyFile, passwordName: secretNames.keyPassword }
        : {
            kind: 'pem',
            keyPath: keyFile,
            certificatePath: resolve(this.profileDir, this.setting.certificateFile ?? this.setting.keyFile),
            ...(this.setting.encrypted ? { passwordName: secretNames.keyPassword } : {}),
          },
      this.secrets,
    );
    return this.signer;
  }
}

export interface RunSessionOptions {
  trigger: SessionTrigger;
  onProgress?: (p: SessionProgress) => void;
  signal?: AbortSignal;
  pins?: PinSource;
  tokenChoice?: TokenChoice;
  client?: ExchangeClient;
  /**
   * A signer the caller keeps between sessions (the tray app keeps the token logged in all day);
   * not closed here. Default: one made from the settings for this session and closed after it.
   */
  signer?: SignerSource;
  /**
   * "Sign selected": service document ids (from store.pendingServiceDocuments()) to sign in
   * this session, exactly these, ones the hub refused before included; no other is signed.
   */
  signOnly?: readonly number[];
}

/** A trusted root file that is no certificate, or cannot be read (the system's own words as `detail`). */
export class TrustedRootError extends Error {
  readonly code: 'not-a-certificate' | 'unreadable';
  readonly detail: string;

  constructor(
    readonly file: string,
    cause: unknown,
  ) {
    const detail = cause instanceof Error ? cause.message : String(cause);
    super(`Cannot read the trusted root certificate file ${file}: ${detail}`, { cause });
    this.name = 'TrustedRootError';
    this.code = cause instanceof CertificateError ? 'not-a-certificate' : 'unreadable';
    this.detail = detail;
  }
}

export class ClerkProfile {
  readonly settingsFile: ProfileSettingsFile;
  readonly secrets: SecretStore;
  /** The language the clerk reads now (a command's --lang or locale), for words made here; else the profile's. */
  language: RepresentativeDeps['language'] | undefined;
  private storeInstance: ClerkStore | undefined;

  constructor(
    readonly dir: string,
    secrets?: SecretStore,
  ) {
    this.dir = resolve(dir);
    this.settingsFile = new ProfileSettingsFile(this.dir);
    this.secrets = secrets ?? new ProfileSecrets(this.dir, this.settingsFile);
  }

  get settings(): ProfileSettings {
    return this.settingsFile.read();
  }

  /** The profile's database; a directory without settings is not a profile (a mistyped --profile must not grow one). */
  get store(): ClerkStore {
    if (!this.storeInstance) this.settingsFile.read();
    this.storeInstance ??= ClerkStore.open(this.dir);
    return this.storeInstance;
  }

  close(): void {
    this.storeInstance?.close();
    this.storeInstance = undefined;
  }

  /** DER certificates of the profile's trusted roots (plus extra PEM/DER files). */
  trustedRoots(extraFiles: string[] = []): Buffer[] {
    const files = [
      ...(this.settingsFile.exists() ? this.settings.trustedRoots : []).map((f) => inProfile(this.dir, f)),
      ...extraFiles,
    ];
    return files.flatMap((f) => {
      try {
        return readCertificates(readFileSync(f));
      } catch (e) {
        throw new TrustedRootError(f, e);
      }
    });
  }

  /** The profile's certificate-status settings (§7), with `overrides` from a command line on top. */
  revocationSettings(overrides: RevocationSettings = {}): RevocationSettings {
    const checks = this.settingsFile.exists() ? this.settings.signatureChecks : { offline: false };
    return {
      crlFolder: checks.crlFolder && inProfile(this.dir, checks.crlFolder),
      ocspProxy: checks.ocspProxy,
      offline: checks.offline,
      ...Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined)),
    };
  }

  /** Roots a signature-time-stamp may chain to: the pinned operator certificate (the hub's TSA is issued by it). */
  timestampRoots(): Buffer[] {
    const pin = readOperatorPin(this.dir);
    return pin ? [Buffer.from(pin.certificate, 'base64')] : [];
  }

  /**
   * Our own signature made CAdES-T before it is sent: a signature-time-stamp from the profile's
   * `signatureChecks.tsaUrl`, else the hub's own RFC 3161 service (/v1/tsp), checked against the
   * trusted roots and the pinned operator certificate. A TSA that cannot be reached, or whose
   * token does not verify, leaves the CAdES-BES as it is (the hub stamps it at acceptance), with
   * `onProblem` told why.
   */
  stampOwnSignature(onProblem: (message: string) => void = () => {}): (cms: Buffer) => Promise<Buffer> {
    const settings = this.settings;
    const url = settings.signatureChecks.tsaUrl ?? new URL('/v1/tsp', settings.serverUrl).toString();
    const roots = [...this.trustedRoots(), ...this.timestampRoots()];
    return (cms) =>
      addSignatureTimestamp(cms, (data) => requestTimestamp(url, data), roots).catch((e: unknown) => {
        onProblem(
          `not time-stamped by ${url}, sent as CAdES-BES (the hub stamps it): ${e instanceof Error ? e.message : String(e)}`,
        );
        return cms;
      });
  }

  signerSource(pins?: PinSource, tokenChoice: TokenChoice = {}): SignerSource | undefined {
    const settings = this.settings;
    if (settings.signer?.kind === 'software' && !tokenChoice.modulePath && !tokenChoice.token)
      return new SoftwareSignerSource(settings.signer, this.dir, this.secrets);
    if (!settings.signer && !settings.defaultToken && !tokenChoice.token) return undefined;
    return new TokenSignerSource(resolveToken(settings, tokenChoice), this.secrets, pins);
  }

  authenticator(signer: SignerSource | undefined): () => Promise<Authenticator> {
    const settings = this.settings;
    return async () => {
      if (settings.auth.method === 'password') {
        const password = await this.secrets.get(secretNames.servicePassword);
        if (password === undefined) {
          throw Object.assign(
            new Error(
              `The service password of "${settings.auth.login}" is not in the OS keychain: run "edo-clerk profile init" with --password-stdin`,
            ),
            { code: 'password-missing' },
          );
        }
        return { method: 'password', login: settings.auth.login, password };
      }
      if (!signer) throw new NoSignerError();
      return { method: 'certificate', signLogin: async (content) => signDetached(content, await signer.acquire()) };
    };
  }

  /**
   * A hub client logged in as this profile, for calls outside a session (contacts). A signer
   * the caller gives (to sign with it afterwards too) stays open; one made here is closed.
   */
  async connect(
    pins?: PinSource,
    tokenChoice: TokenChoice = {},
    given?: SignerSource,
  ): Promise<{ client: HttpExchangeClient; me: LoginResponse; close(): void }> {
    const signer = given ?? this.signerSource(pins, tokenChoice);
    const closeOwn = () => signer !== given && signer instanceof TokenSignerSource && signer.close();
    const client = new HttpExchangeClient(this.settings.serverUrl);
    try {
      const me = await client.authenticate(await this.authenticator(signer)());
      return { client, me, close: closeOwn };
    } catch (e) {
      closeOwn();
      throw e;
    }
  }

  /** What signing under the profile's МЧД needs besides the hub: the МЧД per certificate, where they are kept, the clerk's language. */
  representative(): Omit<RepresentativeDeps, 'organization' | 'check'> {
    const settings = this.settings;
    return {
      powersOfAttorney: settings.powersOfAttorney,
      storage: settings.serverUrl.replace(/\/+$/, ''),
      language: this.language ?? settings.language,
    };
  }

  /**
   * The МЧД check before signing outside a session (the outbox, src/workplace/outbox.ts): a
   * certificate that names the profile's organization needs none and no hub; a personal one is
   * checked at the hub, logged in with `signer` (kept open for the signing that follows). Before
   * the profile's first session it does not know its organization: nothing is checked, and the
   * hub judges the signature at acceptance with the same codes (the outbox item keeps its code).
   */
  representativeCheck(
    signer: SignerSource,
    pins?: PinSource,
    tokenChoice: TokenChoice = {},
  ): (certificate: Buffer, action: SigningAction) => Promise<SigningUnderPowerOfAttorney | undefined> {
    return async (certificate, action) => {
      const ownId = this.store.ownSubscriberId();
      const own = ownId ? this.store.subscriber(ownId) : undefined;
      if (!own?.inn || describeCertificate(certificate).orgInn === own.inn) return undefined;
      const hub = await this.connect(pins, tokenChoice, signer);
      try {
        const check = (request: Parameters<RepresentativeDeps['check']>[0]) => hub.client.checkPowerOfAttorney(request);
        return await powerOfAttorneyFor(
          { ...this.representative(), organization: hub.me.subscriber, check },
          certificate,
          action,
        );
      } finally {
        hub.close();
      }
    };
  }

  async runSession(options: RunSessionOptions): Promise<SessionResult> {
    const settings = this.settings;
    const signer = options.signer ?? this.signerSource(options.pins, options.tokenChoice);
    try {
      return await runExchangeSession({
        store: this.store,
        client: options.client ?? new HttpExchangeClient(settings.serverUrl),
        trigger: options.trigger,
        mode: settings.mode,
        authenticator: this.authenticator(signer),
        trustedRoots: this.trustedRoots(),
        revocation: new RevocationChecker(this.revocationSettings()),
        signer,
        representative: this.representative(),
        serviceDocuments: formatsServiceDocuments({ counterparty: (id) => this.store.subscriber(id) }),
        onProgress: options.onProgress,
        onModeChanged: (mode) => this.settingsFile.update({ mode }),
        signal: options.signal,
        signOnly: options.signOnly,
      });
    } finally {
      if (signer !== options.signer && signer instanceof TokenSignerSource) signer.close();
    }
  }
}
