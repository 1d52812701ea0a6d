// The Signer interface lives in src/crypto (the hub signs too and may import only src/crypto);
// the token layer re-exports it under its historical path.
export type { SignatureAlgorithm, Signer } from '../crypto/signer';
