// The Signer over a private key on a PKCS#11 token. RSA signs with CKM_SHA256_RSA_PKCS on the
// token; ECDSA is hashed here and signed with plain CKM_ECDSA (SoftHSM 2.6 and several vendor
// modules lack CKM_ECDSA_SHA256), and the token's r||s becomes the DER that CMS carries.
import { X509Certificate, createHash } from 'node:crypto';
// Default import: pkcs11js is CommonJS, and under Node's ESM loader (the CLI via tsx) a namespace
// import sees only PKCS11, not the CK* constants.
import pkcs11js from 'pkcs11js';
import { algorithmForKey, type AlgorithmSpec } from '../crypto/algorithms';
import { ecdsaRawToDer } from '../crypto/der';
import type { SignatureAlgorithm, Signer } from '../crypto/signer';
import { TokenError } from './errors';
import type { TokenCertificate, TokenSession } from './session';

export class Pkcs11Signer implements Signer {
  readonly certificate: Buffer;
  readonly algorithm: SignatureAlgorithm;
  readonly description: string;
  private readonly spec: AlgorithmSpec;
  private readonly id: Buffer;

  constructor(
    private readonly token: TokenSession,
    readonly tokenCertificate: TokenCertificate,
  ) {
    this.certificate = tokenCertificate.identity.certificate;
    this.description = `${token.name}, ${tokenCertificate.identity.commonName}`;
    const publicKey = new X509Certificate(this.certificate).publicKey;
    const spec = algorithmForKey(publicKey);
    if (!spec) {
      throw new TokenError('key-not-found', `The key of ${this.description} is ${publicKey.asymmetricKeyType} ${publicKey.asymmetricKeyDetails?.namedCurve ?? ''}: not a supported signature algorithm`.trim(), {
        token: token.ref,
      });
    }
    this.spec = spec;
    this.algorithm = spec.name;
    this.id = Buffer.from(tokenCertificate.id, 'hex');
  }

  async sign(data: Buffer): Promise<Buffer> {
    const rsa = this.spec.keyType === 'rsa';
    const mechanism = { mechanism: rsa ? pkcs11js.CKM_SHA256_RSA_PKCS : pkcs11js.CKM_ECDSA };
    const input = rsa ? data : createHash(this.spec.hash).update(data).digest();
    const signature = await this.token.exclusive(async () => {
      const key = this.token.findKey(pkcs11js.CKO_PRIVATE_KEY, this.id);
      if (key === undefined) {
        if (!this.token.isPresent()) throw this.token.removed('sign with');
        throw new TokenError('key-not-found', `${this.token.name} no longer holds the private key ${this.tokenCertificate.id} of ${this.tokenCertificate.identity.commonName}`, {
          token: this.token.ref,
        });
      }
      try {
        this.token.module.C_SignInit(this.token.handle, mechanism, key);
        // The callback form runs on libuv's pool: a real token takes up to a second to sign.
        return await new Promise<Buffer>((resolve, reject) => {
          this.token.module.C_Sign(this.token.handle, input, Buffer.alloc(1024), (error, out) => (error ? reject(error) : resolve(Buffer.from(out))));
        });
      } catch (e) {
        throw this.token.failure(e, 'sign with');
      }
    });
    return rsa ? signature : ecdsaRawToDer(signature);
  }
}
