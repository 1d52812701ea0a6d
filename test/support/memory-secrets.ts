// Secrets of a test profile kept in memory, for tests that are not about the OS keychain (the
// keychain itself is proven in src/settings/keychain.test.ts).
import type { SecretStore } from '../../src/settings/keychain';

export class MemorySecrets implements SecretStore {
  readonly values = new Map<string, string>();
  async get(name: string) {
    return this.values.get(name);
  }
  async set(name: string, value: string) {
    this.values.set(name, value);
  }
  async delete(name: string) {
    return this.values.delete(name);
  }
}
