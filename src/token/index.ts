// The token layer's public API (docs/architecture.md §7).
export { TokenError, describePinStatus, tokenName, type PinStatus, type TokenErrorCode, type TokenRef } from './errors';
export { findInstalledModules, knownModulePaths, type ModuleCandidate, type TokenVendor } from './module-paths';
export { TokenModuleError, findTokenSlot, loadPkcs11Module, sharedPkcs11Module, trimPadded } from './pkcs11-module';
export { decodeTokenFlags, listTokens, pinStatusOf, readTokenInfo, type TokenFlags, type TokenInfo } from './tokens';
export { TokenWatcher, type TokenWatcherEvents, type TokenWatcherOptions } from './watcher';
export { TokenSession, listCertificates, openToken, type OpenTokenOptions, type TokenCertificate } from './session';
export { Pkcs11Signer } from './pkcs11-signer';
export {
  SoftwareKeyError,
  SoftwareSigner,
  parsePkcs12,
  type SoftwareKeyErrorCode,
  type SoftwareKeyFinding,
  type SoftwareKeySource,
} from './software-signer';
export type { SignatureAlgorithm, Signer } from './signer';
