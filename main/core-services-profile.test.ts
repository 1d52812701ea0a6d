// Runs in: Node (vitest); no electron involved. ClerkServices over a real profile signing with a
// software key (no token needed): the outbox queues all files or none, pending service documents
// are signed in the session the caller's scheduler runs, and the kept service password never
// follows the settings to another server. The token's part is in core-services.test.ts.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type * as Cms from '../src/crypto/cms';
import { ProfileSettingsFile } from '../src/settings/settings';
import { TokenError } from '../src/token/errors';
import { createCoreServices, type CoreServices } from './core-services';
import { MemorySecrets } from '../test/support/memory-secrets';

/** Signatures fail from the n-th on (0: never), as a token pulled out mid-way makes them. */
const failing = vi.hoisted(() => ({ fromCall: 0, calls: 0 }));
vi.mock('../src/crypto/cms', async (importOriginal) => {
  const real = await importOriginal<typeof Cms>();
  return {
    ...real,
    signDetached: async (...args: Parameters<typeof real.signDetached>) => {
      failing.calls += 1;
      if (failing.fromCall > 0 && failing.calls >= failing.fromCall)
        throw new TokenError('token-removed', 'Token "clerk" was removed: cannot sign with it');
      return real.signDetached(...args);
    },
  };
});

const file = (name: string, text: string) => ({ name, contentBase64: Buffer.from(text).toString('base64') });

describe('core services of a profile with a software key', () => {
  let dir: string;
  let services: CoreServices;
  const secrets = new MemorySecrets();

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'clerk-core-profile-'));
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
        '-subj',
        '/CN=Иванова Мария Петровна',
        '-days',
        '30',
        '-utf8',
      ],
      { stdio: 'pipe' },
    );
    new ProfileSettingsFile(dir).write({
      serverUrl: 'https://edo.example.ru',
      signer: { kind: 'software', keyFile: 'key.pem', certificateFile: 'cert.pem' },
    });
    services = await createCoreServices(dir, { secrets, tokenWatch: { intervalMs: 60_000, settleMs: 60_000 } });
  });

  afterAll(() => {
    services?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('a signature refused half-way queues none of the files; the retry queues each once', async () => {
    const files = [file('a.txt', 'first'), file('b.txt', 'second'), file('c.txt', 'third')];
    failing.calls = 0;
    failing.fromCall = 2;
    expect(await services.outbox.add({ title: 'Письма', counterpartyId: 'sub-x', files })).toEqual({
      queued: [],
      failed: { reason: 'token-removed', message: expect.stringContaining('was removed') },
    });
    expect((await services.documents.list({ direction: 'out', offset: 0, limit: 50 })).total).toBe(0);

    failing.fromCall = 0;
    const { queued, failed } = await services.outbox.add({ title: 'Письма', counterpartyId: 'sub-x', files });
    expect(failed).toBeUndefined();
    expect(queued).toHaveLength(3);
    const rows = (await services.documents.list({ direction: 'out', offset: 0, limit: 50 })).rows;
    expect(rows.map((r) => r.title).sort()).toEqual(['Письма (a.txt)', 'Письма (b.txt)', 'Письма (c.txt)']);
    expect(rows.every((r) => r.status === 'queued')).toBe(true);
    expect((await services.documents.open(queued[0]!)).signatures).toHaveLength(1);
  });

  it('signs pending service documents in the session it is given, never one of its own', async () => {
    const session = vi.fn(async () => undefined);
    expect(await services.pending.sign({ ids: [41] }, session)).toEqual({
      signed: [],
      failed: [{ id: 41, reason: 'not-pending' }],
    });
    expect(session).toHaveBeenCalledTimes(1);
    expect(await services.sessions.log(10)).toEqual([]);
    await expect(services.pending.sign({ all: true })).rejects.toThrow(
      'signed in an exchange session the scheduler runs',
    );
  });

  it('forgets the kept service password when the server moves to another origin', async () => {
    await services.settings.setSecret('servicePassword', 'Sekret-42');
    await services.settings.set({ serverUrl: 'https://edo.example.ru/api/' });
    expect((await services.settings.get()).secrets.servicePassword).toBe(true);
    await services.settings.set({ serverUrl: 'https://elsewhere.example.com' });
    expect((await services.settings.get()).secrets.servicePassword).toBe(false);
    expect(secrets.values.has('service-password')).toBe(false);
  });
});
