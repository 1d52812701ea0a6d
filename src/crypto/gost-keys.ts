// GOST R 34.10-2012 keys in X.509 and PKCS#8 (RFC 9215 §4, what OpenSSL's GOST engine writes):
// AlgorithmIdentifier { id-tc26-gost3410-12-256|512, SEQUENCE { publicKeyParamSet,
// digestParamSet OPTIONAL } }; the public key an OCTET STRING x‖y (little-endian) inside the
// BIT STRING; the private key raw little-endian bytes. Read straight from the DER.
import { objectIdentifier, octetString, readChildren, readElement, readObjectIdentifier, sequence, tlv } from './der';
import {
  decodePublicPoint,
  encodePublicPoint,
  gostCurve,
  privateKeyFromBytes,
  type GostCurve,
  type GostPrivateKey,
  type GostPublicKey,
} from './gost3410';

export const gostOids = {
  key256: '1.2.643.7.1.1.1.1',
  key512: '1.2.643.7.1.1.1.2',
  streebog256: '1.2.643.7.1.1.2.2',
  streebog512: '1.2.643.7.1.1.2.3',
  signWithDigest256: '1.2.643.7.1.1.3.2',
  signWithDigest512: '1.2.643.7.1.1.3.3',
} as const;

/** Kazakhstan's NCA RK arc for GOST 34.10-2015 keys and signatures: named, not yet verifiable. */
export const kazakhGostArc = '1.2.398.3.10.1.1.2.';

export const isGostKeyOid = (oid: string) => oid === gostOids.key256 || oid === gostOids.key512;

/** The algorithm OID and the DER of its parameters, from an AlgorithmIdentifier element's contents. */
function algorithmOf(element: Buffer): { oid: string; parameters?: Buffer } {
  const [oid, parameters] = readChildren(readElement(element).contents);
  return { oid: readObjectIdentifier(oid!), parameters: parameters?.encoded };
}

/** The curve that GostR3410-2012-PublicKeyParameters names, checked against the key OID's size. */
function curveOf(keyOid: string, parameters: Buffer | undefined): GostCurve {
  if (!parameters || parameters[0] !== 0x30) throw new Error('the GOST key has no GostR3410-2012-PublicKeyParameters');
  const [paramSet, digestParamSet] = readChildren(readElement(parameters).contents);
  const setOid = readObjectIdentifier(paramSet!);
  const curve = gostCurve(setOid);
  if (!curve) throw new Error(`the GOST key names an unknown parameter set ${setOid}`);
  const bits = keyOid === gostOids.key256 ? 256 : 512;
  if (curve.bits !== bits)
    throw new Error(`the ${bits}-bit GOST key names the ${curve.bits}-bit parameter set ${setOid}`);
  if (digestParamSet) {
    const digestOid = readObjectIdentifier(digestParamSet);
    const expected = bits === 256 ? gostOids.streebog256 : gostOids.streebog512;
    if (digestOid !== expected) throw new Error(`the GOST key names the digest ${digestOid}, ${expected} expected`);
  }
  return curve;
}

/** The algorithm OID of a SubjectPublicKeyInfo (DER). */
export function keyAlgorithmOid(spki: Buffer): string {
  const [algorithm] = readChildren(readElement(spki).contents);
  return algorithmOf(algorithm!.encoded).oid;
}

/** The GOST public key of a SubjectPublicKeyInfo (DER), or undefined for another algorithm; throws when malformed. */
export function gostPublicKeyFromSpki(spki: Buffer): GostPublicKey | undefined {
  const [algorithm, bits] = readChildren(readElement(spki).contents);
  const { oid, parameters } = algorithmOf(algorithm!.encoded);
  if (!isGostKeyOid(oid)) return undefined;
  const curve = curveOf(oid, parameters);
  if (!bits || bits.tag !== 0x03 || bits.contents[0] !== 0)
    throw new Error('the GOST subjectPublicKey is not a BIT STRING');
  const point = readElement(bits.contents.subarray(1));
  if (point.tag !== 0x04) throw new Error('the GOST subjectPublicKey does not hold an OCTET STRING');
  return decodePublicPoint(curve, point.contents);
}

/** The AlgorithmIdentifier of a GOST key; the digestParamSet as gost-engine writes it (omitted for tc26 256 A and 512 C). */
export function gostKeyAlgorithm(curve: GostCurve): Buffer {
  const keyOid = curve.bits === 256 ? gostOids.key256 : gostOids.key512;
  const digestOid = curve.bits === 256 ? gostOids.streebog256 : gostOids.streebog512;
  const omitDigest = curve.oid === '1.2.643.7.1.2.1.1.1' || curve.oid === '1.2.643.7.1.2.1.2.3';
  return sequence(
    objectIdentifier(keyOid),
    sequence(objectIdentifier(curve.oid), ...(omitDigest ? [] : [objectIdentifier(digestOid)])),
  );
}

export function encodeGostSpki(key: GostPublicKey): Buffer {
  return sequence(gostKeyAlgorithm(key.curve), tlv(0x03, Buffer.from([0]), octetString(encodePublicPoint(key))));
}

/**
 * The GOST private key of a PKCS#8 PrivateKeyInfo (DER), or undefined for another algorithm.
 * The privateKey OCTET STRING holds the raw little-endian bytes (OpenSSL), or wraps them once
 * more in an OCTET STRING, or as an INTEGER (older gost-engine writes).
 */
export function gostPrivateKeyFromPkcs8(der: Buffer): GostPrivateKey | undefined {
  const [, algorithm, privateKey] = readChildren(readElement(der).contents);
  const { oid, parameters } = algorithmOf(algorithm!.encoded);
  if (!isGostKeyOid(oid)) return undefined;
  const curve = curveOf(oid, parameters);
  if (!privateKey || privateKey.tag !== 0x04) throw new Error('the GOST PKCS#8 key has no privateKey OCTET STRING');
  const raw = privateKey.contents;
  const size = curve.bits / 8;
  if (raw.length === size) return privateKeyFromBytes(curve, raw);
  const inner = readElement(raw);
  if (inner.tag === 0x04 && inner.contents.length === size) return privateKeyFromBytes(curve, inner.contents);
  if (inner.tag === 0x02) return privateKeyFromBytes(curve, inner.contents, false);
  throw new Error(
    `the GOST PKCS#8 privateKey is not ${size} raw bytes (a masked CryptoPro key, perhaps): not supported`,
  );
}

export function encodeGostPkcs8(key: GostPrivateKey): Buffer {
  const size = key.curve.bits / 8;
  const raw = Buffer.from(key.d.toString(16).padStart(size * 2, '0'), 'hex').reverse();
  return sequence(Buffer.from([0x02, 0x01, 0x00]), gostKeyAlgorithm(key.curve), octetString(raw));
}

/** The key as OpenSSL writes it unencrypted: PKCS#8 in a PEM "PRIVATE KEY" block. */
export function encodeGostPkcs8Pem(key: GostPrivateKey): string {
  const base64 = encodeGostPkcs8(key)
    .toString('base64')
    .match(/.{1,64}/g)!
    .join('\n');
  return `-----BEGIN PRIVATE KEY-----\n${base64}\n-----END PRIVATE KEY-----\n`;
}

/** The SubjectPublicKeyInfo (DER) inside a certificate's TBSCertificate. */
export function spkiOfCertificate(certificate: Buffer): Buffer {
  const [tbs] = readChildren(readElement(certificate).contents);
  const fields = readChildren(tbs!.contents);
  const offset = fields[0]!.tag === 0xa0 ? 1 : 0;
  return fields[offset + 5]!.encoded;
}
