// The signature of an X.509-style signed object (CRL, OCSP response): TBS bytes, an algorithm,
// a BIT STRING. Read from the DER as received, since the signature covers those exact bytes.
import { verify } from 'node:crypto';
import { algorithms, isGostKey, type PublicKey } from '../algorithms';
import { gostVerify } from '../gost3410';
import { streebog } from '../streebog';
import { readChildren, readElement, readObjectIdentifier } from '../der';

export interface SignedObject {
  tbs: Buffer;
  signatureAlgorithm: string;
  signature: Buffer;
  /** The fields after the signature (BasicOCSPResponse certs [0]). */
  rest: Buffer[];
}

export function readSignedObject(der: Buffer, what: string): SignedObject {
  const outer = readElement(der);
  if (outer.tag !== 0x30 || outer.encoded.length !== der.length) throw new Error(`${what}: not one DER SEQUENCE`);
  const [tbs, algorithm, bits, ...rest] = readChildren(outer.contents);
  if (!tbs || algorithm?.tag !== 0x30 || bits?.tag !== 0x03) throw new Error(`${what}: not a signed structure`);
  const [oid] = readChildren(algorithm.contents);
  return {
    tbs: tbs.encoded,
    signatureAlgorithm: readObjectIdentifier(oid!),
    signature: bits.contents.subarray(1),
    rest: rest.map((r) => r.encoded),
  };
}

/** SHA-2 signature OIDs beyond the signing table that CAs and responders use. */
const extraHashes: Record<string, string> = {
  '1.2.840.113549.1.1.12': 'sha384',
  '1.2.840.113549.1.1.13': 'sha512',
  '1.2.840.10045.4.3.4': 'sha512',
};

/** Whether `key` made the object's signature: the algorithm table decides the hash; GOST as RFC 9215 signs certificates. */
export function verifySignedObject(object: SignedObject, key: PublicKey): boolean {
  try {
    if (isGostKey(key)) {
      const spec = algorithms.find(
        (a) =>
          a.keyType === 'gost' &&
          a.gostBits === key.curve.bits &&
          a.certificateSignatureOid === object.signatureAlgorithm,
      );
      if (!spec)
        throw new Error(
          `unsupported signature algorithm ${object.signatureAlgorithm} for a GOST ${key.curve.bits} key`,
        );
      return gostVerify(key, streebog(key.curve.bits, object.tbs), object.signature);
    }
    const spec = algorithms.find(
      (a) => a.certificateSignatureOid === object.signatureAlgorithm && a.keyType === key.asymmetricKeyType,
    );
    const hash = spec?.hash ?? extraHashes[object.signatureAlgorithm];
    if (!hash) throw new Error(`unsupported signature algorithm ${object.signatureAlgorithm}`);
    return verify(hash, object.tbs, key, object.signature);
  } catch (e) {
    if (e instanceof Error && e.message.startsWith('unsupported')) throw e;
    return false;
  }
}
