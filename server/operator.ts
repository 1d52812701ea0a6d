// The operator's own identity and signing key, created at the hub's first start in its data
// directory: an ECDSA P-256 key (PKCS#8 PEM, readable by the hub's user only) and a self-signed
// certificate. The hub signs its confirmations (ПДОТПР) with it; clients fetch the certificate
// from GET /v1/operator to verify them.
import { createPrivateKey, KeyObject, randomBytes, webcrypto } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import 'reflect-metadata'; // @peculiar/x509 resolves its services through tsyringe
import * as x509 from '@peculiar/x509';
import { KeySigner } from '../src/crypto/key-signer';
import { pemToDer } from '../src/crypto/certificates';
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
  /** The operator's time-stamp authority, its certificate issued by the operator's. */
  tsa: HubTsa;
}

/** The identity a new hub starts with (a demo operator); stored at first start, shown by `edo-hub operator`. */
export const defaultOperatorIdentity: OperatorIdentity = {
  name: 'ООО "Оператор ЭДО Клерк"',
  inn: '7700000009',
  kpp: '770001001',
  edoId: '2EC',
  signer: { surname: 'Операторов', name: 'Олег', patronymic: 'Олегович', position: 'Уполномоченное лицо оператора ЭДО' },
};

const identityKey = 'operator.identity';

export async function operatorIdentity(storage: HubStorage): Promise<OperatorIdentity> {
  const stored = await storage.getSetting(identityKey);
  return stored ? (JSON.parse(stored) as OperatorIdentity) : defaultOperatorIdentity;
}

export async function setOperatorIdentity(storage: HubStorage, identity: OperatorIdentity): Promise<void> {
  await storage.setSetting(identityKey, JSON.stringify(identity));
}

/** Loads the operator's key and certificate, creating them (and the stored identity) on first start. */
export async function openOperator(dataDir: string, storage: HubStorage): Promise<Operator> {
  const dir = join(dataDir, 'operator');
  const keyFile = join(dir, 'key.pem');
  const certFile = join(dir, 'certificate.pem');
  if (!(await storage.getSetting(identityKey))) await setOperatorIdentity(storage, defaultOperatorIdentity);
  const identity = await operatorIdentity(storage);
  if (!existsSync(keyFile) || !existsSync(certFile)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const keys = (await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
    const now = Date.now();
    const certificate = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: '01' + randomBytes(8).toString('hex'),
      name: new x509.Name([
        { '2.5.4.6': [{ printableString: 'RU' }] },
        { '2.5.4.10': [{ utf8String: identity.name }] },
        { '2.5.4.3': [{ utf8String: `${identity.name} (${identity.edoId})` }] },
        { '1.2.643.100.4': [{ printableString: identity.inn }] },
      ]),
      notBefore: new Date(now - 3600_000),
      notAfter: new Date(now + 10 * 365 * 24 * 3600_000),
      keys,
      signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
      extensions: [
        new x509.BasicConstraintsExtension(true, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.nonRepudiation | x509.KeyUsageFlags.keyCertSign, true),
      ],
    });
    const keyPem = KeyObject.from(keys.privateKey).export({ type: 'pkcs8', format: 'pem' });
    writeFileSync(keyFile, keyPem, { mode: 0o600 });
    writeFileSync(certFile, certificate.toString('pem') + '\n');
  }
  const der = pemToDer(readFileSync(certFile, 'utf8'))[0];
  if (!der) throw new Error(`No certificate in ${certFile}`);
  const signer = new KeySigner(createPrivateKey(readFileSync(keyFile)), der, `operator key (${dir})`);
  return { identity, certificate: der, signer, tsa: await openHubTsa(dir, signer, identity.name) };
}
