// Information systems at the real hub (`edo-hub serve` as a child process): a revoked system's
// live token stops at once; an organization cannot register a certificate that names another
// organization, nor one registered to a user (and `edo-hub user add` refuses a system's
// certificate); each refusal is journaled. Also: one hub per data directory.
import { createPrivateKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { derToPem, pemToDer } from '../../src/crypto/certificates';
import { KeySigner } from '../../src/crypto/key-signer';
import type { GeneratedInformationSystem, InformationSystem, JournalPage } from '../../src/protocol';
import {
  loginWithSigner,
  registerOrganization,
  runHubCommand,
  startHub,
  type HubApi,
  type StartedHub,
} from '../support/hub';
import { softhsm } from '../support/system';
import { createTestPki, samplePeople, type TestPerson, type TestPki } from '../support/test-pki';

const part = softhsm();

describe.skipIf(!part.ok)(`information systems at the hub ${part.reason}`, () => {
  let pki: TestPki;
  let hub: StartedHub;
  let work: string;
  let romashkaAdmin: HubApi;
  let romashkaId: string;

  /** A software key and a certificate for it from the test CA (the hub trusts it). */
  async function softwareIdentity(person: TestPerson): Promise<{ key: KeyObject; der: Buffer; pem: string }> {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const der = Buffer.from((await pki.issue(publicKey, person)).rawData);
    return { key: privateKey, der, pem: derToPem(der) };
  }

  const lastJournalEntry = async () => {
    const page = (await romashkaAdmin.call<JournalPage>('GET', '/v1/organization/journal?limit=500')).json;
    return page.entries.at(-1)!;
  };

  beforeAll(async () => {
    pki = await createTestPki([]);
    hub = await startHub();
    work = mkdtempSync(join(tmpdir(), 'edo-hub-is-'));
    await hub.admin(['trust', 'add', pki.caCertificateFile]);
    const admin = await softwareIdentity(samplePeople.ivanova);
    const romashka = await registerOrganization(hub, {
      name: samplePeople.ivanova.organization,
      inn: samplePeople.ivanova.orgInn,
      kpp: '770101001',
      certificatePems: [admin.pem],
    });
    await registerOrganization(hub, {
      name: samplePeople.petrov.organization,
      inn: samplePeople.petrov.orgInn,
      kpp: '780101001',
    });
    romashkaId = romashka.org.id;
    romashkaAdmin = (await loginWithSigner(hub.url, new KeySigner(admin.key, admin.der))).api;
  }, 120_000);

  afterAll(async () => {
    await hub?.stop();
    pki?.cleanup();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it("stops a revoked information system's token at its next call, long before it expires", async () => {
    const generated = await romashkaAdmin.call<GeneratedInformationSystem>(
      'POST',
      '/v1/organization/information-systems/generate',
      { json: { name: 'ERP' } },
    );
    expect(generated.status).toBe(201);
    expect(generated.json.informationSystem.certificate.orgInn).toBe(samplePeople.ivanova.orgInn);
    const system = new KeySigner(
      createPrivateKey(generated.json.privateKeyPem),
      pemToDer(generated.json.certificatePem)[0]!,
    );
    const { api, login } = await loginWithSigner(hub.url, system);
    expect(login.subscriber.id).toBe(romashkaId);
    expect((await api.call('GET', '/v1/me')).status).toBe(200);

    expect(
      (
        await romashkaAdmin.call<InformationSystem>(
          'DELETE',
          `/v1/organization/information-systems/${generated.json.informationSystem.id}`,
        )
      ).status,
    ).toBe(200);
    const refused = await api.call('GET', '/v1/me');
    expect(refused.status).toBe(401);
    expect(refused.json).toMatchObject({
      error: 'unauthorized',
      message: expect.stringMatching(/information system ERP was revoked/),
    });
    expect((await api.call('GET', '/v1/subscribers')).status).toBe(401);
    expect((await api.call('GET', '/v1/organization/information-systems')).status).toBe(401);
    await expect(loginWithSigner(hub.url, system)).rejects.toThrow(/401.*certificate-unknown/);
  });

  it('refuses a certificate that names another organization, and journals the refusal', async () => {
    const petrovs = await softwareIdentity(samplePeople.petrov);
    const foreign = await romashkaAdmin.call('POST', '/v1/organization/information-systems', {
      json: { name: 'Their ERP', certificatePem: petrovs.pem },
    });
    expect(foreign.status).toBe(400);
    expect(foreign.json.message).toMatch(
      new RegExp(
        `names the organization with INN ${samplePeople.petrov.orgInn}, not .*INN ${samplePeople.ivanova.orgInn}`,
      ),
    );
    expect(await lastJournalEntry()).toMatchObject({
      action: 'information-system.add',
      outcome: 'refused',
      reason: foreign.json.message,
    });

    // One that names the organization is registered and logs in there.
    const own = await softwareIdentity(samplePeople.ivanova);
    expect(
      (
        await romashkaAdmin.call('POST', '/v1/organization/information-systems', {
          json: { name: 'Our ERP', certificatePem: own.pem },
        })
      ).status,
    ).toBe(201);
    expect((await loginWithSigner(hub.url, new KeySigner(own.key, own.der))).login.subscriber.id).toBe(romashkaId);
  });

  it("refuses a user's certificate as an information system, and `user add --cert` refuses a system's", async () => {
    const clerk = await softwareIdentity(samplePeople.ivanova);
    const clerkFile = join(work, 'clerk.pem');
    writeFileSync(clerkFile, clerk.pem);
    await hub.admin(['user', 'add', '--org', romashkaId, '--cert', clerkFile]);
    const taken = await romashkaAdmin.call('POST', '/v1/organization/information-systems', {
      json: { name: 'ERP', certificatePem: clerk.pem },
    });
    expect(taken.status).toBe(409);
    expect(taken.json.message).toMatch(/registered to a user of the hub/);
    expect(await lastJournalEntry()).toMatchObject({
      action: 'information-system.add',
      outcome: 'refused',
      reason: taken.json.message,
    });

    const system = await softwareIdentity(samplePeople.ivanova);
    expect(
      (
        await romashkaAdmin.call('POST', '/v1/organization/information-systems', {
          json: { name: 'Robot', certificatePem: system.pem },
        })
      ).status,
    ).toBe(201);
    const systemFile = join(work, 'system.pem');
    writeFileSync(systemFile, system.pem);
    const users = await hub.admin<unknown[]>(['user', 'list']);
    const refused = await runHubCommand([
      'user',
      'add',
      '--org',
      romashkaId,
      '--cert',
      systemFile,
      '--data',
      hub.dataDir,
    ]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(
      /информационная система «Robot» .* сертификат входит либо как пользователь, либо как система/,
    );
    expect(await hub.admin<unknown[]>(['user', 'list'])).toEqual(users);
  });

  it('serves a data directory from one hub only: a second serve exits 1 naming the running pid; administration works meanwhile; a stale lock is taken over', async () => {
    const second = await runHubCommand(['serve', '--data', hub.dataDir, '--port', '0']);
    expect(second.code).toBe(1);
    expect(second.stderr).toContain(`обслуживает запущенный сервер обмена (процесс ${hub.pid})`);
    expect(readFileSync(join(hub.dataDir, 'serve.lock'), 'utf8').trim()).toBe(String(hub.pid));
    expect(
      (
        await hub.admin<{ name: string }>([
          'org',
          'add',
          '--name',
          'ООО "Третья"',
          '--inn',
          '7703333334',
          '--kpp',
          '770301001',
        ])
      ).name,
    ).toBe('ООО "Третья"');

    // A hub that died without releasing its lock (SIGKILL) leaves a stale one: the next serve takes it.
    const dir = mkdtempSync(join(tmpdir(), 'edo-hub-lock-'));
    try {
      const killed = await startHub({ dataDir: dir });
      killed.process.kill('SIGKILL');
      await killed.stop();
      expect(readFileSync(join(dir, 'serve.lock'), 'utf8').trim()).toBe(String(killed.pid));
      const next = await startHub({ dataDir: dir });
      expect(readFileSync(join(dir, 'serve.lock'), 'utf8').trim()).toBe(String(next.pid));
      expect(await next.stop()).toBe(0);
      expect(() => readFileSync(join(dir, 'serve.lock'))).toThrow(/ENOENT/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
