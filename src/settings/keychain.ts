// Secrets (service passwords, a kept PIN, a .pfx password) live only in the OS keychain:
// Secret Service on Linux, Keychain on macOS, Credential Manager on Windows.
import { AsyncEntry } from '@napi-rs/keyring';

/** The secrets of one profile. Names are the profile's own ("service-password", "pfx-password"). */
export interface SecretStore {
  get(name: string): Promise<string | undefined>;
  set(name: string, value: string): Promise<void>;
  /** True when there was a secret to delete. */
  delete(name: string): Promise<boolean>;
}

export class KeychainUnavailableError extends Error {
  constructor(cause: unknown) {
    super(
      `The OS keychain is not available: ${cause instanceof Error ? cause.message : String(cause)}. ` +
        'On Linux start a Secret Service and unlock it (gnome-keyring: `gnome-keyring-daemon --start --components=secrets` ' +
        'in your D-Bus session, or KeePassXC with its Secret Service integration on); an agent run as a systemd service ' +
        'reads its secrets from systemd credentials instead (deploy/systemd/edo-clerk-agent.service).',
    );
    this.name = 'KeychainUnavailableError';
  }
}

export const keychainService = 'EDO Clerk';

export class OsKeychain implements SecretStore {
  /** @param scope separates profiles (and organizations) sharing one OS account */
  constructor(
    private readonly scope: string,
    private readonly service = keychainService,
  ) {}

  // Async: a Secret Service call goes over D-Bus and must not block the tray app's main process.
  private async call<T>(name: string, fn: (entry: AsyncEntry) => Promise<T>): Promise<T> {
    try {
      return await fn(new AsyncEntry(this.service, `${this.scope}/${name}`));
    } catch (e) {
      throw new KeychainUnavailableError(e);
    }
  }

  async get(name: string): Promise<string | undefined> {
    return (await this.call(name, (e) => e.getPassword())) ?? undefined;
  }

  async set(name: string, value: string): Promise<void> {
    await this.call(name, (e) => e.setPassword(value));
  }

  async delete(name: string): Promise<boolean> {
    return this.call(name, (e) => e.deleteCredential());
  }
}
