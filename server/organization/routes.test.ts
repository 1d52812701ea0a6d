// The organization and archive routes over real HTTP on loopback: Fastify with the hub's error
// handling (server/http.ts), the settings service and the archive log on a real SQLite file,
// and real blob files.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ArchiveVerificationError,
  hashesFromHex,
  treeHeadFromJson,
  verifyArchivedEntry,
  verifyTreeHeadConsistency,
} from '../../src/archive';
import { KeySigner } from '../../src/crypto/key-signer';
import { ErrorBody } from '../../src/protocol/errors';
import {
  AccessTable,
  ArchiveEntriesPage,
  ArchiveUsage,
  ArchivedEntry,
  ConsistencyProof,
  GeneratedInformationSystem,
  InclusionProof,
  InformationSystemsList,
  JournalPage,
  NotArchivedPage,
  OrganizationSettings,
  RegisteredWebhook,
  SignedTreeHead,
} from '../../src/protocol/organization';
import { DirectoryBlobStore, sampleEntry } from '../../test/support/archive-blobs';
import { createTestOperator } from '../../test/support/test-operator';
import { ArchiveQuotaExceededError } from '../archive/errors';
import { archiveSchema, ArchiveLog } from '../archive/log';
import { HubError, installErrorHandling, type Caller } from '../http';
import { migrate } from '../storage/sql';
import { SqliteDatabase } from '../storage/sqlite-db';
import { registerOrganizationRoutes } from './routes';
import { organizationSchema } from './schema';
import { OrganizationSettingsService } from './service';

const root = mkdtempSync(join(tmpdir(), 'edo-org-routes-'));
const operator = createTestOperator();
let app: FastifyInstance;
let db: SqliteDatabase;
let log: ArchiveLog;
let blobs: DirectoryBlobStore;
let base: string;
const documents = {
  romashka: Buffer.from('Договор поставки №17, подписан Ивановой'),
  vasilek: Buffer.from('Счёт АО "Василёк"'),
};
const indexes = { romashka: -1, vasilek: -1 };

/**
 * Stands in for the hub's bearer authentication (these routes are tested apart from the hub's
 * storage of users and tokens): the test names the caller in a header ("orgId/userId").
 */
async function testCaller(req: FastifyRequest): Promise<Caller> {
  const header = req.headers['x-test-principal'];
  if (typeof header !== 'string' || !header.includes('/'))
    throw new HubError('unauthorized', 'Authorization: Bearer <token> is required; log in at /v1/auth/*');
  const [orgId, userId] = header.split('/') as [string, string];
  // The routes use the ids only; the records are the hub's storage's business.
  return { user: { id: userId }, subscriber: { id: orgId }, tokenExpiresAt: '' } as Caller;
}

beforeAll(async () => {
  db = new SqliteDatabase(join(root, 'hub.sqlite'));
  await migrate(db, [organizationSchema, archiveSchema]);
  blobs = new DirectoryBlobStore(join(root, 'blobs'));
  log = new ArchiveLog({ db, signer: operator.signer, blobs });
  const settings = new OrganizationSettingsService({
    db,
    issuer: new KeySigner(createPrivateKey(operator.keyPem), operator.signer.certificate),
    isMember: (orgId, userId) =>
      ({ romashka: ['ivanova', 'clerk'], vasilek: ['petrov'] })[orgId]?.includes(userId) ?? false,
    organizationOf: (orgId) =>
      ({
        romashka: { name: 'ООО "Ромашка"', inn: '7701234560' },
        vasilek: { name: 'АО "Василёк"', inn: '7802345676' },
      })[orgId],
    isUserCertificate: () => false,
  });
  await settings.initializeOrganization('romashka', { administrators: ['ivanova'] });
  await settings.initializeOrganization('vasilek', { administrators: ['petrov'] });

  indexes.romashka = (
    await log.append(
      sampleEntry(blobs.put(documents.romashka), { orgId: 'romashka', userId: 'ivanova', fileName: 'Договор №17.pdf' }),
    )
  ).index;
  indexes.vasilek = (
    await log.append(sampleEntry(blobs.put(documents.vasilek), { orgId: 'vasilek', userId: 'petrov' }))
  ).index;
  await log.append(
    sampleEntry(blobs.put(Buffer.from('second romashka document')), { orgId: 'romashka', userId: 'ivanova' }),
  );
  // A quota the next document does not fit: it is refused and must be listed as not archived.
  await log.setQuota('romashka', 100);
  await expect(
    log.append(
      sampleEntry(blobs.put(Buffer.alloc(200, 7)), { orgId: 'romashka', userId: 'ivanova', fileName: 'big.pdf' }),
    ),
  ).rejects.toBeInstanceOf(ArchiveQuotaExceededError);

  // Closing must not wait out a keep-alive connection the test's fetch still holds (72 s by default).
  app = Fastify({ forceCloseConnections: true });
  installErrorHandling(app);
  registerOrganizationRoutes(app, { callerOf: testCaller, validateResponses: true }, { settings, archive: log });
  base = await app.listen({ host: '127.0.0.1', port: 0 });
});

afterAll(async () => {
  await app?.close();
  await db?.close();
  rmSync(root, { recursive: true, force: true });
});

const ivanova = 'romashka/ivanova';
const clerk = 'romashka/clerk';
const petrov = 'vasilek/petrov';

async function call(as: string | undefined, method: string, path: string, body?: unknown) {
  const response = await fetch(base + path, {
    method,
    headers: {
      ...(as ? { 'x-test-principal': as } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  const type = response.headers.get('content-type') ?? '';
  return {
    status: response.status,
    headers: response.headers,
    text,
    json: type.includes('json') ? (JSON.parse(text) as unknown) : undefined,
  };
}

/** A failure answer: the one error shape, with the code expected. */
async function expectError(promise: ReturnType<typeof call>, status: number, code: string) {
  const r = await promise;
  expect(r.status, r.text).toBe(status);
  const body = ErrorBody.parse(r.json);
  expect(body.error).toBe(code);
  expect(body.requestId.length).toBeGreaterThan(0);
  expect(body.message.length).toBeGreaterThan(10);
  return body;
}

describe('organization routes', () => {
  it('serve the settings to an administrator and refuse a clerk with 403, journaling the attempt', async () => {
    const ok = await call(ivanova, 'GET', '/v1/organization/settings');
    expect(ok.status).toBe(200);
    expect(OrganizationSettings.parse(ok.json)).toMatchObject({
      orgId: 'romashka',
      plan: 'basic',
      archiving: { enabled: false },
    });

    const refused = await expectError(call(clerk, 'GET', '/v1/organization/settings'), 403, 'forbidden');
    expect(refused.message).toMatch(/clerk does not have the permission change-organization-settings/);
    await expectError(call(clerk, 'PATCH', '/v1/organization/settings', { plan: 'premium' }), 403, 'forbidden');
    await expectError(call(clerk, 'GET', '/v1/organization/journal'), 403, 'forbidden');
    await expectError(
      call(clerk, 'PUT', '/v1/organization/access', {
        users: [{ userId: 'clerk', permissions: ['change-organization-settings'] }],
      }),
      403,
      'forbidden',
    );

    const journal = JournalPage.parse((await call(ivanova, 'GET', '/v1/organization/journal?limit=500')).json);
    expect(journal.entries.filter((e) => e.actor === 'clerk').map((e) => [e.action, e.outcome])).toEqual([
      ['settings.read', 'refused'],
      ['settings.change', 'refused'],
      ['journal.read', 'refused'],
      ['access.change', 'refused'],
    ]);
  });

  it('change settings and access, journaling old → new', async () => {
    const patched = await call(ivanova, 'PATCH', '/v1/organization/settings', {
      plan: 'standard',
      archiving: { enabled: true, notifyEmail: 'archive@romashka.example' },
    });
    expect(patched.status).toBe(200);
    expect(OrganizationSettings.parse(patched.json).archiving).toEqual({
      enabled: true,
      notifyEmail: 'archive@romashka.example',
      perUser: {},
    });

    const access = await call(ivanova, 'PUT', '/v1/organization/access', {
      users: [
        { userId: 'ivanova', permissions: ['change-organization-settings'] },
        { userId: 'clerk', permissions: ['read-restricted', 'list-restricted'] },
      ],
    });
    expect(access.status).toBe(200);
    expect(AccessTable.parse((await call(ivanova, 'GET', '/v1/organization/access')).json).users).toContainEqual({
      userId: 'clerk',
      permissions: ['list-restricted', 'read-restricted'],
    });
    await expectError(
      call(ivanova, 'PUT', '/v1/organization/access', {
        users: [{ userId: 'clerk', permissions: ['read-restricted'] }],
      }),
      409,
      'conflict',
    );

    const journal = JournalPage.parse((await call(ivanova, 'GET', '/v1/organization/journal?limit=500')).json).entries;
    expect(
      journal
        .filter((e) => e.actor === 'ivanova' && e.outcome === 'applied')
        .map(({ action, target, oldValue, newValue }) => ({ action, target, oldValue, newValue })),
    ).toEqual([
      { action: 'plan', oldValue: 'basic', newValue: 'standard' },
      { action: 'archiving.enabled', oldValue: false, newValue: true },
      { action: 'archiving.notifyEmail', oldValue: null, newValue: 'archive@romashka.example' },
      { action: 'access', target: 'clerk', oldValue: [], newValue: ['list-restricted', 'read-restricted'] },
    ]);
    expect(journal.at(-1)).toMatchObject({ actor: 'ivanova', action: 'access.change', outcome: 'refused' });
  });

  it('answer bad input with 400 invalid-request naming where the problem is', async () => {
    const mode = await expectError(
      call(ivanova, 'PATCH', '/v1/organization/settings', { operatingMode: 'cloud' }),
      400,
      'invalid-request',
    );
    expect(mode.issues?.[0]?.path).toBe('body.operatingMode');
    const unknown = await expectError(
      call(ivanova, 'PATCH', '/v1/organization/settings', { colour: 'red' }),
      400,
      'invalid-request',
    );
    expect(unknown.message).toMatch(/colour/);
    await expectError(call(ivanova, 'PATCH', '/v1/organization/settings', {}), 400, 'invalid-request');
    const email = await expectError(
      call(ivanova, 'PATCH', '/v1/organization/settings', { archiving: { notifyEmail: 'not an address' } }),
      400,
      'invalid-request',
    );
    expect(email.issues?.[0]?.path).toBe('body.archiving.notifyEmail');
    await expectError(
      call(ivanova, 'POST', '/v1/organization/webhooks', { url: 'ftp://romashka.example/x' }),
      400,
      'invalid-request',
    );
    await expectError(
      call(ivanova, 'PUT', '/v1/organization/access', { users: [{ userId: 'clerk', permissions: ['admin'] }] }),
      400,
      'invalid-request',
    );
    await expectError(
      call(ivanova, 'POST', '/v1/organization/information-systems', { name: 'ERP', certificatePem: 'hello' }),
      400,
      'invalid-request',
    );
    const query = await expectError(
      call(ivanova, 'GET', '/v1/archive/proofs/inclusion?index=first&treeSize=2'),
      400,
      'invalid-request',
    );
    expect(query.issues?.[0]?.path).toBe('query.index');
    const range = await expectError(
      call(ivanova, 'GET', `/v1/archive/proofs/consistency?from=1&to=999`),
      400,
      'invalid-request',
    );
    expect(range.message).toMatch(/tree size must be an integer from 0 to 3/);
    await expectError(call(undefined, 'GET', '/v1/organization/settings'), 401, 'unauthorized');
  });

  it('generate an information-system certificate once, list it without its key, and revoke it', async () => {
    const made = await call(ivanova, 'POST', '/v1/organization/information-systems/generate', {
      name: '1С:Бухгалтерия',
    });
    expect(made.status).toBe(201);
    const generated = GeneratedInformationSystem.parse(made.json);
    const certificate = new X509Certificate(generated.certificatePem);
    expect(certificate.verify(new X509Certificate(operator.certificatePem).publicKey)).toBe(true);
    expect(certificate.checkPrivateKey(createPrivateKey(generated.privateKeyPem))).toBe(true);

    const list = await call(ivanova, 'GET', '/v1/organization/information-systems');
    expect(InformationSystemsList.parse(list.json).informationSystems.map((s) => s.id)).toEqual([
      generated.informationSystem.id,
    ]);
    expect(list.text).not.toContain('PRIVATE KEY');
    await expectError(
      call(petrov, 'DELETE', `/v1/organization/information-systems/${generated.informationSystem.id}`),
      404,
      'not-found',
    );
    const revoked = await call(
      ivanova,
      'DELETE',
      `/v1/organization/information-systems/${generated.informationSystem.id}`,
    );
    expect(revoked.status).toBe(200);
    expect(
      InformationSystemsList.parse((await call(ivanova, 'GET', '/v1/organization/information-systems')).json)
        .informationSystems[0]?.revokedAt,
    ).toBeDefined();
  });

  it('register a webhook with its secret once; another organization can neither see nor remove it', async () => {
    const added = await call(ivanova, 'POST', '/v1/organization/webhooks', { url: 'https://romashka.example/edo' });
    expect(added.status).toBe(201);
    const hook = RegisteredWebhook.parse(added.json);
    const settings = await call(ivanova, 'GET', '/v1/organization/settings');
    expect(OrganizationSettings.parse(settings.json).webhooks).toEqual([
      { id: hook.id, url: hook.url, createdAt: hook.createdAt },
    ]);
    expect(settings.text).not.toContain(hook.secret);

    const theirs = await call(petrov, 'GET', '/v1/organization/settings');
    expect(OrganizationSettings.parse(theirs.json)).toMatchObject({
      orgId: 'vasilek',
      webhooks: [],
      plan: 'basic',
      archiving: { enabled: false, notifyEmail: null },
    });
    const theirJournal = await call(petrov, 'GET', '/v1/organization/journal');
    expect(theirJournal.text).not.toMatch(/romashka|ivanova|clerk/);
    await expectError(call(petrov, 'DELETE', `/v1/organization/webhooks/${hook.id}`), 404, 'not-found');

    const removed = await call(ivanova, 'DELETE', `/v1/organization/webhooks/${hook.id}`);
    expect(removed.status).toBe(204);
    expect(removed.text).toBe('');
  });
});

describe('archive routes', () => {
  it('show usage against the quota and list the entries that did not fit', async () => {
    const usage = ArchiveUsage.parse((await call(clerk, 'GET', '/v1/archive/usage')).json);
    expect(usage.quotaBytes).toBe(100);
    expect(usage.usedBytes).toBe(documents.romashka.length + 'second romashka document'.length);
    expect(usage.usage).toMatch(/^used [\d.]+ MB of [\d.]+ GB$/);
    const notArchived = NotArchivedPage.parse((await call(clerk, 'GET', '/v1/archive/not-archived')).json);
    expect(notArchived.entries.map((e) => [e.fileName, e.size])).toEqual([['big.pdf', 200]]);
    expect(NotArchivedPage.parse((await call(petrov, 'GET', '/v1/archive/not-archived')).json).entries).toEqual([]);
  });

  it("list only the organization's own entries, whose proofs verify against the signed tree head", async () => {
    const head = treeHeadFromJson(SignedTreeHead.parse((await call(clerk, 'GET', '/v1/archive/tree-head')).json));
    expect(head.treeSize).toBe(3);
    const page = ArchiveEntriesPage.parse((await call(clerk, 'GET', '/v1/archive/entries')).json);
    expect(page.entries.map((e) => e.orgId)).toEqual(['romashka', 'romashka']);
    expect(page.next).toBeNull();
    const paged = ArchiveEntriesPage.parse((await call(clerk, 'GET', '/v1/archive/entries?limit=1')).json);
    expect(paged.entries).toHaveLength(1);
    expect(
      ArchiveEntriesPage.parse((await call(clerk, 'GET', `/v1/archive/entries?after=${paged.next}`)).json).entries.map(
        (e) => e.index,
      ),
    ).toEqual([page.entries[1]!.index]);

    for (const entry of page.entries) {
      const proof = InclusionProof.parse(
        (await call(clerk, 'GET', `/v1/archive/proofs/inclusion?index=${entry.index}&treeSize=${head.treeSize}`)).json,
      );
      expect(() =>
        verifyArchivedEntry(entry, proof, head, { operatorCertificate: operator.certificatePem }),
      ).not.toThrow();
      // The same proof does not hold for a changed entry: the check can fail.
      expect(() =>
        verifyArchivedEntry({ ...entry, fileName: 'changed.pdf' }, proof, head, {
          operatorCertificate: operator.certificatePem,
        }),
      ).toThrow(ArchiveVerificationError);
    }

    const one = ArchivedEntry.parse((await call(clerk, 'GET', `/v1/archive/entries/${indexes.romashka}`)).json);
    expect(one).toEqual(page.entries[0]);
    const data = await fetch(`${base}/v1/archive/entries/${indexes.romashka}/data`, {
      headers: { 'x-test-principal': clerk },
    });
    expect(data.status).toBe(200);
    expect(data.headers.get('content-type')).toBe('application/octet-stream');
    expect(decodeURIComponent(data.headers.get('content-disposition')!.split("''")[1]!)).toBe('Договор №17.pdf');
    expect(Buffer.from(await data.arrayBuffer()).equals(documents.romashka)).toBe(true);

    const consistency = ConsistencyProof.parse(
      (await call(clerk, 'GET', `/v1/archive/proofs/consistency?from=1&to=${head.treeSize}`)).json,
    );
    const firstHead = { treeSize: 1, rootHash: await log.rootHash(1), timestamp: 0, signature: Buffer.alloc(0) };
    expect(() => verifyTreeHeadConsistency(firstHead, head, hashesFromHex(consistency.hashes))).not.toThrow();
  });

  it("refuse another organization's entry, its data and its proof as not found", async () => {
    await expectError(call(petrov, 'GET', `/v1/archive/entries/${indexes.romashka}`), 404, 'not-found');
    await expectError(call(petrov, 'GET', `/v1/archive/entries/${indexes.romashka}/data`), 404, 'not-found');
    await expectError(
      call(petrov, 'GET', `/v1/archive/proofs/inclusion?index=${indexes.romashka}&treeSize=3`),
      404,
      'not-found',
    );
    await expectError(call(petrov, 'GET', '/v1/archive/entries/999'), 404, 'not-found');
    const theirs = ArchiveEntriesPage.parse((await call(petrov, 'GET', '/v1/archive/entries')).json);
    expect(theirs.entries.map((e) => e.index)).toEqual([indexes.vasilek]);
    const petrovData = await fetch(`${base}/v1/archive/entries/${indexes.vasilek}/data`, {
      headers: { 'x-test-principal': petrov },
    });
    expect(Buffer.from(await petrovData.arrayBuffer()).equals(documents.vasilek)).toBe(true);
  });
});
