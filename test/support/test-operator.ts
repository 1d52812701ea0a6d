// Test support (used by src/archive, server/archive tests and bench/archive): an operator key
// and self-signed certificate made by OpenSSL, the independent tool, and a software signer
// over it. Production hubs get their operator Signer from src/token.
import { execFileSync } from 'node:child_process';
import { createPrivateKey, sign, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TreeHeadSigner } from '../../src/archive/tree-head';

export type OperatorKeyAlgorithm = 'ECDSA-P256' | 'ECDSA-P384' | 'RSA-2048';

export interface TestOperator {
  signer: TreeHeadSigner;
  certificatePem: string;
  /** PEM of the private key, for `openssl dgst -verify` round trips. */
  keyPem: string;
}

const keyOptions: Record<OperatorKeyAlgorithm, string[]> = {
  'ECDSA-P256': ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'],
  'ECDSA-P384': ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-384'],
  'RSA-2048': ['-newkey', 'rsa:2048'],
};

export function createTestOperator(algorithm: OperatorKeyAlgorithm = 'ECDSA-P256', commonName = 'EDO test operator'): TestOperator {
  const dir = mkdtempSync(join(tmpdir(), 'edo-operator-'));
  try {
    const keyFile = join(dir, 'key.pem');
    const certFile = join(dir, 'cert.pem');
    execFileSync(
      'openssl',
      ['req', '-x509', ...keyOptions[algorithm], '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '30', '-subj', `/CN=${commonName}`],
      { stdio: 'pipe' },
    );
    const keyPem = readFileSync(keyFile, 'utf8');
    const certificatePem = readFileSync(certFile, 'utf8');
    const key = createPrivateKey(keyPem);
    const hash = algorithm === 'ECDSA-P384' ? 'sha384' : 'sha256';
    return {
      keyPem,
      certificatePem,
      signer: {
        certificate: new X509Certificate(certificatePem).raw,
        sign: async (data) => sign(hash, data, { key, dsaEncoding: 'der' }),
      },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
