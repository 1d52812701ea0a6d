// Proof that secrets really go to the OS keychain: written through one handle, read back
// through another, readable by the platform's own tool, and gone after delete.
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { keychain } from '../../test/support/system';
import { OsKeychain, keychainService } from './keychain';

const part = keychain();

describe.skipIf(!part.ok)(`OS keychain ${part.reason}`, () => {
  it('stores a secret, reads it back in another handle, and deletes it', async () => {
    const scope = `test-${randomUUID()}`;
    const secret = `пароль-сервиса-${randomUUID()}`;
    await new OsKeychain(scope).set('service-password', secret);
    expect(await new OsKeychain(scope).get('service-password')).toBe(secret);
    // Another profile does not see it.
    expect(await new OsKeychain(`${scope}-other`).get('service-password')).toBeUndefined();
    if (process.platform === 'linux') {
      // The Secret Service itself holds it: libsecret's own tool finds it by its attributes.
      const found = execFileSync(
        'secret-tool',
        ['search', '--all', 'service', keychainService, 'username', `${scope}/service-password`],
        {
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'ignore'],
        },
      );
      expect(found).toContain(`${scope}/service-password`);
    }
    expect(await new OsKeychain(scope).delete('service-password')).toBe(true);
    expect(await new OsKeychain(scope).get('service-password')).toBeUndefined();
  });
});
