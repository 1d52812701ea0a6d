// Long-term CAdES (T, X Long Type 1): extension at acceptance, verification years later.
export { cadesOids } from './attributes';
export {
  addSignatureTimestamp,
  extendToLongTerm,
  signatureForm,
  verifyLongTerm,
  type ExtendOptions,
  type ExtendResult,
  type LongTermOptions,
  type LongTermVerdict,
  type LongTermVerification,
  type SignatureForm,
} from './long-term';
export { statusLineOf } from './status-line';
