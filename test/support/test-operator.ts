// Test support (used by src/archive, server/archive tests and bench/archive): an operator key
// and self-signed certificate made by OpenSSL, the independent tool, and a software signer
// over it. Production hubs get their operator Signer from src/token.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TreeHeadSigner } from '../../src/archive/tree-head';
import { pemToDer } from '../../src/crypto/certificates';
import { KeySigner } from '../../src/crypto/key-signer';
import { readPrivateKey } from '../../src/crypto/private-keys';

export type OperatorKeyAlgorithm = 'ECDSA-P256' | 'ECDSA-P384' | 'RSA-2048' | 'GOST2012-256';

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
  // OpenSSL's GOST engine (Debian's libengine-gost-openssl), CryptoPro A like the hub's own GOST key.
  'GOST2012-256': ['-engine', 'gost', '-newkey', 'gost2012_256', '-pkeyopt', 'paramset:A'],
};

export function createTestOperator(
  algorithm: OperatorKeyAlgorithm = 'ECDSA-P256',
  commonName = 'EDO test operator',
): TestOperator {
  const dir = mkdtempSync(join(tmpdir(), 'edo-operator-'));
  try {
    const keyFile = join(dir, 'key.pem');
    const certFile = join(dir, 'cert.pem');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        ...keyOptions[algorithm],
        '-nodes',
        '-keyout',
        keyFile,
        '-out',
        certFile,
        '-days',
        '30',
        '-subj',
        `/CN=${commonName}`,
      ],
      { stdio: 'pipe' },
    );
    const keyPem = readFileSync(keyFile, 'utf8');
    const certificatePem = readFileSync(certFile, 'utf8');
    return {
      keyPem,
      certificatePem,
      signer: new KeySigner(readPrivateKey(Buffer.from(keyPem)), pemToDer(certificatePem)[0]!, commonName),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
