// Password hashes and the login throttle, with an injected clock (no waiting in tests); the
// throttle's counters in memory (one embedded hub) and in the database on both backends (shared
// by several instances: two throttles over one database count the same failures).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { backends, closeDatabases } from '../../test/support/databases';
import { exchangeSchema } from '../storage/sql-storage';
import { hashPassword, verifyPassword } from './passwords';
import { LoginThrottle, MemoryThrottleCounters, SqlThrottleCounters, type ThrottleCounters } from './throttle';

describe('password hashes', () => {
  it('are salted scrypt hashes that verify only the right password', async () => {
    const a = await hashPassword('correct horse');
    const b = await hashPassword('correct horse');
    expect(a).toMatch(/^scrypt\$16384\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    expect(a).not.toBe(b);
    expect(await verifyPassword('correct horse', a)).toBe(true);
    expect(await verifyPassword('correct horsE', a)).toBe(false);
    expect(await verifyPassword('correct horse', undefined)).toBe(false);
    expect(await verifyPassword('x', 'md5$abc')).toBe(false);
  });
});

const dir = mkdtempSync(join(tmpdir(), 'edo-hub-throttle-'));
afterAll(async () => {
  await closeDatabases();
  rmSync(dir, { recursive: true, force: true });
});

const kinds: { name: string; skip: string | undefined; counters: () => Promise<ThrottleCounters> }[] = [
  { name: 'memory', skip: undefined, counters: async () => new MemoryThrottleCounters() },
  ...backends.map((b) => ({
    name: b.name,
    skip: b.skip,
    counters: async () => new SqlThrottleCounters(await b.open([exchangeSchema], { dir })),
  })),
];

describe.each(kinds)('the login throttle, counters in $name', (kind) => {
  const options = {
    freeFailures: { account: 3, address: 5 },
    firstWaitMs: 1000,
    maxWaitMs: 8000,
    forgetAfterMs: 60_000,
  };

  it.skipIf(kind.skip !== undefined)('lets a few failures pass, then doubles the wait up to the cap', async () => {
    let now = 0;
    const throttle = new LoginThrottle(options, () => now, await kind.counters());
    const keys = { account: 'login:a', address: '10.0.0.1' };
    await throttle.failed(keys);
    await throttle.failed(keys);
    expect(await throttle.waitFor(keys)).toBe(0);
    await throttle.failed(keys);
    expect(await throttle.waitFor(keys)).toBe(1000);
    now += 1000;
    await throttle.failed(keys);
    expect(await throttle.waitFor(keys)).toBe(2000);
    for (let i = 0; i < 6; i++) await throttle.failed(keys);
    expect(await throttle.waitFor(keys)).toBe(8000);
  });

  it.skipIf(kind.skip !== undefined)(
    'blocks an address that tries many accounts, and forgets after a quiet while',
    async () => {
      let now = 0;
      const throttle = new LoginThrottle(options, () => now, await kind.counters());
      for (let i = 0; i < 5; i++) await throttle.failed({ account: `login:${i}`, address: '10.0.0.2' });
      expect(await throttle.waitFor({ account: 'login:new', address: '10.0.0.2' })).toBeGreaterThan(0);
      expect(await throttle.waitFor({ account: 'login:new', address: '10.0.0.3' })).toBe(0);
      now += 61_000;
      expect(await throttle.waitFor({ account: 'login:new', address: '10.0.0.2' })).toBe(0);
    },
  );

  it.skipIf(kind.skip !== undefined)('clears an account after a successful login', async () => {
    const throttle = new LoginThrottle(options, () => 0, await kind.counters());
    const keys = { account: 'login:b', address: '10.0.0.4' };
    for (let i = 0; i < 3; i++) await throttle.failed(keys);
    await throttle.succeeded(keys);
    expect(await throttle.waitFor({ account: 'login:b', address: '10.0.0.5' })).toBe(0);
  });
});
