// The document card and the evidence package (docs/architecture.md §7).
export { analyzeSignature, type SignatureFacts } from './analyze';
export { buildCard, type CardOptions } from './card';
export {
  collectEvidence,
  EvidenceError,
  findDocument,
  verificationReference,
  type Evidence,
  type HubAccess,
} from './collect';
export { evidenceLanguage, evidenceText, type EvidenceLanguage } from './i18n';
export { manifestSchema, writeEvidencePackage, type Manifest } from './package';
export { verifyEvidencePackage, type PackageVerdict, type PartVerdict } from './verify';
export { evidenceFileName, saveEvidence, saveProfileEvidence, type EvidenceFileKind } from './save';
