// One signature judged from what it carries, offline (docs/architecture.md §7): the signer, the
// trusted timestamp, the certificate status recorded then, and the verdict. The card prints
// it; the package verifier decides on it.
import { verifyLongTerm, type LongTermVerdict, type SignatureForm } from '../crypto/cades';
import type { CertificateIdentity } from '../crypto/certificates';
import type { ContentSource } from '../crypto/digest';
import { RevocationChecker, type CertificateStatusName } from '../crypto/revocation';

export interface SignatureFacts {
  verdict: LongTermVerdict;
  form: SignatureForm;
  signer?: CertificateIdentity;
  signingTime?: Date;
  timestamp?: { at: Date; tsa: string; chain: Buffer[] };
  /** The signer's certificate status at the time that counts, from the embedded evidence. */
  status?: CertificateStatusName;
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
}

export async function analyzeSignature(cms: Buffer, content: ContentSource, o: AnalyzeOptions): Promise<SignatureFacts> {
  const check = await verifyLongTerm(cms, content, {
    trustedRoots: [...o.trustedRoots, o.operatorCertificate],
    tsaRoots: [o.operatorCertificate],
    at: o.at,
    now: o.now,
    revocation: new RevocationChecker({ offline: true }),
  });
  return {
    verdict: check.verdict,
    form: check.form,
    signer: check.signature.signer,
    signingTime: check.signature.signingTime,
    timestamp: check.timestamp && { at: check.timestamp.genTime, tsa: check.timestamp.tsa.commonName || check.timestamp.tsa.subject, chain: check.timestamp.chain },
    status: check.status?.certificates[0]?.status ?? check.status?.status,
    problems: [...check.problems, ...check.signature.problems.map((p) => p.message), ...(check.status?.certificates.flatMap((c) => c.problems) ?? [])],
  };
}
