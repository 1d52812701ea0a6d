// The document's own workflow signed as a representative (issues 11 and 13, docs/architecture.md
// §5a and §7): A's employee holds a personal certificate on a SoftHSM token and an МЧД issued by
// the director, the real hub keeps it, `edo-clerk` runs as a child process. Under the МЧД the
// employee signs what B asked to sign, refuses another (a УОУ that says СтатПодп 2, valid by the
// official XSD), proposes an annulment B accepts, and accepts B's proposal; B sees each step with
// the employee's МЧД. Without an МЧД the step is refused before anything is signed; with an МЧД
// revoked after the step was signed, the hub refuses it; each time with its code, and the
// document still waits for the signature the employee then gives under a new МЧД.
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseServiceDocument } from '../../src/formats';
import { ClerkProfile } from '../../src/exchange/profile';
import { openDocument } from '../../src/workplace/documents';
import { softhsm, systemPart } from '../support/system';
import {
  expectExit,
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

describe.skipIf(!hsm.ok || !xmllint.ok)(
  `an employee takes the workflow's steps under an МЧД ${hsm.reason ?? ''}${xmllint.reason}`,
  { timeout: 300_000 },
  () => {
    let t: TwoClerks;
    let director: PoaDirector;
    let employeeCertificate: Buffer;
    let number = '';

    /** B sends a new file to A asking for its signature; A's session receives it. Returns its hub id and A's local id. */
    async function askA(title: string) {
      const path = join(t.dir, `${title.replace(/\W+/g, '-')}.txt`);
      writeFileSync(path, Buffer.concat([Buffer.from(`${title}\n`), randomBytes(3000)]));
      expectExit(await t.runB(['send', path, '--to', t.a.inn, '--title', title, '--request-signature']), 0);
      expectExit(await t.runA(['session']), 0);
      const hubId = t.withStore(
        t.profB,
        (s) => s.listDocuments({ direction: 'out', search: title, limit: 1 }).items[0]!.hubId!,
      );
      return { hubId, inA: String(t.withStore(t.profA, (s) => s.documentByHubId(hubId)!.id)) };
    }
    const inB = (hubId: string) => String(t.withStore(t.profB, (s) => s.documentByHubId(hubId)!.id));
    const docOf = (profile: string, hubId: string) => t.withStore(profile, (s) => s.documentByHubId(hubId)!);
    const stepsOf = (hubId: string) => t.withStore(t.profA, (s) => s.workflowStepsOf(s.documentByHubId(hubId)!.id));
    /** The service document of `type` on the document, as `profile` keeps it. */
    const serviceDocument = (profile: string, hubId: string, type: string) =>
      t.withStore(profile, (s) => {
        const sd = s.serviceDocumentsOf(s.documentByHubId(hubId)!.id).find((d) => d.type === type)!;
        return { ...sd, xml: sd.xmlHash ? s.blobs.read(sd.xmlHash) : undefined };
      });

    beforeAll(async () => {
      t = await twoClerks({
        prefix: 'clerk-poa-workflow-',
        aKey: { algorithm: 'ECDSA-P256', person: poaEmployee },
        aOrganization: { name: poaOrganization.name, inn: poaOrganization.inn, certificatePems: [] },
      });
      employeeCertificate = Buffer.from(t.pki.tokens[0]!.keys[0]!.certificate.rawData);
      director = await poaDirectorOf(t);
      number = expectExit(await t.runA(['poa', 'use', await director.issue(employeeCertificate)]), 0).json.number;
    }, 400_000);

    afterAll(async () => {
      await t?.stop();
    });

    it('signs under the МЧД what B asked to sign: the step carries the МЧД, B sees it signed by both', async () => {
      const contract = await askA('Договор поставки № 1');
      const run = expectExit(await t.runA(['sign-document', contract.inA]), 0).json;
      expect(run).toMatchObject({ document: { signatureState: 'signed-by-both' }, step: { state: 'done' } });
      expect(stepsOf(contract.hubId)[0]!.body.powerOfAttorney).toEqual({
        number,
        principalInn: poaOrganization.inn,
      });
      expectExit(await t.runB(['session']), 0);
      expect(docOf(t.profB, contract.hubId).recipientSignatureState).toBe('signed-by-both');
      // Both sides' lists (--json) and B's document view show the countersigner's МЧД with its status at signing.
      const countersignedUnder = { number, principalInn: poaOrganization.inn, status: 'active' };
      const [sent] = expectExit(await t.read(['outbox', '--search', 'Договор поставки № 1'], t.profB), 0).json.items;
      expect(sent.recipientSignerPowerOfAttorney).toMatchObject(countersignedUnder);
      const [received] = expectExit(await t.read(['inbox', '--search', 'Договор поставки № 1'], t.profA), 0).json.items;
      expect(received.recipientSignerPowerOfAttorney).toMatchObject(countersignedUnder);
      const profileB = new ClerkProfile(t.profB);
      try {
        const view = await openDocument(profileB.store, Number(inB(contract.hubId)), profileB.trustedRoots());
        expect(view.signatures.map((sig) => [sig.signer, sig.powerOfAttorney?.number])).toEqual([
          ['Петров Сергей Иванович', undefined],
          ['Иванова Мария Петровна', number],
        ]);
        expect(view.signatures[1]).toMatchObject({ valid: true, powerOfAttorney: countersignedUnder });
      } finally {
        profileB.close();
      }
    });

    it('refuses under the МЧД with a reason: the УОУ says СтатПодп 2 and follows the XSD, B sees the reason', async () => {
      const act = await askA('Акт № 2');
      expectExit(await t.runA(['refuse', act.inA, '--reason', 'Объём работ не совпадает']), 0);
      const refusal = serviceDocument(t.profA, act.hubId, 'signature-refusal');
      expect(refusal.signerPowerOfAttorney).toMatchObject({
        number,
        power: 'BBDOCS_DOCS_DCSALL_SRCDOC_SOURCEDOCSGENERAL',
      });
      expect(parseServiceDocument(refusal.xml!, refusal.fileName!).signer).toMatchObject({
        authority: 'electronic-poa',
        powerOfAttorney: { kind: 'electronic', number, storage: t.hub.url },
      });
      const file = join(t.dir, refusal.fileName!);
      writeFileSync(file, refusal.xml!);
      const lint = spawnSync('xmllint', ['--noout', '--schema', xsd('DP_UVUTOCH_1_985_00_01_03_01.xsd'), file], {
        encoding: 'utf8',
      });
      expect(lint.status, lint.stderr).toBe(0);
      expectExit(await t.runB(['session']), 0);
      expect(docOf(t.profB, act.hubId).recipientSignatureState).toBe('signature-refused');
      expect(serviceDocument(t.profB, act.hubId, 'signature-refusal')).toMatchObject({
        direction: 'in',
        text: 'Объём работ не совпадает',
        signatureState: 'valid',
        signerPowerOfAttorney: { number },
      });
    });

    it("proposes an annulment under the МЧД that B accepts, and accepts B's proposal: annulled on both sides", async () => {
      const first = await askA('Счёт № 3');
      expectExit(await t.runA(['annul', first.inA, '--reason', 'Выставлен по ошибке']), 0);
      expectExit(await t.runB(['session']), 0);
      expectExit(await t.runB(['annulment', 'accept', inB(first.hubId)]), 0);
      expectExit(await t.runA(['session']), 0);

      const second = await askA('Счёт № 4');
      expectExit(await t.runB(['annul', inB(second.hubId), '--reason', 'Неверная сумма']), 0);
      expectExit(await t.runA(['session']), 0);
      expectExit(await t.runA(['annulment', 'accept', second.inA]), 0);
      expectExit(await t.runB(['session']), 0);

      for (const hubId of [first.hubId, second.hubId]) {
        expect(docOf(t.profA, hubId).annulmentState).toBe('annulled');
        expect(docOf(t.profB, hubId).annulmentState).toBe('annulled');
      }
      expect(serviceDocument(t.profB, first.hubId, 'annulment-proposal').signerPowerOfAttorney).toMatchObject({
        number,
      });
      expect(serviceDocument(t.profB, second.hubId, 'annulment-acceptance').signerPowerOfAttorney).toMatchObject({
        number,
      });
    });

    it('without an МЧД nothing is signed: poa-required before the token signs, the document still waits', async () => {
      const settingsFile = join(t.profA, 'settings.json');
      const settings = readFileSync(settingsFile, 'utf8');
      writeFileSync(settingsFile, JSON.stringify({ ...JSON.parse(settings), powersOfAttorney: [] }));
      try {
        const contract = await askA('Договор № 5');
        const run = expectExit(await t.runA(['sign-document', contract.inA]), 1).json;
        expect(run).toMatchObject({
          code: 'poa-required',
          error: expect.stringMatching(
            /Иванова Мария Петровна подписывает личным сертификатом.*Ничего не подписано\.$/,
          ),
        });
        expect(stepsOf(contract.hubId)).toEqual([]);
        expect(docOf(t.profA, contract.hubId).recipientSignatureState).toBe('signature-requested');
      } finally {
        writeFileSync(settingsFile, settings);
      }
    });

    it('an МЧД revoked after the step was signed: the hub refuses it with poa-revoked, nothing is lost, a new МЧД signs it', async () => {
      const contract = await askA('Договор № 6');
      expectExit(await t.runA(['sign-document', contract.inA, '--queue-only']), 0);
      await t.hub.admin(['poa', 'revoke', '--org', t.a.id, number, '--reason', 'сотрудник переведён']);
      const posted = expectExit(await t.runA(['session']), 0).json;
      expect(posted.items.refused).toEqual([
        expect.objectContaining({
          itemType: 'workflow-step',
          refusal: 'poa-revoked',
          // The clerk's words by the code, then the hub's own.
          message: expect.stringMatching(
            /^Сервер обмена отказал \(poa-revoked\): МЧД отозвана доверителем\. Ответ сервера: .*The МЧД .* was revoked/,
          ),
        }),
      ]);
      expect(stepsOf(contract.hubId).map((s) => [s.state, s.refusal])).toEqual([['failed', 'poa-revoked']]);
      expectExit(await t.runB(['session']), 0);
      for (const profile of [t.profA, t.profB])
        expect(docOf(profile, contract.hubId).recipientSignatureState).toBe('signature-requested');

      // The revoked МЧД now stops the clerk before signing, with its own code.
      const again = expectExit(await t.runA(['sign-document', contract.inA]), 1).json;
      expect(again).toMatchObject({ code: 'poa-revoked', error: expect.stringMatching(/отозвана доверителем/) });

      const renewed = expectExit(await t.runA(['poa', 'use', await director.issue(employeeCertificate)]), 0).json;
      expectExit(await t.runA(['sign-document', contract.inA]), 0);
      expectExit(await t.runB(['session']), 0);
      expect(docOf(t.profB, contract.hubId).recipientSignatureState).toBe('signed-by-both');
      expect(stepsOf(contract.hubId).at(-1)!.body.powerOfAttorney).toMatchObject({ number: renewed.number });
    });
  },
);
