// RFC 3161 messages: a TimeStampReq over a digest (with a nonce, asking for the TSA's
// certificate), the TimeStampResp around a token, and the TSTInfo a token carries.
import { createHash, randomBytes } from 'node:crypto';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import { MessageImprint, PKIStatus, TimeStampReq, TimeStampResp, TSTInfo } from '@peculiar/asn1-tsp';
import { AlgorithmIdentifier } from '@peculiar/asn1-x509';
import { readChildren, readElement, readObjectIdentifier } from '../der';

export const tstInfoContentType = '1.2.840.113549.1.9.16.1.4';
export const timestampingPurpose = '1.3.6.1.5.5.7.3.8';
export const timestampQueryType = 'application/timestamp-query';
export const timestampReplyType = 'application/timestamp-reply';

/** The SHA-2 digests a TSA hashes imprints with, by OID. */
export const imprintHashes: Record<string, 'sha256' | 'sha384' | 'sha512'> = {
  '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
};
const hashOids = Object.fromEntries(Object.entries(imprintHashes).map(([oid, name]) => [name, oid])) as Record<
  string,
  string
>;

export interface TimestampRequest {
  der: Buffer;
  nonce: Buffer;
  hashOid: string;
  digest: Buffer;
}

/** A TimeStampReq for `data` (hashed here with `hash`). */
export function timestampRequest(data: Buffer, hash: 'sha256' | 'sha384' | 'sha512' = 'sha256'): TimestampRequest {
  const digest = createHash(hash).update(data).digest();
  // A positive INTEGER: the high bit clear.
  const nonce = randomBytes(16);
  nonce[0]! &= 0x7f;
  const hashOid = hashOids[hash]!;
  const request = new TimeStampReq({
    messageImprint: new MessageImprint({
      hashAlgorithm: new AlgorithmIdentifier({ algorithm: hashOid }),
      hashedMessage: new OctetString(digest),
    }),
    nonce: new Uint8Array(nonce).buffer,
    certReq: true,
  });
  return { der: Buffer.from(AsnConvert.serialize(request)), nonce, hashOid, digest };
}

export interface TimestampFacts {
  genTime: Date;
  policy: string;
  /** Lower-case hex. */
  serialNumber: string;
  hashOid: string;
  imprint: Buffer;
  nonce?: Buffer;
}

/** What a TSTInfo (the DER a token carries) says. */
export function readTstInfo(der: Buffer): TimestampFacts {
  const info = AsnConvert.parse(der, TSTInfo);
  return {
    genTime: info.genTime,
    // Ours, not asn1js's: it prints arcs past 2^53 (a UUID OID under 2.25, the hub's policy) as hex.
    policy: readObjectIdentifier(readChildren(readElement(der).contents)[1]!),
    serialNumber: Buffer.from(info.serialNumber)
      .toString('hex')
      .replace(/^(00)+(?=.)/, ''),
    hashOid: info.messageImprint.hashAlgorithm.algorithm,
    imprint: Buffer.from(info.messageImprint.hashedMessage.buffer),
    nonce: info.nonce ? Buffer.from(info.nonce) : undefined,
  };
}

/** The token of a granted TimeStampResp; throws with the TSA's status and text otherwise. */
export function tokenOfResponse(der: Buffer): Buffer {
  const response = AsnConvert.parse(der, TimeStampResp);
  const status = response.status.status;
  if (status !== PKIStatus.granted && status !== PKIStatus.grantedWithMods) {
    const text = response.status.statusString?.join('; ');
    throw new Error(`the time-stamp authority answered ${PKIStatus[status] ?? status}${text ? `: ${text}` : ''}`);
  }
  // The token's bytes as received: its signature covers them.
  const token = readChildren(readElement(der).contents)[1];
  if (!token) throw new Error('the time-stamp response has no token');
  return token.encoded;
}
