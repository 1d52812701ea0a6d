// `edo-clerk token list`, `sign` and `verify` as child processes, on a token made the way a CA
// or an administrator makes one — pkcs11-tool generating the key on the token and writing the
// certificate under the same CKA_ID — and OpenSSL as the independent verifier, both ways.
import { execFileSync, spawnSync } from 'node:child_process';
import { createPublicKey } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { opensslCmsVerify } from '../support/openssl-cms';
import { softhsm } from '../support/system';
import { createTestPki, samplePeople, type TestPki } from '../support/test-pki';
import { clerk, expectExit } from './session-harness';

const hsm = softhsm();
const hasTools = spawnSync('pkcs11-tool', ['--help'], { stdio: 'ignore' }).error === undefined;

describe.skipIf(!hsm.ok || !hasTools)(
  `edo-clerk token list, sign and verify ${hsm.reason ?? (hasTools ? '' : '(pkcs11-tool from opensc is not installed)')}`,
  () => {
    let pki: TestPki;
    let dir: string;
    const pin = '4321';
    const tool = (...args: string[]) =>
      execFileSync('pkcs11-tool', ['--module', pki.modulePath, '--token-label', 'tool-made', ...args], {
        stdio: 'pipe',
        env: process.env,
      });

    beforeAll(async () => {
      // With status services: verify says valid only once OCSP says the certificate is good (§7).
      pki = await createTestPki(
        [{ label: 'clerk-a', keys: [{ algorithm: 'RSA-2048', person: samplePeople.ivanova }] }],
        { revocation: true },
      );
      dir = mkdtempSync(join(tmpdir(), 'clerk-sign-'));
      execFileSync(
        'softhsm2-util',
        ['--init-token', '--free', '--label', 'tool-made', '--pin', pin, '--so-pin', '87654321'],
        { stdio: 'pipe', env: process.env },
      );
      tool(
        '--login',
        '--pin',
        pin,
        '--keypairgen',
        '--key-type',
        'EC:prime256v1',
        '--id',
        'a1b2',
        '--label',
        'signing key',
      );
      tool('--read-object', '--type', 'pubkey', '--id', 'a1b2', '--output-file', join(dir, 'pub.der'));
      const certificate = await pki.issue(
        createPublicKey({ key: readFileSync(join(dir, 'pub.der')), format: 'der', type: 'spki' }),
        samplePeople.petrov,
      );
      writeFileSync(join(dir, 'cert.der'), Buffer.from(certificate.rawData));
      tool(
        '--login',
        '--pin',
        pin,
        '--write-object',
        join(dir, 'cert.der'),
        '--type',
        'cert',
        '--id',
        'a1b2',
        '--label',
        'signing cert',
      );
      writeFileSync(join(dir, 'letter.txt'), 'Письмо о сверке расчётов за III квартал\n'.repeat(500));
    });

    afterAll(() => {
      pki?.cleanup();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('token list shows both tokens with their certificates, without a PIN', async () => {
      const listed = expectExit(
        await clerk(['token', 'list', '--module', pki.modulePath, '--json', '--profile', join(dir, 'none')]),
        0,
      ).json;
      const made = listed.tokens.find((t: { label: string }) => t.label === 'tool-made');
      expect(made.certificates).toEqual([
        expect.objectContaining({
          id: 'a1b2',
          owner: 'Петров Сергей Иванович',
          organization: 'АО "Василёк"',
          hasPrivateKey: true,
        }),
      ]);
      const labels = listed.tokens.map((t: { label: string }) => t.label);
      expect(labels).toContain('clerk-a');
      // Each token once, and not SoftHSM's blank free slot.
      expect(new Set(labels).size).toBe(labels.length);
      expect(
        listed.tokens.every(
          (t: { label: string; flags: { tokenInitialized: boolean } }) => t.label && t.flags.tokenInitialized,
        ),
      ).toBe(true);
    });

    it('signs with the tool-made token; OpenSSL and edo-clerk verify; a changed file fails', async () => {
      const file = join(dir, 'letter.txt');
      const signed = expectExit(
        await clerk(
          [
            'sign',
            file,
            '--module',
            pki.modulePath,
            '--token',
            'tool-made',
            '--pin-stdin',
            '--json',
            '--profile',
            join(dir, 'none'),
          ],
          { stdin: `${pin}\n` },
        ),
        0,
      ).json;
      expect(signed).toMatchObject({ signature: `${file}.sig`, algorithm: 'ECDSA-P256-SHA256' });
      opensslCmsVerify(`${file}.sig`, file, pki.caCertificateFile);

      const notCertificate = join(dir, 'not-a-certificate.pem');
      writeFileSync(notCertificate, 'this is no certificate');
      const refused = await clerk([
        'verify',
        file,
        `${file}.sig`,
        '--trust',
        notCertificate,
        '--profile',
        join(dir, 'none'),
      ]);
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toMatch(
        /Файл .*not-a-certificate\.pem — не сертификат X\.509 \(PEM или DER\): доверенным корневым он быть не может/,
      );

      const ok = expectExit(
        await clerk([
          'verify',
          file,
          `${file}.sig`,
          '--trust',
          pki.caCertificateFile,
          '--json',
          '--profile',
          join(dir, 'none'),
        ]),
        0,
      ).json;
      expect(ok).toMatchObject({
        valid: true,
        signer: { commonName: 'Петров Сергей Иванович', orgInn: samplePeople.petrov.orgInn },
        problems: [],
      });

      writeFileSync(join(dir, 'changed.txt'), readFileSync(file).toString().replace('III', 'IV'));
      const bad = expectExit(
        await clerk([
          'verify',
          join(dir, 'changed.txt'),
          `${file}.sig`,
          '--trust',
          pki.caCertificateFile,
          '--json',
          '--profile',
          join(dir, 'none'),
        ]),
        1,
      ).json;
      expect(bad.valid).toBe(false);
      expect(bad.problems.map((p: { code: string }) => p.code)).toContain('digest-mismatch');
    });

    it('verifies what OpenSSL signs, and names a wrong PIN without signing', async () => {
      const file = join(dir, 'letter.txt');
      const key = join(dir, 'openssl-key.pem');
      execFileSync('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-384', '-out', key], {
        stdio: 'pipe',
      });
      const pub = createPublicKey(readFileSync(key));
      const certificate = await pki.issue(pub, samplePeople.ivanova);
      writeFileSync(join(dir, 'openssl-cert.pem'), certificate.toString('pem'));
      execFileSync(
        'openssl',
        [
          'cms',
          '-sign',
          '-binary',
          '-outform',
          'DER',
          '-in',
          file,
          '-signer',
          join(dir, 'openssl-cert.pem'),
          '-inkey',
          key,
          '-md',
          'sha384',
          '-out',
          join(dir, 'openssl.sig'),
        ],
        { stdio: 'pipe' },
      );
      const ok = expectExit(
        await clerk([
          'verify',
          file,
          join(dir, 'openssl.sig'),
          '--trust',
          pki.caCertificateFile,
          '--json',
          '--profile',
          join(dir, 'none'),
        ]),
        0,
      ).json;
      expect(ok.signer.commonName).toBe('Иванова Мария Петровна');

      const refused = expectExit(
        await clerk(
          [
            'sign',
            file,
            '--out',
            join(dir, 'never.sig'),
            '--module',
            pki.modulePath,
            '--token',
            'tool-made',
            '--pin-stdin',
            '--json',
            '--profile',
            join(dir, 'none'),
          ],
          { stdin: '0000\n' },
        ),
        2,
      ).json;
      expect(refused).toMatchObject({ code: 'pin-incorrect', exitCode: 2 });
      expect(refused.error).toMatch(/tool-made/);
      const missing = expectExit(
        await clerk(
          [
            'sign',
            file,
            '--module',
            '/nowhere/libvendor-pkcs11.so',
            '--token',
            'x',
            '--pin-stdin',
            '--json',
            '--profile',
            join(dir, 'none'),
          ],
          { stdin: '1\n' },
        ),
        1,
      ).json;
      expect(missing.error).toMatch(/\/nowhere\/libvendor-pkcs11\.so/);
    });
  },
);
