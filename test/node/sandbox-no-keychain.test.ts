// A newcomer's machine with no Secret Service (issue 14): the local sandbox keeps its throwaway
// demo passwords in a 0600 file in the sandbox folder and works from the terminal; a real
// profile there is told exactly what to start; an agent run as a systemd service reads its
// secrets from $CREDENTIALS_DIRECTORY. Real CLI child processes, the sandbox's real hub.
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSandboxState, sandboxPaths } from '../../src/sandbox/sandbox';
import { hubAdmin } from '../../src/sandbox/hub-process';
import { OsKeychain } from '../../src/settings/keychain';
import { keychainScope } from '../../src/settings/profile-dir';
import { credentialName, ProfileSecrets } from '../../src/settings/secret-stores';
import { ProfileSettingsFile } from '../../src/settings/settings';
import { clerk, expectExit, startClerk } from './session-harness';
import { keychain } from '../support/system';

const kc = keychain();
// A session bus address where nothing listens: the keychain library cannot reach a Secret Service.
const noSecretService: NodeJS.ProcessEnv = {
  ...process.env,
  DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/edo-clerk-test-bus',
};
delete noSecretService.CREDENTIALS_DIRECTORY;

describe('the local sandbox on a machine with no Secret Service', () => {
  let dir: string;
  let profile: string;
  let demo: ReturnType<typeof startClerk>;
  let hubUrl: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'edo-no-keychain-'));
    profile = join(dir, 'profile');
    // The C locale names no language: the demo speaks Russian, the CLI's default.
    demo = startClerk(['demo', '--profile', profile], { env: { ...noSecretService, LC_ALL: 'C.UTF-8' } });
    const until = Date.now() + 90_000;
    let stdout = '';
    demo.child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    while (!/Локальная песочница запущена: сервер обмена (\S+)/.test(stdout)) {
      if (demo.child.exitCode !== null || Date.now() > until)
        throw new Error(`edo-clerk demo did not start: ${stdout}\n${(await demo.done).stderr}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    hubUrl = /сервер обмена (\S+)/.exec(stdout)![1]!;
    expect(stdout).toContain(
      'хранилища ОС здесь нет: пароли демонстрационных ключей лежат там в файле 0600, только для демо',
    );
    expect(stdout).toContain('edo-clerk send ФАЙЛ --to ');
  }, 120_000);

  afterAll(async () => {
    demo?.child.kill('SIGTERM');
    await demo?.done;
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps the demo key passwords in 0600 files in the sandbox folder, and the profile says so', () => {
    expect(readSandboxState(profile)?.secrets).toBe('demo-file');
    const paths = sandboxPaths(profile);
    for (const file of [
      join(profile, paths.clerkDemoSecrets),
      join(paths.counterpartyProfile, paths.counterpartyDemoSecrets),
    ]) {
      expect(file.startsWith(paths.dir)).toBe(true);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(JSON.parse(readFileSync(file, 'utf8'))['key-password']).toMatch(/^[\w-]{32}$/);
    }
    expect(new ProfileSettingsFile(profile).read().demoSecretsFile).toBe(paths.clerkDemoSecrets);
  });

  it('receives, signs the receipt notice with the demo key, and sends a file, from the terminal', async () => {
    const state = readSandboxState(profile)!;
    // The demo counterparty sends its first document a few seconds after the start.
    let summary: { documentsReceived: number; serviceDocumentsSigned: number } | undefined;
    for (const until = Date.now() + 60_000; !summary?.documentsReceived && Date.now() < until;) {
      const session = expectExit(
        await clerk(['session', '--profile', profile, '--json'], { env: noSecretService }),
        0,
      ).json;
      expect(session.outcome).toBe('done');
      summary = session.summary;
    }
    expect(summary).toMatchObject({ documentsReceived: 1, serviceDocumentsSigned: 1 });
    const file = join(dir, 'akt-1.txt');
    writeFileSync(file, 'Акт сверки №1\n');
    expectExit(
      await clerk(
        ['send', file, '--to', state.counterparty.inn, '--title', 'Акт сверки №1', '--profile', profile, '--json'],
        { env: noSecretService },
      ),
      0,
    );
    const outbox = expectExit(
      await clerk(['outbox', '--profile', profile, '--json'], { env: noSecretService }),
      0,
    ).json;
    expect(JSON.stringify(outbox)).toContain('Акт сверки №1');
  }, 120_000);

  it.skipIf(!kc.ok)(`puts nothing into the OS keychain ${kc.reason}`, async () => {
    expect(await new OsKeychain(keychainScope(profile)).get('key-password')).toBeUndefined();
  });

  it('a profile of a real server there is told exactly what to start', async () => {
    const real = join(dir, 'real');
    const run = await clerk(
      ['profile', 'init', '--server', hubUrl, '--login', 'robot', '--password-stdin', '--profile', real],
      { env: noSecretService, stdin: 'a-service-password\n' },
    );
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(/The OS keychain is not available/);
    expect(run.stderr).toContain('gnome-keyring-daemon --start --components=secrets');
    expect(run.stderr).toContain('deploy/systemd/edo-clerk-agent.service');
  }, 60_000);

  it('an agent run as a systemd service logs in with the service password from its credentials', async () => {
    const state = readSandboxState(profile)!;
    const password = 'robot-password-from-systemd';
    await hubAdmin(
      sandboxPaths(profile).hubData,
      ['user', 'add', '--org', state.clerk.id, '--login', 'romashka-robot'],
      {},
      `${password}\n`,
    );
    const agentProfile = join(dir, 'agent');
    new ProfileSettingsFile(agentProfile).write({
      serverUrl: hubUrl,
      auth: { method: 'password', login: 'romashka-robot' },
      startAtLogin: false,
    });
    const credentials = join(dir, 'credentials');
    mkdirSync(credentials, { mode: 0o700 });
    writeFileSync(join(credentials, credentialName('service-password')), `${password}\n`, { mode: 0o400 });
    const env = { ...noSecretService, CREDENTIALS_DIRECTORY: credentials };
    const session = expectExit(await clerk(['session', '--profile', agentProfile, '--json'], { env }), 0).json;
    expect(session.outcome).toBe('done');
    // Credentials are the administrator's: a process never writes them.
    await expect(
      new ProfileSecrets(agentProfile, new ProfileSettingsFile(agentProfile), env).set('service-password', 'x'),
    ).rejects.toThrow(/reads its secrets from its credentials .*LoadCredentialEncrypted=/);
  }, 60_000);
});
