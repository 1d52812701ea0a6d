// The words of certificate status, defined once: the verifier, the hub, the CLI and the UI use these.
import { z } from 'zod';

/** good: not revoked at the time that counts; revoked: revoked at or before it; unknown: never "valid". */
export const certificateStatus = z.enum(['good', 'revoked', 'unknown']);
export type CertificateStatusName = z.infer<typeof certificateStatus>;

export const revocationSource = z.enum(['ocsp', 'crl']);
export type RevocationSource = z.infer<typeof revocationSource>;

/** RFC 5280 5.3.1 CRLReason, by its ENUMERATED value (7 is unused). */
export const revocationReason = z.enum([
  'unspecified',
  'keyCompromise',
  'cACompromise',
  'affiliationChanged',
  'superseded',
  'cessationOfOperation',
  'certificateHold',
  'removeFromCRL',
  'privilegeWithdrawn',
  'aACompromise',
]);
export type RevocationReason = z.infer<typeof revocationReason>;

const reasonCodes: Record<number, RevocationReason> = {
  0: 'unspecified',
  1: 'keyCompromise',
  2: 'cACompromise',
  3: 'affiliationChanged',
  4: 'superseded',
  5: 'cessationOfOperation',
  6: 'certificateHold',
  8: 'removeFromCRL',
  9: 'privilegeWithdrawn',
  10: 'aACompromise',
};

export function reasonOfCode(code: number | undefined): RevocationReason {
  return (code !== undefined && reasonCodes[code]) || 'unspecified';
}
