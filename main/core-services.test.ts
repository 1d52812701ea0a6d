// Runs in: Node (vitest), on real SoftHSM tokens; no electron involved.
// ClerkServices over the real core for a fresh profile: the settings file and the keychain
// (secrets never in the file), an unconfigured profile's empty lists, and the day's token on a
// real SoftHSM token (seen by the watcher, its owner named, a wrong PIN refused and never
// retried, Cancel that sticks, signing only after a login). The whole exchange through these
// services runs in test/e2e/clerk-real.spec.ts against the real hub.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { softhsm } from '../test/support/system';
import { createTestPki, samplePeople, type TestPki } from '../test/support/test-pki';
import { createCoreServices, type CoreServices } from './core-services';
import { MemorySecrets } from '../test/support/memory-secrets';

const hsm = softhsm();

describe.skipIf(!hsm.ok)(`core services of a profile ${hsm.reason}`, () => {
  let pki: TestPki;
  let dir: string;
  let services: CoreServices;
  const secrets = new MemorySecrets();
  const pin = '4321';

  beforeAll(async () => {
    pki = await createTestPki([
      { label: 'clerk-day', pin, keys: [{ algorithm: 'ECDSA-P256', person: samplePeople.ivanova }] },
    ]);
    dir = mkdtempSync(join(tmpdir(), 'clerk-core-services-'));
    services = await createCoreServices(dir, { secrets, tokenWatch: { intervalMs: 50, settleMs: 100 } });
  });

  afterAll(() => {
    services?.close();
    pki?.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('a fresh profile has defaults and empty lists until the exchange server is set', async () => {
    expect(await services.settings.get()).toMatchObject({
      serverUrl: '',
      mode: 'workstation',
      scheduleMinutes: 15,
      language: 'ru',
    });
    expect(await services.documents.list({ direction: 'in', offset: 0, limit: 50 })).toEqual({
      total: 0,
      offset: 0,
      rows: [],
    });
    expect(await services.pending.list()).toEqual([]);
    expect(await services.sessions.log(10)).toEqual([]);
    await expect(services.settings.set({ language: 'en' })).rejects.toThrow(/serverUrl/);
    await expect(services.sessions.run('manual', () => {})).rejects.toThrow(
      'Set the exchange server in Settings first',
    );
  });

  it('keeps settings in the profile file and secrets only in the keychain', async () => {
    const saved = await services.settings.set({
      serverUrl: 'https://edo.example.ru',
      scheduleMinutes: 30,
      login: 'romashka',
      modulePaths: [pki.modulePath],
      startAtLogin: false,
    });
    expect(saved).toMatchObject({
      serverUrl: 'https://edo.example.ru',
      scheduleMinutes: 30,
      login: 'romashka',
      modulePaths: [pki.modulePath],
      startAtLogin: false,
      mode: 'workstation',
    });
    await services.settings.setSecret('servicePassword', 'Sekret-42');
    expect((await services.settings.get()).secrets.servicePassword).toBe(true);
    expect(secrets.values.get('service-password')).toBe('Sekret-42');
    const file = readFileSync(join(dir, 'settings.json'), 'utf8');
    expect(JSON.parse(file)).toMatchObject({
      serverUrl: 'https://edo.example.ru',
      auth: { method: 'password', login: 'romashka' },
    });
    expect(file).not.toContain('Sekret-42');
  });

  it('sees the token with its owner; refuses signing before a login; a wrong PIN is refused and not sent again', async () => {
    await expect.poll(async () => (await services.token.status()).state).toBe('present');
    const status = await services.token.status();
    expect(status.token).toMatchObject({ label: 'clerk-day', pinPad: false });
    expect(status.owner).toMatchObject({
      name: 'Иванова Мария Петровна',
      position: samplePeople.ivanova.position,
      organization: samplePeople.ivanova.organization,
      inn: samplePeople.ivanova.orgInn,
    });

    const refused = await services.outbox.add({
      title: 'Письмо',
      counterpartyId: 'sub-x',
      files: [{ name: 'a.txt', contentBase64: Buffer.from('a').toString('base64') }],
    });
    expect(refused).toEqual({
      queued: [],
      failed: { reason: 'pin-required', message: expect.stringContaining('clerk-day') },
    });

    expect(await services.token.login('0000')).toMatchObject({
      ok: false,
      error: 'pin-incorrect',
      status: { state: 'present' },
    });
    // The same wrong PIN again does not reach the token (tries are not burnt).
    expect(await services.token.login('0000')).toMatchObject({ ok: false, error: 'pin-incorrect' });
  });

  it('Cancel stays until the clerk logs in on purpose; then the day’s token signs', async () => {
    expect((await services.token.cancel()).state).toBe('cancelled');
    expect((await services.token.status()).state).toBe('cancelled');
    const seen: string[] = [];
    const off = services.token.onChange((s) => seen.push(s.state));
    expect(await services.token.login(pin)).toMatchObject({ ok: true, status: { state: 'logged-in' } });
    off();
    expect(seen).toEqual(['logged-in']);
    // Cancel after login changes nothing: the token stays logged in for the day.
    expect((await services.token.cancel()).state).toBe('logged-in');
  });

  it('saving the settings with the same module paths keeps the day’s login (the Settings view sends them every time)', async () => {
    await services.settings.set({ modulePaths: [pki.modulePath], language: 'en' });
    expect((await services.token.status()).state).toBe('logged-in');
  });
});
