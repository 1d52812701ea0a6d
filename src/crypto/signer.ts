// The Signer: what every part that signs (CMS, the session, the agent, the CLI, the hub's own
// confirmations) depends on, whether the key is on a PKCS#11 token or in a software key file.
// The private key never leaves its holder: a Signer only returns signature values.
// It lives in src/crypto so the hub (which may import only src/crypto) can sign too;
// src/token/signer.ts re-exports it.

/** Signature algorithms of docs/architecture.md §7 (the table in algorithms.ts). */
export type SignatureAlgorithm =
  'RSA-PKCS1-SHA256' | 'ECDSA-P256-SHA256' | 'ECDSA-P384-SHA384' | 'GOST2012-256' | 'GOST2012-512';

export interface Signer {
  /** DER of the signer's X.509 certificate. */
  readonly certificate: Buffer;
  readonly algorithm: SignatureAlgorithm;
  /** For prompts and logs: "token clerk-a (serial 1a2b…), Иванова Мария Петровна". */
  readonly description: string;
  /**
   * Signs `data` (for CMS: the DER of the signed attributes) with the algorithm's hash.
   * Returns the signature value as CMS carries it: PKCS#1 v1.5 bytes for RSA, a DER
   * SEQUENCE { r, s } for ECDSA, s‖r (big-endian halves) for GOST R 34.10-2012.
   */
  sign(data: Buffer): Promise<Buffer>;
}
