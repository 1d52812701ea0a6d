import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArchiveVerificationError } from './errors';
import { leafHash } from './merkle';
import { opensslGost } from '../../test/support/system';
import { createTestOperator, type OperatorKeyAlgorithm, type TestOperator } from '../../test/support/test-operator';
import { signTreeHead, treeHeadFromJson, treeHeadSignedData, treeHeadToJson, verifyTreeHead } from './tree-head';

const dir = mkdtempSync(join(tmpdir(), 'edo-tree-head-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const head = { treeSize: 1_000_003, rootHash: leafHash(Buffer.from('root')), timestamp: Date.UTC(2026, 10, 22, 12) };

const gost = opensslGost();
/** What `openssl dgst` is told for each key: its digest, and the engine for GOST. */
const dgstOptions: Record<OperatorKeyAlgorithm, string[]> = {
  'ECDSA-P256': ['-sha256'],
  'ECDSA-P384': ['-sha384'],
  'RSA-2048': ['-sha256'],
  'GOST2012-256': ['-engine', 'gost', '-md_gost12_256'],
};
const needs = (algorithm: OperatorKeyAlgorithm) => (algorithm === 'GOST2012-256' ? gost : { ok: true, reason: '' });

describe.each<OperatorKeyAlgorithm>(['ECDSA-P256', 'ECDSA-P384', 'RSA-2048', 'GOST2012-256'])(
  'signed tree heads with an %s operator key',
  (algorithm) => {
    let operator: TestOperator;
    let other: TestOperator;
    beforeAll(() => {
      if (!needs(algorithm).ok) return;
      operator = createTestOperator(algorithm);
      other = createTestOperator(algorithm, 'Someone else');
    });
    const check = it.skipIf(!needs(algorithm).ok);

    check(`verifies against the operator certificate, and OpenSSL agrees ${needs(algorithm).reason}`, async () => {
      const signed = await signTreeHead(head, operator.signer);
      expect(() => verifyTreeHead(signed, operator.certificatePem)).not.toThrow();
      expect(() => verifyTreeHead(signed, operator.signer.certificate)).not.toThrow();

      const [data, sig, pub, cert] = ['data', 'sig', 'pub.pem', 'cert.pem'].map((f) =>
        join(dir, `${algorithm}-${f}`),
      ) as [string, string, string, string];
      writeFileSync(data, treeHeadSignedData(signed));
      writeFileSync(sig, signed.signature);
      writeFileSync(cert, operator.certificatePem);
      const engine = algorithm === 'GOST2012-256' ? ['-engine', 'gost'] : [];
      execFileSync('openssl', ['x509', ...engine, '-in', cert, '-pubkey', '-noout', '-out', pub], { stdio: 'pipe' });
      expect(
        execFileSync('openssl', ['dgst', ...dgstOptions[algorithm], '-verify', pub, '-signature', sig, data], {
          encoding: 'utf8',
          stdio: 'pipe',
        }),
      ).toMatch(/Verified OK/);
    });

    check(
      `refuses a head whose size, root, timestamp or signature changed, or that another key signed ${needs(algorithm).reason}`,
      async () => {
        const signed = await signTreeHead(head, operator.signer);
        const signature = Buffer.from(signed.signature);
        signature[signature.length >> 1]! ^= 0x01;
        const forged = [
          { ...signed, signature },
          { ...signed, treeSize: signed.treeSize - 1 },
          { ...signed, rootHash: leafHash(Buffer.from('other root')) },
          { ...signed, timestamp: signed.timestamp + 1 },
          await signTreeHead(head, other.signer),
        ];
        for (const f of forged) {
          expect(() => verifyTreeHead(f, operator.certificatePem)).toThrow(ArchiveVerificationError);
          expect(() => verifyTreeHead(f, operator.certificatePem)).toThrow(
            /\(bad-signature\).*not signed by the operator/,
          );
        }
      },
    );
  },
);

describe('the tree head wire form', () => {
  it('round-trips through JSON and refuses a malformed head with a named field', async () => {
    const signed = await signTreeHead(head, createTestOperator().signer);
    const json = JSON.parse(JSON.stringify(treeHeadToJson(signed))) as unknown;
    expect(treeHeadFromJson(json)).toEqual(signed);
    expect(() => treeHeadFromJson({ ...(json as object), rootHash: 'abc' })).toThrow(/rootHash/);
  });
});
