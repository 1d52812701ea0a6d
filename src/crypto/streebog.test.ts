// Streebog against RFC 6986's examples (as the byte strings OpenSSL prints, RFC 6986 shows them
// byte-reversed), fed whole and in awkward pieces, and against `openssl dgst` on random data.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { opensslGost } from '../../test/support/system';
import { Streebog, streebog } from './streebog';

const m1 = Buffer.from('012345678901234567890123456789012345678901234567890123456789012', 'ascii');
// "Се ветри, Стрибожи внуци, веютъ с моря стрелами на храбрыя плъкы Игоревы" in windows-1251
const m2 = Buffer.from(
  'd1e520e2e5f2f0e82c20d1f2f0e8e1eee6e820e2edf3f6e82c20e2e5fef2fa20f120eceef0ff20f1f2f0e5ebe0ece820ede020f5f0e0e1f0fbff20efebfaeafb20c8e3eef0e5e2fb',
  'hex',
);

const vectors = [
  {
    message: m1,
    size: 512,
    digest:
      '1b54d01a4af5b9d5cc3d86d68d285462b19abc2475222f35c085122be4ba1ffa00ad30f8767b3a82384c6574f024c311e2a481332b08ef7f41797891c1646f48',
  },
  { message: m1, size: 256, digest: '9d151eefd8590b89daa6ba6cb74af9275dd051026bb149a452fd84e5e57b5500' },
  {
    message: m2,
    size: 512,
    digest:
      '1e88e62226bfca6f9994f1f2d51569e0daf8475a3b0fe61a5300eee46d961376035fe83549ada2b8620fcd7c496ce5b33f0cb9dddc2b6460143b03dabac9fb28',
  },
  { message: m2, size: 256, digest: '9dd2fe4e90409e5da87f53976d7405b0c0cac628fc669a741d50063c557e8f50' },
] as const;

describe('Streebog (RFC 6986)', () => {
  it.each(vectors)(
    'hashes the RFC 6986 example of $message.length bytes to the $size-bit value',
    ({ message, size, digest }) => {
      expect(streebog(size, message).toString('hex')).toBe(digest);
    },
  );

  it.each(vectors)(
    'streams the $message.length-byte example one byte at a time to the same $size-bit value',
    ({ message, size, digest }) => {
      const hash = new Streebog(size);
      for (const byte of message) hash.update(Buffer.from([byte]));
      expect(hash.digest().toString('hex')).toBe(digest);
    },
  );

  it('gives the same digest whatever the chunking across block boundaries', () => {
    const data = randomBytes(64 * 7 + 13);
    const whole = streebog(512, data).toString('hex');
    for (const chunk of [1, 63, 64, 65, 200]) {
      const hash = new Streebog(512);
      for (let offset = 0; offset < data.length; offset += chunk) hash.update(data.subarray(offset, offset + chunk));
      expect(hash.digest().toString('hex'), `chunks of ${chunk}`).toBe(whole);
    }
  });

  it('refuses an update after the digest and a second digest', () => {
    const hash = new Streebog(256).update('x');
    hash.digest();
    expect(() => hash.update('y')).toThrow(/after digest/);
    expect(() => hash.digest()).toThrow(/twice/);
  });
});

const gost = opensslGost();

describe.skipIf(!gost.ok)(`Streebog against openssl dgst ${gost.reason}`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'edo-streebog-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each([0, 1, 63, 64, 65, 100_003])('agrees with OpenSSL on %i random bytes, 256 and 512', (length) => {
    const file = join(dir, `data-${length}`);
    const data = randomBytes(length);
    writeFileSync(file, data);
    for (const size of [256, 512] as const) {
      const out = execFileSync('openssl', ['dgst', '-engine', 'gost', `-md_gost12_${size}`, '-r', file], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      expect(streebog(size, data).toString('hex')).toBe(out.split(' ')[0]);
    }
  });
});
