// GOST R 34.10-2012 end to end: two organizations whose directors hold GOST certificates of the
// GOST test PKI (ООО "Берёзка" 256 bits, АО "Клён" 512 bits) exchange a document and its receipt
// notice through the real hub started with a GOST operator key (`--operator-key gost2012-256`),
// `edo-clerk` as a child process with the software keys (profile init --key-file: SoftHSM has no
// GOST). OpenSSL with the GOST engine judges the document's signature, the receipt notice's (ИОП),
// the clarification request's (УОУ, also checked against its official XSD)
// and the operator's confirmation of the send date (ПДОТПР). The hub also takes a GOST
// certificate as an organization's information system, and an employee's personal GOST
// certificate under the director's МЧД registered at the hub (refused without one).
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { derToPem } from '../../src/crypto/certificates';
import { signDetached } from '../../src/crypto/cms';
import type { CertificatePerson } from '../../src/crypto/qualified-subject';
import { issuePowerOfAttorney } from '../../src/exchange/power-of-attorney';
import { ClerkStore } from '../../src/store';
import {
  createGostTestPki,
  gostCurveOids,
  gostKpps,
  gostPeople,
  type GostTestPki,
  type GostTestUser,
} from '../support/gost-pki';
import { loginWithSigner, registerOrganization, startHub, type StartedHub } from '../support/hub';
import { opensslGostVerify } from '../support/openssl-gost';
import { opensslGost } from '../support/system';
import { expectExit, inProfile as run, type Org } from './session-harness';

const gost = opensslGost();

describe.skipIf(!gost.ok)(
  `two organizations with GOST certificates exchange through a hub with a GOST operator key ${gost.reason}`,
  () => {
    let pki: GostTestPki;
    let hub: StartedHub;
    let dir: string;
    let directorA: GostTestUser;
    let directorB: GostTestUser;
    let a: Org;
    let b: Org;
    let operatorFile: string;
    const profA = () => join(dir, 'profile-a');
    const profB = () => join(dir, 'profile-b');

    beforeAll(async () => {
      pki = await createGostTestPki();
      directorA = await pki.issue(gostPeople.berezkaDirector);
      directorB = await pki.issue(gostPeople.klenDirector, { curve: gostCurveOids.tc26A512 });
      dir = mkdtempSync(join(tmpdir(), 'clerk-gost-exchange-'));
      hub = await startHub({ args: ['--operator-key', 'gost2012-256', '--crl-folder', pki.crlFolder] });
      await hub.admin(['trust', 'add', pki.caCertificateFile]);
      const register = async (person: CertificatePerson, director: GostTestUser, kpp: string) =>
        (
          await registerOrganization(hub, {
            name: person.organization,
            inn: person.orgInn,
            kpp,
            certificatePems: [director.certificatePem],
          })
        ).org;
      a = await register(gostPeople.berezkaDirector, directorA, gostKpps.berezka);
      b = await register(gostPeople.klenDirector, directorB, gostKpps.klen);
      operatorFile = join(dir, 'operator.pem');
      writeFileSync(
        operatorFile,
        derToPem(Buffer.from((await hub.admin<{ certificate: string }>(['operator'])).certificate, 'base64')),
      );
      for (const [profile, director] of [
        [profA(), directorA],
        [profB(), directorB],
      ] as const) {
        expectExit(
          await run(profile, [
            'profile',
            'init',
            '--server',
            hub.url,
            '--trust',
            pki.caCertificateFile,
            '--key-file',
            director.keyFile,
            '--cert-file',
            director.certificateFile,
          ]),
          0,
        );
      }
    });

    afterAll(async () => {
      await hub?.stop();
      pki?.cleanup();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it("the operator's certificate is GOST R 34.10-2012, 256 bits", () => {
      expect(
        execFileSync('openssl', ['x509', '-engine', 'gost', '-in', operatorFile, '-noout', '-text'], {
          encoding: 'utf8',
          stdio: 'pipe',
        }),
      ).toContain('Signature Algorithm: GOST R 34.10-2012 with GOST R 34.11-2012 (256 bit)');
    });

    it('A sends a GOST-signed document, B receives it and returns a GOST-signed receipt notice; OpenSSL verifies the document, the ИОП and the ПДОТПР', async () => {
      expectExit(await run(profA(), ['session']), 0);
      expectExit(await run(profB(), ['session']), 0);
      expectExit(await run(profA(), ['contact', 'invite', b.inn]), 0);
      expect(expectExit(await run(profB(), ['contact', 'accept', a.inn]), 0).json.contact.state).toBe('connected');

      const file = join(dir, 'dogovor-31.pdf');
      writeFileSync(file, Buffer.concat([Buffer.from('%PDF-1.7 Договор поставки №31\n'), randomBytes(20_000)]));
      const sent = expectExit(
        await run(profA(), ['send', file, '--to', b.inn, '--title', 'Договор поставки №31']),
        0,
      ).json;
      expect(sent.summary.documentsSent).toBe(1);

      const received = expectExit(await run(profB(), ['session']), 0).json;
      expect(received.summary).toMatchObject({
        documentsReceived: 1,
        invalidSignatures: 0,
        serviceDocumentsSigned: 1,
        serviceDocumentsSent: 1,
        pending: 0,
      });
      const [item] = expectExit(await run(profB(), ['inbox']), 0).json.items;
      expect(item).toMatchObject({
        title: 'Договор поставки №31',
        signatureState: 'valid',
        status: 'receipt-sent',
        counterpartyId: a.id,
      });

      const judged = (cms: Buffer, content: string, caFile: string) => {
        const sig = join(dir, `${randomBytes(4).toString('hex')}.p7s`);
        writeFileSync(sig, cms);
        return opensslGostVerify(sig, content, caFile).stderr;
      };
      const store = ClerkStore.open(profB());
      try {
        const document = store.document(item.id)!;
        const [signature] = store.signatures(item.id);
        expect(judged(signature!.cms, store.blobs.pathOf(document.blobHash), pki.caCertificateFile)).toContain(
          'Verification successful',
        );
        const chain = store.serviceDocumentsOf(item.id);
        const receipt = chain.find((d) => d.type === 'receipt' && d.direction === 'out')!;
        expect(receipt.fileName).toMatch(/^DP_IZVPOL_.*\.xml$/);
        expect(judged(receipt.signature!, store.blobs.pathOf(receipt.xmlHash!), pki.caCertificateFile)).toContain(
          'Verification successful',
        );
        const confirmation = chain.find((d) => d.type === 'send-confirmation' && d.direction === 'in')!;
        expect(confirmation).toMatchObject({ signatureState: 'valid' });
        expect(judged(confirmation.signature!, store.blobs.pathOf(confirmation.xmlHash!), operatorFile)).toContain(
          'Verification successful',
        );
        // The operator signed it, not the clerks' CA.
        expect(
          judged(confirmation.signature!, store.blobs.pathOf(confirmation.xmlHash!), pki.caCertificateFile),
        ).not.toContain('Verification successful');
      } finally {
        store.close();
      }

      expectExit(await run(profA(), ['session']), 0);
      expect(expectExit(await run(profA(), ['outbox']), 0).json.items[0]).toMatchObject({
        title: 'Договор поставки №31',
        status: 'receipt-confirmed',
      });
    });

    it("B's clarification request (УОУ) is signed in GOST 512; A receives it, and OpenSSL and the official XSD accept it", async () => {
      const file = join(dir, 'schet-32.txt');
      writeFileSync(file, 'Счёт № 32 на оплату\n'.repeat(40));
      expectExit(await run(profA(), ['send', file, '--to', b.inn, '--title', 'Счёт № 32']), 0);
      expectExit(await run(profB(), ['session']), 0);
      const [item] = expectExit(await run(profB(), ['inbox', '--search', 'Счёт № 32']), 0).json.items;
      const clarified = expectExit(
        await run(profB(), ['clarify', String(item.id), '--text', 'Уточните сумму в пункте 2']),
        0,
      ).json;
      expect(clarified.summary).toMatchObject({ serviceDocumentsSigned: 1, serviceDocumentsSent: 1, pending: 0 });

      expect(
        expectExit(await run(profA(), ['session']), 0).json.summary.serviceDocumentsReceived,
      ).toBeGreaterThanOrEqual(1);
      const outbox = expectExit(await run(profA(), ['outbox', '--status', 'clarification-requested']), 0).json;
      expect(outbox.items.map((d: { title: string }) => d.title)).toEqual(['Счёт № 32']);
      const store = ClerkStore.open(profA());
      try {
        const clarification = store.serviceDocumentsOf(outbox.items[0].id).find((d) => d.type === 'clarification')!;
        expect(clarification).toMatchObject({ direction: 'in', signatureState: 'valid' });
        expect(clarification.fileName).toMatch(/^DP_UVUTOCH_.*\.xml$/);
        const xml = store.blobs.pathOf(clarification.xmlHash!);
        const sig = join(dir, 'uvutoch.p7s');
        writeFileSync(sig, clarification.signature!);
        expect(opensslGostVerify(sig, xml, pki.caCertificateFile).stderr).toContain('Verification successful');
        // B's director signs with a 512-bit key: the signer's certificate in the CMS says so.
        const signer = execFileSync(
          'openssl',
          ['cms', '-engine', 'gost', '-cmsout', '-print', '-inform', 'DER', '-in', sig],
          { encoding: 'utf8', stdio: 'pipe' },
        );
        expect(signer).toMatch(/1\.2\.643\.7\.1\.1\.2\.3|GOST R 34\.11-2012 with 512 bit hash/);
        const schema = join(__dirname, '../../src/formats/xsd', 'DP_UVUTOCH_1_985_00_01_03_01.xsd');
        const lint = spawnSync('xmllint', ['--noout', '--schema', schema, xml], { encoding: 'utf8' });
        expect(lint.status, lint.stderr).toBe(0);
      } finally {
        store.close();
      }
    });

    it("takes a GOST certificate as the organization's information system, which logs in with it", async () => {
      const admin = (await loginWithSigner(hub.url, directorA.signer)).api;
      const system = await pki.issue({
        ...gostPeople.berezkaDirector,
        surname: 'Информационная система',
        givenNames: '1С:Бухгалтерия',
        position: 'Информационная система',
      });
      const added = await admin.call('POST', '/v1/organization/information-systems', {
        json: { name: '1С:Бухгалтерия', certificatePem: system.certificatePem },
      });
      expect(added.status).toBe(201);
      expect(added.json).toMatchObject({ certificate: { orgInn: gostPeople.berezkaDirector.orgInn } });
      const { login } = await loginWithSigner(hub.url, system.signer);
      expect(login.subscriber.id).toBe(a.id);
    });

    it("an employee's personal GOST certificate signs under the director's registered МЧД; without one the hub refuses (poa-required)", async () => {
      const employee = await pki.issue(gostPeople.berezkaEmployee);
      await hub.admin(['user', 'add', '--org', a.id, '--cert', employee.certificateFile]);
      const director = (await loginWithSigner(hub.url, directorA.signer)).api;
      const api = (await loginWithSigner(hub.url, employee.signer)).api;
      const b64 = (bytes: Buffer) => bytes.toString('base64');
      const poa = await issuePowerOfAttorney({
        director: directorA.signer,
        representativeCertificate: employee.certificate,
        organization: { name: gostPeople.berezkaDirector.organization, inn: a.inn, kpp: gostKpps.berezka },
        powerCodes: [],
        validUntil: '2099-12-31',
        redelegation: false,
        statusService: (number) => `${hub.url}/v1/powers-of-attorney/${number}`,
      });
      const registered = await director.call('POST', '/v1/powers-of-attorney', {
        json: { fileName: poa.fileName, xml: b64(poa.xml), signature: b64(poa.signature) },
      });
      expect(registered.status, registered.body.toString()).toBe(201);
      expect(registered.json).toMatchObject({
        status: 'active',
        signedBy: 'Соколова Елена Викторовна',
        representative: { inn: gostPeople.berezkaEmployee.personInn },
      });

      const content = Buffer.from('Акт сверки № 9\n'.repeat(50));
      const sha256 = createHash('sha256').update(content).digest('hex');
      expect([200, 201]).toContain((await api.call('PUT', `/v1/blobs/${sha256}`, { body: content })).status);
      const signature = b64(await signDetached(content, employee.signer));
      const send = (key: string, powerOfAttorney?: { number: string; principalInn: string }) =>
        api.call('POST', '/v1/documents', {
          headers: { 'idempotency-key': key },
          json: {
            recipientId: b.id,
            title: 'Акт сверки № 9',
            kind: 'act',
            fileName: 'akt-9.txt',
            sha256,
            signature,
            ...(powerOfAttorney ? { powerOfAttorney } : {}),
          },
        });
      const refused = await send('gost-employee-1');
      expect(refused.status, refused.body.toString()).toBe(422);
      expect(refused.json).toMatchObject({
        error: 'poa-required',
        message: expect.stringMatching(/personal certificate/),
      });
      const sent = await send('gost-employee-2', { number: poa.number, principalInn: a.inn });
      expect(sent.status, sent.body.toString()).toBe(201);
      expect(sent.json.signerPowerOfAttorney).toMatchObject({
        number: poa.number,
        principalInn: a.inn,
        status: 'active',
      });
    });
  },
);
