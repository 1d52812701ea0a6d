// Password hashes and the login throttle, with an injected clock (no waiting in tests).
import { describe, expect, it } from 'vitest';
import { hashPassword, verifyPassword } from './passwords';
import { LoginThrottle } from './throttle';

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

describe('the login throttle', () => {
  const options = { freeFailures: { account: 3, address: 5 }, firstWaitMs: 1000, maxWaitMs: 8000, forgetAfterMs: 60_000 };

  it('lets a few failures pass, then doubles the wait up to the cap', () => {
    let now = 0;
    const throttle = new LoginThrottle(options, () => now);
    const keys = { account: 'login:a', address: '10.0.0.1' };
    throttle.failed(keys);
    throttle.failed(keys);
    expect(throttle.waitFor(keys)).toBe(0);
    throttle.failed(keys);
    expect(throttle.waitFor(keys)).toBe(1000);
    now += 1000;
    throttle.failed(keys);
    expect(throttle.waitFor(keys)).toBe(2000);
    for (let i = 0; i < 6; i++) throttle.failed(keys);
    expect(throttle.waitFor(keys)).toBe(8000);
  });

  it('blocks an address that tries many accounts, and forgets after a quiet while', () => {
    let now = 0;
    const throttle = new LoginThrottle(options, () => now);
    for (let i = 0; i < 5; i++) throttle.failed({ account: `login:${i}`, address: '10.0.0.2' });
    expect(throttle.waitFor({ account: 'login:new', address: '10.0.0.2' })).toBeGreaterThan(0);
    expect(throttle.waitFor({ account: 'login:new', address: '10.0.0.3' })).toBe(0);
    now += 61_000;
    expect(throttle.waitFor({ account: 'login:new', address: '10.0.0.2' })).toBe(0);
  });

  it('clears an account after a successful login', () => {
    const throttle = new LoginThrottle(options, () => 0);
    const keys = { account: 'login:b', address: '10.0.0.4' };
    for (let i = 0; i < 3; i++) throttle.failed(keys);
    throttle.succeeded(keys);
    expect(throttle.waitFor({ account: 'login:b', address: '10.0.0.5' })).toBe(0);
  });
});
