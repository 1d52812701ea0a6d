// Long-term signatures: a CAdES-BES extended to CAdES-T (signature-time-stamp) and then to
// CAdES-X Long Type 1 (references, values, CAdES-C-time-stamp), and the verification that uses
// what the signature carries: the trusted time of its time-stamp and the status evidence
// recorded then, so that it still verifies after every certificate in it has expired.
import { z } from 'zod';
import type { LongTermVerdict, SignatureTimeSource } from '../../vocabulary/signature-status';
import { verifyDetached, type VerificationResult } from '../cms';
import type { ContentSource } from '../digest';
import { sequence } from '../der';
import type { ChainStatus, EmbeddedEvidence, RevocationChecker } from '../revocation';
import { readSignedData } from '../signed-data';
import { verifyTimestampToken, type VerifiedTimestamp } from '../timestamp';
import {
  attribute,
  cadesOids,
  certificateRefs,
  escTimeStampInput,
  readAttribute,
  readRevocationValues,
  revocationRefs,
  revocationValues,
  withUnsignedAttributes,
  type RevocationRef,
} from './attributes';

export const signatureForm = z.enum(['CAdES-BES', 'CAdES-T', 'CAdES-X-L1']);
export type SignatureForm = z.infer<typeof signatureForm>;

// The verdict's codes are the clerk's vocabulary (src/vocabulary/signature-status.ts), defined once.
export type { LongTermVerdict };

export interface ExtendOptions {
  /** A TimeStampToken over `data` (the hub's TSA, or any RFC 3161 service). */
  timestamp(data: Buffer): Promise<Buffer>;
  revocation: RevocationChecker;
  /** Roots for the signer's chain. */
  trustedRoots: Buffer[];
  /** Roots a signature-time-stamp already present may chain to (the operator's, a TSA's). */
  tsaRoots: Buffer[];
}

export interface ExtendResult {
  cms: Buffer;
  form: SignatureForm;
  /** The trusted time the status was established for. */
  time: Date;
  timestamp: VerifiedTimestamp;
  status: ChainStatus;
}

function formOf(types: string[]): SignatureForm {
  if (types.includes(cadesOids.escTimeStamp) && types.includes(cadesOids.revocationValues)) return 'CAdES-X-L1';
  return types.includes(cadesOids.signatureTimeStamp) ? 'CAdES-T' : 'CAdES-BES';
}

async function checkedTimestamp(
  token: Buffer,
  data: Buffer,
  roots: Buffer[],
  what: string,
): Promise<VerifiedTimestamp> {
  const check = await verifyTimestampToken(token, data, roots);
  if (!check.ok) throw new Error(`the ${what} does not verify: ${check.problem}`);
  return check.timestamp;
}

/**
 * Extends the one SignerInfo of `cms` (already verified, `chain` its signer's path) to
 * CAdES-T, keeping a signature-time-stamp it already has, then, when every certificate's
 * status is good at the time-stamp's time, to CAdES-X Long Type 1. A revoked or unknown status
 * stops at CAdES-T: the result says which, and the caller decides (refuse, or keep and flag).
 */
export async function extendToLongTerm(cms: Buffer, chain: Buffer[], options: ExtendOptions): Promise<ExtendResult> {
  const { signerInfo, unsignedAttributes } = readSignedData(cms);
  const attributes = unsignedAttributes
    .filter((a) => readAttribute(a).type === cadesOids.signatureTimeStamp)
    .slice(0, 1);
  let timestamp: VerifiedTimestamp;
  if (attributes[0]) {
    timestamp = await checkedTimestamp(
      readAttribute(attributes[0]).value,
      signerInfo.signature,
      [...options.trustedRoots, ...options.tsaRoots],
      'signature-time-stamp',
    );
  } else {
    const token = await options.timestamp(signerInfo.signature);
    timestamp = await checkedTimestamp(
      token,
      signerInfo.signature,
      [...options.trustedRoots, ...options.tsaRoots],
      'new signature-time-stamp',
    );
    attributes.push(attribute(cadesOids.signatureTimeStamp, token));
  }
  const status = await options.revocation.checkChain(chain, timestamp.genTime);
  const cadesT = withUnsignedAttributes(cms, attributes);
  if (status.status !== 'good') return { cms: cadesT, form: 'CAdES-T', time: timestamp.genTime, timestamp, status };

  const caCertificates = chain.slice(1);
  const evidence = status.certificates.map((c) => c.evidence!);
  const refs: RevocationRef[] = evidence.map((e) =>
    e.source === 'ocsp'
      ? { ocsp: { basic: e.der, responderId: e.responderId!, producedAt: e.producedAt } }
      : { crl: e.der },
  );
  attributes.push(
    attribute(cadesOids.completeCertificateRefs, certificateRefs(caCertificates)),
    attribute(cadesOids.completeRevocationRefs, revocationRefs(refs)),
    attribute(cadesOids.certificateValues, sequence(...caCertificates)),
    attribute(
      cadesOids.revocationValues,
      revocationValues(
        evidence.filter((e) => e.source === 'crl').map((e) => e.der),
        evidence.filter((e) => e.source === 'ocsp').map((e) => e.der),
      ),
    ),
  );
  attributes.push(
    attribute(cadesOids.escTimeStamp, await options.timestamp(escTimeStampInput(signerInfo.signature, attributes))),
  );
  return {
    cms: withUnsignedAttributes(cms, attributes),
    form: 'CAdES-X-L1',
    time: timestamp.genTime,
    timestamp,
    status,
  };
}

/**
 * CAdES-T of our own fresh CAdES-BES before it is sent: a signature-time-stamp over the
 * signature value from any RFC 3161 service, kept only when it verifies against `tsaRoots`.
 * A signature already stamped is returned as it is.
 */
export async function addSignatureTimestamp(
  cms: Buffer,
  timestamp: (data: Buffer) => Promise<Buffer>,
  tsaRoots: Buffer[],
): Promise<Buffer> {
  const { signerInfo, unsignedAttributes } = readSignedData(cms);
  if (unsignedAttributes.some((a) => readAttribute(a).type === cadesOids.signatureTimeStamp)) return cms;
  const token = await timestamp(signerInfo.signature);
  await checkedTimestamp(token, signerInfo.signature, tsaRoots, 'signature-time-stamp');
  return withUnsignedAttributes(cms, [...unsignedAttributes, attribute(cadesOids.signatureTimeStamp, token)]);
}

export interface LongTermOptions {
  trustedRoots: Buffer[];
  /** Roots of the time-stamp authorities trusted (the operator's certificate). */
  tsaRoots?: Buffer[];
  /** The time that counts when the signature has no time-stamp: the operator's send time. */
  at?: Date;
  /** The day of verification (default now): the time that counts without time-stamp or `at`. */
  now?: Date;
  revocation: RevocationChecker;
  /**
   * Status evidence kept beside the signature rather than in it (an evidence package's, gathered
   * for a CAdES-BES such as an МЧД's), tried after the signature's own revocation values.
   */
  evidence?: EmbeddedEvidence;
}

export interface LongTermVerification {
  verdict: LongTermVerdict;
  form: SignatureForm;
  signature: VerificationResult;
  /** The time the signature was judged at, and where that time comes from. */
  time: Date;
  timeSource: SignatureTimeSource;
  timestamp?: VerifiedTimestamp;
  status?: ChainStatus;
  problems: string[];
}

/**
 * A signature judged at its trusted time (the signature-time-stamp's, else `at`, else `now`),
 * with the status evidence it carries (then the checker's own sources, unless offline).
 */
export async function verifyLongTerm(
  cms: Buffer,
  content: ContentSource,
  options: LongTermOptions,
): Promise<LongTermVerification> {
  const problems: string[] = [];
  const tsaRoots = [...options.trustedRoots, ...(options.tsaRoots ?? [])];
  let attributes: Buffer[] = [];
  let signatureValue: Buffer | undefined;
  try {
    const parsed = readSignedData(Buffer.from(cms));
    attributes = parsed.unsignedAttributes;
    signatureValue = parsed.signerInfo.signature;
  } catch {
    // verifyDetached below names what is malformed.
  }
  const valueOf = (oid: string) => {
    const found = attributes.map(readAttribute).find((a) => a.type === oid);
    return found?.value;
  };
  const form = formOf(attributes.map((a) => readAttribute(a).type));
  const token = valueOf(cadesOids.signatureTimeStamp);
  let timestamp: VerifiedTimestamp | undefined;
  if (token && signatureValue) {
    const check = await verifyTimestampToken(token, signatureValue, tsaRoots);
    if (check.ok) timestamp = check.timestamp;
    else problems.push(`The signature-time-stamp does not verify: ${check.problem}`);
  }
  const time = timestamp?.genTime ?? options.at ?? options.now ?? new Date();
  const timeSource = timestamp ? 'timestamp' : options.at ? 'given' : 'verification';
  const signature = await verifyDetached(cms, content, { trustedRoots: options.trustedRoots, at: time });
  const result = (verdict: LongTermVerdict, status?: ChainStatus): LongTermVerification => ({
    verdict,
    form,
    signature,
    time,
    timeSource,
    timestamp,
    status,
    problems,
  });
  if (!signature.valid || !signature.chain || problems.length) return result('invalid');

  const esc = valueOf(cadesOids.escTimeStamp);
  if (esc) {
    const check = await verifyTimestampToken(esc, escTimeStampInput(signatureValue!, attributes), tsaRoots);
    if (!check.ok)
      return (problems.push(`The CAdES-C-time-stamp does not verify: ${check.problem}`), result('invalid'));
  }
  const values = valueOf(cadesOids.revocationValues);
  const carried = values ? readRevocationValues(values) : { ocsp: [], crls: [] };
  const beside = options.evidence ?? { ocsp: [], crls: [] };
  const embedded = { ocsp: [...carried.ocsp, ...beside.ocsp], crls: [...carried.crls, ...beside.crls] };
  const status = await options.revocation.checkChain(signature.chain, time, embedded);
  return result(status.status === 'good' ? 'valid' : status.status === 'revoked' ? 'invalid' : 'undetermined', status);
}
