// The hub's registry of powers of attorney against the real hub: an МЧД issued by the director
// (as `edo-clerk poa create` issues it) validates against the official XSD and is registered;
// every registration check refuses with its own code and message and stores nothing; the
// principal revokes, journaled; `edo-hub poa list|show|revoke` administer the same registry.
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signDetached } from '../../src/crypto/cms';
import { KeySigner } from '../../src/crypto/key-signer';
import type { PersonalCertificatePerson } from '../../src/crypto/qualified-subject';
import { issuePowerOfAttorney } from '../../src/exchange/power-of-attorney';
import { buildPowerOfAttorney, personOfCertificate, POA_SCHEMA_FILE, type PowerOfAttorneyFile } from '../../src/formats';
import { describeCertificate } from '../../src/crypto/certificates';
import type { PowerOfAttorneyRecord } from '../../src/protocol';
import type { HubApi} from '../support/hub';
import { loginWithSigner, registerOrganization, startHub, type HubAnswer, type StartedHub } from '../support/hub';
import { softhsm, systemPart } from '../support/system';
import { createTestPki, type TestPerson, type TestPki } from '../support/test-pki';

const hsm = softhsm();
const xmllint = systemPart('xmllint', spawnSync('xmllint', ['--version']).status === 0, 'install libxml2-utils');
const schema = join(__dirname, '../../src/formats/xsd', POA_SCHEMA_FILE);

const organization = { name: 'ООО "Ромашка"', inn: '7701234567', kpp: '770101001' };
const director: TestPerson = {
  surname: 'Петров',
  givenNames: 'Пётр Ильич',
  position: 'Генеральный директор',
  organization: organization.name,
  orgInn: organization.inn,
  personInn: '770100000011',
  ogrn: '1027700000011',
};
/** A colleague whose certificate names the organization, but who is not the director of the МЧД. */
const deputy: TestPerson = { ...director, surname: 'Сидоров', givenNames: 'Сидор Сидорович', position: 'Заместитель', personInn: '770100000033' };
const employee: PersonalCertificatePerson = { surname: 'Иванова', givenNames: 'Мария Петровна', personInn: '770200000022', snils: '12345678901' };
const stranger: PersonalCertificatePerson = { surname: 'Кузнецов', givenNames: 'Олег Олегович', personInn: '770200000044', snils: '10987654321' };

const b64 = (b: Buffer) => b.toString('base64');

function expectError(answer: HubAnswer, status: number, error: string, message: RegExp) {
  expect(answer.status, answer.body.toString()).toBe(status);
  expect(answer.json).toMatchObject({ error, message: expect.stringMatching(message) });
}

describe.skipIf(!hsm.ok || !xmllint.ok)(`the hub's registry of powers of attorney ${hsm.reason ?? ''}${xmllint.reason}`, () => {
  let pki: TestPki;
  let hub: StartedHub;
  let dir: string;
  let orgId: string;
  const signers: Record<'director' | 'deputy' | 'employee' | 'stranger', KeySigner> = {} as never;
  let apiDirector: HubApi;
  let apiEmployee: HubApi;

  const softwareSigner = async (person: TestPerson | PersonalCertificatePerson) => {
    const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    return new KeySigner(privateKey, Buffer.from((await pki.issue(publicKey, person)).rawData));
  };
  const pem = (s: KeySigner) => `-----BEGIN CERTIFICATE-----\n${b64(s.certificate)}\n-----END CERTIFICATE-----\n`;

  /** The МЧД as `edo-clerk poa create` issues it: to `to`, signed by `by`. */
  const issue = (to: KeySigner, extra: { powerCodes?: string[]; powerText?: string; by?: KeySigner; validUntil?: string } = {}) =>
    issuePowerOfAttorney({
      director: extra.by ?? signers.director,
      representativeCertificate: to.certificate,
      organization,
      powerCodes: extra.powerCodes ?? [],
      ...(extra.powerText ? { powerText: extra.powerText } : {}),
      validUntil: extra.validUntil ?? '2099-12-31',
      redelegation: false,
      statusService: (number) => `${hub.url}/v1/powers-of-attorney/${number}`,
    });
  /** An МЧД built directly, for dates and principals `poa create` would not write. */
  const build = (o: { issuedOn: string; validUntil: string; inn?: string; ogrn?: string }): PowerOfAttorneyFile =>
    buildPowerOfAttorney({
      issuedOn: o.issuedOn,
      validUntil: o.validUntil,
      statusService: `${hub.url}/v1/powers-of-attorney`,
      principal: {
        organization: { ...organization, inn: o.inn ?? organization.inn, ogrn: o.ogrn ?? director.ogrn! },
        director: personOfCertificate(describeCertificate(signers.director.certificate), 'director'),
      },
      representative: personOfCertificate(describeCertificate(signers.employee.certificate), 'representative'),
      powers: { codes: [{ code: 'BBDOCS_DOCS_DCSALL_SRCDOC_SOURCEDOCSGENERAL', name: 'Подписывать' }] },
    });
  const register = (api: HubApi, file: { fileName: string; xml: Buffer; signature: Buffer }) =>
    api.call<PowerOfAttorneyRecord>('POST', '/v1/powers-of-attorney', { json: { fileName: file.fileName, xml: b64(file.xml), signature: b64(file.signature) } });
  const listed = async () => (await apiDirector.call<{ powersOfAttorney: PowerOfAttorneyRecord[] }>('GET', '/v1/powers-of-attorney')).json.powersOfAttorney;

  beforeAll(async () => {
    pki = await createTestPki([]);
    hub = await startHub();
    dir = mkdtempSync(join(tmpdir(), 'hub-poa-'));
    await hub.admin(['trust', 'add', pki.caCertificateFile]);
    signers.director = await softwareSigner(director);
    signers.deputy = await softwareSigner(deputy);
    signers.employee = await softwareSigner(employee);
    signers.stranger = await softwareSigner(stranger);
    const registered = await registerOrganization(hub, { ...organization, certificatePems: [pem(signers.director), pem(signers.deputy), pem(signers.employee)] });
    orgId = registered.org.id;
    apiDirector = (await loginWithSigner(hub.url, signers.director)).api;
    apiEmployee = (await loginWithSigner(hub.url, signers.employee)).api;
  });

  afterAll(async () => {
    await hub?.stop();
    await pki?.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('registers the director\'s МЧД for the employee: XSD-valid, active, shown with its files', async () => {
    const issued = await issue(signers.employee);
    const file = join(dir, issued.fileName);
    writeFileSync(file, issued.xml);
    const lint = spawnSync('xmllint', ['--noout', '--schema', schema, file], { encoding: 'utf8' });
    expect(lint.status, lint.stderr).toBe(0);

    const answer = await register(apiEmployee, issued);
    expect(answer.status, answer.body.toString()).toBe(201);
    expect(answer.json).toMatchObject({
      number: issued.number,
      subscriberId: orgId,
      principalInn: organization.inn,
      representative: { name: 'Иванова Мария Петровна', inn: employee.personInn, snils: '123-456-789 01' },
      powers: ['BBDOCS_DOCS_DCSALL_SRCDOC_SOURCEDOCSGENERAL'],
      validUntil: '2099-12-31',
      status: 'active',
      signedBy: 'Петров Пётр Ильич',
    });
    const shown = await apiDirector.call('GET', `/v1/powers-of-attorney/${issued.number}`);
    expect(Buffer.from(shown.json.xml, 'base64').equals(issued.xml)).toBe(true);
    expect(Buffer.from(shown.json.signature, 'base64').equals(issued.signature)).toBe(true);
    expect((await listed()).map((p) => p.number)).toEqual([issued.number]);
    expectError(await register(apiDirector, issued), 409, 'poa-exists', new RegExp(`${issued.number} is registered already`));
  });

  it('refuses each registration check with its own code and message, storing nothing', async () => {
    const before = await listed();
    const good = await issue(signers.employee);
    const cases: [string, { fileName: string; xml: Buffer; signature: Buffer }, string, RegExp][] = [
      ['format', { ...good, xml: Buffer.from(good.xml.toString('utf8').replace(/ НомДовер="[^"]+"/, '')) }, 'poa-format-invalid', /НомДовер/],
      ['file name', { ...good, fileName: 'ON_EMCHD_20990101_x.xml' }, 'poa-format-invalid', /does not match ИдФайл/],
      ['principal INN', await (async () => {
        const other = build({ issuedOn: '2026-01-01', validUntil: '2099-12-31', inn: '7709876543' });
        return { ...other, signature: await signDetached(other.xml, signers.director) };
      })(), 'poa-principal-mismatch', /principal's INN is 7709876543, not ООО "Ромашка"'s 7701234567/],
      ['principal OGRN', await (async () => {
        const other = build({ issuedOn: '2026-01-01', validUntil: '2099-12-31', ogrn: '1027700000099' });
        return { ...other, signature: await signDetached(other.xml, signers.director) };
      })(), 'poa-principal-mismatch', /OGRN is 1027700000099, the director's certificate names 1027700000011/],
      ['signature over other bytes', { ...good, signature: await signDetached(Buffer.from('other bytes'), signers.director) }, 'poa-signature-invalid', /is not valid/],
      ['signed by a personal certificate', { ...good, signature: await signDetached(good.xml, signers.employee) }, 'poa-signer-not-director', /personal certificate/],
      ['signed by another person of the organization', { ...good, signature: await signDetached(good.xml, signers.deputy) }, 'poa-signer-not-director', /Сидоров Сидор Сидорович signed .* names Петров Пётр Ильич/],
      ['signed after its term', await (async () => {
        const old = build({ issuedOn: '2024-01-01', validUntil: '2024-12-31' });
        return { ...old, signature: await signDetached(old.xml, signers.director) };
      })(), 'poa-dates-invalid', /after its term ended \(СрокДейст 2024-12-31\)/],
      ['representative not a user', await issue(signers.stranger), 'poa-representative-unknown', /Кузнецов Олег Олегович \(INN 770200000044, SNILS 109-876-543 21\), who holds no certificate of a user/],
    ];
    for (const [what, file, code, message] of cases) {
      const answer = await register(apiDirector, file);
      expect(answer.status, `${what}: ${answer.body.toString()}`).toBe(422);
      expect(answer.json, what).toMatchObject({ error: code, message: expect.stringMatching(message) });
    }
    expect(await listed()).toEqual(before);
  });

  it('keeps an МЧД signed during its term that is over now as expired', async () => {
    const old = build({ issuedOn: '2024-01-01', validUntil: '2024-12-31' });
    const answer = await register(apiDirector, { ...old, signature: await signDetached(old.xml, signers.director, { signingTime: new Date('2024-06-01T09:00:00Z') }) });
    expect(answer.status, answer.body.toString()).toBe(201);
    expect(answer.json.status).toBe('expired');
  });

  it('lets the principal revoke, journaled; the employee may not; edo-hub shows and revokes the same registry', async () => {
    const issued = await issue(signers.employee);
    expect((await register(apiDirector, issued)).status).toBe(201);
    const revoke = (api: HubApi, reason: string) => api.call('POST', `/v1/powers-of-attorney/${issued.number}/revoke`, { json: { reason } });
    expectError(await revoke(apiEmployee, 'я ухожу'), 403, 'forbidden', /only its director or a settings administrator/);
    const revoked = await revoke(apiDirector, 'сотрудник уволен');
    expect(revoked.status, revoked.body.toString()).toBe(200);
    expect(revoked.json).toMatchObject({ status: 'revoked', revokeReason: 'сотрудник уволен', revokedAt: expect.any(String) });
    expectError(await revoke(apiDirector, 'ещё раз'), 409, 'conflict', /was revoked on .* already/);

    const list = await hub.admin<PowerOfAttorneyRecord[]>(['poa', 'list', '--org', organization.inn]);
    expect(list.find((p) => p.number === issued.number)?.status).toBe('revoked');
    const out = join(dir, 'shown');
    const shown = await hub.admin(['poa', 'show', '--org', orgId, issued.number, '--out', out]);
    expect(shown.journal.map((j: { action: string; reason?: string }) => [j.action, j.reason])).toEqual([['register', undefined], ['revoke', 'сотрудник уволен']]);
    expect(readFileSync(shown.files.xml).equals(issued.xml)).toBe(true);
    expect(readFileSync(shown.files.signature).equals(issued.signature)).toBe(true);

    const second = await issue(signers.employee);
    expect((await register(apiDirector, second)).status).toBe(201);
    const byOperator = await hub.admin(['poa', 'revoke', '--org', orgId, second.number, '--reason', 'письмо директора от 01.12']);
    expect(byOperator).toMatchObject({ number: second.number, status: 'revoked' });
    const again = await hub.admin(['poa', 'show', '--org', orgId, second.number]);
    expect(again.journal.at(-1)).toMatchObject({ action: 'revoke', actor: 'operator', reason: 'письмо директора от 01.12' });
  });
});
