// An open token: one PKCS#11 session on it, login, its certificates and keys (paired by
// CKA_ID, however the token was made), and the signer over one of its keys.
import { createHash } from 'node:crypto';
// Default import: pkcs11js is CommonJS, and under Node's ESM loader (the CLI via tsx) a namespace
// import sees only PKCS11, not the CK* constants.
import pkcs11js from 'pkcs11js';
import { describeCertificate, type CertificateIdentity } from '../crypto/certificates';
import {
  TokenError,
  describePinStatus,
  errorText,
  pinRefusedCodes,
  pkcs11Code,
  removalCodes,
  tokenName,
  type PinStatus,
  type TokenRef,
} from './errors';
import { findTokenSlot, sharedPkcs11Module } from './pkcs11-module';
import { Pkcs11Signer } from './pkcs11-signer';
import { pinStatusOf, readTokenInfo, type TokenInfo } from './tokens';

export interface OpenTokenOptions {
  modulePath: string;
  /** The token's label or serial number. */
  token: string;
}

export interface TokenCertificate {
  /** CKA_ID as hex: the key of the same pair has the same id. */
  id: string;
  label: string;
  identity: CertificateIdentity;
  /** The certificate itself (DER). */
  der: Buffer;
  /**
   * Whether the token holds the private key under the same CKA_ID. Before login private
   * objects are hidden, so a public key under that id counts as its pair's evidence.
   */
  hasPrivateKey: boolean;
}

/**
 * PINs the token refused, per module and token serial, for the life of the process: whoever
 * opens the token next (the next scheduled session, the agent's loop) must not burn a try
 * with the same PIN again.
 */
const refusedPins = new Map<string, string>();
const pinFingerprint = (pin: string) => createHash('sha256').update(pin).digest('hex');

export class TokenSession {
  readonly info: TokenInfo;
  private session: pkcs11js.Handle;
  private loggedIn = false;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    readonly module: pkcs11js.PKCS11,
    info: TokenInfo,
  ) {
    this.info = info;
    try {
      this.session = module.C_OpenSession(info.slot, pkcs11js.CKF_SERIAL_SESSION);
    } catch (e) {
      throw this.failure(e, 'open a session on');
    }
  }

  get ref(): TokenRef {
    return { label: this.info.label, serial: this.info.serial };
  }

  get name(): string {
    return tokenName(this.ref);
  }

  private get refusalKey(): string {
    return `${this.info.modulePath}\n${this.info.serial}`;
  }

  /** True after the token refused a PIN, until a login succeeds: background runs must stop and ask the clerk. */
  get refused(): boolean {
    return refusedPins.has(this.refusalKey);
  }

  get isLoggedIn(): boolean {
    return this.loggedIn;
  }

  /** The token's current PIN flags (they change with every wrong PIN). */
  pinStatus(): PinStatus {
    const fresh = readTokenInfo(this.module, this.info.modulePath, this.info.slot);
    if (!fresh || fresh.serial !== this.info.serial) throw this.removed('read the PIN status of');
    return pinStatusOf(fresh.flags);
  }

  /**
   * Logs the user in. A PIN-pad token (protected authentication path) logs in on the device,
   * without `pin`. A PIN the token refused is never sent again: the same PIN fails here with
   * 'pin-incorrect' without touching the token.
   */
  async login(pin?: string): Promise<void> {
    if (this.loggedIn) return;
    const fresh = readTokenInfo(this.module, this.info.modulePath, this.info.slot);
    if (!fresh || fresh.serial !== this.info.serial) throw this.removed('log in to');
    const status = pinStatusOf(fresh.flags);
    if (!fresh.flags.loginRequired) {
      this.loggedIn = true;
      return;
    }
    if (status.locked) throw this.pinError('pin-locked', `The user PIN of ${this.name} is locked`, status);
    const pinPad = fresh.flags.protectedAuthPath;
    if (!pinPad) {
      if (pin === undefined || pin === '') throw this.pinError('pin-required', `${this.name} needs its PIN`, status);
      if (refusedPins.get(this.refusalKey) === pinFingerprint(pin)) {
        throw this.pinError('pin-incorrect', `${this.name} already refused this PIN; it is not tried again`, status);
      }
    }
    try {
      await this.exclusive(() => this.module.C_Login(this.session, pkcs11js.CKU_USER, pinPad ? undefined : pin));
    } catch (e) {
      const code = pkcs11Code(e);
      if (code === pkcs11js.CKR_USER_ALREADY_LOGGED_IN) {
        this.loggedIn = true;
        return;
      }
      if (code !== undefined && pinRefusedCodes.has(code)) {
        // On a PIN pad the clerk types at the device, so a new attempt is theirs to make; `refused`
        // still tells background runs not to start one.
        refusedPins.set(this.refusalKey, pinPad ? 'pin-pad' : pinFingerprint(pin!));
        const after = this.pinStatus();
        if (after.locked) throw this.pinError('pin-locked', `${this.name} refused the PIN and locked it`, after);
        throw this.pinError('pin-incorrect', `${this.name} refused the PIN`, after);
      }
      if (code === pkcs11js.CKR_PIN_LOCKED)
        throw this.pinError('pin-locked', `The user PIN of ${this.name} is locked`, this.pinStatus());
      throw this.failure(e, 'log in to');
    }
    refusedPins.delete(this.refusalKey);
    this.loggedIn = true;
  }

  logout(): void {
    if (!this.loggedIn) return;
    this.loggedIn = false;
    try {
      this.module.C_Logout(this.session);
    } catch {
      // a removed token or an already closed session is logged out anyway
    }
  }

  close(): void {
    this.logout();
    try {
      this.module.C_CloseSession(this.session);
    } catch {
      // the token may be gone; nothing to release then
    }
  }

  /** Object handles matching `template`. */
  findObjects(template: pkcs11js.Template): pkcs11js.Handle[] {
    try {
      this.module.C_FindObjectsInit(this.session, template);
      try {
        const found: pkcs11js.Handle[] = [];
        for (
          let batch = this.module.C_FindObjects(this.session, 64);
          batch.length > 0;
          batch = this.module.C_FindObjects(this.session, 64)
        )
          found.push(...batch);
        return found;
      } finally {
        this.module.C_FindObjectsFinal(this.session);
      }
    } catch (e) {
      throw this.failure(e, 'search');
    }
  }

  attribute(handle: pkcs11js.Handle, type: number): Buffer | undefined {
    try {
      const [attr] = this.module.C_GetAttributeValue(this.session, handle, [{ type }]);
      return attr?.value as Buffer | undefined;
    } catch (e) {
      if (pkcs11Code(e) === pkcs11js.CKR_ATTRIBUTE_TYPE_INVALID || pkcs11Code(e) === pkcs11js.CKR_ATTRIBUTE_SENSITIVE)
        return undefined;
      throw this.failure(e, 'read an object of');
    }
  }

  listCertificates(): TokenCertificate[] {
    const handles = this.findObjects([
      { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_CERTIFICATE },
      { type: pkcs11js.CKA_CERTIFICATE_TYPE, value: pkcs11js.CKC_X_509 },
    ]);
    const certificates: TokenCertificate[] = [];
    for (const handle of handles) {
      const value = this.attribute(handle, pkcs11js.CKA_VALUE);
      const id = this.attribute(handle, pkcs11js.CKA_ID) ?? Buffer.alloc(0);
      if (!value) continue;
      let identity: CertificateIdentity;
      try {
        identity = describeCertificate(value);
      } catch {
        continue; // a vendor's non-X.509 blob under CKO_CERTIFICATE: not ours to show
      }
      const label = this.attribute(handle, pkcs11js.CKA_LABEL)?.toString('utf8') ?? '';
      const hasPrivateKey =
        this.findKey(pkcs11js.CKO_PRIVATE_KEY, id) !== undefined ||
        (!this.loggedIn && this.findKey(pkcs11js.CKO_PUBLIC_KEY, id) !== undefined);
      certificates.push({ id: id.toString('hex'), label, identity, der: value, hasPrivateKey });
    }
    return certificates;
  }

  findKey(keyClass: number, id: Buffer): pkcs11js.Handle | undefined {
    if (id.length === 0) return undefined;
    return this.findObjects([
      { type: pkcs11js.CKA_CLASS, value: keyClass },
      { type: pkcs11js.CKA_ID, value: id },
    ])[0];
  }

  /**
   * A signer over the key whose certificate has CKA_ID `certificateId` (hex); default: the
   * first certificate with a private key. Needs a login first.
   */
  signer(certificateId?: string): Pkcs11Signer {
    if (!this.loggedIn)
      throw new TokenError('pin-required', `Log in to ${this.name} before signing`, {
        token: this.ref,
        pinStatus: this.pinStatus(),
      });
    const certificates = this.listCertificates();
    const certificate =
      certificateId === undefined
        ? certificates.find((c) => c.hasPrivateKey)
        : certificates.find((c) => c.id === certificateId.toLowerCase());
    if (!certificate) {
      const what =
        certificateId === undefined ? 'certificate with a private key' : `certificate with CKA_ID ${certificateId}`;
      throw new TokenError('certificate-not-found', `${this.name} holds no ${what}`, { token: this.ref });
    }
    if (!certificate.hasPrivateKey) {
      throw new TokenError(
        'key-not-found',
        `${this.name} holds no private key under CKA_ID ${certificate.id} for the certificate of ${certificate.identity.commonName}`,
        { token: this.ref },
      );
    }
    return new Pkcs11Signer(this, certificate);
  }

  /** Runs PKCS#11 calls one at a time on this session: a sign operation is two calls that must not interleave. */
  exclusive<T>(operation: () => T | Promise<T>): Promise<T> {
    const run = this.queue.then(operation, operation);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** The session handle, for the signer. */
  get handle(): pkcs11js.Handle {
    return this.session;
  }

  /** True while the token is still in its slot. */
  isPresent(): boolean {
    try {
      const slot = findTokenSlot(this.module, this.info.serial);
      return slot !== undefined;
    } catch {
      return false;
    }
  }

  removed(action: string): TokenError {
    return new TokenError(
      'token-removed',
      `${this.name} was removed: cannot ${action} it. Insert the token again; pending signatures wait.`,
      { token: this.ref },
    );
  }

  /** Maps a PKCS#11 failure to a TokenError: a token that went away is 'token-removed', whatever code the module chose. */
  failure(e: unknown, action: string): TokenError {
    if (e instanceof TokenError) return e;
    const code = pkcs11Code(e);
    if ((code !== undefined && removalCodes.has(code)) || !this.isPresent())
      return Object.assign(this.removed(action), { cause: e });
    if (code === pkcs11js.CKR_USER_NOT_LOGGED_IN) {
      this.loggedIn = false;
      return new TokenError(
        'pin-required',
        `${this.name} is not logged in (it may have been re-inserted): enter the PIN again`,
        { token: this.ref, pkcs11Code: code },
      );
    }
    return new TokenError('token-failed', `Cannot ${action} ${this.name}: ${errorText(e)}`, {
      token: this.ref,
      pkcs11Code: code,
      detail: errorText(e),
    });
  }

  private pinError(
    code: 'pin-incorrect' | 'pin-locked' | 'pin-required',
    message: string,
    status: PinStatus,
  ): TokenError {
    const hint = describePinStatus(status);
    return new TokenError(code, hint ? `${message}: ${hint}` : message, { token: this.ref, pinStatus: status });
  }
}

/** Opens the token with this label or serial in the module; TokenError 'token-not-present' when it is not plugged in. */
export function openToken(options: OpenTokenOptions): TokenSession {
  const module = sharedPkcs11Module(options.modulePath);
  const slot = findTokenSlot(module, options.token);
  const info = slot === undefined ? undefined : readTokenInfo(module, options.modulePath, slot);
  if (!info) {
    throw new TokenError(
      'token-not-present',
      `Token "${options.token}" is not present in ${options.modulePath}: insert it`,
      { modulePath: options.modulePath },
    );
  }
  return new TokenSession(module, info);
}

export function listCertificates(token: TokenSession): TokenCertificate[] {
  return token.listCertificates();
}
