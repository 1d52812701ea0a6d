// One signature judged from what it carries, offline (docs/architecture.md §7): the signer, the
// trusted timestamp, the certificate status recorded then, and the verdict. The card prints
// it; the package verifier decides on it.
import { verifyLongTerm, type LongTermVerdict, type SignatureForm } from '../crypto/cades';
import type { CertificateIdentity } from '../crypto/certificates';
import type { ContentSource } from '../crypto/digest';
import {
  RevocationChecker,
  type CertificateStatusName,
  type EmbeddedEvidence,
  type StatusEvidence,
} from '../crypto/revocation';

export interface SignatureFacts {
  verdict: LongTermVerdict;
  form: SignatureForm;
  signer?: CertificateIdentity;
  signingTime?: Date;
  timestamp?: { at: Date; tsa: string; chain: Buffer[] };
  /** The signer's certificate status at the time that counts, from the embedded evidence. */
  status?: CertificateStatusName;
  /** The evidence each certificate's status was decided on (leaf first), where one was found. */
  statusEvidence: StatusEvidence[];
  problems: string[];
}

export interface AnalyzeOptions {
  trustedRoots: Buffer[];
  /** The operator certificate: the root of its TSA and of its own signatures. */
  operatorCertificate: Buffer;
  /** The time that counts without a timestamp (the operator's send time). */
  at?: Date;
  /** The day of verification. */
  now?: Date;
  /** Status evidence kept beside the signature (the package's), besides what it carries. */
  evidence?: EmbeddedEvidence;
  /** Where the status is asked when the evidence is not enough; default none (offline). */
  revocation?: RevocationChecker;
}

/** Status evidence kept beside a signature (OCSP answers and CRLs, DER), as the revocation check takes it. */
export function evidenceBeside(items: { source: string; der: Buffer }[]): EmbeddedEvidence {
  return {
    ocsp: items.filter((e) => e.source === 'ocsp').map((e) => e.der),
    crls: items.filter((e) => e.source === 'crl').map((e) => e.der),
  };
}

export async function analyzeSignature(
  cms: Buffer,
  content: ContentSource,
  o: AnalyzeOptions,
): Promise<SignatureFacts> {
  const check = await verifyLongTerm(cms, content, {
    trustedRoots: [...o.trustedRoots, o.operatorCertificate],
    tsaRoots: [o.operatorCertificate],
    at: o.at,
    now: o.now,
    revocation: o.revocation ?? new RevocationChecker({ offline: true }),
    evidence: o.evidence,
  });
  return {
    verdict: check.verdict,
    form: check.form,
    signer: check.signature.signer,
    signingTime: check.signature.signingTime,
    timestamp: check.timestamp && {
      at: check.timestamp.genTime,
      tsa: check.timestamp.tsa.commonName || check.timestamp.tsa.subject,
      chain: check.timestamp.chain,
    },
    status: check.status?.certificates[0]?.status ?? check.status?.status,
    statusEvidence: check.status?.certificates.flatMap((c) => (c.evidence ? [c.evidence] : [])) ?? [],
    problems: [
      ...check.problems,
      ...check.signature.problems.map((p) => p.message),
      ...(check.status?.certificates.flatMap((c) => c.problems) ?? []),
    ],
  };
}
