// Mode "server" under an МЧД (docs/architecture.md §1, §7): the organization's unattended agent
// signs service documents as its service user, whose personal certificate (a software key, no
// INNLE) acts under the director's МЧД, attached with `edo-clerk poa use`. With an МЧД that does
// not grant signing service documents, the agent signs nothing and says why, by code and in the
// clerk's words, in its log, its --json result and the pending list; under an МЧД that grants
// it, the receipt notice says СтатПодп 2 with СвДоверЭл (xmllint, the official XSD) and the sender
// sees its receipt confirmed. The real hub, `edo-clerk` as child processes, B on a SoftHSM token.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeySigner } from '../../src/crypto/key-signer';
import { issuePowerOfAttorney } from '../../src/exchange/power-of-attorney';
import { parseServiceDocument } from '../../src/formats';
import { ClerkStore } from '../../src/store';
import { registerOrganization, registerTokenOrganization, startHub, type StartedHub } from '../support/hub';
import { softhsm, systemPart } from '../support/system';
import { createTestPki, samplePeople, type TestPki } from '../support/test-pki';
import { clerk, expectExit, inProfile as run, poaDirector, poaOrganization } from './session-harness';

const hsm = softhsm();
const xmllint = systemPart('xmllint', spawnSync('xmllint', ['--version']).status === 0, 'install libxml2-utils');

/** The service user the agent logs in and signs as: a person's certificate, no organization in it. */
const serviceUser = {
  surname: 'Смирнова',
  givenNames: 'Анна Ивановна',
  personInn: '770300000051',
  snils: '22334455639',
};

describe.skipIf(!hsm.ok || !xmllint.ok)(
  `the agent signs service documents under its МЧД ${hsm.reason ?? ''}${xmllint.reason}`,
  { timeout: 300_000 },
  () => {
    let pki: TestPki;
    let hub: StartedHub;
    let dir: string;
    let director: KeySigner;
    let agentCertificate: Buffer;
    let a: { id: string; inn: string };
    let b: { id: string; inn: string };
    const agentProfile = () => join(dir, 'agent');
    const profB = () => join(dir, 'profile-b');
    const pinB = '2222';
    const withStore = <T>(profile: string, fn: (s: ClerkStore) => T): T => {
      const store = ClerkStore.open(profile);
      try {
        return fn(store);
      } finally {
        store.close();
      }
    };

    /** The director's МЧД for the service user, written where `poa use` reads it. */
    async function issue(powerCodes: string[]): Promise<string> {
      const poa = await issuePowerOfAttorney({
        director,
        representativeCertificate: agentCertificate,
        organization: poaOrganization,
        powerCodes,
        validUntil: '2099-12-31',
        redelegation: false,
        statusService: (number) => `${hub.url}/v1/powers-of-attorney/${number}`,
      });
      const path = join(dir, poa.fileName);
      writeFileSync(path, poa.xml);
      writeFileSync(`${path}.sig`, poa.signature);
      return path;
    }
    const send = async (title: string) => {
      const file = join(dir, `${title}.pdf`);
      writeFileSync(file, Buffer.concat([Buffer.from(`%PDF-1.7 ${title}\n`), randomBytes(5000)]));
      expectExit(await run(profB(), ['send', file, '--to', a.inn, '--title', title, '--pin-stdin'], pinB), 0);
    };
    const receiptOf = (title: string) =>
      withStore(agentProfile(), (s) => {
        const doc = s.listDocuments({ direction: 'in', search: title, limit: 1 }).items[0]!;
        const receipt = s.serviceDocumentsOf(doc.id).find((d) => d.type === 'receipt')!;
        return { ...receipt, xml: receipt.xmlHash ? s.blobs.read(receipt.xmlHash) : undefined };
      });

    beforeAll(async () => {
      pki = await createTestPki([
        { label: 'clerk-b', pin: pinB, keys: [{ algorithm: 'ECDSA-P256', person: samplePeople.petrov }] },
      ]);
      dir = mkdtempSync(join(tmpdir(), 'agent-poa-'));
      hub = await startHub();
      await hub.admin(['trust', 'add', pki.caCertificateFile]);
      b = (await registerTokenOrganization(hub, pki.tokens[0]!, { kpp: '780901001' })).org;

      const directorKeys = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
      const directorCertificate = await pki.issue(directorKeys.publicKey, poaDirector);
      director = new KeySigner(directorKeys.privateKey, Buffer.from(directorCertificate.rawData));
      const agentKeys = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
      const agentCert = await pki.issue(agentKeys.publicKey, serviceUser);
      agentCertificate = Buffer.from(agentCert.rawData);
      writeFileSync(join(dir, 'agent-key.pem'), agentKeys.privateKey.export({ type: 'pkcs8', format: 'pem' }));
      writeFileSync(join(dir, 'agent-cert.pem'), agentCert.toString('pem'));
      a = (
        await registerOrganization(hub, {
          ...poaOrganization,
          mode: 'server',
          certificatePems: [directorCertificate.toString('pem'), agentCert.toString('pem')],
        })
      ).org;

      const init = ['profile', 'init', '--server', hub.url, '--trust', pki.caCertificateFile];
      expectExit(await run(profB(), [...init, '--module', pki.modulePath, '--token', 'clerk-b']), 0);
      const agentKey = ['--key-file', join(dir, 'agent-key.pem'), '--cert-file', join(dir, 'agent-cert.pem')];
      expectExit(await run(agentProfile(), [...init, '--mode', 'server', ...agentKey]), 0);
      expectExit(await run(agentProfile(), ['session']), 0);
      expectExit(await run(profB(), ['session', '--pin-stdin'], pinB), 0);
      expectExit(await run(profB(), ['contact', 'invite', a.inn, '--pin-stdin'], pinB), 0);
      expectExit(await run(agentProfile(), ['contact', 'accept', b.inn]), 0);
    }, 300_000);

    afterAll(async () => {
      await hub?.stop();
      pki?.cleanup();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('an МЧД without the power to sign service documents: a clear refusal in the log, the result and Pending', async () => {
      // SOURCEDOCS5 (УПД) lets the service user send documents, not sign receipt notices.
      const used = await run(agentProfile(), ['poa', 'use', await issue(['BBDOCS_DOCS_DCSALL_SRCDOC_SOURCEDOCS5'])]);
      const number = expectExit(used, 0).json.number as string;
      await send('Акт № 1');
      const log = expectExit(await clerk(['agent', '--once', '--profile', agentProfile()]), 0);
      expect(log.stderr).toContain(
        `Не подписаны служебные документы (1), МЧД не позволяет (poa-power-missing): МЧД № ${number} не даёт ` +
          'полномочия подписывать служебные документы (извещения о получении, уведомления об уточнении): ' +
          'попросите руководителя выдать МЧД с этим полномочием',
      );
      const english = expectExit(await clerk(['agent', '--once', '--lang', 'en', '--profile', agentProfile()]), 0);
      expect(english.stderr).toContain(
        `Service documents not signed (1), the МЧД does not allow it (poa-power-missing): The МЧД ${number} does ` +
          'not grant the power to sign service documents (receipt notices, clarification requests)',
      );
      // A second run says it again (the МЧД is checked each session) and, in --json, by code.
      const result = expectExit(await run(agentProfile(), ['agent', '--once']), 0).stdout;
      expect(JSON.parse(result.trim().split('\n').at(-1)!).items.notSigned).toEqual([
        { id: expect.any(Number), reason: 'poa-power-missing', message: expect.stringMatching(/^МЧД № .* не даёт/) },
      ]);
      expect(expectExit(await run(agentProfile(), ['pending']), 0).json.pending).toEqual([
        expect.objectContaining({ reason: 'poa-power-missing', message: expect.stringMatching(/не даёт полномочия/) }),
      ]);
      const pending = await clerk(['pending', '--profile', agentProfile(), '--lang', 'en']);
      expect(expectExit(pending, 0).stdout).toMatch(/Акт № 1 .*the МЧД does not grant the power needed/);
      expect(receiptOf('Акт № 1')).toMatchObject({ status: 'pending', xmlHash: null });
    });

    it('under an МЧД that grants it the agent signs the receipt notice as the representative, and B sees it', async () => {
      const number = expectExit(await run(agentProfile(), ['poa', 'use', await issue([])]), 0).json.number as string;
      const result = expectExit(await run(agentProfile(), ['agent', '--once']), 0).stdout;
      expect(JSON.parse(result.trim().split('\n').at(-1)!)).toMatchObject({
        summary: { serviceDocumentsSigned: 1, serviceDocumentsSent: 1 },
        items: { notSigned: [] },
      });
      const receipt = receiptOf('Акт № 1');
      expect(receipt).toMatchObject({ status: 'sent', signerPowerOfAttorney: { number, status: 'active' } });
      // СтатПодп 2 with СвДоверЭл: the service user signed as the representative, the МЧД kept at the hub.
      expect(parseServiceDocument(receipt.xml!, receipt.fileName!).signer).toMatchObject({
        authority: 'electronic-poa',
        powerOfAttorney: { kind: 'electronic', number, storage: hub.url },
      });
      const file = join(dir, receipt.fileName!);
      writeFileSync(file, receipt.xml!);
      const xsd = join(__dirname, '../../src/formats/xsd', 'DP_IZVPOL_1_982_00_01_03_01.xsd');
      const lint = spawnSync('xmllint', ['--noout', '--schema', xsd, file], { encoding: 'utf8' });
      expect(lint.status, lint.stderr).toBe(0);
      expectExit(await run(profB(), ['session', '--pin-stdin'], pinB), 0);
      const sent = expectExit(await run(profB(), ['outbox', '--search', 'Акт № 1']), 0).json.items[0];
      expect(sent.status).toBe('receipt-confirmed');
    });
  },
);
