// `edo-clerk verify` on long-term signatures (architecture.md §7), as a child process: a
// signature extended now to CAdES-X Long Type 1 (time-stamps from `openssl ts -reply`, status
// from OpenSSL's OCSP responder, both on loopback) verifies five years later offline, while
// `openssl cms -verify -attime` then says the certificate expired; a revoked signer, before and
// after signing; a responder that cannot be reached.
// Runs in: node (vitest), the test PKI with revocation, OpenSSL's TSA, edo-clerk as a child process.
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extendToLongTerm } from '../../src/crypto/cades';
import { signDetached, verifyDetached } from '../../src/crypto/cms';
import { KeySigner } from '../../src/crypto/key-signer';
import { RevocationChecker } from '../../src/crypto/revocation';
import { requestTimestamp } from '../../src/crypto/timestamp';
import { startOpensslTsa, type OpensslTsa } from '../support/openssl-tsa';
import { createTestPki, samplePeople, type TestPki } from '../support/test-pki';
import { clerk, expectExit } from './session-harness';

let pki: TestPki;
let tsa: OpensslTsa;
let root: Buffer;
const dir = mkdtempSync(join(tmpdir(), 'clerk-verify-lt-'));
const contentFile = join(dir, 'act.txt');
const content = Buffer.from('Акт сверки взаимных расчётов № 17\n'.repeat(40));
const fiveYears = new Date(Date.now() + 5 * 365 * 24 * 3600_000);

/** A fresh signer's CAdES-BES over the content, its chain, and its certificate's serial. */
async function signed() {
  const keys = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const certificate = Buffer.from((await pki.issue(keys.publicKey, samplePeople.ivanova)).rawData);
  const cms = await signDetached(content, new KeySigner(keys.privateKey, certificate));
  const chain = (await verifyDetached(cms, content, { trustedRoots: [root] })).chain!;
  return { cms, chain, serial: new X509Certificate(certificate).serialNumber };
}

/** Extends with OpenSSL's TSA over HTTP and a checker of its own (the CRL cache must not carry over between cases). */
function extend(cms: Buffer, chain: Buffer[]) {
  return extendToLongTerm(cms, chain, {
    timestamp: (data) => requestTimestamp(tsa.url, data),
    revocation: new RevocationChecker(),
    trustedRoots: [root],
    tsaRoots: [],
  });
}

let n = 0;
async function verify(cms: Buffer, ...extra: string[]) {
  const sig = join(dir, `sig-${++n}.p7s`);
  writeFileSync(sig, cms);
  const run = await clerk([
    'verify',
    contentFile,
    sig,
    '--trust',
    pki.caCertificateFile,
    '--json',
    '--profile',
    join(dir, 'none'),
    ...extra,
  ]);
  return { run, sig };
}

beforeAll(async () => {
  pki = await createTestPki([], { revocation: true });
  root = Buffer.from(pki.caCertificate.rawData);
  tsa = await startOpensslTsa(pki);
  writeFileSync(contentFile, content);
});
afterAll(async () => {
  await tsa?.close();
  pki?.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

describe('edo-clerk verify, long-term', () => {
  it("five years later, offline: valid at the time-stamp's time on the embedded OCSP answer; OpenSSL alone says expired", async () => {
    const { cms, chain } = await signed();
    const extended = await extend(cms, chain);
    expect(extended.form).toBe('CAdES-X-L1');
    const { run, sig } = await verify(extended.cms, '--at', fiveYears.toISOString(), '--offline');
    const result = expectExit(run, 0).json;
    expect(result).toMatchObject({
      valid: true,
      verdict: 'valid',
      form: 'CAdES-X-L1',
      timeSource: 'timestamp',
      time: extended.time.toISOString(),
      timestamp: { time: extended.time.toISOString(), tsa: 'CN=EDO Clerk Test TSA' },
      signer: { commonName: 'Иванова Мария Петровна' },
    });
    expect(result.certificates[0]).toMatchObject({
      status: 'good',
      source: 'ocsp',
      from: 'embedded',
      by: 'CN=EDO Clerk Test OCSP Responder',
    });
    expect(result.text).toMatch(
      /^Сертификат действовал и не был отозван на \d\d\.\d\d\.\d{4} \d\d:\d\d UTC \(OCSP CN=EDO Clerk Test OCSP Responder, embedded/,
    );
    expect(result.text).toContain('штампом времени CN=EDO Clerk Test TSA');

    const openssl = (attime: Date) =>
      execFileSync(
        'openssl',
        [
          'cms',
          '-verify',
          '-binary',
          '-inform',
          'DER',
          '-in',
          sig,
          '-content',
          contentFile,
          '-CAfile',
          pki.caCertificateFile,
          '-purpose',
          'any',
          '-out',
          '/dev/null',
          '-attime',
          String(Math.floor(attime.getTime() / 1000)),
        ],
        { stdio: 'pipe', encoding: 'utf8' },
      );
    expect(() => openssl(fiveYears)).toThrow(/certificate has expired/);
    expect(() => openssl(extended.time)).not.toThrow();
  });

  it('a bare CAdES-BES five years later has no trusted time: judged then, not valid', async () => {
    const { cms } = await signed();
    const result = expectExit((await verify(cms, '--at', fiveYears.toISOString(), '--offline')).run, 1).json;
    expect(result).toMatchObject({ valid: false, verdict: 'invalid', form: 'CAdES-BES', timeSource: 'verification' });
    expect(result.problems.map((p: { code: string }) => p.code)).toContain('expired');
  });

  it('a signer revoked after signing: still valid, and the output says the revocation came later', async () => {
    const { cms, chain, serial } = await signed();
    const extended = await extend(cms, chain);
    // A CAdES-T (no embedded values): online, it asks the responder at verification.
    const cadesT = await extendToLongTerm(cms, chain, {
      timestamp: (data) => requestTimestamp(tsa.url, data),
      revocation: new RevocationChecker({ offline: true }),
      trustedRoots: [root],
      tsaRoots: [],
    });
    expect(cadesT.form).toBe('CAdES-T');
    await new Promise((ok) => setTimeout(ok, 1100)); // the revocation time is in seconds
    pki.revocation!.revoke(serial, 'superseded');
    for (const extra of [[], ['--offline']]) {
      const result = expectExit((await verify(extended.cms, ...extra)).run, 0).json;
      expect(result).toMatchObject({ verdict: 'valid', certificates: [{ status: 'good', from: 'embedded' }] });
    }
    // The responder says revoked now, after the time-stamp: good at the time that counts.
    const online = expectExit((await verify(cadesT.cms)).run, 0).json;
    expect(online.certificates[0]).toMatchObject({ status: 'good', revocation: { reason: 'superseded' } });
    expect(online.text).toMatch(/; отозван позже, .* \(superseded\): на подпись это не влияет/);
  });

  it('a signer revoked before signing: exit 1, revoked, with when and why', async () => {
    const { cms, chain, serial } = await signed();
    pki.revocation!.revoke(serial, 'keyCompromise', new Date(Date.now() - 60_000));
    const extended = await extend(cms, chain);
    expect(extended.form).toBe('CAdES-T');
    const result = expectExit((await verify(extended.cms)).run, 1).json;
    expect(result).toMatchObject({
      valid: false,
      verdict: 'invalid',
      statusLine: { certificateStatus: 'revoked', revocationReason: 'keyCompromise' },
    });
    expect(result.text).toMatch(/^Отозван \d\d\.\d\d\.\d{4} .* \(keyCompromise\)/);
  });

  it('the responder cannot be reached: exit 3, status unknown; valid once it is back', async () => {
    const { cms, chain } = await signed();
    const cadesT = await extendToLongTerm(cms, chain, {
      timestamp: (data) => requestTimestamp(tsa.url, data),
      revocation: new RevocationChecker({ offline: true }),
      trustedRoots: [root],
      tsaRoots: [],
    });
    pki.revocation!.setAvailable(false);
    try {
      const result = expectExit((await verify(cadesT.cms)).run, 3).json;
      expect(result).toMatchObject({
        valid: false,
        verdict: 'undetermined',
        statusLine: { certificateStatus: 'unknown' },
      });
      expect(result.text).toMatch(/^Не удалось проверить статус сертификата на /);
      expect(result.certificates[0].problems.join(' ')).toMatch(/OCSP http:\/\/127\.0\.0\.1/);
    } finally {
      pki.revocation!.setAvailable(true);
    }
    expect(expectExit((await verify(cadesT.cms)).run, 0).json.verdict).toBe('valid');
  });

  it("a closed network: the profile's CRL folder and offline mode (set by profile init) decide with the services down", async () => {
    const { cms, chain } = await signed();
    const cadesT = await extendToLongTerm(cms, chain, {
      timestamp: (data) => requestTimestamp(tsa.url, data),
      revocation: new RevocationChecker({ offline: true }),
      trustedRoots: [root],
      tsaRoots: [],
    });
    const profile = join(dir, 'closed');
    const folder = join(dir, 'crls');
    mkdirSync(folder);
    copyFileSync(pki.revocation!.crlFile, join(folder, 'ca.crl'));
    const init = expectExit(
      await clerk([
        'profile',
        'init',
        '--server',
        'https://hub.invalid',
        '--crl-folder',
        folder,
        '--offline-checks',
        '--profile',
        profile,
        '--json',
      ]),
      0,
    ).json;
    expect(init.settings.signatureChecks).toEqual({ crlFolder: folder, offline: true });
    pki.revocation!.setAvailable(false);
    try {
      const sig = join(dir, 'closed.p7s');
      writeFileSync(sig, cadesT.cms);
      const result = expectExit(
        await clerk(['verify', contentFile, sig, '--trust', pki.caCertificateFile, '--json', '--profile', profile]),
        0,
      ).json;
      expect(result.certificates[0]).toMatchObject({ status: 'good', source: 'crl', from: join(folder, 'ca.crl') });
    } finally {
      pki.revocation!.setAvailable(true);
    }
    expect(
      expectExit(await clerk(['profile', 'init', '--online-checks', '--profile', profile, '--json']), 0).json.settings
        .signatureChecks,
    ).toEqual({ crlFolder: folder, offline: false });
  });
});
