import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ProfileSettingsFile, SettingsError } from './settings';

let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'clerk-settings-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('profile settings', () => {
  it('are written as settings.json in the profile with defaults filled in', () => {
    const file = new ProfileSettingsFile(dir);
    expect(file.exists()).toBe(false);
    expect(() => file.read()).toThrow(/profile init/);
    file.write({ serverUrl: 'http://127.0.0.1:8080', signer: { kind: 'token', token: 'clerk-a' } });
    expect(file.path).toBe(join(dir, 'settings.json'));
    const raw = JSON.parse(readFileSync(file.path, 'utf8'));
    expect(raw).toMatchObject({
      serverUrl: 'http://127.0.0.1:8080',
      mode: 'workstation',
      scheduleMinutes: 15,
      auth: { method: 'certificate' },
      language: 'ru',
    });
    expect(new ProfileSettingsFile(dir).update({ mode: 'server' }).mode).toBe('server');
  });

  it('refuse a wrong value without writing, and name the field of a hand-edited file', () => {
    const file = new ProfileSettingsFile(dir);
    file.write({ serverUrl: 'http://hub.example' });
    expect(() => file.update({ scheduleMinutes: -5 })).toThrow(SettingsError);
    expect(file.read().scheduleMinutes).toBe(15);
    writeFileSync(file.path, JSON.stringify({ serverUrl: 'ftp://x', mode: 'cloud' }));
    const error = (() => {
      try {
        new ProfileSettingsFile(dir).read();
      } catch (e) {
        return e as Error;
      }
    })();
    expect(error?.message).toMatch(/serverUrl/);
    expect(error?.message).toMatch(/mode/);
  });

  it('hold no secrets: there is no field for a password or a PIN', () => {
    const file = new ProfileSettingsFile(dir);
    const saved = file.write({
      serverUrl: 'http://hub.example',
      auth: { method: 'password', login: 'robot' },
      password: 'x',
      pin: '1234',
    } as never);
    expect(JSON.stringify(saved)).not.toMatch(/"password":|"pin":/);
    expect(readFileSync(file.path, 'utf8')).not.toMatch(/1234/);
  });
});
