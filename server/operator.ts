// The operator's own identity and signing key, created at the hub's first start: an ECDSA P-256
// or GOST R 34.10-2012 256-bit key (PKCS#8 PEM; the kind chosen then stays) and a self-signed certificate, in the data directory (readable by the hub's
// user only) or, for hub instances sharing a PostgreSQL database, in that database. The hub signs its confirmations (ПДОТПР) with it; clients fetch the certificate
// from GET /v1/operator to verify them.
import { KeyObject, randomBytes, webcrypto } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import 'reflect-metadata'; // @peculiar/x509 resolves its services through tsyringe
import * as x509 from '@peculiar/x509';
import { KeySigner, isGostPrivateKey } from '../src/crypto/key-signer';
import { derToPem, pemToDer } from '../src/crypto/certificates';
import { encodeGostPkcs8Pem, encodeGostSpki } from '../src/crypto/gost-keys';
import { generatePrivateKey, gostCurve, publicKeyOf } from '../src/crypto/gost3410';
import { gostCertificateSigner, signCertificate } from '../src/crypto/issue-certificate';
import { readPrivateKey } from '../src/crypto/private-keys';
import type { Signer } from '../src/crypto/signer';
import type { HubStorage } from './storage/storage';
import { openHubTsa, type HubTsa } from './tsa';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

export interface OperatorIdentity {
  name: string;
  inn: string;
  kpp: string;
  /** ИдОперЭДО, 3 characters. */
  edoId: string;
  /** Who signs the operator's confirmations (format 1.03 requires a named person). */
  signer: { surname: string; name: string; patronymic?: string; position: string };
}

export interface Operator {
  identity: OperatorIdentity;
  certificate: Buffer;
  signer: Signer;
  tsa: HubTsa;
}

/** The identity a new hub starts with (a demo operator); stored at first start, shown by `edo-hub operator`. */
export const defaultOperatorIdentity: OperatorIdentity = {
  name: 'ООО "Оператор ЭДО Клерк"',
  inn: '7700000009',
  kpp: '770001001',
  edoId: '2EC',
  signer: {
    surname: 'Операторов',
    name: 'Олег',
    patronymic: 'Олегович',
    position: 'Уполномоченное лицо оператора ЭДО',
  },
};

const identityKey = 'operator.identity';

export async function operatorIdentity(storage: HubStorage): Promise<OperatorIdentity> {
  const stored = await storage.getSetting(identityKey);
  return stored ? (JSON.parse(stored) as OperatorIdentity) : defaultOperatorIdentity;
}

export async function setOperatorIdentity(storage: HubStorage, identity: OperatorIdentity): Promise<void> {
  await storage.setSetting(identityKey, JSON.stringify(identity));
}

/** The operator key kinds `edo-hub serve --operator-key` offers. */
export const operatorKeyKinds = ['ecdsa-p256', 'gost2012-256'] as const;
export type OperatorKeyKind = (typeof operatorKeyKinds)[number];

/** A GOST operator key (CryptoPro A, the set most tools read) and its certificate, signed by our own GOST code. */
async function createGostOperatorKey(
  name: x509.Name,
  extensions: x509.Extension[],
  notBefore: Date,
  notAfter: Date,
): Promise<KeyPair> {
  const key = generatePrivateKey(gostCurve('1.2.643.2.2.35.1')!);
  const subject = Buffer.from(name.toArrayBuffer());
  const certificate = await signCertificate(
    {
      serial: Buffer.concat([Buffer.from([0x01]), randomBytes(8)]),
      issuer: subject,
      subject,
      notBefore,
      notAfter,
      spki: encodeGostSpki(publicKeyOf(key)),
      extensions: extensions.map((e) => Buffer.from(e.rawData)),
    },
    gostCertificateSigner(key),
  );
  return { keyPem: encodeGostPkcs8Pem(key), certificatePem: derToPem(certificate) };
}

/** A new operator key (PKCS#8 PEM) of `kind` and its self-signed certificate (PEM). */
async function createOperatorKey(
  identity: OperatorIdentity,
  kind: OperatorKeyKind,
): Promise<{ keyPem: string; certificatePem: string }> {
  const now = Date.now();
  const name = new x509.Name([
    { '2.5.4.6': [{ printableString: 'RU' }] },
    { '2.5.4.10': [{ utf8String: identity.name }] },
    { '2.5.4.3': [{ utf8String: `${identity.name} (${identity.edoId})` }] },
    { '1.2.643.100.4': [{ printableString: identity.inn }] },
  ]);
  const notBefore = new Date(now - 3600_000);
  const notAfter = new Date(now + 10 * 365 * 24 * 3600_000);
  const extensions = [
    new x509.BasicConstraintsExtension(true, undefined, true),
    new x509.KeyUsagesExtension(
      x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.nonRepudiation | x509.KeyUsageFlags.keyCertSign,
      true,
    ),
  ];
  if (kind === 'gost2012-256') return createGostOperatorKey(name, extensions, notBefore, notAfter);
  const keys = (await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
    'sign',
    'verify',
  ])) as webcrypto.CryptoKeyPair;
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01' + randomBytes(8).toString('hex'),
    name,
    notBefore,
    notAfter,
    keys,
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
    extensions,
  });
  const keyPem = KeyObject.from(keys.privateKey).export({ type: 'pkcs8', format: 'pem' }) as string;
  return { keyPem, certificatePem: certificate.toString('pem') + '\n' };
}

/** A private key (PKCS#8 PEM) and its certificate (PEM). */
export interface KeyPair {
  keyPem: string;
  certificatePem: string;
}

/** Where the hub keeps one of its keys: the operator folder (embedded hub) or the shared database. */
export interface KeyPairStore {
  /** For messages: where the pair is. */
  where: string;
  /** The stored pair; else `create`'s, stored (of instances starting at once, one pair wins for all). */
  loadOrCreate(create: () => Promise<KeyPair>): Promise<KeyPair>;
}

/** key and certificate files in `dir` (readable by the hub's user only). */
export function keyPairFiles(dir: string, keyFileName: string, certificateFileName: string): KeyPairStore {
  const keyFile = join(dir, keyFileName);
  const certFile = join(dir, certificateFileName);
  return {
    where: dir,
    async loadOrCreate(create) {
      if (!existsSync(keyFile) || !existsSync(certFile)) {
        mkdirSync(dir, { recursive: true, mode: 0o700 });
        const created = await create();
        writeFileSync(keyFile, created.keyPem, { mode: 0o600 });
        writeFileSync(certFile, created.certificatePem);
      }
      return { keyPem: readFileSync(keyFile, 'utf8'), certificatePem: readFileSync(certFile, 'utf8') };
    },
  };
}

/** A setting of the hub database: every instance on it signs with the same key. */
export function keyPairSetting(storage: HubStorage, key: string): KeyPairStore {
  return {
    where: `the hub database (${key})`,
    async loadOrCreate(create) {
      const stored =
        (await storage.getSetting(key)) ?? (await storage.initSetting(key, JSON.stringify(await create())));
      return JSON.parse(stored) as KeyPair;
    },
  };
}

/**
 * Loads the operator's key and certificate and the hub TSA's, creating them (and the stored
 * identity) on first start: in the data directory's operator/ folder, or with no folder given
 * in the database. The key is of `keyKind` (default ECDSA P-256) when first made; later a
 * different `keyKind` is refused rather than ignored, as clients pinned the certificate.
 */
export async function openOperator(
  dataDir: string | undefined,
  storage: HubStorage,
  keyKind?: OperatorKeyKind,
): Promise<Operator> {
  await storage.initSetting(identityKey, JSON.stringify(defaultOperatorIdentity));
  const identity = await operatorIdentity(storage);
  const dir = dataDir === undefined ? undefined : join(dataDir, 'operator');
  const store = dir ? keyPairFiles(dir, 'key.pem', 'certificate.pem') : keyPairSetting(storage, 'operator.key');
  const { keyPem, certificatePem } = await store.loadOrCreate(() =>
    createOperatorKey(identity, keyKind ?? 'ecdsa-p256'),
  );
  const der = pemToDer(certificatePem)[0];
  if (!der) throw new Error(`No operator certificate in ${store.where}`);
  const privateKey = readPrivateKey(Buffer.from(keyPem));
  const existing: OperatorKeyKind = isGostPrivateKey(privateKey) ? 'gost2012-256' : 'ecdsa-p256';
  if (keyKind !== undefined && keyKind !== existing) {
    throw new Error(
      `The operator key in ${store.where} is ${existing}, made at the hub's first start; it stays so (--operator-key ${keyKind} refused)`,
    );
  }
  const signer = new KeySigner(privateKey, der, `operator key (${store.where})`);
  const tsaStore = dir ? keyPairFiles(dir, 'tsa-key.pem', 'tsa-certificate.pem') : keyPairSetting(storage, 'tsa.key');
  return { identity, certificate: der, signer, tsa: await openHubTsa(tsaStore, signer, identity.name) };
}
