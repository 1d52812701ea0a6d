// The hub's registry of powers of attorney against the real hub: an МЧД issued by the director
// (as `edo-clerk poa create` issues it) validates against the official XSD and is registered;
// every registration check refuses with its own code and message and stores nothing; the
// principal revokes, journaled; `edo-hub poa list|show|revoke` administer the same registry.
// Then the employee signs with a personal certificate under it: sends a document and signs a
// receipt notice; without an МЧД, with an expired, revoked, another person's, one without the
// power, or one the director did not sign, each signature is refused with its own message and
// nothing is stored (the counterparty sees no document, the Idempotency-Key stays free).
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { signDetached } from '../../src/crypto/cms';
import { KeySigner } from '../../src/crypto/key-signer';
import type { PersonalCertificatePerson } from '../../src/crypto/qualified-subject';
import { issuePowerOfAttorney } from '../../src/exchange/power-of-attorney';
import {
  buildAnnulmentProposal,
  buildClarificationRequest,
  buildPowerOfAttorney,
  buildReceiptNotice,
  parseServiceDocument,
  personOfCertificate,
  POA_SCHEMA_FILE,
  type PowerOfAttorneyFile,
} from '../../src/formats';
import { describeCertificate } from '../../src/crypto/certificates';
import type { Document, EventsPage, PowerOfAttorneyRecord, ServiceDocument } from '../../src/protocol';
import type { HubApi } from '../support/hub';
import { loginWithSigner, registerOrganization, startHub, type HubAnswer, type StartedHub } from '../support/hub';
import { softhsm, systemPart } from '../support/system';
import { createTestPki, type TestPerson, type TestPki } from '../support/test-pki';

const hsm = softhsm();
const xmllint = systemPart('xmllint', spawnSync('xmllint', ['--version']).status === 0, 'install libxml2-utils');
const schema = join(__dirname, '../../src/formats/xsd', POA_SCHEMA_FILE);

const organization = { name: 'ООО "Ромашка"', inn: '7701234560', kpp: '770101001' };
const director: TestPerson = {
  surname: 'Петров',
  givenNames: 'Пётр Ильич',
  position: 'Генеральный директор',
  organization: organization.name,
  orgInn: organization.inn,
  personInn: '770100000142',
  ogrn: '1027700000019',
};
/** A colleague whose certificate names the organization, but who is not the director of the МЧД. */
const deputy: TestPerson = {
  ...director,
  surname: 'Сидоров',
  givenNames: 'Сидор Сидорович',
  position: 'Заместитель',
  personInn: '770100000216',
};
const employee: PersonalCertificatePerson = {
  surname: 'Иванова',
  givenNames: 'Мария Петровна',
  personInn: '770200000065',
  snils: '12345678901',
};
const colleague: PersonalCertificatePerson = {
  surname: 'Смирнова',
  givenNames: 'Анна Ивановна',
  personInn: '770200000202',
  snils: '11122233344',
};
const counterparty: TestPerson = {
  surname: 'Орлов',
  givenNames: 'Олег Петрович',
  position: 'Директор',
  organization: 'ООО "Василёк"',
  orgInn: '7809876549',
  personInn: '780100000090',
  ogrn: '1027800000018',
};
const stranger: PersonalCertificatePerson = {
  surname: 'Кузнецов',
  givenNames: 'Олег Олегович',
  personInn: '770200000139',
  snils: '10987654321',
};

const b64 = (b: Buffer) => b.toString('base64');

function expectError(answer: HubAnswer, status: number, error: string, message: RegExp) {
  expect(answer.status, answer.body.toString()).toBe(status);
  expect(answer.json).toMatchObject({ error, message: expect.stringMatching(message) });
}

describe.skipIf(!hsm.ok || !xmllint.ok)(
  `the hub's registry of powers of attorney ${hsm.reason ?? ''}${xmllint.reason}`,
  () => {
    let pki: TestPki;
    let hub: StartedHub;
    let dir: string;
    let orgId: string;
    const signers: Record<'director' | 'deputy' | 'employee' | 'colleague' | 'stranger' | 'counterparty', KeySigner> =
      {} as never;
    let apiDirector: HubApi;
    let apiEmployee: HubApi;
    let apiCounterparty: HubApi;
    let counterpartyId: string;

    const softwareSigner = async (person: TestPerson | PersonalCertificatePerson) => {
      const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
      return new KeySigner(privateKey, Buffer.from((await pki.issue(publicKey, person)).rawData));
    };
    const pem = (s: KeySigner) => `-----BEGIN CERTIFICATE-----\n${b64(s.certificate)}\n-----END CERTIFICATE-----\n`;

    /** The МЧД as `edo-clerk poa create` issues it: to `to`, signed by `by`. */
    const issue = (to: KeySigner, extra: { powerCodes?: string[]; powerText?: string; validUntil?: string } = {}) =>
      issuePowerOfAttorney({
        director: signers.director,
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
      api.call<PowerOfAttorneyRecord>('POST', '/v1/powers-of-attorney', {
        json: { fileName: file.fileName, xml: b64(file.xml), signature: b64(file.signature) },
      });
    const listed = async () =>
      (await apiDirector.call<{ powersOfAttorney: PowerOfAttorneyRecord[] }>('GET', '/v1/powers-of-attorney')).json
        .powersOfAttorney;

    beforeAll(async () => {
      pki = await createTestPki([]);
      hub = await startHub();
      dir = mkdtempSync(join(tmpdir(), 'hub-poa-'));
      await hub.admin(['trust', 'add', pki.caCertificateFile]);
      signers.director = await softwareSigner(director);
      signers.deputy = await softwareSigner(deputy);
      signers.employee = await softwareSigner(employee);
      signers.stranger = await softwareSigner(stranger);
      signers.colleague = await softwareSigner(colleague);
      signers.counterparty = await softwareSigner(counterparty);
      const pems = [signers.director, signers.deputy, signers.employee, signers.colleague].map(pem);
      // Registered with its OGRN, as an operator does: an МЧД's principal must name the same.
      const registered = await registerOrganization(hub, {
        ...organization,
        ogrn: director.ogrn,
        certificatePems: pems,
      });
      orgId = registered.org.id;
      const other = await registerOrganization(hub, {
        name: counterparty.organization,
        inn: counterparty.orgInn,
        kpp: '780101001',
        certificatePems: [pem(signers.counterparty)],
      });
      counterpartyId = other.org.id;
      apiDirector = (await loginWithSigner(hub.url, signers.director)).api;
      apiEmployee = (await loginWithSigner(hub.url, signers.employee)).api;
      apiCounterparty = (await loginWithSigner(hub.url, signers.counterparty)).api;
      expect((await apiDirector.call('POST', '/v1/contacts', { json: { subscriberId: counterpartyId } })).status).toBe(
        200,
      );
      expect((await apiCounterparty.call('POST', `/v1/contacts/${orgId}/accept`, { json: {} })).json.state).toBe(
        'connected',
      );
    });

    afterAll(async () => {
      await hub?.stop();
      await pki?.cleanup();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it("registers the director's МЧД for the employee: XSD-valid, active, shown with its files", async () => {
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
      expectError(
        await register(apiDirector, issued),
        409,
        'poa-exists',
        new RegExp(`${issued.number} is registered already`),
      );
    });

    it('refuses each registration check with its own code and message, storing nothing', async () => {
      const before = await listed();
      const good = await issue(signers.employee);
      const cases: [string, { fileName: string; xml: Buffer; signature: Buffer }, string, RegExp][] = [
        [
          'format',
          { ...good, xml: Buffer.from(good.xml.toString('utf8').replace(/ НомДовер="[^"]+"/, '')) },
          'poa-format-invalid',
          /НомДовер/,
        ],
        ['file name', { ...good, fileName: 'ON_EMCHD_20990101_x.xml' }, 'poa-format-invalid', /does not match ИдФайл/],
        [
          'principal INN',
          await (async () => {
            const other = build({ issuedOn: '2026-01-01', validUntil: '2099-12-31', inn: '7709876545' });
            return { ...other, signature: await signDetached(other.xml, signers.director) };
          })(),
          'poa-principal-mismatch',
          /principal's INN is 7709876545, not ООО "Ромашка"'s 7701234560/,
        ],
        [
          'principal OGRN',
          await (async () => {
            const other = build({ issuedOn: '2026-01-01', validUntil: '2099-12-31', ogrn: '1027700000096' });
            return { ...other, signature: await signDetached(other.xml, signers.director) };
          })(),
          'poa-principal-mismatch',
          /principal's OGRN is 1027700000096, not ООО "Ромашка"'s 1027700000019/,
        ],
        [
          'signature over other bytes',
          { ...good, signature: await signDetached(Buffer.from('other bytes'), signers.director) },
          'poa-signature-invalid',
          /is not valid/,
        ],
        [
          'signed by a personal certificate',
          { ...good, signature: await signDetached(good.xml, signers.employee) },
          'poa-signer-not-director',
          /personal certificate/,
        ],
        [
          'signed by another person of the organization',
          { ...good, signature: await signDetached(good.xml, signers.deputy) },
          'poa-signer-not-director',
          /Сидоров Сидор Сидорович signed .* names Петров Пётр Ильич/,
        ],
        [
          'signed after its term',
          await (async () => {
            const old = build({ issuedOn: '2024-01-01', validUntil: '2024-12-31' });
            return { ...old, signature: await signDetached(old.xml, signers.director) };
          })(),
          'poa-dates-invalid',
          /after its term ended \(СрокДейст 2024-12-31\)/,
        ],
        [
          'representative not a user',
          await issue(signers.stranger),
          'poa-representative-unknown',
          /Кузнецов Олег Олегович \(INN 770200000139, SNILS 109-876-543 21\), who holds no certificate of a user/,
        ],
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
      const answer = await register(apiDirector, {
        ...old,
        signature: await signDetached(old.xml, signers.director, { signingTime: new Date('2024-06-01T09:00:00Z') }),
      });
      expect(answer.status, answer.body.toString()).toBe(201);
      expect(answer.json.status).toBe('expired');
    });

    it('lets the principal revoke, journaled; the employee may not; edo-hub shows and revokes the same registry', async () => {
      const issued = await issue(signers.employee);
      expect((await register(apiDirector, issued)).status).toBe(201);
      const revoke = (api: HubApi, reason: string) =>
        api.call('POST', `/v1/powers-of-attorney/${issued.number}/revoke`, { json: { reason } });
      expectError(
        await revoke(apiEmployee, 'я ухожу'),
        403,
        'forbidden',
        /only its director or a settings administrator/,
      );
      const revoked = await revoke(apiDirector, 'сотрудник уволен');
      expect(revoked.status, revoked.body.toString()).toBe(200);
      expect(revoked.json).toMatchObject({
        status: 'revoked',
        revokeReason: 'сотрудник уволен',
        revokedAt: expect.any(String),
      });
      expectError(await revoke(apiDirector, 'ещё раз'), 409, 'conflict', /was revoked on .* already/);

      const list = await hub.admin<PowerOfAttorneyRecord[]>(['poa', 'list', '--org', organization.inn]);
      expect(list.find((p) => p.number === issued.number)?.status).toBe('revoked');
      const out = join(dir, 'shown');
      const shown = await hub.admin(['poa', 'show', '--org', orgId, issued.number, '--out', out]);
      expect(shown.journal.map((j: { action: string; reason?: string }) => [j.action, j.reason])).toEqual([
        ['register', undefined],
        ['revoke', 'сотрудник уволен'],
      ]);
      expect(readFileSync(shown.files.xml).equals(issued.xml)).toBe(true);
      expect(readFileSync(shown.files.signature).equals(issued.signature)).toBe(true);

      const second = await issue(signers.employee);
      expect((await register(apiDirector, second)).status).toBe(201);
      const byOperator = await hub.admin([
        'poa',
        'revoke',
        '--org',
        orgId,
        second.number,
        '--reason',
        'письмо директора от 01.12',
      ]);
      expect(byOperator).toMatchObject({ number: second.number, status: 'revoked' });
      const again = await hub.admin(['poa', 'show', '--org', orgId, second.number]);
      expect(again.journal.at(-1)).toMatchObject({
        action: 'revoke',
        actor: 'operator',
        reason: 'письмо директора от 01.12',
      });
    });

    describe('signing as a representative', () => {
      const content = Buffer.from('Акт сверки № 7\n'.repeat(50));
      const sha = createHash('sha256').update(content).digest('hex');
      let poaNumber: string;
      let keys = 0;

      const send = async (api: HubApi, signer: KeySigner, powerOfAttorney?: { number: string; principalInn: string }) =>
        api.call<Document>('POST', '/v1/documents', {
          headers: { 'idempotency-key': `send-under-poa-${++keys}` },
          json: {
            recipientId: counterpartyId,
            title: 'Акт сверки № 7',
            kind: 'act',
            fileName: 'Акт 7.txt',
            sha256: sha,
            signature: b64(await signDetached(content, signer)),
            ...(powerOfAttorney ? { powerOfAttorney } : {}),
          },
        });
      const received = async () =>
        (await apiCounterparty.call<EventsPage>('GET', '/v1/events?after=0&limit=500')).json.events.filter(
          (e) => e.type === 'document.received',
        );
      const ref = (number: string) => ({ number, principalInn: organization.inn });
      const registered = async (file: { fileName: string; xml: Buffer; signature: Buffer }) => {
        const answer = await register(apiDirector, file);
        expect(answer.status, answer.body.toString()).toBe(201);
        return answer.json.number;
      };

      beforeAll(async () => {
        expect([200, 201]).toContain((await apiEmployee.call('PUT', `/v1/blobs/${sha}`, { body: content })).status);
        poaNumber = await registered(await issue(signers.employee));
      });

      it('lets the employee send a document under the МЧД; the recipient sees the МЧД and its status at the signing time', async () => {
        const sent = await send(apiEmployee, signers.employee, ref(poaNumber));
        expect(sent.status, sent.body.toString()).toBe(201);
        expect(sent.json.signerPowerOfAttorney).toMatchObject({
          number: poaNumber,
          principalInn: organization.inn,
          status: 'active',
          power: 'BBDOCS_DOCS_DCSALL_SRCDOC_SOURCEDOCSGENERAL',
          validUntil: '2099-12-31',
        });
        const seen = await apiCounterparty.call<Document>('GET', `/v1/documents/${sent.json.id}`);
        expect(seen.json.signerPowerOfAttorney).toEqual(sent.json.signerPowerOfAttorney);
        // The director needs none, and is not asked for one.
        const byDirector = await send(apiDirector, signers.director);
        expect(byDirector.status, byDirector.body.toString()).toBe(201);
        expect(byDirector.json.signerPowerOfAttorney).toBeUndefined();
      });

      it('lets the employee sign a receipt notice under the МЧД', async () => {
        const bytes = Buffer.from('Счёт № 8');
        const bsha = createHash('sha256').update(bytes).digest('hex');
        expect([200, 201]).toContain((await apiCounterparty.call('PUT', `/v1/blobs/${bsha}`, { body: bytes })).status);
        const incoming = await apiCounterparty.call<Document>('POST', '/v1/documents', {
          headers: { 'idempotency-key': 'counterparty-invoice-8' },
          json: {
            recipientId: orgId,
            title: 'Счёт № 8',
            kind: 'invoice',
            fileName: 'Счёт 8.txt',
            sha256: bsha,
            signature: b64(await signDetached(bytes, signers.counterparty)),
          },
        });
        expect(incoming.status, incoming.body.toString()).toBe(201);
        const employeeSigner = { surname: 'Иванова', name: 'Мария', patronymic: 'Петровна', position: 'Бухгалтер' };
        const noticeBy = (signer: Parameters<typeof buildReceiptNotice>[0]['signer']) =>
          buildReceiptNotice({
            sender: { id: orgId, organization },
            receiver: {
              id: counterpartyId,
              organization: { name: counterparty.organization, inn: counterparty.orgInn, kpp: '780101001' },
            },
            receivedAt: new Date(),
            receivedFile: { name: 'Счёт 8.txt', signatures: [Buffer.from(incoming.json.signature, 'base64')] },
            signer,
          });
        // СтатПодп 2 and СвДоверЭл presented by reference to the hub that keeps the МЧД (ИдСистХран).
        const issuedOn = (await apiDirector.call<PowerOfAttorneyRecord>('GET', `/v1/powers-of-attorney/${poaNumber}`))
          .json.issuedOn;
        const notice = noticeBy({
          ...employeeSigner,
          authority: 'electronic-poa',
          powerOfAttorney: { kind: 'electronic', number: poaNumber, issuedOn, storage: hub.url },
        });
        const noticeFile = join(dir, notice.fileName);
        writeFileSync(noticeFile, notice.xml);
        const lint = spawnSync(
          'xmllint',
          ['--noout', '--schema', join(__dirname, '../../src/formats/xsd/DP_IZVPOL_1_982_00_01_03_01.xsd'), noticeFile],
          { encoding: 'utf8' },
        );
        expect(lint.status, lint.stderr).toBe(0);
        expect(parseServiceDocument(notice.xml, notice.fileName).signer).toMatchObject({
          authority: 'electronic-poa',
          powerOfAttorney: { number: poaNumber, storage: hub.url },
        });
        const post = async (key: string, powerOfAttorney?: { number: string; principalInn: string }, file = notice) =>
          apiEmployee.call<ServiceDocument>('POST', `/v1/documents/${incoming.json.id}/service-documents`, {
            headers: { 'idempotency-key': key },
            json: {
              type: 'receipt',
              fileName: file.fileName,
              xml: b64(file.xml),
              signature: b64(await signDetached(file.xml, signers.employee)),
              ...(powerOfAttorney ? { powerOfAttorney } : {}),
            },
          });
        expectError(await post('receipt-8-a'), 422, 'poa-required', /personal certificate/);
        const asEmployee = noticeBy({ ...employeeSigner, authority: 'employee' });
        expectError(
          await post('receipt-8-a', ref(poaNumber), asEmployee),
          422,
          'service-document-invalid',
          new RegExp(`signed under the МЧД ${poaNumber}, but its Подписант does not say so`),
        );
        const posted = await post('receipt-8-a', ref(poaNumber));
        expect(posted.status, posted.body.toString()).toBe(201);
        expect(posted.json.signerPowerOfAttorney).toMatchObject({ number: poaNumber, status: 'active' });
        const chain = (await apiCounterparty.call<Document>('GET', `/v1/documents/${incoming.json.id}`)).json
          .serviceDocuments;
        expect(chain.map((sd) => sd.signerPowerOfAttorney?.number)).toEqual([poaNumber]);
      });

      it('refuses each signature under a wrong МЧД with its own message, storing nothing', async () => {
        const old = build({ issuedOn: '2024-01-01', validUntil: '2024-12-31' });
        const expired = await registered({
          ...old,
          signature: await signDetached(old.xml, signers.director, { signingTime: new Date('2024-06-01T09:00:00Z') }),
        });
        const revoked = await registered(await issue(signers.employee));
        expect(
          (await apiDirector.call('POST', `/v1/powers-of-attorney/${revoked}/revoke`, { json: { reason: 'отозвана' } }))
            .status,
        ).toBe(200);
        const colleagues = await registered(await issue(signers.colleague));
        const powerless = await registered(
          await issue(signers.employee, { powerCodes: ['BBDOCS_CNTRCT_SRVC_SRVCWRK_CNTRCTSRVC15'] }),
        );
        const textOnly = await registered(await issue(signers.employee, { powerText: 'подписывать любые документы' }));
        // The employee signs an МЧД to themself: a personal certificate does not act for the organization.
        const unsigned = await issue(signers.employee);
        const selfSigned = { ...unsigned, signature: await signDetached(unsigned.xml, signers.employee) };
        expectError(await register(apiDirector, selfSigned), 422, 'poa-signer-not-director', /personal certificate/);

        const before = await received();
        const cases: [string, { number: string; principalInn: string } | undefined, string, RegExp][] = [
          [
            'without an МЧД',
            undefined,
            'poa-required',
            /signs with a personal certificate, which does not name ООО "Ромашка" \(no INNLE 7701234560\)/,
          ],
          [
            'expired',
            ref(expired),
            'poa-not-in-force',
            /not in force on \d{4}-\d{2}-\d{2}: its term \(2024-01-01 to 2024-12-31\) is over/,
          ],
          ['revoked', ref(revoked), 'poa-revoked', /was revoked on .* \(отозвана\)/],
          [
            "another person's",
            ref(colleagues),
            'poa-other-person',
            /issued to Смирнова Анна Ивановна .* not to Иванова Мария Петровна/,
          ],
          [
            'without the power',
            ref(powerless),
            'poa-power-missing',
            /does not grant send-document: .* requires BBDOCS_DOCS_DCSALL_SRCDOC_SOURCEDOCSGENERAL.*; it grants BBDOCS_CNTRCT_SRVC_SRVCWRK_CNTRCTSRVC15/,
          ],
          ['with powers only in text', ref(textOnly), 'poa-power-missing', /only in free text, which is never enough/],
          [
            'not signed by the director (never registered)',
            ref(selfSigned.number),
            'poa-unknown',
            /No МЧД .* is registered at the hub/,
          ],
          [
            "another principal's",
            { number: poaNumber, principalInn: '7709876545' },
            'poa-unknown',
            /principal INN 7709876545/,
          ],
        ];
        for (const [what, reference, code, message] of cases) {
          const answer = await send(apiEmployee, signers.employee, reference);
          expect(answer.status, `${what}: ${answer.body.toString()}`).toBe(422);
          expect(answer.json, what).toMatchObject({ error: code, message: expect.stringMatching(message) });
        }
        expect(await received()).toEqual(before);
      });

      it("takes the employee's workflow steps under the МЧД, each with its power; a missing, unknown or revoked one is refused and the workflow stays", async () => {
        let n = 20;
        /** The counterparty's document to the organization, asking for its signature. */
        const askToSign = async () => {
          const bytes = Buffer.from(`Договор поставки № ${++n}\n`);
          const bsha = createHash('sha256').update(bytes).digest('hex');
          expect([200, 201]).toContain(
            (await apiCounterparty.call('PUT', `/v1/blobs/${bsha}`, { body: bytes })).status,
          );
          const sent = await apiCounterparty.call<Document>('POST', '/v1/documents', {
            headers: { 'idempotency-key': `counterparty-contract-${n}` },
            json: {
              recipientId: orgId,
              title: `Договор поставки № ${n}`,
              kind: 'contract',
              fileName: `Договор ${n}.txt`,
              sha256: bsha,
              signature: b64(await signDetached(bytes, signers.counterparty)),
              signatureRequested: true,
            },
          });
          expect(sent.status, sent.body.toString()).toBe(201);
          return { bytes, doc: sent.json };
        };
        const step = (documentId: string, path: string, key: string, json: object) =>
          apiEmployee.call('POST', `/v1/documents/${documentId}/${path}`, {
            headers: { 'idempotency-key': key },
            json,
          });
        const workflowOf = async (documentId: string) =>
          (await apiCounterparty.call<Document>('GET', `/v1/documents/${documentId}`)).json;
        const parties = {
          sender: { id: orgId, organization },
          receiver: {
            id: counterpartyId,
            organization: { name: counterparty.organization, inn: counterparty.orgInn, kpp: '780101001' },
          },
        };
        const record = async (number: string) =>
          (await apiDirector.call<PowerOfAttorneyRecord>('GET', `/v1/powers-of-attorney/${number}`)).json;
        const employeeUnder = async (number: string) => ({
          surname: 'Иванова',
          name: 'Мария',
          patronymic: 'Петровна',
          position: 'Бухгалтер',
          authority: 'electronic-poa' as const,
          powerOfAttorney: {
            kind: 'electronic' as const,
            number,
            issuedOn: (await record(number)).issuedOn,
            storage: hub.url,
          },
        });

        // The recipient's signature: without an МЧД, with one the hub does not keep, with a revoked one.
        const revoked = await registered(await issue(signers.employee));
        expect(
          (await apiDirector.call('POST', `/v1/powers-of-attorney/${revoked}/revoke`, { json: { reason: 'уволена' } }))
            .status,
        ).toBe(200);
        const contract = await askToSign();
        const signature = b64(await signDetached(contract.bytes, signers.employee));
        const cases: [string, { number: string; principalInn: string } | undefined, string, RegExp][] = [
          ['without an МЧД', undefined, 'poa-required', /recipient's signature.*personal certificate/],
          ['an unknown МЧД', ref('0f0e0d0c-0b0a-4999-8888-777766665555'), 'poa-unknown', /is registered at the hub/],
          ['a revoked МЧД', ref(revoked), 'poa-revoked', /was revoked on .* \(уволена\)/],
        ];
        for (const [what, reference, code, message] of cases) {
          const answer = await step(contract.doc.id, 'recipient-signature', 'sign-contract', {
            signature,
            ...(reference ? { powerOfAttorney: reference } : {}),
          });
          expect(answer.status, `${what}: ${answer.body.toString()}`).toBe(422);
          expect(answer.json, what).toMatchObject({ error: code, message: expect.stringMatching(message) });
        }
        // Nothing changed: the document still waits for the signature, and the Idempotency-Key is free.
        const waiting = await workflowOf(contract.doc.id);
        expect(waiting.signatureState).toBe('signature-requested');
        expect(waiting.recipientSignature).toBeUndefined();
        const signed = await step(contract.doc.id, 'recipient-signature', 'sign-contract', {
          signature,
          powerOfAttorney: ref(poaNumber),
        });
        expect(signed.status, signed.body.toString()).toBe(201);
        expect((await workflowOf(contract.doc.id)).recipientSignature).toMatchObject({
          signer: { commonName: 'Иванова Мария Петровна' },
          signerPowerOfAttorney: {
            number: poaNumber,
            status: 'active',
            power: 'BBDOCS_DOCS_DCSALL_SRCDOC_SOURCEDOCSGENERAL',
          },
        });

        // An МЧД for УПД only (SOURCEDOCS5): it grants signing documents, not service documents (stepPower).
        const documentsOnly = await registered(
          await issue(signers.employee, { powerCodes: ['BBDOCS_DOCS_DCSALL_SRCDOC_SOURCEDOCS5'] }),
        );
        const refused = await askToSign();
        const refusal = async (number: string, stated = true) => {
          const file = buildClarificationRequest({
            ...parties,
            receivedAt: new Date(),
            receivedFile: { name: refused.doc.fileName, signatures: [Buffer.from(refused.doc.signature, 'base64')] },
            signer: stated ? await employeeUnder(number) : { surname: 'Иванова', name: 'Мария', position: '' },
            text: 'Цена не согласована',
          });
          return {
            fileName: file.fileName,
            xml: b64(file.xml),
            signature: b64(await signDetached(file.xml, signers.employee)),
            powerOfAttorney: ref(number),
          };
        };
        expectError(
          await step(refused.doc.id, 'signature-refusal', 'refuse-contract', await refusal(documentsOnly)),
          422,
          'poa-power-missing',
          /does not grant sign-service-document/,
        );
        expectError(
          await step(refused.doc.id, 'signature-refusal', 'refuse-contract', await refusal(poaNumber, false)),
          422,
          'service-document-invalid',
          new RegExp(`signed under the МЧД ${poaNumber}, but its Подписант does not say so`),
        );
        expect((await workflowOf(refused.doc.id)).signatureState).toBe('signature-requested');
        const refusedUnder = await step(
          refused.doc.id,
          'signature-refusal',
          'refuse-contract',
          await refusal(poaNumber),
        );
        expect(refusedUnder.status, refusedUnder.body.toString()).toBe(201);
        expect(refusedUnder.json).toMatchObject({
          workflow: { signatureState: 'signature-refused' },
          serviceDocument: { type: 'signature-refusal', signerPowerOfAttorney: { number: poaNumber } },
        });

        // The annulment takes away the document's force: the power to sign documents, which it grants.
        const proposal = buildAnnulmentProposal({
          ...parties,
          annulledFile: { name: contract.doc.fileName, signatures: [Buffer.from(contract.doc.signature, 'base64')] },
          reason: 'Подписан по ошибке',
          signer: { surname: 'Иванова', name: 'Мария', patronymic: 'Петровна' },
        });
        const proposed = await step(contract.doc.id, 'annulment-proposals', 'annul-contract', {
          fileName: proposal.fileName,
          xml: b64(proposal.xml),
          signature: b64(await signDetached(proposal.xml, signers.employee)),
          powerOfAttorney: ref(documentsOnly),
        });
        expect(proposed.status, proposed.body.toString()).toBe(201);
        expect(proposed.json.serviceDocument.signerPowerOfAttorney).toMatchObject({
          number: documentsOnly,
          power: 'BBDOCS_DOCS_DCSALL_SRCDOC_SOURCEDOCS5',
        });
        const accepted = await apiCounterparty.call(
          'POST',
          `/v1/documents/${contract.doc.id}/annulment-proposals/${proposed.json.serviceDocument.id}/acceptance`,
          {
            headers: { 'idempotency-key': 'accept-annul-contract' },
            json: { signature: b64(await signDetached(proposal.xml, signers.counterparty)) },
          },
        );
        expect(accepted.status, accepted.body.toString()).toBe(201);
        expect((await workflowOf(contract.doc.id)).annulmentState).toBe('annulled');
      });

      it('takes the powers each action needs from the organization settings', async () => {
        const settings = await apiDirector.call('GET', '/v1/organization/settings');
        expect(settings.json.requiredPowers['sign-service-document']).toEqual([
          'BBDOCS_DOCS_DCSALL_SRCDOC_SOURCEDOCSGENERAL',
        ]);
        const patch = (codes: string[]) =>
          apiDirector.call('PATCH', '/v1/organization/settings', {
            json: { requiredPowers: { 'send-document': codes } },
          });
        expect((await patch(['BBDOCS_CNTRCT_SRVC_SRVCWRK_CNTRCTSRVC15'])).json.requiredPowers['send-document']).toEqual(
          ['BBDOCS_CNTRCT_SRVC_SRVCWRK_CNTRCTSRVC15'],
        );
        const check = (action: string) =>
          apiEmployee.call('POST', '/v1/powers-of-attorney/check', {
            json: { reference: ref(poaNumber), certificate: b64(signers.employee.certificate), action },
          });
        expect((await check('send-document')).json).toMatchObject({
          ok: false,
          error: 'poa-power-missing',
          message: expect.stringMatching(/requires BBDOCS_CNTRCT_SRVC_SRVCWRK_CNTRCTSRVC15/),
        });
        expectError(
          await send(apiEmployee, signers.employee, ref(poaNumber)),
          422,
          'poa-power-missing',
          /requires BBDOCS_CNTRCT_SRVC_SRVCWRK_CNTRCTSRVC15/,
        );
        expect((await check('sign-service-document')).json).toMatchObject({
          ok: true,
          powerOfAttorney: { number: poaNumber },
        });
        await patch(['BBDOCS_DOCS_DCSALL_SRCDOC_SOURCEDOCSGENERAL']);
        expect((await check('send-document')).json).toMatchObject({
          ok: true,
          powerOfAttorney: { number: poaNumber, status: 'active' },
        });
        const journal = (await apiDirector.call('GET', '/v1/organization/journal?after=0&limit=100')).json.entries as {
          action: string;
        }[];
        expect(journal.filter((e) => e.action === 'requiredPowers')).toHaveLength(2);
      });
    });
  },
);
