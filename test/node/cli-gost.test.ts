// `edo-clerk profile init --key-file --cert-file`, `sign` and `verify` as child processes with
// GOST R 34.10-2012 keys and certificates made only by OpenSSL's GOST engine (a CA and a user,
// 256 and 512 bits, the 512-bit key encrypted), OpenSSL judging both ways: our signature passes
// `openssl cms -verify -engine gost`, OpenSSL's `cms -sign -md md_gost12_*` (with and without
// -cades) passes `edo-clerk verify`, and a changed byte fails both. The certificate's status
// comes from the CA's CRL (signed by `openssl ca -gencrl -engine gost`) at its distribution point.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listen } from '../support/loopback-service';
import {
  opensslGostCrl,
  opensslGostPki,
  opensslGostSign,
  opensslGostVerify,
  type OpensslGostPki,
} from '../support/openssl-gost';
import { keychain, opensslGost } from '../support/system';
import { clerk, expectExit } from './session-harness';

const gost = opensslGost();
const kc = keychain();
const cases = [
  { bits: 256, paramset: 'A', encrypted: false, keyPassword: undefined },
  { bits: 512, paramset: 'A', encrypted: true, keyPassword: 'ключ-512-пароль' },
] as const;

describe.skipIf(!gost.ok)(`edo-clerk with GOST keys and certificates made by OpenSSL ${gost.reason}`, () => {
  let dir: string;
  let crlServer: Server;
  const crls = new Map<string, Buffer>();
  const content = () => join(dir, 'akt.txt');

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'clerk-gost-'));
    writeFileSync(content(), 'Акт сверки взаимных расчётов № 17 за III квартал\n'.repeat(200));
    crlServer = await listen(
      async (req) => ({ type: 'application/pkix-crl', body: crls.get(req.url ?? '') ?? Buffer.alloc(0) }),
      () => true,
    );
  });
  afterAll(async () => {
    crlServer?.closeAllConnections();
    await new Promise((ok) => crlServer?.close(ok));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  describe.each(cases)('$bits bit ($paramset), key encrypted: $encrypted', ({ bits, paramset, keyPassword }) => {
    let pki: OpensslGostPki;
    let profile: string;
    let n = 0;
    const sigFile = () => join(dir, `${bits}-${++n}.p7s`);
    const verify = (file: string, sig: string) => clerk(['verify', file, sig, '--profile', profile, '--json']);
    /** A copy of `bytes` with one bit changed at `at` (from the end when negative), as a file. */
    const changed = (bytes: Buffer, at: number) => {
      const copy = Buffer.from(bytes);
      copy[at < 0 ? copy.length + at : at]! ^= 0x01;
      const file = join(dir, `changed-${bits}-${++n}`);
      writeFileSync(file, copy);
      return file;
    };

    beforeAll(async () => {
      const crlPath = `/${bits}.crl`;
      const crlUrl = `http://127.0.0.1:${(crlServer.address() as AddressInfo).port}${crlPath}`;
      pki = opensslGostPki(dir, bits, paramset, {
        subject: '/CN=Соколова Елена Викторовна/O=ООО Берёзка/INN=772912345698/OGRN=1027700123450',
        userExtensions: [`crlDistributionPoints=URI:${crlUrl}`],
        keyPassword,
      });
      crls.set(crlPath, opensslGostCrl(pki));
      profile = join(dir, `profile-${bits}`);
      const init = [
        'profile',
        'init',
        '--server',
        'http://127.0.0.1:9',
        '--key-file',
        pki.userKey,
        '--cert-file',
        pki.userCert,
        '--trust',
        pki.caFile,
      ];
      // Without a keychain for the key's password the profile still verifies; signing is skipped.
      const password = keyPassword && kc.ok ? ['--key-password-stdin'] : [];
      expectExit(
        await clerk([...init, ...password, '--profile', profile, '--json'], {
          stdin: password.length ? `${keyPassword}\n` : undefined,
        }),
        0,
      );
    });

    it.skipIf(keyPassword && !kc.ok)(
      `signs with the OpenSSL key: openssl cms -verify and edo-clerk verify accept it, a changed byte fails both ${keyPassword ? kc.reason : ''}`,
      async () => {
        const sig = sigFile();
        const signed = expectExit(
          await clerk(['sign', content(), '--out', sig, '--profile', profile, '--json']),
          0,
        ).json;
        expect(signed).toMatchObject({
          signature: sig,
          algorithm: `GOST2012-${bits}`,
          algorithmTitle: `ГОСТ Р 34.10-2012, ${bits} бит`,
        });
        expect(opensslGostVerify(sig, content(), pki.caFile).stderr).toContain('Verification successful');

        const ok = expectExit(await verify(content(), sig), 0).json;
        expect(ok).toMatchObject({
          valid: true,
          verdict: 'valid',
          algorithm: `GOST2012-${bits}`,
          signer: { commonName: 'Соколова Елена Викторовна' },
          problems: [],
        });
        expect(ok.certificates[0]).toMatchObject({ status: 'good', source: 'crl' });

        const changedContent = changed(readFileSync(content()), 100);
        expect(opensslGostVerify(sig, changedContent, pki.caFile).status).not.toBe(0);
        expect(
          expectExit(await verify(changedContent, sig), 1).json.problems.map((p: { code: string }) => p.code),
        ).toContain('digest-mismatch');
      },
    );

    it.each([false, true])(
      'verifies what openssl cms -sign writes (cades: %s); a changed signature byte fails both',
      async (cades) => {
        const sig = sigFile();
        const cms = opensslGostSign(pki, content(), sig, { cades });
        const ok = expectExit(await verify(content(), sig), 0).json;
        expect(ok).toMatchObject({
          valid: true,
          algorithm: `GOST2012-${bits}`,
          algorithmTitle: `ГОСТ Р 34.10-2012, ${bits} бит`,
          signer: { commonName: 'Соколова Елена Викторовна' },
        });

        // The signature value is the SignerInfo's last field: flip a bit inside it.
        const forged = changed(cms, -10);
        expect(opensslGostVerify(forged, content(), pki.caFile).status).not.toBe(0);
        expect(
          expectExit(await verify(content(), forged), 1).json.problems.map((p: { code: string }) => p.code),
        ).toEqual(['bad-signature']);
      },
    );
  });
});
