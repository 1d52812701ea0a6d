// Runs in: Node (vitest), with electron mocked.
// The Archive and Organization services of main against a real hub (`edo-hub serve` on
// loopback) and SoftHSM tokens: the organization's administrator switches archiving on over
// HTTP (journaled old → new), a signed document lands in the archive, the audit proves it in the
// operator-signed tree, the original and its signature are saved and verify; a user without the
// right gets the hub's refusal, which the hub journals; an expired login is renewed.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signDetached, verifyDetached } from '../src/crypto/cms';
import type { Signer } from '../src/crypto/signer';
import type { Authenticator } from '../src/exchange/client';
import { HttpExchangeClient } from '../src/exchange/http-client';
import type { TokenSession } from '../src/token/session';
import { loginWithSigner, type HubApi, type StartedHub } from '../test/support/hub';
import { softhsm } from '../test/support/system';
import type { TestPki } from '../test/support/test-pki';
import { startTwoOrganizations, tokenSigner } from '../test/support/token-hub';
import { createArchiveServices, type HubLogin } from './archive-services';

const part = softhsm();

describe.skipIf(!part.ok)(`main's archive and organization services over a real hub ${part.reason}`, () => {
  let pki: TestPki;
  let hub: StartedHub;
  const sessions: TokenSession[] = [];
  const dirs: string[] = [];
  let signerA: Signer;
  let apiA: HubApi;
  let orgB: string;

  const folder = (prefix: string) => {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    dirs.push(dir);
    return dir;
  };

  /** What core-services does with the profile's authenticator: a logged-in hub client. */
  const loginWith = async (how: Authenticator): Promise<HubLogin> => {
    const client = new HttpExchangeClient(hub.url);
    const me = await client.authenticate(how);
    return { client, userId: me.user.id, userName: me.user.name };
  };
  const loginAs = (signer: Signer) => () =>
    loginWith({ method: 'certificate', signLogin: (content) => signDetached(content, signer) });
  const loginWithPassword = (login: string, password: string) => () =>
    loginWith({ method: 'password', login, password });

  beforeAll(async () => {
    const { a, b, ...started } = await startTwoOrganizations({ a: 'workstation' });
    ({ pki, hub } = started);
    orgB = b.org.id;
    // Added after Иванова (the organization's first user, its administrator): no right to the settings.
    await hub.admin(['user', 'add', '--org', a.org.id, '--login', 'romashka-clerk'], { stdin: 'clerk-password' });
    signerA = await tokenSigner(pki, sessions, 'clerk-a');
    apiA = (await loginWithSigner(hub.url, signerA)).api;
    const apiB = (await loginWithSigner(hub.url, await tokenSigner(pki, sessions, 'clerk-b'))).api;
    expect((await apiA.call('POST', '/v1/contacts', { json: { subscriberId: orgB } })).status).toBe(200);
    expect((await apiB.call('POST', `/v1/contacts/${a.org.id}/accept`, { json: {} })).json.state).toBe('connected');
  });

  afterAll(async () => {
    for (const s of sessions) s.close();
    await hub?.stop();
    pki?.cleanup();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('the administrator switches archiving on; a signed document is archived, verified, and saved with its signature', async () => {
    const profile = folder('clerk-profile-');
    const { archive, organization } = createArchiveServices(profile, loginAs(signerA));

    const before = await organization.get();
    expect(before).toMatchObject({ allowed: true, settings: { archiving: { enabled: false, notifyEmail: null } } });
    const after = await organization.patch({ archiving: { enabled: true, notifyEmail: 'archive@romashka.ru' } });
    expect(after).toMatchObject({
      allowed: true,
      settings: { archiving: { enabled: true, notifyEmail: 'archive@romashka.ru' } },
    });
    if (!after.allowed) throw new Error('refused');
    expect(after.settings.access).toEqual([{ userId: after.me, permissions: ['change-organization-settings'] }]);
    const journal = await organization.journal(0, 100);
    expect(journal.entries).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          actor: after.me,
          action: 'archiving.enabled',
          oldValue: 'false',
          newValue: 'true',
          outcome: 'applied',
        }),
        expect.objectContaining({
          actor: after.me,
          action: 'archiving.notifyEmail',
          oldValue: null,
          newValue: '"archive@romashka.ru"',
          outcome: 'applied',
        }),
      ]),
    );

    const content = Buffer.from('Договор № 12 поставки\n'.repeat(40), 'utf8');
    const sha256 = createHash('sha256').update(content).digest('hex');
    expect((await apiA.call('PUT', `/v1/blobs/${sha256}`, { body: content })).status).toBe(201);
    const signature = await signDetached(content, signerA);
    const sent = await apiA.call('POST', '/v1/documents', {
      headers: { 'idempotency-key': `doc-${sha256}` },
      json: {
        recipientId: orgB,
        title: 'Договор № 12',
        kind: 'contract',
        fileName: 'Договор 12.txt',
        sha256,
        signature: signature.toString('base64'),
      },
    });
    expect(sent.status, sent.body.toString()).toBe(201);

    const listed = await archive.list();
    expect(listed).toEqual([
      expect.objectContaining({
        fileName: 'Договор 12.txt',
        kind: 'document',
        size: content.length,
        signatures: 1,
        verification: 'unchecked',
      }),
    ]);
    const audit = await archive.verify();
    expect(audit.tree).toEqual({ ok: true });
    expect(audit.treeSize).toBeGreaterThanOrEqual(1);
    expect(audit.entries.map((e) => e.verification)).toEqual(['verified']);
    // A later list (and a new process of the same profile: the receipts file) remembers it.
    expect((await archive.list()).map((e) => e.verification)).toEqual(['verified']);
    expect((await createArchiveServices(profile, loginAs(signerA)).archive.list()).map((e) => e.verification)).toEqual([
      'verified',
    ]);

    const status = await archive.status();
    expect(status).toMatchObject({
      usedBytes: content.length,
      quotaBytes: 5 * 1024 ** 3,
      notArchived: [],
      consistency: { ok: true },
      lastTreeHead: { treeSize: audit.treeSize },
    });

    const out = folder('clerk-download-');
    const saved = await archive.download(listed[0]!.index, out);
    expect(saved).toEqual({ file: join(out, 'Договор 12.txt'), signatures: [join(out, 'Договор 12.txt.sig')] });
    const file = readFileSync(saved.file);
    expect(file.equals(content)).toBe(true);
    const check = await verifyDetached(readFileSync(saved.signatures[0]!), file, {
      trustedRoots: [Buffer.from(pki.caCertificate.rawData)],
    });
    expect(check.valid).toBe(true);
    await expect(archive.download(999, out)).rejects.toThrow('The organization has no archive entry 999');
  });

  it('a user without change-organization-settings gets the refusal, and the hub journals the attempt; the archive is still theirs to see', async () => {
    const clerk = createArchiveServices(
      folder('clerk-profile-'),
      loginWithPassword('romashka-clerk', 'clerk-password'),
    );
    const refused = await clerk.organization.get();
    expect(refused).toEqual({
      allowed: false,
      message: expect.stringMatching(/does not have the permission change-organization-settings/),
    });
    await expect(clerk.organization.patch({ plan: 'premium' })).resolves.toMatchObject({ allowed: false });

    const admin = createArchiveServices(folder('clerk-profile-'), loginAs(signerA));
    const state0 = await admin.organization.get();
    if (!state0.allowed) throw new Error('the administrator was refused');
    const journal = await admin.organization.journal(0, 500);
    const refusals = journal.entries.filter((e) => e.outcome === 'refused');
    // One refused read per look at the view, one per attempted change.
    expect(refusals.map((e) => e.action)).toEqual(['settings.read', 'settings.change']);
    expect(refusals.every((e) => e.actor !== state0.me)).toBe(true);
    const state = await admin.organization.get();
    expect(state).toMatchObject({ allowed: true, settings: { plan: 'basic' } });
  });

  it('a login the hub no longer accepts (401) is renewed once, transparently, by the hub client', async () => {
    let logins = 0;
    let revoked = true;
    const services = createArchiveServices(folder('clerk-profile-'), async () => {
      // The first archive call carries a token the hub does not know (as after the hub lost its tokens).
      const client = new HttpExchangeClient(hub.url, {
        fetch: (input, init) => {
          const headers = new Headers(init?.headers);
          if (revoked && String(input).includes('/v1/archive/')) {
            revoked = false;
            headers.set('authorization', 'Bearer revoked-token');
          }
          return fetch(input, { ...init, headers });
        },
      });
      const me = await client.authenticate({
        method: 'certificate',
        signLogin: (content) => (logins++, signDetached(content, signerA)),
      });
      return { client, userId: me.user.id, userName: me.user.name };
    });
    expect((await services.archive.status()).consistency).toEqual({ ok: true });
    expect(logins).toBe(2);
    await services.archive.list();
    expect(logins).toBe(2);
  });
});
