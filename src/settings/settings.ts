// Profile settings: one JSON file in the profile directory, read and written through `conf` by the
// CLI, the agent and the app alike (electron-store would only add app.getPath, and a profile lives
// where the clerk puts it, so the app uses this class too). Validated with zod on
// every read and write, so a hand-edited file with a mistake is an error naming the field.
// Secrets never live here: passwords and kept PINs go to the OS keychain (./keychain).
import { existsSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import Conf from 'conf';
import { z } from 'zod';
import { Inn, Sha256 } from '../protocol/common';
import { PowerOfAttorneyNumber } from '../protocol/powers-of-attorney';
import { OperatingMode } from '../vocabulary';

/** Which key signs: a PKCS#11 token (the clerk's, or a server token), or a software key file for the agent. */
export const SignerSetting = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('token'),
    /** PKCS#11 module; default: the first known module found on this machine. */
    modulePath: z.string().min(1).optional(),
    /** Token label or serial. */
    token: z.string().min(1).optional(),
    /** CKA_ID (hex) of the key, when the token holds several. */
    keyId: z
      .string()
      .regex(/^[0-9a-fA-F]+$/)
      .optional(),
  }),
  z.object({
    kind: z.literal('software'),
    /** A PKCS#12 (.pfx/.p12) file, or a PEM private key. */
    keyFile: z.string().min(1),
    /** For a PEM key: the PEM certificate (default: the key file itself, when it holds both). */
    certificateFile: z.string().min(1).optional(),
    /** Whether the key is protected by a password, kept in the keychain as "key-password" (a .pfx always is). */
    encrypted: z.boolean().default(false),
  }),
]);
export type SignerSetting = z.infer<typeof SignerSetting>;

/**
 * The МЧД a personal signing certificate signs under (docs/architecture.md §7), attached by
 * `edo-clerk poa use`: registered at the hub, its files kept in the profile's store.
 */
export const PowerOfAttorneySetting = z.object({
  /** SHA-256 (hex) of the signing certificate's DER. */
  certificateSha256: Sha256,
  number: PowerOfAttorneyNumber,
  principalInn: Inn,
  issuedOn: z.iso.date(),
  validUntil: z.iso.date(),
  fileName: z.string().min(1),
});
export type PowerOfAttorneySetting = z.infer<typeof PowerOfAttorneySetting>;

export const ProfileSettings = z.object({
  serverUrl: z.url({ protocol: /^https?$/ }),
  /** The organization's operating mode as last seen at the hub (the hub's setting wins). */
  mode: OperatingMode.default('workstation'),
  /** How to log in at the hub: with the signer's certificate, or as a service user (password in the keychain as "service-password"). */
  auth: z
    .discriminatedUnion('method', [
      z.object({ method: z.literal('certificate') }),
      z.object({ method: z.literal('password'), login: z.string().min(1) }),
    ])
    .default({ method: 'certificate' }),
  /** Background sessions every N minutes (workstation mode); 0 turns the schedule off. */
  scheduleMinutes: z
    .number()
    .int()
    .min(0)
    .max(24 * 60)
    .default(15),
  /** Extra PKCS#11 module paths, tried before the known ones. */
  modulePaths: z.array(z.string().min(1)).default([]),
  /** The token to use by default: label or serial. */
  defaultToken: z.string().min(1).optional(),
  signer: SignerSetting.optional(),
  /** The МЧД each personal certificate signs under; a certificate that names the organization needs none. */
  powersOfAttorney: z.array(PowerOfAttorneySetting).default([]),
  language: z.enum(['ru', 'en', 'kk']).default('ru'),
  startAtLogin: z.boolean().default(true),
  /** PEM files of trusted root certificates (the accredited CAs); relative paths are inside the profile. */
  trustedRoots: z.array(z.string().min(1)).default([]),
  /**
   * Only a local sandbox's profile on a machine with no OS keychain: the file (relative to the
   * profile) holding its throwaway demo passwords (src/settings/secret-stores.ts).
   */
  demoSecretsFile: z.string().min(1).optional(),
  /**
   * Certificate status and time-stamps in closed networks (architecture.md §7): a TSA URL for
   * our own signatures before sending (none: the hub stamps them at acceptance), a folder of
   * CRLs, an OCSP proxy, and offline mode (only the evidence the signature carries).
   */
  signatureChecks: z
    .object({
      tsaUrl: z.url({ protocol: /^https?$/ }).optional(),
      crlFolder: z.string().min(1).optional(),
      ocspProxy: z.url({ protocol: /^https?$/ }).optional(),
      offline: z.boolean().default(false),
    })
    .default({ offline: false }),
});
export type ProfileSettings = z.infer<typeof ProfileSettings>;
export type ProfileSettingsInput = z.input<typeof ProfileSettings>;

/** A path the settings hold (trusted roots, the CRL folder, the demo secrets): a relative one is inside the profile. */
export function inProfile(profileDir: string, path: string): string {
  return isAbsolute(path) ? path : join(profileDir, path);
}

/** settings.json */
const settingsConfigName = 'settings';

export class SettingsError extends Error {
  constructor(
    message: string,
    readonly file: string,
  ) {
    super(message);
    this.name = 'SettingsError';
  }
}

function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
}

export class ProfileSettingsFile {
  private confInstance: Conf<Record<string, unknown>> | undefined;

  constructor(readonly profileDir: string) {}

  /** Opened on first use: conf creates the directory, and a mistyped --profile must not grow one. */
  private get conf(): Conf<Record<string, unknown>> {
    this.confInstance ??= new Conf<Record<string, unknown>>({
      cwd: this.profileDir,
      configName: settingsConfigName,
      projectName: 'edo-clerk',
    });
    return this.confInstance;
  }

  get path(): string {
    return join(this.profileDir, `${settingsConfigName}.json`);
  }

  exists(): boolean {
    return existsSync(this.path) && this.conf.size > 0;
  }

  /** The validated settings; an error names every wrong field and the file. */
  read(): ProfileSettings {
    if (!this.exists())
      throw new SettingsError(
        `No profile settings in ${this.path}: run "edo-clerk profile init --server URL" first.`,
        this.path,
      );
    const parsed = ProfileSettings.safeParse(this.conf.store);
    if (!parsed.success)
      throw new SettingsError(
        `Profile settings in ${this.path} are not valid: ${describeIssues(parsed.error)}`,
        this.path,
      );
    return parsed.data;
  }

  /** Replaces the settings after validating them; nothing is written when they are wrong. */
  write(settings: ProfileSettingsInput): ProfileSettings {
    const parsed = ProfileSettings.safeParse(settings);
    if (!parsed.success) throw new SettingsError(`Settings not saved: ${describeIssues(parsed.error)}`, this.path);
    this.conf.store = parsed.data as Record<string, unknown>;
    return parsed.data;
  }

  update(change: Partial<ProfileSettingsInput>): ProfileSettings {
    return this.write({ ...this.read(), ...change });
  }
}
