// Checking a timestamp token over some data: the imprint is that data's hash, the token is a
// valid CMS signature by a certificate for time-stamping only (EKU timeStamping, critical)
// chaining to a trusted root, valid at the token's own time. And asking a TSA for one.
import { createHash } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import { ExtendedKeyUsage } from '@peculiar/asn1-x509';
import { knownCertificate, type CertificateIdentity } from '../certificates';
import { verifyEncapsulated } from '../cms';
import { readSignedData } from '../signed-data';
import { sameSerial } from '../revocation/certificate-fields';
import {
  imprintHashes,
  readTstInfo,
  timestampingPurpose,
  timestampQueryType,
  timestampRequest,
  tokenOfResponse,
  tstInfoContentType,
  type TimestampFacts,
} from './tsp';

export interface VerifiedTimestamp extends TimestampFacts {
  tsa: CertificateIdentity;
  /** The TSA's certificate path, TSA first, the trusted root last (DER). */
  chain: Buffer[];
}

export type TimestampCheck =
  { ok: true; timestamp: VerifiedTimestamp } | { ok: false; problem: string; genTime?: Date };

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** RFC 3161 2.3: the TSA's certificate is for time-stamping, and says so in a critical extension. */
function timestampingProblem(certificate: Buffer): string | undefined {
  const extension = knownCertificate(certificate)
    .asn()
    .tbsCertificate.extensions?.find((e) => e.extnID === '2.5.29.37');
  if (!extension) return 'the TSA certificate has no extendedKeyUsage';
  if (!extension.critical) return "the TSA certificate's extendedKeyUsage is not critical";
  if (!AsnConvert.parse(extension.extnValue.buffer, ExtendedKeyUsage).includes(timestampingPurpose))
    return 'the TSA certificate is not for time-stamping';
  return undefined;
}

export async function verifyTimestampToken(
  token: Buffer,
  data: Buffer,
  trustedRoots: Buffer[],
): Promise<TimestampCheck> {
  let facts: TimestampFacts;
  try {
    const parsed = readSignedData(token, true);
    if (parsed.eContentType !== tstInfoContentType)
      return { ok: false, problem: `the token's content type ${parsed.eContentType} is not TSTInfo` };
    facts = readTstInfo(parsed.content!);
  } catch (e) {
    return { ok: false, problem: `not a timestamp token: ${message(e)}` };
  }
  const hash = imprintHashes[facts.hashOid];
  if (!hash)
    return {
      ok: false,
      problem: `the token's imprint algorithm ${facts.hashOid} is not supported`,
      genTime: facts.genTime,
    };
  if (!createHash(hash).update(data).digest().equals(facts.imprint))
    return { ok: false, problem: 'the token is over other data', genTime: facts.genTime };
  const result = await verifyEncapsulated(token, { trustedRoots, at: facts.genTime });
  if (!result.valid || !result.signer)
    return {
      ok: false,
      problem: `the token's signature: ${result.problems.map((p) => p.message).join('; ')}`,
      genTime: facts.genTime,
    };
  const purpose = timestampingProblem(result.signer.certificate);
  if (purpose) return { ok: false, problem: purpose, genTime: facts.genTime };
  return { ok: true, timestamp: { ...facts, tsa: result.signer, chain: result.chain ?? [result.signer.certificate] } };
}

/** Asks the TSA at `url` for a token over `data`; checks it answers this request (nonce and imprint). */
export async function requestTimestamp(
  url: string,
  data: Buffer,
  options: { timeoutMs?: number } = {},
): Promise<Buffer> {
  const request = timestampRequest(data);
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': timestampQueryType },
    body: new Uint8Array(request.der),
    signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
  });
  if (!response.ok) throw new Error(`the time-stamp authority ${url} answered HTTP ${response.status}`);
  const token = tokenOfResponse(Buffer.from(await response.arrayBuffer()));
  const facts = readTstInfo(readSignedData(token, true).content!);
  if (!facts.nonce || !sameSerial(facts.nonce, request.nonce))
    throw new Error(`the time-stamp authority ${url} answered another request (nonce)`);
  if (facts.hashOid !== request.hashOid || !facts.imprint.equals(request.digest))
    throw new Error(`the time-stamp authority ${url} stamped other data`);
  return token;
}
