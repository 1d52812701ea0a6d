// Runs in: the Electron main process. The clerk's token for the day (docs/architecture.md §1, §7): the
// watcher sees it come and go, the clerk logs in once, and every signature of the day (the
// outbox, service documents, background sessions) uses that login. Nothing here ever asks for
// or retries a PIN on its own: without a login, signing fails with "the clerk is needed". The
// one exception is a PIN the clerk chose to keep in the keychain: it logs in once when the
// token appears, and a refused one is deleted at once.
import { createHash } from 'node:crypto';
import type { Signer } from '../src/crypto/signer';
import { certificateSha256 } from '../src/exchange/representative';
import type { SignerSource } from '../src/exchange/session';
import type { TokenLoginResult, TokenStatus } from '../src/ipc/contract';
import { TokenError, type PinStatus } from '../src/token/errors';
import { mayTryKeptPin, refusesKeptPin } from '../src/token/kept-pin';
import { openToken, type TokenSession } from '../src/token/session';
import type { TokenInfo } from '../src/token/tokens';
import { TokenWatcher } from '../src/token/watcher';
import { TokenLoginProblem } from '../src/vocabulary';

export interface DayTokenTarget {
  modulePath: string;
  /** Label or serial from the settings; any token when absent. */
  token?: string;
  keyId?: string;
}

/** PINs the clerk chose to keep in the keychain, one per token serial. */
export interface KeptPins {
  get(serial: string): Promise<string | undefined>;
  delete(serial: string): Promise<void>;
}

type Owner = NonNullable<TokenStatus['owner']>;

/**
 * Kept PINs a token refused, as digests of serial and PIN, for the app's whole life (the
 * settings may replace the DayToken): never tried again, even where deleting one failed.
 */
const refusedPins = new Set<string>();
const refusalOf = (serial: string, pin: string) => createHash('sha256').update(`${serial}\n${pin}`).digest('hex');

const noFlags = { countLow: false, finalTry: false, locked: false };

export class DayToken {
  private readonly watcher: TokenWatcher | undefined;
  private session: TokenSession | undefined;
  private signer: Signer | undefined;
  private cancelled = false;
  private lastFlags: PinStatus | undefined;
  private readonly owners = new Map<string, Owner | undefined>();
  private readonly listeners = new Set<(status: TokenStatus) => void>();

  /** @param target undefined with `moduleProblem` when no PKCS#11 module could be found */
  constructor(
    private readonly target: DayTokenTarget | undefined,
    private readonly moduleProblem?: string,
    watcherOptions: { intervalMs?: number; settleMs?: number } = {},
    private readonly keptPins?: KeptPins,
  ) {
    if (!target) return;
    this.watcher = new TokenWatcher({ modulePath: target.modulePath, ...watcherOptions });
    // A kept PIN is tried before the token's arrival is announced, so the session its arrival
    // starts finds it logged in; any failure leaves the clerk to log in, as without a kept PIN.
    this.watcher.on('inserted', (token) => {
      if (this.present()?.serial !== token.serial) return; // another token: the status shows none of it
      void this.loginWithKeptPin(token)
        .catch(() => undefined)
        .finally(() => this.changed());
    });
    this.watcher.on('removed', (token) => {
      if (this.session?.info.serial === token.serial) this.logout();
      this.changed();
    });
    this.watcher.start();
  }

  /** The token this profile uses, among those plugged in. */
  private present(): TokenInfo | undefined {
    const wanted = this.target?.token;
    return this.watcher?.present.find((t) => !wanted || t.label === wanted || t.serial === wanted);
  }

  /** The certificate owner, read once per token (certificates are public objects). */
  private owner(token: TokenInfo): Owner | undefined {
    if (!this.owners.has(token.serial)) {
      let owner: Owner | undefined;
      let session: TokenSession | undefined;
      try {
        session = openToken({ modulePath: token.modulePath, token: token.serial });
        const certificates = session.listCertificates();
        const chosen =
          certificates.find((c) => (this.target?.keyId ? c.id === this.target.keyId : c.hasPrivateKey)) ??
          certificates[0];
        if (chosen) {
          const i = chosen.identity;
          owner = {
            name: i.commonName,
            position: i.position,
            organization: i.organization ?? '',
            inn: i.orgInn,
            validTo: i.notAfter.toISOString(),
            sha256: certificateSha256(chosen.der),
          };
        }
      } catch {
        owner = undefined; // shown without an owner; login will say what is wrong
      } finally {
        session?.close();
      }
      this.owners.set(token.serial, owner);
    }
    return this.owners.get(token.serial);
  }

  status(): TokenStatus {
    if (!this.target) return { state: 'no-module', pinFlags: noFlags, message: this.moduleProblem };
    const token = this.present();
    if (!token) return { state: this.cancelled ? 'cancelled' : 'absent', pinFlags: noFlags };
    const flags = this.lastFlags ?? {
      countLow: token.flags.userPinCountLow,
      finalTry: token.flags.userPinFinalTry,
      locked: token.flags.userPinLocked,
      toBeChanged: false,
    };
    const loggedIn = this.session?.isLoggedIn === true && this.session.info.serial === token.serial;
    const state = loggedIn ? 'logged-in' : flags.locked ? 'locked' : this.cancelled ? 'cancelled' : 'present';
    const owner = this.owner(token);
    return {
      state,
      token: { label: token.label, serial: token.serial, model: token.model, pinPad: token.flags.protectedAuthPath },
      ...(owner ? { owner } : {}),
      // PKCS#11 tells only flags (count low, final try, locked), never a number.
      pinFlags: { countLow: flags.countLow, finalTry: flags.finalTry, locked: flags.locked },
    };
  }

  async login(pin: string): Promise<TokenLoginResult> {
    const token = this.present();
    if (!token) return { ok: false, error: 'token-not-present', status: this.status() };
    this.logout();
    const session = openToken({ modulePath: token.modulePath, token: token.serial });
    try {
      await session.login(token.flags.protectedAuthPath ? undefined : pin);
      this.session = session;
      this.signer = session.signer(this.target?.keyId);
      this.cancelled = false;
      this.lastFlags = undefined;
      return { ok: true, status: this.changed() };
    } catch (e) {
      session.close();
      if (!(e instanceof TokenError)) throw e;
      if (e.pinStatus) this.lastFlags = e.pinStatus;
      const problem = TokenLoginProblem.safeParse(e.code);
      if (!problem.success) throw e;
      return { ok: false, error: problem.data, status: this.changed() };
    }
  }

  /**
   * The day starts when the token appears: a kept PIN logs in with it once. A PIN the token
   * refuses is deleted from the keychain at once and the clerk is asked (the status stays
   * "present"). A token on its final try is left to the clerk: a stale kept PIN must not lock it.
   */
  private async loginWithKeptPin(token: TokenInfo): Promise<void> {
    const ours = () => this.present()?.serial === token.serial && !this.cancelled && !this.session?.isLoggedIn;
    if (!this.keptPins || !ours() || !mayTryKeptPin(token.flags)) return;
    const pin = await this.keptPins.get(token.serial);
    // The clerk may have logged in or pressed Cancel meanwhile, or pulled the token out.
    if (pin === undefined || refusedPins.has(refusalOf(token.serial, pin)) || !ours()) return;
    const result = await this.login(pin);
    if (result.ok || !refusesKeptPin(result.error)) return;
    refusedPins.add(refusalOf(token.serial, pin));
    await this.keptPins.delete(token.serial);
  }

  cancel(): TokenStatus {
    if (!(this.session?.isLoggedIn === true)) this.cancelled = true;
    return this.changed();
  }

  onChange(listener: (status: TokenStatus) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The day's signer: the logged-in token, or a "PIN required" the session reports as needing the clerk. */
  readonly signerSource: SignerSource = {
    acquire: async () => {
      if (this.signer && this.session?.isPresent()) return this.signer;
      const token = this.present();
      if (!token) throw new TokenError('token-not-present', 'Connect the token to sign');
      throw new TokenError('pin-required', `Log in to token "${token.label}" (serial ${token.serial}) to sign`, {
        token: { label: token.label, serial: token.serial },
      });
    },
  };

  close(): void {
    this.watcher?.stop();
    this.logout();
  }

  private logout(): void {
    this.session?.close();
    this.session = undefined;
    this.signer = undefined;
  }

  private changed(): TokenStatus {
    const status = this.status();
    for (const l of this.listeners) l(status);
    return status;
  }
}
