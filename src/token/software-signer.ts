// The unattended agent's software key (docs/architecture.md §1, mode `server`): a PKCS#12 (.pfx) file or
// a PEM key and certificate. The password comes from the OS keychain by name, never from a file
// or a command line. node-forge reads PKCS#12 only; PEM keys (GOST ones too) are read by
// src/crypto/private-keys.ts; signing is KeySigner's.
import { createPrivateKey } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import forge from 'node-forge';
import { readCertificates } from '../crypto/certificates';
import { gostPrivateKeyFromPkcs8 } from '../crypto/gost-keys';
import { KeySigner, keyFitsCertificate, type PrivateKey } from '../crypto/key-signer';
import { cryptoProContainerFiles, KeyPasswordError, readPrivateKey } from '../crypto/private-keys';
import type { SecretStore } from '../settings/keychain';

export type SoftwareKeyErrorCode =
  'key-file-not-found' | 'password-missing' | 'password-incorrect' | 'key-invalid' | 'certificate-not-found';

/**
 * What exactly was found under a code, so a person's words can be chosen by it (src/cli/errors.ts):
 * the message stays the English for logs.
 */
export type SoftwareKeyFinding =
  | 'cryptopro-container'
  | 'unreadable'
  | 'password-not-kept'
  | 'password-not-named'
  | 'wrong-password'
  | 'not-pkcs12'
  | 'no-private-key'
  | 'not-a-private-key'
  | 'no-certificate-for-key';

export interface SoftwareKeyDetails {
  finding: SoftwareKeyFinding;
  /** The system's or the library's own words (ENOENT, a parser's message). */
  detail?: string;
  /** The keychain secret's name. */
  secret?: string;
  /** The key file, where `path` names the certificate file. */
  key?: string;
}

export class SoftwareKeyError extends Error {
  constructor(
    readonly code: SoftwareKeyErrorCode,
    message: string,
    readonly path: string,
    readonly details: SoftwareKeyDetails,
  ) {
    super(message);
    this.name = 'SoftwareKeyError';
  }
}

export type SoftwareKeySource =
  | { kind: 'pkcs12'; path: string; passwordName: string }
  | { kind: 'pem'; keyPath: string; certificatePath: string; /** For an encrypted PEM key. */ passwordName?: string };

/** A CryptoPro container (the folder, or one of its files) is named as such: no open tool reads its masked keys. */
async function refuseCryptoProContainer(path: string): Promise<void> {
  const isDirectory = await stat(path).then(
    (s) => s.isDirectory(),
    () => false,
  );
  const folder = isDirectory ? path : dirname(path);
  const files = await readdir(folder).catch(() => [] as string[]);
  const inContainer = cryptoProContainerFiles.every((f) => files.includes(f));
  if (inContainer && (isDirectory || cryptoProContainerFiles.includes(basename(path)))) {
    throw new SoftwareKeyError(
      'key-invalid',
      `${path} is a CryptoPro key container (${cryptoProContainerFiles.join(', ')}): its keys are stored in CryptoPro's ` +
        'proprietary masked format, which EDO Clerk cannot read. Use the key on its token, or export it as a PKCS#8 PEM file',
      path,
      { finding: 'cryptopro-container' },
    );
  }
}

async function readKeyFile(path: string): Promise<Buffer> {
  await refuseCryptoProContainer(path);
  try {
    return await readFile(path);
  } catch (e) {
    const detail = (e as NodeJS.ErrnoException).code ?? String(e);
    throw new SoftwareKeyError('key-file-not-found', `Cannot read the key file ${path}: ${detail}`, path, {
      finding: 'unreadable',
      detail,
    });
  }
}

async function password(secrets: SecretStore, name: string, path: string): Promise<string> {
  const value = await secrets.get(name);
  if (value === undefined) {
    throw new SoftwareKeyError(
      'password-missing',
      `The password of ${path} is not in the OS keychain (secret "${name}"): store it with the profile's key settings`,
      path,
      { finding: 'password-not-kept', secret: name },
    );
  }
  return value;
}

/**
 * One password, two encodings: the PKCS#12 MAC and the old PBE schemes take it as BMPString
 * (forge does that from the JS string), while PBES2/PBKDF2 (OpenSSL 3's default AES files)
 * take its UTF-8 bytes, and forge would pass the JS string as "binary" and mangle a Cyrillic
 * password. For the duration of this synchronous parse, PBKDF2 gets the UTF-8 form.
 */
function withUtf8Pbkdf2<T>(pfxPassword: string, parse: () => T): T {
  const pkcs5 = forge.pkcs5 as { pbkdf2: (...args: unknown[]) => unknown };
  const original = pkcs5.pbkdf2;
  pkcs5.pbkdf2 = (password: unknown, ...rest: unknown[]) =>
    original(password === pfxPassword ? forge.util.encodeUtf8(pfxPassword) : password, ...rest);
  try {
    return parse();
  } finally {
    pkcs5.pbkdf2 = original;
  }
}

/** The private key and the matching certificate (among a chain) from PKCS#12 bytes. */
export function parsePkcs12(
  bytes: Buffer,
  pfxPassword: string,
  path = 'the PKCS#12 file',
): { privateKey: PrivateKey; certificate: Buffer; chain: Buffer[] } {
  let p12: forge.pkcs12.Pkcs12Pfx;
  try {
    p12 = withUtf8Pbkdf2(pfxPassword, () =>
      forge.pkcs12.pkcs12FromAsn1(forge.asn1.fromDer(forge.util.createBuffer(bytes.toString('binary'))), pfxPassword),
    );
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    if (/password|MAC could not be verified|decrypt/i.test(message)) {
      throw new SoftwareKeyError(
        'password-incorrect',
        `Wrong password for ${path}: the PKCS#12 file cannot be opened with the password stored in the keychain`,
        path,
        { finding: 'wrong-password' },
      );
    }
    throw new SoftwareKeyError('key-invalid', `${path} is not a readable PKCS#12 (.pfx) file: ${message}`, path, {
      finding: 'not-pkcs12',
      detail: message,
    });
  }
  const bags = p12.safeContents.flatMap((safe) => safe.safeBags);
  const keys = bags
    .filter((bag) => bag.type === forge.pki.oids.pkcs8ShroudedKeyBag || bag.type === forge.pki.oids.keyBag)
    .map((bag) => {
      // forge only models RSA keys; any other key type comes back as its PrivateKeyInfo ASN.1.
      if (bag.key) return createPrivateKey(forge.pki.privateKeyToPem(bag.key));
      const der = Buffer.from(forge.asn1.toDer(bag.asn1!).getBytes(), 'binary');
      return gostPrivateKeyFromPkcs8(der) ?? createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
    });
  const certificates = bags
    .filter((bag) => bag.type === forge.pki.oids.certBag)
    .map((bag) =>
      Buffer.from(forge.asn1.toDer(bag.cert ? forge.pki.certificateToAsn1(bag.cert) : bag.asn1!).getBytes(), 'binary'),
    );
  if (keys.length === 0)
    throw new SoftwareKeyError('key-invalid', `${path} holds no private key`, path, { finding: 'no-private-key' });
  for (const privateKey of keys) {
    const certificate = certificates.find((der) => keyFitsCertificate(privateKey, der));
    if (certificate) return { privateKey, certificate, chain: certificates.filter((c) => c !== certificate) };
  }
  throw new SoftwareKeyError('certificate-not-found', `${path} holds no certificate for its private key`, path, {
    finding: 'no-certificate-for-key',
    key: path,
  });
}

export class SoftwareSigner extends KeySigner {
  /** Other certificates the file carried (intermediate CAs). */
  readonly chain: Buffer[];

  private constructor(privateKey: PrivateKey, certificate: Buffer, chain: Buffer[], source: string) {
    super(privateKey, certificate, `software key ${source}`);
    this.chain = chain;
  }

  static async load(source: SoftwareKeySource, secrets: SecretStore): Promise<SoftwareSigner> {
    if (source.kind === 'pkcs12') {
      const bytes = await readKeyFile(source.path);
      const { privateKey, certificate, chain } = parsePkcs12(
        bytes,
        await password(secrets, source.passwordName, source.path),
        source.path,
      );
      return new SoftwareSigner(privateKey, certificate, chain, source.path);
    }
    const keyBytes = await readKeyFile(source.keyPath);
    if (
      source.passwordName === undefined &&
      /ENCRYPTED PRIVATE KEY|Proc-Type: 4,ENCRYPTED/.test(keyBytes.toString('latin1'))
    ) {
      throw new SoftwareKeyError(
        'password-missing',
        `The key ${source.keyPath} is encrypted: name its password secret in the key settings`,
        source.keyPath,
        { finding: 'password-not-named' },
      );
    }
    const passphrase =
      source.passwordName === undefined ? undefined : await password(secrets, source.passwordName, source.keyPath);
    let privateKey: PrivateKey;
    try {
      privateKey = readPrivateKey(keyBytes, passphrase);
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      // node:crypto says "unsupported" when a wrong password yields garbage in an old PEM encryption.
      if (
        (e instanceof KeyPasswordError && e.reason === 'incorrect') ||
        (passphrase !== undefined && /DECODER routines::unsupported/i.test(message))
      ) {
        throw new SoftwareKeyError(
          'password-incorrect',
          `The key ${source.keyPath} cannot be decrypted with the password stored in the keychain (wrong password)`,
          source.keyPath,
          { finding: 'wrong-password' },
        );
      }
      throw new SoftwareKeyError(
        'key-invalid',
        `${source.keyPath} is not a readable private key: ${message}`,
        source.keyPath,
        { finding: 'not-a-private-key', detail: message },
      );
    }
    const certificates = readCertificates(await readKeyFile(source.certificatePath));
    const certificate = certificates.find((der) => keyFitsCertificate(privateKey, der));
    if (!certificate)
      throw new SoftwareKeyError(
        'certificate-not-found',
        `${source.certificatePath} holds no certificate for the key ${source.keyPath}`,
        source.certificatePath,
        { finding: 'no-certificate-for-key', key: source.keyPath },
      );
    return new SoftwareSigner(
      privateKey,
      certificate,
      certificates.filter((c) => c !== certificate),
      source.keyPath,
    );
  }
}
