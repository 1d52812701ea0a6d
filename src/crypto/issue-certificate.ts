// A certificate signed through a Signer, whatever its algorithm: what the hub needs to make its
// own operator certificate with a GOST R 34.10-2012 key, which neither node:crypto nor
// @peculiar/x509 (WebCrypto) can sign with.
import { createHash, randomBytes } from 'node:crypto';
import { algorithmSpec } from './algorithms';
import { encodeTime } from './cms';
import { objectIdentifier, octetString, readChildren, readElement, sequence, tlv, unsignedInteger } from './der';
import { encodeGostSpki } from './gost-keys';
import { generatePrivateKey, gostSign, publicKeyOf, type GostCurve, type GostPrivateKey } from './gost3410';
import type { Signer } from './signer';
import { streebog } from './streebog';

export interface CertificateFields {
  /** Positive, big-endian. */
  serial: Buffer;
  /** DER Names. */
  issuer: Buffer;
  subject: Buffer;
  notBefore: Date;
  notAfter: Date;
  /** DER SubjectPublicKeyInfo. */
  spki: Buffer;
  /** DER Extension elements. */
  extensions: Buffer[];
}

/**
 * The AlgorithmIdentifier of a certificate signed with `algorithm`: NULL parameters for RSA
 * (RFC 4055), none for ECDSA (RFC 5758) and GOST (RFC 9215 §3, as its examples are).
 */
export function certificateSignatureAlgorithm(algorithm: Signer['algorithm']): Buffer {
  const spec = algorithmSpec(algorithm);
  return sequence(
    objectIdentifier(spec.certificateSignatureOid),
    ...(spec.keyType === 'rsa' ? [Buffer.from([0x05, 0x00])] : []),
  );
}

/** An X.509 v3 certificate (DER) with `fields`, signed by `issuer`. */
export async function signCertificate(
  fields: CertificateFields,
  issuer: Pick<Signer, 'algorithm' | 'sign'>,
): Promise<Buffer> {
  const algorithm = certificateSignatureAlgorithm(issuer.algorithm);
  const tbs = sequence(
    tlv(0xa0, Buffer.from([0x02, 0x01, 0x02])),
    unsignedInteger(fields.serial),
    algorithm,
    fields.issuer,
    sequence(encodeTime(fields.notBefore), encodeTime(fields.notAfter)),
    fields.subject,
    fields.spki,
    ...(fields.extensions.length > 0 ? [tlv(0xa3, sequence(...fields.extensions))] : []),
  );
  const signature = await issuer.sign(tbs);
  return sequence(tbs, algorithm, tlv(0x03, Buffer.from([0]), signature));
}

/** An empty CRL (v2, DER) of the CA named `issuerName`, signed by it: a CA that revokes nothing between the two times. */
export async function signEmptyCrl(
  issuerName: Buffer,
  thisUpdate: Date,
  nextUpdate: Date,
  issuer: Pick<Signer, 'algorithm' | 'sign'>,
): Promise<Buffer> {
  const algorithm = certificateSignatureAlgorithm(issuer.algorithm);
  const tbs = sequence(
    Buffer.from([0x02, 0x01, 0x01]),
    algorithm,
    issuerName,
    encodeTime(thisUpdate),
    encodeTime(nextUpdate),
  );
  const signature = await issuer.sign(tbs);
  return sequence(tbs, algorithm, tlv(0x03, Buffer.from([0]), signature));
}

/** A GOST private key as a certificate issuer: Streebog of its size over the TBS, signed. */
export function gostCertificateSigner(key: GostPrivateKey): Pick<Signer, 'algorithm' | 'sign'> {
  return {
    algorithm: key.curve.bits === 256 ? 'GOST2012-256' : 'GOST2012-512',
    sign: async (tbs) => gostSign(key, streebog(key.curve.bits, tbs)),
  };
}

/** SHA-1 of the subjectPublicKey bits (RFC 5280 §4.2.1.2, method 1). */
export function keyIdentifier(spki: Buffer): Buffer {
  const [, bits] = readChildren(readElement(spki).contents);
  return createHash('sha1').update(bits!.contents.subarray(1)).digest();
}

const extension = (oid: string, value: Buffer) => sequence(objectIdentifier(oid), octetString(value));

export interface GostAuthority {
  key: GostPrivateKey;
  /** DER. */
  certificate: Buffer;
  /** The DER Name it issues under. */
  name: Buffer;
  /** A certificate for `spki` with the subjectKeyIdentifier and authorityKeyIdentifier added to `extensions`. */
  issue(fields: Omit<CertificateFields, 'issuer' | 'serial'>): Promise<Buffer>;
}

const serial = () => Buffer.concat([Buffer.from([0x01]), randomBytes(8)]);

/**
 * A self-signed GOST R 34.10-2012 CA on `curve` (its own key, made here) that issues through
 * our GOST code: for the sandbox's demo PKI and the tests' GOST PKI, where no WebCrypto can sign.
 * `fields.extensions` are the CA's own, beside its subjectKeyIdentifier.
 */
export async function createGostAuthority(
  curve: GostCurve,
  fields: Omit<CertificateFields, 'issuer' | 'serial' | 'spki'>,
): Promise<GostAuthority> {
  const key = generatePrivateKey(curve);
  const spki = encodeGostSpki(publicKeyOf(key));
  const keyId = keyIdentifier(spki);
  const signer = gostCertificateSigner(key);
  const name = fields.subject;
  const certificate = await signCertificate(
    {
      ...fields,
      serial: serial(),
      issuer: name,
      spki,
      extensions: [...fields.extensions, extension('2.5.29.14', octetString(keyId))],
    },
    signer,
  );
  return {
    key,
    certificate,
    name,
    issue: (issued) =>
      signCertificate(
        {
          ...issued,
          serial: serial(),
          issuer: name,
          extensions: [
            ...issued.extensions,
            extension('2.5.29.14', octetString(keyIdentifier(issued.spki))),
            extension('2.5.29.35', sequence(tlv(0x80, keyId))),
          ],
        },
        signer,
      ),
  };
}
