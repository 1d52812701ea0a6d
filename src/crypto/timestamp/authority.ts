// An RFC 3161 time-stamp authority over any Signer (the hub's TSA key): answers a
// TimeStampReq with a token whose TSTInfo names the digest it was given, the time, a unique
// serial and the request's nonce, signed as CMS (with ESS signingCertificateV2, RFC 5816).
import { randomBytes } from 'node:crypto';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import {
  Accuracy,
  MessageImprint,
  PKIFreeText,
  PKIStatus,
  PKIStatusInfo,
  TimeStampReq,
  TimeStampResp,
  TSTInfo,
} from '@peculiar/asn1-tsp';
import { AlgorithmIdentifier } from '@peculiar/asn1-x509';
import { signDetached } from '../cms';
import { sequence } from '../der';
import type { Signer } from '../signer';
import { imprintHashes, tstInfoContentType } from './tsp';

export interface TimestampAuthorityOptions {
  /** Its certificate must carry extendedKeyUsage timeStamping, critical (RFC 3161 2.3). */
  signer: Signer;
  /** CA certificates to include after the TSA's own. */
  chain?: Buffer[];
  /** The TSA policy OID every token names. */
  policy: string;
  now?: () => Date;
}

const sizes: Record<string, number> = { sha256: 32, sha384: 48, sha512: 64 };

export class TimestampAuthority {
  constructor(private readonly options: TimestampAuthorityOptions) {}

  /** The DER TimeStampResp for a DER TimeStampReq: granted, or rejected naming why. */
  async respond(request: Buffer): Promise<Buffer> {
    let parsed: TimeStampReq;
    try {
      parsed = AsnConvert.parse(request, TimeStampReq);
    } catch (e) {
      return rejection(`not a DER TimeStampReq: ${e instanceof Error ? e.message : String(e)}`);
    }
    const hashOid = parsed.messageImprint.hashAlgorithm.algorithm;
    const hash = imprintHashes[hashOid];
    const digest = Buffer.from(parsed.messageImprint.hashedMessage.buffer);
    if (!hash) return rejection(`unsupported message imprint algorithm ${hashOid} (SHA-256, SHA-384 or SHA-512)`);
    if (digest.length !== sizes[hash])
      return rejection(`the message imprint has ${digest.length} bytes, ${hash} has ${sizes[hash]}`);
    if (parsed.reqPolicy && parsed.reqPolicy !== this.options.policy)
      return rejection(`unaccepted policy ${parsed.reqPolicy}; this TSA issues under ${this.options.policy}`);
    const token = await this.stamp(digest, hashOid, parsed.nonce ? Buffer.from(parsed.nonce) : undefined);
    return granted(token);
  }

  /** A TimeStampToken (DER ContentInfo) over `digest`. */
  async stamp(digest: Buffer, hashOid: string, nonce?: Buffer): Promise<Buffer> {
    // Whole seconds: what the accuracy below promises, and what every reader parses.
    const genTime = new Date(Math.floor((this.options.now?.() ?? new Date()).getTime() / 1000) * 1000);
    const serial = randomBytes(16);
    serial[0]! &= 0x7f;
    const info = new TSTInfo({
      version: 1,
      policy: this.options.policy,
      messageImprint: new MessageImprint({
        hashAlgorithm: new AlgorithmIdentifier({ algorithm: hashOid }),
        hashedMessage: new OctetString(digest),
      }),
      serialNumber: new Uint8Array(serial).buffer,
      genTime,
      accuracy: new Accuracy({ seconds: 1 }),
      nonce: nonce ? new Uint8Array(nonce).buffer : undefined,
    });
    const der = Buffer.from(AsnConvert.serialize(info));
    return signDetached(der, this.options.signer, {
      signingTime: genTime,
      certificates: this.options.chain,
      encapsulate: { contentType: tstInfoContentType },
    });
  }
}

function granted(token: Buffer): Buffer {
  const status = Buffer.from(AsnConvert.serialize(new PKIStatusInfo({ status: PKIStatus.granted })));
  // The token as signed, not re-encoded.
  return sequence(status, token);
}

function rejection(text: string): Buffer {
  return Buffer.from(
    AsnConvert.serialize(
      new TimeStampResp({
        status: new PKIStatusInfo({ status: PKIStatus.rejection, statusString: new PKIFreeText([text]) }),
      }),
    ),
  );
}
