// The Signer over a private key on a PKCS#11 token. RSA signs with CKM_SHA256_RSA_PKCS on the
// token; ECDSA is hashed here and signed with plain CKM_ECDSA (SoftHSM 2.6 and several vendor
// modules lack CKM_ECDSA_SHA256), and the token's r||s becomes the DER that CMS carries.
// GOST R 34.10-2012 (Rutoken ECP, JaCarta GOST): Streebog is computed here and the token signs
// the digest with CKM_GOSTR3410 (256) or the TC26 vendor CKM_GOSTR3410_512; its s‖r goes into
// the SignerInfo as it comes (PKCS#11 v2.30 and CMS agree on that byte order: s, then r, big-endian).
import { createHash } from 'node:crypto';
// Default import: pkcs11js is CommonJS, and under Node's ESM loader (the CLI via tsx) a namespace
// import sees only PKCS11, not the CK* constants.
import pkcs11js from 'pkcs11js';
import {
  algorithmForKey,
  describeKey,
  isGostKey,
  publicKeyFromSpki,
  type AlgorithmSpec,
  type PublicKey,
} from '../crypto/algorithms';
import { ecdsaRawToDer, objectIdentifier } from '../crypto/der';
import { createDigest } from '../crypto/digest';
import { gostOids, spkiOfCertificate } from '../crypto/gost-keys';
import type { SignatureAlgorithm, Signer } from '../crypto/signer';
import { TokenError } from './errors';
import type { TokenCertificate, TokenSession } from './session';

/** The TC26 vendor range (NSSCK_VENDOR_PKCS11_RU_TEAM, 0xD4321000); pkcs11js exports only the standard GOST constants. */
export const gostPkcs11 = {
  CKK_GOSTR3410: 0x30,
  CKK_GOSTR3410_512: 0xd4321003,
  CKA_GOSTR3410_PARAMS: 0x250,
  CKA_GOSTR3411_PARAMS: 0x251,
  CKM_GOSTR3410: 0x1201,
  CKM_GOSTR3410_512: 0xd4321006,
} as const;

const CKA_KEY_TYPE = 0x100;

export class Pkcs11Signer implements Signer {
  readonly certificate: Buffer;
  readonly algorithm: SignatureAlgorithm;
  readonly description: string;
  private readonly spec: AlgorithmSpec;
  private readonly publicKey: PublicKey;
  private readonly id: Buffer;

  constructor(
    private readonly token: TokenSession,
    readonly tokenCertificate: TokenCertificate,
  ) {
    this.certificate = tokenCertificate.identity.certificate;
    this.description = `${token.name}, ${tokenCertificate.identity.commonName}`;
    let publicKey: PublicKey;
    try {
      publicKey = publicKeyFromSpki(spkiOfCertificate(this.certificate));
    } catch (e) {
      throw new TokenError(
        'key-not-found',
        `The certificate of ${this.description} has an unreadable key: ${e instanceof Error ? e.message : String(e)}`,
        {
          token: token.ref,
        },
      );
    }
    const spec = algorithmForKey(publicKey);
    if (!spec) {
      throw new TokenError(
        'key-not-found',
        `The key of ${this.description} is ${describeKey(publicKey)}: not a supported signature algorithm`,
        { token: token.ref },
      );
    }
    this.spec = spec;
    this.publicKey = publicKey;
    this.algorithm = spec.name;
    this.id = Buffer.from(tokenCertificate.id, 'hex');
  }

  /**
   * The GOST mechanism for the key on the token, after checking that the token's key type,
   * CKA_GOSTR3410_PARAMS and CKA_GOSTR3411_PARAMS describe the certificate's key: a token
   * signing on another curve than the certificate names would make signatures nobody verifies.
   */
  private gostMechanism(key: pkcs11js.Handle): number {
    const publicKey = this.publicKey;
    if (!isGostKey(publicKey)) throw new Error('not a GOST key');
    const bits = publicKey.curve.bits;
    const typeValue = this.token.attribute(key, CKA_KEY_TYPE);
    // CK_ULONG in the module's byte order: little-endian on every platform a token driver ships for.
    const keyType =
      typeValue && typeValue.length > 0 ? typeValue.readUIntLE(0, Math.min(6, typeValue.length)) : undefined;
    const expectedType = bits === 256 ? gostPkcs11.CKK_GOSTR3410 : gostPkcs11.CKK_GOSTR3410_512;
    const mismatch = (what: string) =>
      new TokenError(
        'key-not-found',
        `The private key ${this.tokenCertificate.id} on ${this.token.name} ${what}, unlike the certificate of ${this.tokenCertificate.identity.commonName}`,
        {
          token: this.token.ref,
        },
      );
    if (keyType !== undefined && keyType !== expectedType)
      throw mismatch(`is of key type 0x${keyType.toString(16)}, not a ${bits}-bit GOST R 34.10-2012 key`);
    const curve = this.token.attribute(key, gostPkcs11.CKA_GOSTR3410_PARAMS);
    if (curve && !curve.equals(objectIdentifier(publicKey.curve.oid)))
      throw mismatch(`is on another curve than ${publicKey.curve.name}`);
    const hash = this.token.attribute(key, gostPkcs11.CKA_GOSTR3411_PARAMS);
    const streebog = objectIdentifier(bits === 256 ? gostOids.streebog256 : gostOids.streebog512);
    if (hash && hash.length > 0 && !hash.equals(streebog)) throw mismatch(`names another hash than Streebog-${bits}`);
    return bits === 256 ? gostPkcs11.CKM_GOSTR3410 : gostPkcs11.CKM_GOSTR3410_512;
  }

  private input(data: Buffer): Buffer {
    if (this.spec.keyType === 'rsa') return data;
    if (this.spec.keyType === 'ec') return createHash(this.spec.hash).update(data).digest();
    const digest = createDigest(this.spec.hash);
    digest.update(data);
    return digest.digest();
  }

  async sign(data: Buffer): Promise<Buffer> {
    const { keyType } = this.spec;
    const input = this.input(data);
    const signature = await this.token.exclusive(async () => {
      const key = this.token.findKey(pkcs11js.CKO_PRIVATE_KEY, this.id);
      if (key === undefined) {
        if (!this.token.isPresent()) throw this.token.removed('sign with');
        throw new TokenError(
          'key-not-found',
          `${this.token.name} no longer holds the private key ${this.tokenCertificate.id} of ${this.tokenCertificate.identity.commonName}`,
          {
            token: this.token.ref,
          },
        );
      }
      const mechanism = {
        mechanism:
          keyType === 'rsa'
            ? pkcs11js.CKM_SHA256_RSA_PKCS
            : keyType === 'ec'
              ? pkcs11js.CKM_ECDSA
              : this.gostMechanism(key),
      };
      try {
        this.token.module.C_SignInit(this.token.handle, mechanism, key);
        // The callback form runs on libuv's pool: a real token takes up to a second to sign.
        return await new Promise<Buffer>((resolve, reject) => {
          this.token.module.C_Sign(this.token.handle, input, Buffer.alloc(1024), (error, out) =>
            error ? reject(error) : resolve(Buffer.from(out)),
          );
        });
      } catch (e) {
        throw this.token.failure(e, 'sign with');
      }
    });
    if (keyType === 'ec') return ecdsaRawToDer(signature);
    if (keyType === 'gost' && signature.length !== input.length * 2) {
      throw new TokenError(
        'token-failed',
        `${this.token.name} returned a ${signature.length}-byte GOST signature, ${input.length * 2} bytes expected`,
        { token: this.token.ref },
      );
    }
    return signature;
  }
}
