// The hub's operator key as GOST R 34.10-2012 (`edo-hub serve --operator-key gost2012-256`):
// its self-signed certificate, what it signs and the TSA certificate it issues all pass
// OpenSSL with the GOST engine; the kind is fixed at first start.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { opensslGost } from '../test/support/system';
import { buildChain, derToPem } from '../src/crypto/certificates';
import { signDetached, verifyDetached } from '../src/crypto/cms';
import { closeHubData, openHubData } from './data-dir';

const gost = opensslGost();

describe.skipIf(!gost.ok)(`a GOST operator key ${gost.reason}`, () => {
  const root = mkdtempSync(join(tmpdir(), 'edo-operator-gost-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('signs what OpenSSL accepts, issues a TSA certificate that chains to it, and stays GOST on later starts', async () => {
    const data = await openHubData(root, { operatorKey: 'gost2012-256' });
    const { operator } = data;
    try {
      expect(operator.signer.algorithm).toBe('GOST2012-256');
      const caFile = join(root, 'operator.pem');
      writeFileSync(caFile, derToPem(operator.certificate));
      const tsaFile = join(root, 'tsa.pem');
      writeFileSync(tsaFile, derToPem(operator.tsa.certificate));
      const verified = spawnSync(
        'openssl',
        ['verify', '-engine', 'gost', '-check_ss_sig', '-CAfile', caFile, caFile, tsaFile],
        { encoding: 'utf8' },
      );
      expect(verified.stdout).toContain(`${caFile}: OK`);
      expect(verified.stdout).toContain(`${tsaFile}: OK`);
      expect(buildChain(operator.tsa.certificate, [], [operator.certificate]).ok).toBe(true);

      const confirmation = Buffer.from('<Файл ИдФайл="ПДОТПР_demo"/>');
      const cms = await signDetached(confirmation, operator.signer);
      const content = join(root, 'confirmation.xml');
      writeFileSync(content, confirmation);
      writeFileSync(join(root, 'confirmation.p7s'), cms);
      const judged = execFileSync(
        'openssl',
        [
          'cms',
          '-verify',
          '-engine',
          'gost',
          '-binary',
          '-inform',
          'DER',
          '-in',
          join(root, 'confirmation.p7s'),
          '-content',
          content,
          '-CAfile',
          caFile,
          '-purpose',
          'any',
          '-out',
          '/dev/null',
        ],
        { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
      );
      expect(judged).toBe('');
      expect((await verifyDetached(cms, confirmation, { trustedRoots: [operator.certificate] })).valid).toBe(true);
    } finally {
      await closeHubData(data);
    }
    const again = await openHubData(root);
    try {
      expect(again.operator.certificate.equals(operator.certificate)).toBe(true);
    } finally {
      await closeHubData(again);
    }
    await expect(openHubData(root, { operatorKey: 'ecdsa-p256' })).rejects.toThrow(
      /is gost2012-256, made at the hub's first start/,
    );
  });
});
