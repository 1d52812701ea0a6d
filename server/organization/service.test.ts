// The organization-settings service on both backends (real SQLite files, a real PostgreSQL): every change journaled old → new
// in its transaction, refusals journaled, organizations isolated, information systems and
// webhooks registered, and the switches the hub enforces.
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { certificateFingerprint, derToPem } from '../../src/crypto/certificates';
import { KeySigner } from '../../src/crypto/key-signer';
import { backends, closeDatabases, type TestBackend } from '../../test/support/databases';
import { createTestOperator } from '../../test/support/test-operator';
import type { ArchiveEvent } from '../archive/events';
import { issueInformationSystemCertificate } from './certificates';
import { organizationSchema } from './schema';
import { OrganizationSettingsError, OrganizationSettingsService, type Actor } from './service';

const root = mkdtempSync(join(tmpdir(), 'edo-org-settings-'));
const romashka = { name: 'ООО "Ромашка"', inn: '7701234560' };
const vasilek = { name: 'АО "Василёк"', inn: '7802345676' };
/** Certificates registered to users of the hub (an information system cannot take one). */
const userCertificates = new Set<string>();
afterAll(() => rmSync(root, { recursive: true, force: true }));
const operator = createTestOperator();
const issuer = new KeySigner(createPrivateKey(operator.keyPem), operator.signer.certificate);

afterEach(closeDatabases);
let backend: TestBackend;

const members: Record<string, string[]> = {
  romashka: ['ivanova', 'sidorov', 'clerk'],
  vasilek: ['petrov'],
};

/** A service on a new database (its organizations set up), or on the database at `reopen`. */
async function setup(reopen?: string) {
  const db = await backend.open([organizationSchema], { dir: root, ...(reopen ? { reopen } : {}) });
  const file = db.location;
  const events: ArchiveEvent[] = [];
  const service = new OrganizationSettingsService({
    db,
    issuer,
    onArchiveEvent: (e) => events.push(e),
    isMember: (orgId, userId) => members[orgId]?.includes(userId) ?? false,
    organizationOf: (orgId) => ({ romashka, vasilek })[orgId],
    isUserCertificate: (fingerprint) => userCertificates.has(fingerprint),
  });
  if (!reopen) {
    await service.initializeOrganization('romashka', { administrators: ['ivanova'], operatingMode: 'workstation' });
    await service.initializeOrganization('vasilek', { administrators: ['petrov'] });
  }
  return { file, db, service, events };
}

const ivanova: Actor = { orgId: 'romashka', userId: 'ivanova' };
const clerk: Actor = { orgId: 'romashka', userId: 'clerk' };
const petrov: Actor = { orgId: 'vasilek', userId: 'petrov' };

async function refusalOf(promise: Promise<unknown>): Promise<OrganizationSettingsError> {
  const e = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  if (e instanceof OrganizationSettingsError) return e;
  throw e ?? new Error('expected a refusal');
}

describe.each(backends)('organization settings on $name', (current) => {
  beforeEach((context) => {
    backend = current;
    if (current.skip) context.skip(current.skip);
  });

  it('journals each change with who, when, old → new, and keeps it after a restart', async () => {
    const { file, service, events } = await setup();
    const before = await service.settings(ivanova);
    expect(before).toMatchObject({
      orgId: 'romashka',
      plan: 'basic',
      operatingMode: 'workstation',
      archiving: { enabled: false, notifyEmail: null, perUser: {} },
    });

    const after = await service.updateSettings(ivanova, {
      plan: 'premium',
      operatingMode: 'server',
      archiving: { enabled: true, notifyEmail: 'archive@romashka.example', perUser: { sidorov: true } },
    });
    expect(after).toMatchObject({
      plan: 'premium',
      operatingMode: 'server',
      archiving: { enabled: true, notifyEmail: 'archive@romashka.example', perUser: { sidorov: true } },
    });
    expect(after.updatedAt).not.toBeNull();

    // Setting the same value again changes nothing and journals nothing.
    await service.updateSettings(ivanova, { plan: 'premium' });

    const journal = (await service.journal(ivanova, { after: 0, limit: 100 })).entries.filter(
      (e) => e.actor === 'ivanova',
    );
    expect(
      journal.map(({ action, target, oldValue, newValue, outcome }) => ({
        action,
        target,
        oldValue,
        newValue,
        outcome,
      })),
    ).toEqual([
      { action: 'plan', target: undefined, oldValue: 'basic', newValue: 'premium', outcome: 'applied' },
      { action: 'operatingMode', target: undefined, oldValue: 'workstation', newValue: 'server', outcome: 'applied' },
      { action: 'archiving.enabled', target: undefined, oldValue: false, newValue: true, outcome: 'applied' },
      {
        action: 'archiving.notifyEmail',
        target: undefined,
        oldValue: null,
        newValue: 'archive@romashka.example',
        outcome: 'applied',
      },
      { action: 'archiving.perUser', target: 'sidorov', oldValue: false, newValue: true, outcome: 'applied' },
    ]);
    for (const entry of journal) expect(Date.parse(entry.at)).not.toBeNaN();
    expect(events).toEqual([
      { type: 'archive.switched', orgId: 'romashka', on: true, scope: 'organization', by: 'ivanova' },
      { type: 'archive.switched', orgId: 'romashka', on: true, scope: 'user', userId: 'sidorov', by: 'ivanova' },
    ]);

    // The operator's setup of the organization is in the journal too.
    const all = (await service.journal(ivanova, { after: 0, limit: 100 })).entries;
    expect(all[0]).toMatchObject({
      seq: 1,
      actor: 'operator',
      action: 'operatingMode',
      oldValue: 'server',
      newValue: 'workstation',
    });
    expect(all.map((e) => e.seq)).toEqual(all.map((_, i) => i + 1));

    const reopened = (await setup(file)).service;
    expect((await refusalOf(reopened.initializeOrganization('romashka', { administrators: ['clerk'] }))).code).toBe(
      'conflict',
    );
    expect(await reopened.hasPermission('romashka', 'clerk', 'change-organization-settings')).toBe(false);
    expect(await reopened.settings(ivanova)).toEqual(after);
    expect((await reopened.journal(ivanova, { after: 0, limit: 100 })).entries.slice(0, all.length)).toEqual(all);
    await reopened.grantAsOperator('romashka', 'clerk', ['read-restricted']);
    expect(await reopened.permissionsOf('romashka', 'clerk')).toEqual(['read-restricted']);
    expect((await reopened.journal(ivanova, { after: all.length, limit: 100 })).entries).toMatchObject([
      { actor: 'operator', action: 'initialize', outcome: 'refused' },
      {
        actor: 'operator',
        action: 'access',
        target: 'clerk',
        oldValue: [],
        newValue: ['read-restricted'],
        outcome: 'applied',
      },
    ]);
    expect(await reopened.operatingMode('romashka')).toBe('server');
    expect(await reopened.notifyEmail('romashka')).toBe('archive@romashka.example');
  });

  it('refuses a user without change-organization-settings, reading or changing, and journals each attempt', async () => {
    const { service } = await setup();
    const read = await refusalOf(service.settings(clerk));
    expect(read.code).toBe('forbidden');
    expect(read.message).toMatch(
      /clerk does not have the permission change-organization-settings: settings\.read refused/,
    );
    const change = await refusalOf(service.updateSettings(clerk, { plan: 'premium' }));
    expect(change.code).toBe('forbidden');
    expect((await refusalOf(service.journal(clerk, { after: 0, limit: 10 }))).code).toBe('forbidden');
    expect((await refusalOf(service.addWebhook(clerk, 'https://example.org/hook'))).code).toBe('forbidden');
    expect((await refusalOf(service.generateInformationSystem(clerk, { name: 'ERP' }))).code).toBe('forbidden');
    expect(
      (
        await refusalOf(
          service.setAccess(clerk, { users: [{ userId: 'clerk', permissions: ['change-organization-settings'] }] }),
        )
      ).code,
    ).toBe('forbidden');

    expect((await service.settings(ivanova)).plan).toBe('basic');
    expect(await service.hasPermission('romashka', 'clerk', 'change-organization-settings')).toBe(false);
    const refused = (await service.journal(ivanova, { after: 0, limit: 100 })).entries.filter(
      (e) => e.outcome === 'refused',
    );
    expect(refused.map((e) => [e.actor, e.action])).toEqual([
      ['clerk', 'settings.read'],
      ['clerk', 'settings.change'],
      ['clerk', 'journal.read'],
      ['clerk', 'webhook.add'],
      ['clerk', 'information-system.generate'],
      ['clerk', 'access.change'],
    ]);
    for (const e of refused) expect(e.reason).toContain('does not have the permission change-organization-settings');
  });

  it('lets another organization see nothing of ours, and change nothing of ours', async () => {
    const { service } = await setup();
    await service.updateSettings(ivanova, { plan: 'premium', archiving: { enabled: true } });
    const hook = await service.addWebhook(ivanova, 'https://romashka.example/hook');
    const generated = await service.generateInformationSystem(ivanova, { name: '1С' });

    expect(await service.settings(petrov)).toMatchObject({
      orgId: 'vasilek',
      plan: 'basic',
      archiving: { enabled: false },
      webhooks: [],
    });
    expect(await service.informationSystems(petrov)).toEqual([]);
    expect(await service.access(petrov)).toEqual({
      users: [{ userId: 'petrov', permissions: ['change-organization-settings'] }],
    });
    const theirJournal = (await service.journal(petrov, { after: 0, limit: 100 })).entries;
    expect(theirJournal.every((e) => e.actor === 'operator' || e.actor === 'petrov')).toBe(true);
    expect(JSON.stringify(theirJournal)).not.toContain('romashka');
    expect(await service.endpoints('vasilek')).toEqual([]);

    // Ids of our webhook and information system mean nothing to them.
    expect((await refusalOf(service.removeWebhook(petrov, hook.id))).code).toBe('not-found');
    expect((await refusalOf(service.revokeInformationSystem(petrov, generated.informationSystem.id))).code).toBe(
      'not-found',
    );
    // Our user is not theirs to grant rights to, nor to switch archiving for.
    expect(
      (
        await refusalOf(
          service.setAccess(petrov, {
            users: [
              { userId: 'petrov', permissions: ['change-organization-settings'] },
              { userId: 'ivanova', permissions: ['read-restricted'] },
            ],
          }),
        )
      ).message,
    ).toBe('User ivanova is not a user of this organization');
    expect((await refusalOf(service.updateSettings(petrov, { archiving: { perUser: { ivanova: true } } }))).code).toBe(
      'invalid-request',
    );
    // An administrator of theirs is not an administrator of ours.
    expect((await refusalOf(service.settings({ orgId: 'romashka', userId: 'petrov' }))).code).toBe('forbidden');

    expect(await service.endpoints('romashka')).toEqual([
      { url: 'https://romashka.example/hook', secret: hook.secret },
    ]);
    expect(await service.informationSystems(ivanova)).toHaveLength(1);
  });

  it('replaces the access table, journals each user, and never leaves the organization without an administrator', async () => {
    const { service } = await setup();
    const table = await service.setAccess(ivanova, {
      users: [
        { userId: 'ivanova', permissions: ['change-organization-settings', 'read-restricted'] },
        { userId: 'clerk', permissions: ['list-restricted', 'read-restricted', 'list-restricted'] },
      ],
    });
    expect(table.users).toEqual([
      { userId: 'clerk', permissions: ['list-restricted', 'read-restricted'] },
      { userId: 'ivanova', permissions: ['change-organization-settings', 'read-restricted'] },
    ]);
    expect(await service.hasPermission('romashka', 'clerk', 'read-restricted')).toBe(true);
    expect(await service.hasPermission('vasilek', 'clerk', 'read-restricted')).toBe(false);

    const lockout = await refusalOf(
      service.setAccess(ivanova, { users: [{ userId: 'clerk', permissions: ['read-restricted'] }] }),
    );
    expect(lockout.code).toBe('conflict');
    expect(lockout.message).toMatch(/Nobody would keep the permission change-organization-settings/);
    expect(await service.access(ivanova)).toEqual(table);

    // Hand over administration: ivanova's row goes, sidorov's comes.
    await service.setAccess(ivanova, {
      users: [
        { userId: 'sidorov', permissions: ['change-organization-settings'] },
        { userId: 'clerk', permissions: ['read-restricted'] },
      ],
    });
    expect((await refusalOf(service.access(ivanova))).code).toBe('forbidden');
    const journal = (
      await service.journal({ orgId: 'romashka', userId: 'sidorov' }, { after: 0, limit: 100 })
    ).entries.filter((e) => e.action.startsWith('access'));
    expect(
      journal.map(({ actor, action, target, oldValue, newValue, outcome }) => ({
        actor,
        action,
        target,
        oldValue,
        newValue,
        outcome,
      })),
    ).toEqual([
      {
        actor: 'operator',
        action: 'access',
        target: 'ivanova',
        oldValue: [],
        newValue: ['change-organization-settings'],
        outcome: 'applied',
      },
      {
        actor: 'ivanova',
        action: 'access',
        target: 'clerk',
        oldValue: [],
        newValue: ['list-restricted', 'read-restricted'],
        outcome: 'applied',
      },
      {
        actor: 'ivanova',
        action: 'access',
        target: 'ivanova',
        oldValue: ['change-organization-settings'],
        newValue: ['change-organization-settings', 'read-restricted'],
        outcome: 'applied',
      },
      {
        actor: 'ivanova',
        action: 'access.change',
        target: undefined,
        oldValue: null,
        newValue: null,
        outcome: 'refused',
      },
      {
        actor: 'ivanova',
        action: 'access',
        target: 'clerk',
        oldValue: ['list-restricted', 'read-restricted'],
        newValue: ['read-restricted'],
        outcome: 'applied',
      },
      {
        actor: 'ivanova',
        action: 'access',
        target: 'ivanova',
        oldValue: ['change-organization-settings', 'read-restricted'],
        newValue: [],
        outcome: 'applied',
      },
      {
        actor: 'ivanova',
        action: 'access',
        target: 'sidorov',
        oldValue: [],
        newValue: ['change-organization-settings'],
        outcome: 'applied',
      },
      {
        actor: 'ivanova',
        action: 'access.read',
        target: undefined,
        oldValue: null,
        newValue: null,
        outcome: 'refused',
      },
    ]);
  });

  it('registers, lists and revokes information systems; a revoked certificate no longer logs in', async () => {
    const { service, db } = await setup();
    const generated = await service.generateInformationSystem(ivanova, { name: '1С:Бухгалтерия' });
    expect(generated.informationSystem).toMatchObject({
      name: '1С:Бухгалтерия',
      origin: 'generated',
      addedBy: 'ivanova',
    });
    expect(generated.informationSystem.certificate.organization).toBe('ООО "Ромашка"');
    const der = new X509Certificate(generated.certificatePem).raw;
    expect(new X509Certificate(der).checkPrivateKey(createPrivateKey(generated.privateKeyPem))).toBe(true);
    expect(generated.issuerCertificatePem).toBe(derToPem(operator.signer.certificate));
    const fingerprint = certificateFingerprint(der);
    expect(await service.informationSystemByCertificate(fingerprint)).toEqual({
      id: generated.informationSystem.id,
      orgId: 'romashka',
      name: '1С:Бухгалтерия',
    });

    // The private key is handed out once: neither the tables nor the journal hold it.
    const keyBody = generated.privateKeyPem.split('\n')[1]!;
    for (const table of ['org_information_systems', 'org_journal']) {
      expect(JSON.stringify(await db.all(`SELECT * FROM ${table}`))).not.toContain(keyBody);
    }

    // A certificate the organization brings.
    const own = await issueInformationSystemCertificate({ name: 'ERP', organization: romashka }, issuer);
    const added = await service.addInformationSystem(ivanova, {
      name: 'ERP',
      certificatePem: derToPem(own.certificate),
    });
    expect(added).toMatchObject({
      name: 'ERP',
      origin: 'added',
      certificate: { fingerprint: certificateFingerprint(own.certificate) },
    });
    const duplicate = await refusalOf(
      service.addInformationSystem(ivanova, { name: 'ERP again', certificatePem: derToPem(own.certificate) }),
    );
    expect(duplicate.code).toBe('conflict');
    // Another organization cannot claim it: the certificate names Ромашка's INN (its logins would land in Василёк).
    const claimed = await refusalOf(
      service.addInformationSystem(petrov, { name: 'Their ERP', certificatePem: derToPem(own.certificate) }),
    );
    expect(claimed).toMatchObject({
      code: 'invalid-request',
      message: expect.stringMatching(/names the organization with INN 7701234560, not АО "Василёк" \(INN 7802345676\)/),
    });
    expect((await service.journal(petrov, { after: 0, limit: 100 })).entries.at(-1)).toMatchObject({
      action: 'information-system.add',
      outcome: 'refused',
      reason: claimed.message,
    });
    // Nor take a certificate registered to a user of the hub.
    const users = await issueInformationSystemCertificate({ name: 'Иванова', organization: romashka }, issuer);
    userCertificates.add(certificateFingerprint(users.certificate));
    const taken = await refusalOf(
      service.addInformationSystem(ivanova, { name: 'ERP', certificatePem: derToPem(users.certificate) }),
    );
    expect(taken).toMatchObject({
      code: 'conflict',
      message: expect.stringMatching(/registered to a user of the hub/),
    });
    expect(
      (
        await refusalOf(
          service.addInformationSystem(ivanova, {
            name: 'x',
            certificatePem: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----',
          }),
        )
      ).message,
    ).toMatch(/not a readable X\.509 certificate/);
    expect(
      (await refusalOf(service.addInformationSystem(ivanova, { name: 'x', certificatePem: 'no pem' }))).message,
    ).toMatch(/exactly one certificate, it holds 0/);

    expect((await service.informationSystems(ivanova)).map((s) => s.name)).toEqual(['1С:Бухгалтерия', 'ERP']);
    const revoked = await service.revokeInformationSystem(ivanova, generated.informationSystem.id);
    expect(revoked.revokedAt).toBeDefined();
    expect(await service.informationSystemByCertificate(fingerprint)).toBeUndefined();
    expect((await refusalOf(service.revokeInformationSystem(ivanova, generated.informationSystem.id))).code).toBe(
      'conflict',
    );

    const journal = (await service.journal(ivanova, { after: 0, limit: 100 })).entries.filter((e) =>
      e.action.startsWith('information-system'),
    );
    expect(journal.map((e) => [e.action, e.outcome])).toEqual([
      ['information-system.generate', 'applied'],
      ['information-system.add', 'applied'],
      ['information-system.add', 'refused'],
      ['information-system.add', 'refused'],
      ['information-system.add', 'refused'],
      ['information-system.add', 'refused'],
      ['information-system.revoke', 'applied'],
      ['information-system.revoke', 'refused'],
    ]);
    expect(journal[3]).toMatchObject({ reason: taken.message });
    expect(journal[6]).toMatchObject({
      target: generated.informationSystem.id,
      oldValue: { revoked: false, fingerprint },
      newValue: { revoked: true, fingerprint },
    });
  });

  it('registers webhooks with a secret shown once and kept out of the journal', async () => {
    const { service } = await setup();
    const hook = await service.addWebhook(ivanova, 'https://romashka.example/edo');
    expect(hook.secret.length).toBeGreaterThanOrEqual(32);
    expect((await service.settings(ivanova)).webhooks).toEqual([
      { id: hook.id, url: hook.url, createdAt: hook.createdAt },
    ]);
    expect((await refusalOf(service.addWebhook(ivanova, 'https://romashka.example/edo'))).code).toBe('conflict');
    const second = await service.addWebhook(ivanova, 'http://127.0.0.1:9/edo');
    expect(second.secret).not.toBe(hook.secret);
    await service.removeWebhook(ivanova, hook.id);
    expect(await service.endpoints('romashka')).toEqual([{ url: 'http://127.0.0.1:9/edo', secret: second.secret }]);

    const journal = (await service.journal(ivanova, { after: 0, limit: 100 })).entries.filter((e) =>
      e.action.startsWith('webhook'),
    );
    expect(
      journal.map(({ action, target, oldValue, newValue, outcome }) => ({
        action,
        target,
        oldValue,
        newValue,
        outcome,
      })),
    ).toEqual([
      {
        action: 'webhook.add',
        target: hook.id,
        oldValue: null,
        newValue: { url: 'https://romashka.example/edo' },
        outcome: 'applied',
      },
      { action: 'webhook.add', target: undefined, oldValue: null, newValue: null, outcome: 'refused' },
      {
        action: 'webhook.add',
        target: second.id,
        oldValue: null,
        newValue: { url: 'http://127.0.0.1:9/edo' },
        outcome: 'applied',
      },
      {
        action: 'webhook.remove',
        target: hook.id,
        oldValue: { url: 'https://romashka.example/edo' },
        newValue: null,
        outcome: 'applied',
      },
    ]);
    expect(JSON.stringify(await service.journal(ivanova, { after: 0, limit: 100 }))).not.toContain(hook.secret);
  });

  it('answers whether a signature is archived: per organization or per user', async () => {
    const { service, events } = await setup();
    expect(await service.archivingApplies('romashka', 'sidorov')).toBe(false);
    await service.updateSettings(ivanova, { archiving: { perUser: { sidorov: true } } });
    expect(await service.archivingApplies('romashka', 'sidorov')).toBe(true);
    expect(await service.archivingApplies('romashka', 'clerk')).toBe(false);
    expect(await service.archivingApplies('vasilek', 'sidorov')).toBe(false);
    await service.updateSettings(ivanova, { archiving: { enabled: true } });
    expect(await service.archivingApplies('romashka', 'clerk')).toBe(true);
    await service.updateSettings(ivanova, { archiving: { enabled: false, perUser: { sidorov: false } } });
    expect(await service.archivingApplies('romashka', 'sidorov')).toBe(false);
    expect(events.map((e) => e.type === 'archive.switched' && [e.scope, e.on, e.userId ?? null])).toEqual([
      ['user', true, 'sidorov'],
      ['organization', true, null],
      ['organization', false, null],
      ['user', false, 'sidorov'],
    ]);
  });

  it('pages the journal with a cursor, and its rows can be neither changed nor deleted', async () => {
    const { service, db } = await setup();
    for (const plan of ['standard', 'premium', 'basic', 'standard'] as const)
      await service.updateSettings(ivanova, { plan });
    const first = await service.journal(ivanova, { after: 0, limit: 2 });
    expect(first.hasMore).toBe(true);
    const second = await service.journal(ivanova, { after: first.next, limit: 100 });
    expect(second.hasMore).toBe(false);
    expect([...first.entries, ...second.entries].map((e) => e.seq)).toEqual(
      (await service.journal(ivanova, { after: 0, limit: 100 })).entries.map((e) => e.seq),
    );
    expect(await service.journal(ivanova, { after: second.next, limit: 10 })).toEqual({
      entries: [],
      next: second.next,
      hasMore: false,
    });
    await expect(db.run('UPDATE org_journal SET new_value = \'"premium"\'')).rejects.toThrow(/append-only/);
    await expect(db.run('DELETE FROM org_journal')).rejects.toThrow(/append-only/);
  });

  it('checks the permission again inside the transaction: taken away during a change, the change is refused', async () => {
    const db = await backend.open([organizationSchema], { dir: root });
    const service = new OrganizationSettingsService({
      db,
      issuer,
      organizationOf: () => romashka,
      isUserCertificate: () => false,
      // Another administrator (another process) takes ivanova's rights while her request is checking members.
      isMember: async () => {
        await db.run("UPDATE org_access SET permissions = '[]' WHERE user_id = 'ivanova'");
        return true;
      },
    });
    await service.initializeOrganization('romashka', { administrators: ['ivanova', 'sidorov'] });
    const refused = await refusalOf(
      service.setAccess(ivanova, {
        users: [{ userId: 'ivanova', permissions: ['change-organization-settings', 'read-restricted'] }],
      }),
    );
    expect(refused.code).toBe('forbidden');
    expect(await service.permissionsOf('romashka', 'ivanova')).toEqual([]);
    const last = (await service.journal({ orgId: 'romashka', userId: 'sidorov' }, { after: 0, limit: 100 })).entries.at(
      -1,
    );
    expect(last).toMatchObject({ actor: 'ivanova', action: 'access.change', outcome: 'refused' });
  });

  it('tells the archive notifier where to write: the notice address and the name of the organization', async () => {
    const { service } = await setup();
    const recipients = service.archiveRecipients(
      async (orgId) => ({ romashka: 'ООО "Ромашка"', vasilek: 'АО "Василёк"' })[orgId],
    );
    expect(await recipients.recipient('romashka')).toEqual({ orgName: 'ООО "Ромашка"' });
    await service.updateSettings(ivanova, { archiving: { notifyEmail: 'archive@romashka.example' } });
    expect(await recipients.recipient('romashka')).toEqual({
      orgName: 'ООО "Ромашка"',
      email: 'archive@romashka.example',
    });
    expect(await recipients.recipient('vasilek')).toEqual({ orgName: 'АО "Василёк"' });
    expect(await recipients.recipient('nobody')).toBeUndefined();
    await service.updateSettings(ivanova, { archiving: { notifyEmail: null } });
    expect(await recipients.recipient('romashka')).toEqual({ orgName: 'ООО "Ромашка"' });
  });

  it('rejects a settings patch that names nothing or a wrong value, naming the problem', async () => {
    const { service } = await setup();
    expect((await refusalOf(service.updateSettings(ivanova, {}))).message).toMatch(/name at least one setting/);
    expect((await refusalOf(service.updateSettings(ivanova, { operatingMode: 'cloud' as 'server' }))).message).toMatch(
      /operatingMode/,
    );
  });
});
