import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ArchiveVerificationError } from './errors';
import { leafHash } from './merkle';
import { createTestOperator, type OperatorKeyAlgorithm } from '../../test/support/test-operator';
import { signTreeHead, treeHeadFromJson, treeHeadSignedData, treeHeadToJson, verifyTreeHead } from './tree-head';

const dir = mkdtempSync(join(tmpdir(), 'edo-tree-head-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const head = { treeSize: 1_000_003, rootHash: leafHash(Buffer.from('root')), timestamp: Date.UTC(2026, 10, 22, 12) };

describe.each<OperatorKeyAlgorithm>(['ECDSA-P256', 'ECDSA-P384', 'RSA-2048'])('signed tree heads with an %s operator key', (algorithm) => {
  const operator = createTestOperator(algorithm);
  const other = createTestOperator(algorithm, 'Someone else');

  it('verifies against the operator certificate, and OpenSSL agrees', async () => {
    const signed = await signTreeHead(head, operator.signer);
    expect(() => verifyTreeHead(signed, operator.certificatePem)).not.toThrow();
    expect(() => verifyTreeHead(signed, operator.signer.certificate)).not.toThrow();

    const [data, sig, pub, cert] = ['data', 'sig', 'pub.pem', 'cert.pem'].map((f) => join(dir, `${algorithm}-${f}`)) as [string, string, string, string];
    writeFileSync(data, treeHeadSignedData(signed));
    writeFileSync(sig, signed.signature);
    writeFileSync(cert, operator.certificatePem);
    execFileSync('openssl', ['x509', '-in', cert, '-pubkey', '-noout', '-out', pub]);
    const digest = algorithm === 'ECDSA-P384' ? '-sha384' : '-sha256';
    expect(execFileSync('openssl', ['dgst', digest, '-verify', pub, '-signature', sig, data], { encoding: 'utf8' })).toMatch(/Verified OK/);
  });

  it('refuses a head whose size, root or timestamp changed, or that another key signed', async () => {
    const signed = await signTreeHead(head, operator.signer);
    const forged = [
      { ...signed, treeSize: signed.treeSize - 1 },
      { ...signed, rootHash: leafHash(Buffer.from('other root')) },
      { ...signed, timestamp: signed.timestamp + 1 },
      await signTreeHead(head, other.signer),
    ];
    for (const f of forged) {
      expect(() => verifyTreeHead(f, operator.certificatePem)).toThrow(ArchiveVerificationError);
      expect(() => verifyTreeHead(f, operator.certificatePem)).toThrow(/\(bad-signature\).*not signed by the operator/);
    }
  });
});

describe('the tree head wire form', () => {
  it('round-trips through JSON and refuses a malformed head with a named field', async () => {
    const signed = await signTreeHead(head, createTestOperator().signer);
    const json = JSON.parse(JSON.stringify(treeHeadToJson(signed))) as unknown;
    expect(treeHeadFromJson(json)).toEqual(signed);
    expect(() => treeHeadFromJson({ ...(json as object), rootHash: 'abc' })).toThrow(/rootHash/);
  });
});
