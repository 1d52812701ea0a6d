// Where a profile's secrets live (docs/architecture.md §9): the OS keychain, always for the
// desktop and a clerk's own keys; the files systemd gives a service (`$CREDENTIALS_DIRECTORY`,
// from LoadCredentialEncrypted=) for the agent run as one; and, only for the local sandbox on a
// machine with no Secret Service, a 0600 file of its throwaway demo passwords.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { OsKeychain, type SecretStore } from './keychain';
import { keychainScope } from './profile-dir';
import { inProfile, type ProfileSettingsFile } from './settings';

/** A systemd credential's name for a secret: credential names cannot hold "/" (`pin/SERIAL` is `pin.SERIAL`). */
export const credentialName = (secret: string): string => secret.replaceAll('/', '.');

/** The secrets systemd decrypted for this service: read-only, one file per secret. */
export class SystemdCredentials implements SecretStore {
  constructor(readonly dir: string) {}

  async get(name: string): Promise<string | undefined> {
    const file = join(this.dir, credentialName(name));
    // A credential file ends with the newline an editor adds; a secret never does.
    return existsSync(file) ? readFileSync(file, 'utf8').replace(/\r?\n$/, '') : undefined;
  }

  async set(name: string): Promise<void> {
    throw new Error(
      `This process runs as a systemd service and reads its secrets from its credentials (${this.dir}): ` +
        `add "${credentialName(name)}" to the unit with LoadCredentialEncrypted= (see deploy/systemd/edo-clerk-agent.service)`,
    );
  }

  /** Nothing is deleted: the unit's credentials are the administrator's. */
  async delete(): Promise<boolean> {
    return false;
  }
}

const DemoSecrets = z.record(z.string(), z.string());

/** The sandbox's demo passwords where no OS keychain runs: demo keys only, never a clerk's own. */
export class DemoSecretsFile implements SecretStore {
  constructor(readonly file: string) {}

  private read(): Record<string, string> {
    if (!existsSync(this.file)) return {};
    const parsed = DemoSecrets.safeParse(JSON.parse(readFileSync(this.file, 'utf8')));
    if (!parsed.success) throw new Error(`The sandbox's demo secrets file ${this.file} is not valid`);
    return parsed.data;
  }

  private write(secrets: Record<string, string>): void {
    const next = `${this.file}.new`;
    writeFileSync(next, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
    renameSync(next, this.file);
  }

  async get(name: string): Promise<string | undefined> {
    return this.read()[name];
  }

  async set(name: string, value: string): Promise<void> {
    this.write({ ...this.read(), [name]: value });
  }

  async delete(name: string): Promise<boolean> {
    const secrets = this.read();
    if (!(name in secrets)) return false;
    delete secrets[name];
    this.write(secrets);
    return true;
  }
}

/**
 * A profile's secrets, chosen at each use (the settings may be written after the profile is
 * opened): a service's credentials when systemd gives them, the sandbox's demo file when its
 * settings name one, else the OS keychain.
 */
export class ProfileSecrets implements SecretStore {
  constructor(
    private readonly dir: string,
    private readonly settings: ProfileSettingsFile,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  private store(): SecretStore {
    if (this.env.CREDENTIALS_DIRECTORY) return new SystemdCredentials(this.env.CREDENTIALS_DIRECTORY);
    const demoFile = this.settings.exists() ? this.settings.read().demoSecretsFile : undefined;
    if (demoFile) return new DemoSecretsFile(inProfile(this.dir, demoFile));
    return new OsKeychain(keychainScope(this.dir));
  }

  get(name: string): Promise<string | undefined> {
    return this.store().get(name);
  }

  set(name: string, value: string): Promise<void> {
    return this.store().set(name, value);
  }

  delete(name: string): Promise<boolean> {
    return this.store().delete(name);
  }
}
