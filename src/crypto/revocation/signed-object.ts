// The signature of an X.509-style signed object (CRL, OCSP response): TBS bytes, an algorithm,
// a BIT STRING. Read from the DER as received, since the signature covers those exact bytes.
import { verify, type KeyObject } from 'node:crypto';
import { algorithms } from '../algorithms';
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
  return { tbs: tbs.encoded, signatureAlgorithm: readObjectIdentifier(oid!), signature: bits.contents.subarray(1), rest: rest.map((r) => r.encoded) };
}

/** SHA-2 signature OIDs beyond the signing table that CAs and responders use. */
const extraHashes: Record<string, string> = {
  '1.2.840.113549.1.1.12': 'sha384',
  '1.2.840.113549.1.1.13': 'sha512',
  '1.2.840.10045.4.3.4': 'sha512',
};

/** Whether `key` made `signature` over `data` with the X.509 algorithm `oid`: the algorithm table decides the hash. */
export function verifySignedObject(object: SignedObject, key: KeyObject): boolean {
  const spec = algorithms.find(
    (a) => a.signatureOid === object.signatureAlgorithm && a.keyType === key.asymmetricKeyType,
  );
  const hash = spec?.hash ?? extraHashes[object.signatureAlgorithm];
  if (!hash) throw new Error(`unsupported signature algorithm ${object.signatureAlgorithm}`);
  try {
    return verify(hash, object.tbs, key, object.signature);
  } catch {
    return false;
  }
}
