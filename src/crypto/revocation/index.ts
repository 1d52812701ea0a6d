// Certificate status (OCSP, CRL) for the one verifier of client and hub.
export {
  RevocationChecker,
  type CertificateStatus,
  type ChainStatus,
  type EmbeddedEvidence,
  type RevocationSettings,
  type StatusEvidence,
} from './checker';
export {
  certificateStatus,
  revocationReason,
  revocationSource,
  type CertificateStatusName,
  type RevocationReason,
  type RevocationSource,
} from './vocabulary';
