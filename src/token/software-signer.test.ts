// The agent's software key: PKCS#12 and PEM files made by OpenSSL, passwords from a SecretStore
// (the OS keychain when there is one), signatures OpenSSL accepts, wrong passwords named.
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { keychain, opensslGost } from '../../test/support/system';
import { signDetached, verifyDetached } from '../crypto/cms';
import { pemToDer } from '../crypto/certificates';
import { OsKeychain } from '../settings/keychain';
import { SoftwareKeyError, SoftwareSigner } from './software-signer';
import { MemorySecrets } from '../../test/support/memory-secrets';

const dir = mkdtempSync(join(tmpdir(), 'edo-software-key-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const document = Buffer.from('Акт сверки за III квартал 2026 г.\n'.repeat(1000));
const documentPath = join(dir, 'act.txt');
writeFileSync(documentPath, document);
const password = 'Пароль-агента-2026!';

const openssl = (args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });

type KeyKind = 'rsa' | 'P-256' | 'P-384';
/** A key and a self-signed certificate made by OpenSSL. */
function makeKey(kind: KeyKind, name: string): { key: string; cert: string } {
  const key = join(dir, `${name}.key.pem`);
  const cert = join(dir, `${name}.cert.pem`);
  const newkey = kind === 'rsa' ? ['-newkey', 'rsa:2048'] : ['-newkey', 'ec', '-pkeyopt', `ec_paramgen_curve:${kind}`];
  openssl([
    'req',
    '-utf8',
    '-x509',
    ...newkey,
    '-nodes',
    '-keyout',
    key,
    '-out',
    cert,
    '-days',
    '30',
    '-subj',
    `/CN=Сервисный агент ${name}/O=ООО Ромашка`,
  ]);
  return { key, cert };
}

async function signAndCheck(signer: SoftwareSigner, caFile: string): Promise<void> {
  const signature = await signDetached({ path: documentPath }, signer);
  const sigFile = join(dir, `${randomUUID()}.p7s`);
  writeFileSync(sigFile, signature);
  openssl([
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
  ]);
  const result = await verifyDetached(signature, document, { trustedRoots: pemToDer(readFileSync(caFile, 'utf8')) });
  expect(result.problems).toEqual([]);
}

async function loadError(promise: Promise<unknown>): Promise<SoftwareKeyError> {
  try {
    await promise;
  } catch (e) {
    expect(e).toBeInstanceOf(SoftwareKeyError);
    return e as SoftwareKeyError;
  }
  throw new Error('expected a SoftwareKeyError');
}

describe('SoftwareSigner from PKCS#12', () => {
  it.each([
    ['rsa', 'AES-256 (OpenSSL 3 default)', []],
    ['P-256', 'AES-256 (OpenSSL 3 default)', []],
    ['P-384', 'AES-256 (OpenSSL 3 default)', []],
    [
      'rsa',
      '3DES and SHA-1 MAC (older CA tools)',
      ['-keypbe', 'PBE-SHA1-3DES', '-certpbe', 'PBE-SHA1-3DES', '-macalg', 'sha1'],
    ],
  ] as const)('loads a %s key protected with %s and signs what OpenSSL accepts', async (kind, _protection, extra) => {
    const { key, cert } = makeKey(kind, `p12-${kind}-${extra.length}`);
    const pfx = join(dir, `agent-${kind}-${extra.length}.pfx`);
    openssl(['pkcs12', '-export', '-inkey', key, '-in', cert, '-out', pfx, '-passout', `pass:${password}`, ...extra]);
    const secrets = new MemorySecrets();
    await secrets.set('pfx-password', password);
    const signer = await SoftwareSigner.load({ kind: 'pkcs12', path: pfx, passwordName: 'pfx-password' }, secrets);
    expect(signer.algorithm).toBe(
      { rsa: 'RSA-PKCS1-SHA256', 'P-256': 'ECDSA-P256-SHA256', 'P-384': 'ECDSA-P384-SHA384' }[kind],
    );
    expect(signer.description).toContain(pfx);
    await signAndCheck(signer, cert);
  });

  it('says the password is wrong, naming the file', async () => {
    const { key, cert } = makeKey('P-256', 'wrong-pass');
    const pfx = join(dir, 'wrong-pass.pfx');
    openssl(['pkcs12', '-export', '-inkey', key, '-in', cert, '-out', pfx, '-passout', `pass:${password}`]);
    const secrets = new MemorySecrets();
    await secrets.set('pfx-password', 'not the password');
    const error = await loadError(
      SoftwareSigner.load({ kind: 'pkcs12', path: pfx, passwordName: 'pfx-password' }, secrets),
    );
    expect(error.code).toBe('password-incorrect');
    expect(error.message).toContain(pfx);
    expect(error.message).toMatch(/Wrong password/);
  });

  it('says the password is missing from the keychain, naming the secret', async () => {
    const error = await loadError(
      SoftwareSigner.load(
        { kind: 'pkcs12', path: join(dir, 'wrong-pass.pfx'), passwordName: 'agent-pfx' },
        new MemorySecrets(),
      ),
    );
    expect(error.code).toBe('password-missing');
    expect(error.message).toContain('"agent-pfx"');
  });

  it('names a missing or unreadable file', async () => {
    const secrets = new MemorySecrets();
    await secrets.set('p', password);
    const missing = await loadError(
      SoftwareSigner.load({ kind: 'pkcs12', path: join(dir, 'nope.pfx'), passwordName: 'p' }, secrets),
    );
    expect(missing.code).toBe('key-file-not-found');
    expect(missing.message).toContain('nope.pfx');
    writeFileSync(join(dir, 'garbage.pfx'), 'garbage');
    const garbage = await loadError(
      SoftwareSigner.load({ kind: 'pkcs12', path: join(dir, 'garbage.pfx'), passwordName: 'p' }, secrets),
    );
    expect(garbage.code).toBe('key-invalid');
    expect(garbage.message).toContain('garbage.pfx');
  });
});

describe('SoftwareSigner from PEM', () => {
  it('loads an unencrypted key with its certificate among others', async () => {
    const { key, cert } = makeKey('P-256', 'pem-plain');
    const other = makeKey('rsa', 'pem-other');
    const bundle = join(dir, 'bundle.pem');
    writeFileSync(bundle, readFileSync(other.cert, 'utf8') + readFileSync(cert, 'utf8'));
    const signer = await SoftwareSigner.load(
      { kind: 'pem', keyPath: key, certificatePath: bundle },
      new MemorySecrets(),
    );
    expect(signer.chain).toHaveLength(1);
    await signAndCheck(signer, cert);
  });

  it('decrypts an encrypted key with the password from the store, and names a wrong one', async () => {
    const { key, cert } = makeKey('rsa', 'pem-enc');
    const encrypted = join(dir, 'pem-enc.encrypted.pem');
    openssl(['pkey', '-in', key, '-aes256', '-passout', `pass:${password}`, '-out', encrypted]);
    const secrets = new MemorySecrets();
    await secrets.set('key-password', password);
    await signAndCheck(
      await SoftwareSigner.load(
        { kind: 'pem', keyPath: encrypted, certificatePath: cert, passwordName: 'key-password' },
        secrets,
      ),
      cert,
    );

    await secrets.set('key-password', 'wrong');
    const wrong = await loadError(
      SoftwareSigner.load(
        { kind: 'pem', keyPath: encrypted, certificatePath: cert, passwordName: 'key-password' },
        secrets,
      ),
    );
    expect(wrong.code).toBe('password-incorrect');
    expect(wrong.message).toContain(encrypted);
    const none = await loadError(
      SoftwareSigner.load({ kind: 'pem', keyPath: encrypted, certificatePath: cert }, secrets),
    );
    expect(none.code).toBe('password-missing');
  });

  it('refuses a certificate that is not the key’s', async () => {
    const a = makeKey('P-256', 'pem-a');
    const b = makeKey('P-256', 'pem-b');
    const error = await loadError(
      SoftwareSigner.load({ kind: 'pem', keyPath: a.key, certificatePath: b.cert }, new MemorySecrets()),
    );
    expect(error.code).toBe('certificate-not-found');
  });
});

const gost = opensslGost();
describe.skipIf(!gost.ok)(`SoftwareSigner with GOST R 34.10-2012 keys made by OpenSSL ${gost.reason}`, () => {
  /** A GOST key and a self-signed certificate made by OpenSSL's GOST engine. */
  function makeGostKey(bits: 256 | 512, name: string, encrypt: boolean): { key: string; cert: string } {
    const key = join(dir, `${name}.key.pem`);
    const cert = join(dir, `${name}.cert.pem`);
    const cipher = encrypt ? ['-aes-256-cbc', '-pass', `pass:${password}`] : [];
    openssl([
      'genpkey',
      '-engine',
      'gost',
      '-algorithm',
      `gost2012_${bits}`,
      '-pkeyopt',
      'paramset:A',
      ...cipher,
      '-out',
      key,
    ]);
    const passin = encrypt ? ['-passin', `pass:${password}`] : [];
    openssl([
      'req',
      '-engine',
      'gost',
      '-utf8',
      '-x509',
      '-new',
      '-key',
      key,
      ...passin,
      `-md_gost12_${bits}`,
      '-days',
      '30',
      '-subj',
      `/CN=Агент ГОСТ ${name}/O=ООО Ромашка`,
      '-out',
      cert,
    ]);
    return { key, cert };
  }
  const gostCheck = async (signer: SoftwareSigner, cert: string) => {
    const signature = await signDetached({ path: documentPath }, signer);
    const sigFile = join(dir, `${randomUUID()}.p7s`);
    writeFileSync(sigFile, signature);
    openssl([
      'cms',
      '-verify',
      '-engine',
      'gost',
      '-binary',
      '-inform',
      'DER',
      '-in',
      sigFile,
      '-content',
      documentPath,
      '-CAfile',
      cert,
      '-purpose',
      'any',
      '-out',
      '/dev/null',
    ]);
    expect(
      (await verifyDetached(signature, document, { trustedRoots: pemToDer(readFileSync(cert, 'utf8')) })).problems,
    ).toEqual([]);
  };

  it.each([256, 512] as const)('loads a plain PKCS#8 %i-bit key and signs what OpenSSL accepts', async (bits) => {
    const { key, cert } = makeGostKey(bits, `gost-plain-${bits}`, false);
    const signer = await SoftwareSigner.load({ kind: 'pem', keyPath: key, certificatePath: cert }, new MemorySecrets());
    expect(signer.algorithm).toBe(`GOST2012-${bits}`);
    await gostCheck(signer, cert);
  });

  it.each([256, 512] as const)(
    'decrypts an encrypted PKCS#8 %i-bit key (PBES2, AES-256), and names a wrong password',
    async (bits) => {
      const { key, cert } = makeGostKey(bits, `gost-enc-${bits}`, true);
      const secrets = new MemorySecrets();
      await secrets.set('key-password', password);
      await gostCheck(
        await SoftwareSigner.load(
          { kind: 'pem', keyPath: key, certificatePath: cert, passwordName: 'key-password' },
          secrets,
        ),
        cert,
      );
      await secrets.set('key-password', 'wrong');
      const wrong = await loadError(
        SoftwareSigner.load(
          { kind: 'pem', keyPath: key, certificatePath: cert, passwordName: 'key-password' },
          secrets,
        ),
      );
      expect(wrong.code).toBe('password-incorrect');
      expect(wrong.message).toContain(key);
    },
  );

  it("refuses a GOST key with another key's certificate", async () => {
    const a = makeGostKey(256, 'gost-a', false);
    const b = makeGostKey(256, 'gost-b', false);
    expect(
      (
        await loadError(
          SoftwareSigner.load({ kind: 'pem', keyPath: a.key, certificatePath: b.cert }, new MemorySecrets()),
        )
      ).code,
    ).toBe('certificate-not-found');
  });

  it('names a CryptoPro key container as unreadable, the folder or one of its files', async () => {
    const container = join(dir, 'ab12cd34.000');
    mkdirSync(container);
    for (const file of ['header.key', 'masks.key', 'masks2.key', 'name.key', 'primary.key', 'primary2.key'])
      writeFileSync(join(container, file), randomUUID());
    for (const keyPath of [container, join(container, 'primary.key')]) {
      const error = await loadError(
        SoftwareSigner.load({ kind: 'pem', keyPath, certificatePath: join(dir, 'none.pem') }, new MemorySecrets()),
      );
      expect(error.code).toBe('key-invalid');
      expect(error.message).toContain(keyPath);
      expect(error.message).toMatch(/CryptoPro key container/);
    }
  });
});

const keychainPart = keychain();
describe.skipIf(!keychainPart.ok)(`SoftwareSigner with the OS keychain ${keychainPart.reason}`, () => {
  it('reads the .pfx password from the OS keychain', async () => {
    const { key, cert } = makeKey('P-256', 'keychain');
    const pfx = join(dir, 'keychain.pfx');
    openssl(['pkcs12', '-export', '-inkey', key, '-in', cert, '-out', pfx, '-passout', `pass:${password}`]);
    const secrets = new OsKeychain(`test-${randomUUID()}`);
    await secrets.set('pfx-password', password);
    try {
      await signAndCheck(
        await SoftwareSigner.load({ kind: 'pkcs12', path: pfx, passwordName: 'pfx-password' }, secrets),
        cert,
      );
    } finally {
      await secrets.delete('pfx-password');
    }
  });
});
