// A Signer over a private key held in this process: a node:crypto KeyObject (RSA, ECDSA) or
// a GOST R 34.10-2012 key (gost3410.ts). The base of the unattended agent's software key
// (src/token/software-signer.ts) and of the hub's own confirmations, which may import only src/crypto.
import { X509Certificate, sign, type KeyObject } from 'node:crypto';
import { algorithmForKey, describeKey, isGostKey, publicKeyFromSpki, type PublicKey } from './algorithms';
import { describeCertificate } from './certificates';
import { createDigest, type DigestAlgorithm } from './digest';
import { spkiOfCertificate } from './gost-keys';
import { gostSign, publicKeyOf, type GostPrivateKey } from './gost3410';
import type { SignatureAlgorithm, Signer } from './signer';

export type PrivateKey = KeyObject | GostPrivateKey;

export const isGostPrivateKey = (key: PrivateKey): key is GostPrivateKey => 'curve' in key && 'd' in key;

/** Whether the private key is the one of the certificate's public key (an unreadable certificate: false). */
export function keyFitsCertificate(privateKey: PrivateKey, certificate: Buffer): boolean {
  try {
    return keyBelongs(privateKey, certificate, publicKeyFromSpki(spkiOfCertificate(certificate)));
  } catch {
    return false;
  }
}

function keyBelongs(privateKey: PrivateKey, certificate: Buffer, publicKey: PublicKey): boolean {
  if (!isGostPrivateKey(privateKey))
    return !isGostKey(publicKey) && new X509Certificate(certificate).checkPrivateKey(privateKey);
  if (!isGostKey(publicKey) || publicKey.curve.oid !== privateKey.curve.oid) return false;
  const derived = publicKeyOf(privateKey);
  return derived.x === publicKey.x && derived.y === publicKey.y;
}

export class KeySigner implements Signer {
  readonly algorithm: SignatureAlgorithm;
  private readonly hash: DigestAlgorithm;

  constructor(
    private readonly privateKey: PrivateKey,
    readonly certificate: Buffer,
    readonly description = `software key, ${describeCertificate(certificate).commonName}`,
  ) {
    let publicKey: PublicKey;
    try {
      publicKey = publicKeyFromSpki(spkiOfCertificate(certificate));
    } catch (e) {
      throw new Error(
        `The certificate of ${description} has an unreadable key: ${e instanceof Error ? e.message : String(e)}`,
        { cause: e },
      );
    }
    const spec = algorithmForKey(publicKey);
    if (!spec) throw new Error(`Unsupported key in the certificate of ${description}: ${describeKey(publicKey)}`);
    if (!keyBelongs(privateKey, certificate, publicKey)) {
      throw new Error(`The private key does not belong to the certificate (${description})`);
    }
    this.algorithm = spec.name;
    this.hash = spec.hash;
  }

  async sign(data: Buffer): Promise<Buffer> {
    if (isGostPrivateKey(this.privateKey)) {
      const digest = createDigest(this.hash);
      digest.update(data);
      return gostSign(this.privateKey, digest.digest());
    }
    return sign(this.hash, data, { key: this.privateKey, dsaEncoding: 'der' });
  }
}
