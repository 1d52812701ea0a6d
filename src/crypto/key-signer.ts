// A Signer over a private key held in this process (node:crypto KeyObject): the base of the
// unattended agent's software key (src/token/software-signer.ts) and of the hub's own
// confirmations, which may import only src/crypto.
import { X509Certificate, sign, type KeyObject } from 'node:crypto';
import { algorithmForKey } from './algorithms';
import { describeCertificate } from './certificates';
import type { SignatureAlgorithm, Signer } from './signer';

export class KeySigner implements Signer {
  readonly algorithm: SignatureAlgorithm;
  private readonly hash: string;

  constructor(
    private readonly privateKey: KeyObject,
    readonly certificate: Buffer,
    readonly description = `software key, ${describeCertificate(certificate).commonName}`,
  ) {
    const publicKey = new X509Certificate(certificate).publicKey;
    const spec = algorithmForKey(publicKey);
    if (!spec) throw new Error(`Unsupported key in the certificate of ${description}: ${publicKey.asymmetricKeyType} ${publicKey.asymmetricKeyDetails?.namedCurve ?? ''}`.trim());
    if (!new X509Certificate(certificate).checkPrivateKey(privateKey)) {
      throw new Error(`The private key does not belong to the certificate (${description})`);
    }
    this.algorithm = spec.name;
    this.hash = spec.hash;
  }

  async sign(data: Buffer): Promise<Buffer> {
    return sign(this.hash, data, { key: this.privateKey, dsaEncoding: 'der' });
  }
}
