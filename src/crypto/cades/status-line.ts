// A long-term verification as the clerk's status line facts (src/vocabulary/signature-status.ts):
// what `edo-clerk verify`, the store and the document view show per signer (architecture.md §7).
import type { SignatureStatusLine } from '../../vocabulary/signature-status';
import type { LongTermVerification } from './long-term';

export function statusLineOf(v: LongTermVerification): SignatureStatusLine {
  // The certificate that decides: the first one not good (an intermediate may be the revoked one), else the signer's.
  const leaf = v.status?.certificates.find((c) => c.status !== 'good') ?? v.status?.certificates[0];
  const evidence = leaf?.evidence;
  const problems = [
    ...v.problems,
    ...v.signature.problems.map((p) => p.message),
    ...(v.status?.certificates.flatMap((c) => (c.status === 'good' ? [] : c.problems)) ?? []),
  ];
  return {
    verdict: v.verdict,
    certificateStatus: v.status?.status,
    time: v.time.toISOString(),
    timeSource: v.timeSource,
    source: evidence?.source,
    by: evidence?.by,
    from: evidence?.from,
    producedAt: evidence?.producedAt.toISOString(),
    revokedAt: leaf?.revocation?.at.toISOString(),
    revocationReason: leaf?.revocation?.reason,
    tsa: v.timestamp?.tsa.subject,
    problem: v.verdict === 'valid' ? undefined : problems.join('; ') || undefined,
  };
}
