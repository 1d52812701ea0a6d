// Signing as a representative end to end (docs/architecture.md §7): A's clerk holds a personal
// certificate on a SoftHSM token, the director issues МЧД to it, the real hub keeps them, and
// `edo-clerk` runs as a child process. Under a registered МЧД the clerk's document is accepted
// and B sees who signed under which МЧД, with its files kept beside the document (OpenSSL and
// xmllint judge them); A's receipt notice says СтатПодп 2 with СвДоверЭл. Without an МЧД, with
// one without the power, an expired one, a revoked one or another person's, the clerk is refused
// before anything is signed, with the hub's code and the clerk's words, and nothing is queued.
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signDetached } from '../../src/crypto/cms';
import { describeCertificate } from '../../src/crypto/certificates';
import type { PersonalCertificatePerson } from '../../src/crypto/qualified-subject';
import { buildPowerOfAttorney, parseServiceDocument, personOfCertificate, POA_SCHEMA_FILE } from '../../src/formats';
import { opensslCmsVerify } from '../support/openssl-cms';
import { softhsm, systemPart } from '../support/system';
import {
  expectExit,
  poaDirector,
  poaDirectorOf,
  poaEmployee,
  poaOrganization,
  twoClerks,
  type PoaDirector,
  type TwoClerks,
} from './session-harness';

const hsm = softhsm();
const xmllint = systemPart('xmllint', spawnSync('xmllint', ['--version']).status === 0, 'install libxml2-utils');
const xsd = (file: string) => join(__dirname, '../../src/formats/xsd', file);

const organization = poaOrganization;
const employee = poaEmployee;
const colleague: PersonalCertificatePerson = {
  surname: 'Смирнова',
  givenNames: 'Анна Ивановна',
  personInn: '770300000051',
  snils: '22334455639',
};

// Each case runs several CLI processes (tsx start-up each): the time they may take on a loaded machine.
describe.skipIf(!hsm.ok || !xmllint.ok)(
  `an employee signs under an МЧД through the hub ${hsm.reason ?? ''}${xmllint.reason}`,
  { timeout: 300_000 },
  () => {
    let t: TwoClerks;
    let director: PoaDirector;
    let employeeCertificate: Buffer;
    let validNumber = '';
    let validFile = '';

    const lint = (schema: string, file: string) => {
      const run = spawnSync('xmllint', ['--noout', '--schema', xsd(schema), file], { encoding: 'utf8' });
      expect(run.status, run.stderr).toBe(0);
    };
    const newFile = (name: string) => {
      const path = join(t.dir, name);
      writeFileSync(path, Buffer.concat([Buffer.from(`${name}\n`), randomBytes(3000)]));
      return path;
    };
    const outboxTotal = () => t.withStore(t.profA, (s) => s.listDocuments({ direction: 'out', limit: 1 }).total);
    /** A's send is refused before signing with `code` and words matching `words`; nothing is queued. */
    async function refusedToSend(code: string, words: RegExp) {
      const before = outboxTotal();
      const run = expectExit(await t.runA(['send', newFile(`${code}.txt`), '--to', t.b.inn]), 1);
      expect(run.json).toMatchObject({ code, error: expect.stringMatching(words) });
      expect(run.json.error).toMatch(/Ничего не подписано\.$/);
      expect(outboxTotal()).toBe(before);
    }

    beforeAll(async () => {
      t = await twoClerks({
        prefix: 'clerk-poa-',
        aKey: { algorithm: 'ECDSA-P256', person: employee },
        aOrganization: { name: organization.name, inn: organization.inn, certificatePems: [] },
      });
      employeeCertificate = Buffer.from(t.pki.tokens[0]!.keys[0]!.certificate.rawData);
      director = await poaDirectorOf(t);
    });

    afterAll(async () => {
      await t?.stop();
    });

    it("without an МЧД the personal certificate signs nothing: poa-required in the clerk's words", async () => {
      await refusedToSend(
        'poa-required',
        /Иванова Мария Петровна подписывает личным сертификатом.*нужна машиночитаемая доверенность \(МЧД\)/,
      );
    });

    it("under a registered МЧД: the document is accepted, B sees the МЧД and keeps its files; A's receipt notice says СтатПодп 2", async () => {
      const mchd = await director.issue(employeeCertificate);
      validFile = mchd;
      lint(POA_SCHEMA_FILE, mchd);
      const used = expectExit(await t.runA(['poa', 'use', mchd]), 0).json;
      validNumber = used.number;
      expect(used).toMatchObject({ principalInn: organization.inn, validUntil: '2099-12-31', status: 'active' });
      expect(used.checks).toEqual([
        expect.objectContaining({ action: 'send-document', ok: true }),
        expect.objectContaining({ action: 'sign-service-document', ok: true }),
      ]);

      expectExit(await t.runA(['send', newFile('akt-1.txt'), '--to', t.b.inn, '--title', 'Акт 1']), 0);
      expectExit(await t.runB(['session']), 0);
      const [received] = expectExit(await t.read(['inbox', '--search', 'Акт 1'], t.profB), 0).json.items;
      const expected = {
        number: validNumber,
        principalInn: organization.inn,
        status: 'active',
        power: 'BBDOCS_DOCS_DCSALL_SRCDOC_SOURCEDOCSGENERAL',
      };
      expect(received).toMatchObject({ title: 'Акт 1', signatureState: 'valid', signerPowerOfAttorney: expected });
      // B keeps the МЧД as registered: the director's signature verifies over it (OpenSSL), the XML is of the format (xmllint).
      t.withStore(t.profB, (s) => {
        const kept = s.powerOfAttorney(organization.inn, validNumber)!;
        expect(kept.record).toMatchObject({ number: validNumber, representative: { inn: employee.personInn } });
        const signature = join(t.dir, 'kept.sig');
        writeFileSync(signature, s.blobs.read(kept.signatureHash));
        opensslCmsVerify(signature, s.blobs.pathOf(kept.xmlHash), t.pki.caCertificateFile);
        const xml = join(t.dir, kept.fileName);
        writeFileSync(xml, s.blobs.read(kept.xmlHash));
        lint(POA_SCHEMA_FILE, xml);
      });

      // B's document to A: A's session signs the receipt notice under the МЧД, and the hub accepts it.
      expectExit(await t.runB(['send', newFile('schet-2.txt'), '--to', t.a.inn, '--title', 'Счёт 2']), 0);
      const session = expectExit(await t.runA(['session']), 0).json;
      expect(session.summary).toMatchObject({
        documentsReceived: 1,
        serviceDocumentsSigned: 1,
        serviceDocumentsSent: 1,
        pending: 0,
      });
      t.withStore(t.profA, (s) => {
        const doc = s.listDocuments({ direction: 'in', search: 'Счёт 2', limit: 1 }).items[0]!;
        const receipt = s.serviceDocumentsOf(doc.id).find((d) => d.type === 'receipt')!;
        expect(receipt).toMatchObject({ status: 'sent', signerPowerOfAttorney: { number: validNumber } });
        const xml = s.blobs.read(receipt.xmlHash!);
        expect(parseServiceDocument(xml, receipt.fileName!).signer).toMatchObject({
          authority: 'electronic-poa',
          powerOfAttorney: { kind: 'electronic', number: validNumber, storage: t.hub.url },
        });
        const file = join(t.dir, receipt.fileName!);
        writeFileSync(file, xml);
        lint('DP_IZVPOL_1_982_00_01_03_01.xsd', file);
      });
      expectExit(await t.runB(['session']), 0);
      t.withStore(t.profB, (s) => {
        const doc = s.listDocuments({ direction: 'out', search: 'Счёт 2', limit: 1 }).items[0]!;
        expect(doc.status).toBe('receipt-confirmed');
        expect(s.serviceDocumentsOf(doc.id).find((d) => d.type === 'receipt')).toMatchObject({
          direction: 'in',
          signatureState: 'valid',
          signerPowerOfAttorney: { number: validNumber },
        });
      });
    });

    it('an МЧД without the power: poa use says so, the document is refused, the receipt notice waits with poa-power-missing', async () => {
      const used = expectExit(
        await t.runA([
          'poa',
          'use',
          await director.issue(employeeCertificate, { powerText: 'Получать корреспонденцию' }),
        ]),
        0,
      ).json;
      expect(used.checks.map((c: { error?: string }) => c.error)).toEqual(['poa-power-missing', 'poa-power-missing']);
      await refusedToSend('poa-power-missing', /не даёт полномочия подписывать и отправлять документы/);

      expectExit(await t.runB(['send', newFile('schet-3.txt'), '--to', t.a.inn, '--title', 'Счёт 3']), 0);
      expectExit(await t.runA(['session']), 0);
      const { pending } = expectExit(await t.read(['pending'], t.profA), 0).json;
      expect(pending).toEqual([
        expect.objectContaining({
          type: 'receipt',
          status: 'pending',
          reason: 'poa-power-missing',
          message: expect.stringMatching(/не даёт полномочия подписывать служебные документы/),
          document: expect.objectContaining({ title: 'Счёт 3' }),
        }),
      ]);
    });

    it('an expired МЧД and a revoked one are refused before signing, each with its own code and words', async () => {
      const old = buildPowerOfAttorney({
        issuedOn: '2024-01-01',
        validUntil: '2024-12-31',
        statusService: `${t.hub.url}/v1/powers-of-attorney`,
        principal: {
          organization: { ...organization, ogrn: poaDirector.ogrn! },
          director: personOfCertificate(describeCertificate(director.signer.certificate), 'director'),
        },
        representative: personOfCertificate(describeCertificate(employeeCertificate), 'representative'),
        powers: { codes: [{ code: 'BBDOCS_DOCS_DCSALL_SRCDOC_SOURCEDOCSGENERAL', name: 'Подписывать' }] },
      });
      const signature = await signDetached(old.xml, director.signer, { signingTime: new Date('2024-06-01T09:00:00Z') });
      expectExit(await t.runA(['poa', 'use', director.write({ ...old, signature })]), 0);
      await refusedToSend('poa-not-in-force', /сегодня не действует \(срок: с 01\.01\.2024 по 31\.12\.2024\)/);

      await t.hub.admin(['poa', 'revoke', '--org', t.a.id, validNumber, '--reason', 'сотрудник уволен']);
      const again = expectExit(await t.runA(['poa', 'use', validFile]), 0).json;
      expect(again).toMatchObject({ number: validNumber, status: 'revoked' });
      await refusedToSend('poa-revoked', new RegExp(`МЧД № ${validNumber} отозвана доверителем`));
    });

    it("another person's МЧД is not attached to the clerk's certificate", async () => {
      const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
      const theirs = await director.issue(Buffer.from((await t.pki.issue(publicKey, colleague)).rawData));
      const run = expectExit(await t.runA(['poa', 'use', theirs]), 1).json;
      expect(run).toMatchObject({
        code: 'poa-other-person',
        error: expect.stringMatching(/выдана: Смирнова Анна Ивановна, а не Иванова Мария Петровна/),
      });
      // The profile still names the МЧД attached before.
      const settings = JSON.parse(readFileSync(join(t.profA, 'settings.json'), 'utf8'));
      expect(settings.powersOfAttorney.map((p: { number: string }) => p.number)).toEqual([validNumber]);
    });
  },
);
