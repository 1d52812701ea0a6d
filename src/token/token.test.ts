// Tokens on real SoftHSM: listing with decoded flags, certificates paired with keys by CKA_ID
// (also on a token filled by pkcs11-tool and OpenSSL, not by our test PKI), login and refused
// PINs, signing that OpenSSL accepts, a token pulled out mid-session, and the slot watcher.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pkcs11js from 'pkcs11js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPki, samplePeople, type TestPki } from '../../test/support/test-pki';
import { softhsm } from '../../test/support/system';
import { derToPem } from '../crypto/certificates';
import { signDetached, verifyDetached } from '../crypto/cms';
import { TokenError } from './errors';
import { sharedPkcs11Module } from './pkcs11-module';
import { listCertificates, openToken, type TokenSession } from './session';
import { listTokens, type TokenInfo } from './tokens';
import { TokenWatcher } from './watcher';

const part = softhsm();

async function caught(promise: Promise<unknown> | (() => unknown)): Promise<TokenError> {
  try {
    await (typeof promise === 'function' ? promise() : promise);
  } catch (e) {
    expect(e).toBeInstanceOf(TokenError);
    return e as TokenError;
  }
  throw new Error('expected a TokenError');
}

describe.skipIf(!part.ok)(`PKCS#11 tokens on SoftHSM ${part.reason}`, () => {
  let pki: TestPki;
  let dir: string;
  let documentPath: string;
  const opened: TokenSession[] = [];
  const open = (token: string) => {
    const session = openToken({ modulePath: pki.modulePath, token });
    opened.push(session);
    return session;
  };
  const pinOf = (label: string) => pki.tokens.find((t) => t.label === label)!.pin;

  function opensslVerify(signature: Buffer, caFile: string): void {
    const sigFile = join(dir, `sig-${randomBytes(4).toString('hex')}.p7s`);
    writeFileSync(sigFile, signature);
    execFileSync(
      'openssl',
      [
        'cms',
        '-verify',
        '-binary',
        '-inform',
        'DER',
        '-in',
        sigFile,
        '-content',
        documentPath,
        '-CAfile',
        caFile,
        '-purpose',
        'any',
        '-out',
        '/dev/null',
      ],
      {
        stdio: 'pipe',
      },
    );
  }

  beforeAll(async () => {
    pki = await createTestPki([
      {
        label: 'clerk-a',
        keys: [
          { algorithm: 'RSA-2048', person: samplePeople.ivanova },
          { algorithm: 'ECDSA-P256', person: samplePeople.ivanova },
        ],
      },
      { label: 'clerk-pin', pin: '24682468', keys: [{ algorithm: 'ECDSA-P256', person: samplePeople.petrov }] },
      { label: 'clerk-tool', keys: [] },
      { label: 'clerk-doomed', keys: [{ algorithm: 'ECDSA-P384', person: samplePeople.petrov }] },
    ]);
    dir = mkdtempSync(join(tmpdir(), 'edo-token-test-'));
    documentPath = join(dir, 'contract.pdf');
    writeFileSync(documentPath, randomBytes(50_000));
  });

  afterAll(() => {
    for (const session of opened) session.close();
    pki?.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('lists the tokens with label, serial, model, manufacturer and decoded flags', () => {
    const tokens = listTokens(pki.modulePath).filter((t) => t.flags.tokenInitialized);
    expect(tokens.map((t) => t.label).sort()).toEqual(['clerk-a', 'clerk-doomed', 'clerk-pin', 'clerk-tool']);
    const a = tokens.find((t) => t.label === 'clerk-a')!;
    expect(a.serial).toBe(pki.tokens[0]!.serial);
    expect(a).toMatchObject({ model: 'SoftHSM v2', manufacturer: 'SoftHSM project', modulePath: pki.modulePath });
    expect(a.flags).toEqual({
      loginRequired: true,
      protectedAuthPath: false,
      userPinInitialized: true,
      userPinCountLow: false,
      userPinFinalTry: false,
      userPinLocked: false,
      userPinToBeChanged: false,
      tokenInitialized: true,
    });
  });

  it('opens a token by label or by serial, and names a missing one', async () => {
    expect(open(pki.tokens[0]!.serial).info.label).toBe('clerk-a');
    const error = await caught(() => open('no-such-token'));
    expect(error.code).toBe('token-not-present');
    expect(error.message).toContain('no-such-token');
  });

  it('finds certificates and their private keys by CKA_ID, before and after login', async () => {
    const token = open('clerk-a');
    const expected = pki.tokens[0]!.keys.map((k) => k.id.toString('hex')).sort();
    const before = listCertificates(token);
    expect(before.map((c) => c.id).sort()).toEqual(expected);
    expect(before.every((c) => c.hasPrivateKey)).toBe(true);
    await token.login(pinOf('clerk-a'));
    const after = listCertificates(token);
    expect(after.map((c) => c.id).sort()).toEqual(expected);
    expect(after.every((c) => c.hasPrivateKey)).toBe(true);
    expect(after[0]!.identity).toMatchObject({
      commonName: 'Иванова Мария Петровна',
      orgInn: '7701234560',
      personInn: '770112345695',
    });
  });

  it.each([0, 1])('signs with token key #%i; OpenSSL verifies the CMS', async (index) => {
    const token = open('clerk-a');
    await token.login(pinOf('clerk-a'));
    const key = pki.tokens[0]!.keys[index]!;
    const signer = token.signer(key.id.toString('hex'));
    expect(signer.description).toContain('clerk-a');
    const signature = await signDetached({ path: documentPath }, signer);
    opensslVerify(signature, pki.caCertificateFile);
    expect(
      (
        await verifyDetached(
          signature,
          { path: documentPath },
          { trustedRoots: [Buffer.from(pki.caCertificate.rawData)] },
        )
      ).valid,
    ).toBe(true);
  });

  it('signs concurrently on one token session without interleaving operations', async () => {
    const token = open('clerk-a');
    await token.login(pinOf('clerk-a'));
    const signer = token.signer(pki.tokens[0]!.keys[1]!.id.toString('hex'));
    const signatures = await Promise.all(
      Array.from({ length: 8 }, (_, i) => signDetached(Buffer.from(`document ${i}`), signer)),
    );
    const results = await Promise.all(
      signatures.map((s, i) =>
        verifyDetached(s, Buffer.from(`document ${i}`), { trustedRoots: [Buffer.from(pki.caCertificate.rawData)] }),
      ),
    );
    expect(results.map((r) => r.valid)).toEqual(Array(8).fill(true));
  });

  it('works on a token whose key is made by pkcs11-tool and whose certificate comes from OpenSSL and the CA', async () => {
    const pin = pinOf('clerk-tool');
    const tool = (args: string[]) =>
      execFileSync(
        'pkcs11-tool',
        ['--module', pki.modulePath, '--token-label', 'clerk-tool', '--login', '--pin', pin, ...args],
        { stdio: 'pipe' },
      );
    // 1. An EC key generated on the token by pkcs11-tool; the CA issues its certificate; pkcs11-tool stores it under the key's id.
    tool(['--keypairgen', '--key-type', 'EC:prime256v1', '--id', 'c0ffee01', '--label', 'made by pkcs11-tool']);
    const spki = tool(['--read-object', '--type', 'pubkey', '--id', 'c0ffee01']);
    const issued = await pki.issue(
      spki.buffer.slice(spki.byteOffset, spki.byteOffset + spki.byteLength) as ArrayBuffer,
      samplePeople.petrov,
    );
    writeFileSync(join(dir, 'tool-cert.der'), Buffer.from(issued.rawData));
    tool([
      '--write-object',
      join(dir, 'tool-cert.der'),
      '--type',
      'cert',
      '--id',
      'c0ffee01',
      '--label',
      'made by pkcs11-tool',
    ]);
    // 2. An RSA key and a self-signed certificate made by OpenSSL, both imported by pkcs11-tool under one id.
    const keyPem = join(dir, 'ossl-key.pem');
    const certPem = join(dir, 'ossl-cert.pem');
    execFileSync(
      'openssl',
      [
        'req',
        '-utf8',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        keyPem,
        '-out',
        certPem,
        '-days',
        '30',
        '-subj',
        '/CN=Сидоров Пётр/O=ООО Лютик',
      ],
      { stdio: 'pipe' },
    );
    execFileSync('openssl', ['pkey', '-in', keyPem, '-outform', 'DER', '-out', join(dir, 'ossl-key.der')]);
    execFileSync('openssl', ['x509', '-in', certPem, '-outform', 'DER', '-out', join(dir, 'ossl-cert.der')]);
    tool([
      '--write-object',
      join(dir, 'ossl-key.der'),
      '--type',
      'privkey',
      '--id',
      'beef02',
      '--label',
      'openssl key',
    ]);
    tool(['--write-object', join(dir, 'ossl-cert.der'), '--type', 'cert', '--id', 'beef02', '--label', 'openssl cert']);
    // 3. A certificate alone (no key under its id).
    tool(['--write-object', join(dir, 'tool-cert.der'), '--type', 'cert', '--id', '0dd0', '--label', 'orphan']);

    const token = open('clerk-tool');
    await token.login(pin);
    const certificates = token.listCertificates();
    expect(certificates.map((c) => [c.id, c.hasPrivateKey]).sort()).toEqual([
      ['0dd0', false],
      ['beef02', true],
      ['c0ffee01', true],
    ]);
    expect(certificates.find((c) => c.id === 'beef02')!.identity).toMatchObject({
      commonName: 'Сидоров Пётр',
      organization: 'ООО Лютик',
    });

    const ecSignature = await signDetached({ path: documentPath }, token.signer('c0ffee01'));
    opensslVerify(ecSignature, pki.caCertificateFile);
    const rsaSignature = await signDetached({ path: documentPath }, token.signer('beef02'));
    opensslVerify(rsaSignature, certPem);
    expect(
      (
        await verifyDetached(
          rsaSignature,
          { path: documentPath },
          { trustedRoots: [readFileSync(join(dir, 'ossl-cert.der'))] },
        )
      ).valid,
    ).toBe(true);

    const noKey = await caught(() => token.signer('0dd0'));
    expect(noKey.code).toBe('key-not-found');
    expect(noKey.message).toContain('clerk-tool');
    expect((await caught(() => token.signer('123456'))).code).toBe('certificate-not-found');
  });

  it('refuses a wrong PIN, reports the PIN flags, and never sends the same PIN again', async () => {
    const token = open('clerk-pin');
    const module = token.module;
    const realLogin = module.C_Login.bind(module);
    let logins = 0;
    module.C_Login = (...args: Parameters<typeof realLogin>) => {
      logins++;
      return realLogin(...args);
    };
    try {
      expect((await caught(token.login())).code).toBe('pin-required');
      expect(logins).toBe(0);

      const wrong = await caught(token.login('11111111'));
      expect(wrong.code).toBe('pin-incorrect');
      expect(wrong.message).toContain('clerk-pin');
      expect(wrong.message).toContain(pki.tokens[1]!.serial);
      expect(wrong.pinStatus).toMatchObject({ countLow: true, locked: false });
      expect(token.refused).toBe(true);
      expect(logins).toBe(1);

      // The same PIN again, even through another session on the same token: refused here, the token is not asked.
      expect((await caught(token.login('11111111'))).code).toBe('pin-incorrect');
      const other = open('clerk-pin');
      expect(other.refused).toBe(true);
      const again = await caught(other.login('11111111'));
      expect(again.code).toBe('pin-incorrect');
      expect(again.message).toMatch(/already refused/);
      expect(logins).toBe(1);
      expect(listTokens(pki.modulePath).find((t) => t.label === 'clerk-pin')!.flags.userPinCountLow).toBe(true);

      // The clerk types the right PIN: it is tried, and the refusal is forgotten.
      await token.login(pinOf('clerk-pin'));
      expect(logins).toBe(2);
      expect(token.refused).toBe(false);
      expect(token.isLoggedIn).toBe(true);
    } finally {
      module.C_Login = realLogin;
    }
  });

  it('asks for a login before signing', async () => {
    const token = open('clerk-doomed');
    const error = await caught(() => token.signer());
    expect(error.code).toBe('pin-required');
  });

  it('fails cleanly with token-removed when the token is pulled out mid-session', async () => {
    const token = open('clerk-doomed');
    await token.login(pinOf('clerk-doomed'));
    const signer = token.signer();
    const signature = await signDetached(Buffer.from('before removal'), signer);
    expect(signature.length).toBeGreaterThan(0);

    execFileSync('softhsm2-util', ['--delete-token', '--token', 'clerk-doomed'], { stdio: 'pipe' });

    const error = await caught(signDetached(Buffer.from('after removal'), signer));
    expect(error.code).toBe('token-removed');
    expect(error.message).toContain('"clerk-doomed"');
    expect(error.message).toContain(pki.tokens[3]!.serial);
    expect(error.token).toEqual({ label: 'clerk-doomed', serial: pki.tokens[3]!.serial });
    // The other tokens go on working.
    const a = open('clerk-a');
    await a.login(pinOf('clerk-a'));
    expect((await signDetached(Buffer.from('still fine'), a.signer())).length).toBeGreaterThan(0);
    expect(listTokens(pki.modulePath).map((t) => t.label)).not.toContain('clerk-doomed');
    expect((await caught(() => open('clerk-doomed'))).code).toBe('token-not-present');
  });

  it('watches insertion (reported after the settle time) and removal', async () => {
    let clock = 1_000_000;
    const watcher = new TokenWatcher({ modulePath: pki.modulePath, settleMs: 1000, now: () => clock });
    const inserted: string[] = [];
    const removed: string[] = [];
    watcher.on('inserted', (t) => inserted.push(t.label));
    watcher.on('removed', (t) => removed.push(t.label));

    watcher.poll();
    clock += 999;
    watcher.poll();
    expect(inserted).toEqual([]);
    clock += 1;
    watcher.poll();
    expect(inserted.sort()).toEqual(['clerk-a', 'clerk-pin', 'clerk-tool']);

    // Plug a new token in: SoftHSM's free slot gets initialised.
    const module = sharedPkcs11Module(pki.modulePath);
    const free = listTokens(pki.modulePath).find((t) => !t.flags.tokenInitialized)!;
    module.C_InitToken(free.slot, '87654321', 'clerk-new');
    inserted.length = 0;
    watcher.poll();
    clock += 500;
    watcher.poll();
    expect(inserted).toEqual([]);
    clock += 500;
    watcher.poll();
    expect(inserted).toEqual(['clerk-new']);
    const serial = watcher.present.find((t) => t.label === 'clerk-new')!.serial;
    expect(watcher.present.map((t) => t.label).sort()).toEqual(['clerk-a', 'clerk-new', 'clerk-pin', 'clerk-tool']);

    // Pull it out: reported at the next scan, without waiting.
    execFileSync('softhsm2-util', ['--delete-token', '--serial', serial], { stdio: 'pipe' });
    watcher.poll();
    expect(removed).toEqual(['clerk-new']);
    expect(watcher.present.map((t) => t.label)).not.toContain('clerk-new');
  });

  it('polls on its own timer once started', async () => {
    const watcher = new TokenWatcher({ modulePath: pki.modulePath, intervalMs: 10, settleMs: 20 });
    const first = new Promise<TokenInfo>((resolve) => watcher.once('inserted', resolve));
    watcher.start();
    try {
      expect((await first).flags.tokenInitialized).toBe(true);
    } finally {
      watcher.stop();
    }
  });

  it('exports token certificates as PEM that OpenSSL reads', () => {
    const [certificate] = open('clerk-a').listCertificates();
    const pemFile = join(dir, 'exported.pem');
    writeFileSync(pemFile, derToPem(certificate!.identity.certificate));
    const subject = execFileSync('openssl', ['x509', '-in', pemFile, '-noout', '-subject', '-nameopt', 'utf8'], {
      encoding: 'utf8',
    });
    expect(subject).toContain('Иванова Мария Петровна');
    expect(pkcs11js.CKO_CERTIFICATE).toBeTypeOf('number');
  });
});
