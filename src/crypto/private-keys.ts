// Private keys from PEM files, whatever the algorithm: node:crypto reads RSA and ECDSA; a GOST
// R 34.10-2012 PKCS#8 key (what `openssl genpkey -algorithm gost2012_256` writes) it cannot
// load, so its PrivateKeyInfo is read here (gost-keys.ts), and for an encrypted one the PBES2
// envelope (PBKDF2 with HMAC-SHA-2, AES-CBC: what OpenSSL 3 writes) is opened here first.
import { createCipheriv, createDecipheriv, createPrivateKey, pbkdf2Sync, randomBytes } from 'node:crypto';
import {
  objectIdentifier,
  octetString,
  readChildren,
  readElement,
  readObjectIdentifier,
  sequence,
  unsignedInteger,
  type DerElement,
} from './der';
import { gostPrivateKeyFromPkcs8 } from './gost-keys';
import type { PrivateKey } from './key-signer';

/** The key file is encrypted and no password, or a wrong one, was given. */
export class KeyPasswordError extends Error {
  constructor(
    readonly reason: 'missing' | 'incorrect',
    message: string,
  ) {
    super(message);
    this.name = 'KeyPasswordError';
  }
}

const pbes2 = '1.2.840.113549.1.5.13';
const pbkdf2 = '1.2.840.113549.1.5.12';
const prfs: Record<string, string> = {
  '1.2.840.113549.2.9': 'sha256',
  '1.2.840.113549.2.10': 'sha384',
  '1.2.840.113549.2.11': 'sha512',
  '1.2.840.113549.2.7': 'sha1',
};
const ciphers: Record<string, { name: string; keyLength: number }> = {
  '2.16.840.1.101.3.4.1.2': { name: 'aes-128-cbc', keyLength: 16 },
  '2.16.840.1.101.3.4.1.22': { name: 'aes-192-cbc', keyLength: 24 },
  '2.16.840.1.101.3.4.1.42': { name: 'aes-256-cbc', keyLength: 32 },
};

function pemBlock(pem: string, label: string): Buffer | undefined {
  const match = new RegExp(`-----BEGIN ${label}-----([\\s\\S]*?)-----END ${label}-----`).exec(pem);
  return match ? Buffer.from(match[1]!.replace(/\s+/g, ''), 'base64') : undefined;
}

const oidOf = (element: DerElement | undefined) => readObjectIdentifier(readChildren(element!.contents)[0]!);

/** The PrivateKeyInfo inside a PBES2 EncryptedPrivateKeyInfo (RFC 8018 §6.2); undefined for another scheme. */
function decryptPbes2(der: Buffer, password: string): Buffer | undefined {
  const [algorithm, encrypted] = readChildren(readElement(der).contents);
  if (oidOf(algorithm) !== pbes2) return undefined;
  const [kdf, scheme] = readChildren(readChildren(algorithm!.contents)[1]!.contents);
  if (oidOf(kdf) !== pbkdf2) return undefined;
  const kdfFields = readChildren(readChildren(kdf!.contents)[1]!.contents);
  const salt = kdfFields[0]!.contents;
  const iterations = Number(BigInt(`0x${kdfFields[1]!.contents.toString('hex')}`));
  const prfElement = kdfFields.find((f) => f.tag === 0x30);
  const prf = prfElement ? prfs[oidOf(prfElement)] : 'sha1';
  const cipher = ciphers[oidOf(scheme)];
  if (!prf || !cipher) return undefined;
  const iv = readChildren(scheme!.contents)[1]!.contents;
  const key = pbkdf2Sync(Buffer.from(password, 'utf8'), salt, iterations, cipher.keyLength, prf);
  try {
    const decipher = createDecipheriv(cipher.name, key, iv);
    return Buffer.concat([decipher.update(encrypted!.contents), decipher.final()]);
  } catch {
    throw new KeyPasswordError('incorrect', 'the key cannot be decrypted with this password (wrong password)');
  }
}

const derNull = Buffer.from([0x05, 0x00]);
const pemLines = (der: Buffer) =>
  der
    .toString('base64')
    .match(/.{1,64}/g)!
    .join('\n');

/**
 * A PKCS#8 PrivateKeyInfo (DER) as an "ENCRYPTED PRIVATE KEY" PEM: PBES2 with PBKDF2-HMAC-SHA-256
 * and AES-256-CBC, what `openssl pkcs8 -topk8 -v2 aes-256-cbc` writes; for the GOST keys that
 * node:crypto cannot export encrypted itself.
 */
export function encryptPkcs8Pem(privateKeyInfo: Buffer, password: string, iterations = 2048): string {
  const salt = randomBytes(16);
  const iv = randomBytes(16);
  const key = pbkdf2Sync(Buffer.from(password, 'utf8'), salt, iterations, 32, 'sha256');
  const cipher = createCipheriv('aes-256-cbc', key, iv);
  const encrypted = Buffer.concat([cipher.update(privateKeyInfo), cipher.final()]);
  const iterationCount = Buffer.alloc(4);
  iterationCount.writeUInt32BE(iterations);
  const kdf = sequence(
    objectIdentifier(pbkdf2),
    sequence(
      octetString(salt),
      unsignedInteger(iterationCount),
      sequence(objectIdentifier('1.2.840.113549.2.9'), derNull),
    ),
  );
  const scheme = sequence(objectIdentifier('2.16.840.1.101.3.4.1.42'), octetString(iv));
  const der = sequence(sequence(objectIdentifier(pbes2), sequence(kdf, scheme)), octetString(encrypted));
  return `-----BEGIN ENCRYPTED PRIVATE KEY-----\n${pemLines(der)}\n-----END ENCRYPTED PRIVATE KEY-----\n`;
}

/**
 * The private key of a PEM file: GOST keys ours, the others node:crypto's. Throws
 * KeyPasswordError for a missing or wrong password, an Error naming the problem otherwise.
 */
export function readPrivateKey(bytes: Buffer, password?: string): PrivateKey {
  const pem = bytes.toString('latin1');
  const plain = pemBlock(pem, 'PRIVATE KEY');
  if (plain) return gostPrivateKeyFromPkcs8(plain) ?? createPrivateKey({ key: plain, format: 'der', type: 'pkcs8' });
  const encrypted = pemBlock(pem, 'ENCRYPTED PRIVATE KEY');
  if (encrypted || /Proc-Type: 4,ENCRYPTED/.test(pem)) {
    if (password === undefined) throw new KeyPasswordError('missing', 'the key is encrypted and no password is given');
  }
  const decrypted = encrypted && decryptPbes2(encrypted, password!);
  if (decrypted)
    return gostPrivateKeyFromPkcs8(decrypted) ?? createPrivateKey({ key: decrypted, format: 'der', type: 'pkcs8' });
  try {
    return createPrivateKey({ key: bytes, format: 'pem', passphrase: password });
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    if (password !== undefined && /bad decrypt|passphrase|password/i.test(message)) {
      throw new KeyPasswordError('incorrect', 'the key cannot be decrypted with this password (wrong password)');
    }
    throw new Error(`not a readable PEM private key (PKCS#8, RSA, EC; GOST R 34.10-2012 as PKCS#8): ${message}`, {
      cause: e,
    });
  }
}

/**
 * A CryptoPro key container (a folder such as `abcd1234.000` holding header.key, masks.key,
 * primary.key and name.key): its keys are masked in a proprietary format no open tool reads.
 */
export const cryptoProContainerFiles = ['header.key', 'masks.key', 'primary.key', 'name.key'];
