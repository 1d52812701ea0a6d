// The signature layer's public API (docs/architecture.md §7); the hub and the client import from here.
export { digestContent, type ContentSource, type DigestAlgorithm } from './digest';
export {
  buildChain,
  certificateFingerprint,
  CertificateError,
  derToPem,
  describeCertificate,
  pemToDer,
  readCertificates,
  type CertificateIdentity,
  type ChainResult,
} from './certificates';
export {
  signDetached,
  verifyDetached,
  verifyEncapsulated,
  type SignOptions,
  type VerificationProblem,
  type VerificationProblemCode,
  type VerificationResult,
  type VerifyOptions,
} from './cms';
export { algorithms, algorithmForKey, algorithmSpec, type AlgorithmSpec } from './algorithms';
export { KeySigner } from './key-signer';
export type { SignatureAlgorithm, Signer } from './signer';
