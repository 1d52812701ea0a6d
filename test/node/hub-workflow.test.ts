// The document's own workflow through the real hub (docs/architecture.md §5a), two
// organizations with SoftHSM tokens: A asks B to sign, B signs the same bytes (OpenSSL verifies
// both signatures); B refuses another with a УОУ; A proposes to annul a third with a ПРА, B
// signs it and the archive holds it with both signatures; B rejects another proposal. Each
// transition the state does not allow is refused with its code and leaves the hub's data as it
// was (a third organization's attempts are in hub-refusals.test.ts); every signed XML validates
// against its official XSD with xmllint.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signDetached } from '../../src/crypto/cms';
import type { Signer } from '../../src/crypto/signer';
import {
  ANNULMENT_SCHEMA_FILE,
  buildAnnulmentProposal,
  buildClarificationRequest,
  SERVICE_DOCUMENT_FORMATS,
  type Participant,
} from '../../src/formats';
import { ArchiveEntriesPage, EventsPage, type Document, type WorkflowStepResult } from '../../src/protocol';
import type { TokenSession } from '../../src/token/session';
import { opensslCmsVerify } from '../support/openssl-cms';
import type { HubAnswer, HubApi, StartedHub } from '../support/hub';
import { loginWithSigner } from '../support/hub';
import { softhsm, systemPart } from '../support/system';
import { samplePeople, type TestPki } from '../support/test-pki';
import { startTwoOrganizations, tokenSigner } from '../support/token-hub';

const part = softhsm();
const xmllint = systemPart(
  'xmllint',
  spawnSync('xmllint', ['--version']).status === 0,
  'install libxml2-utils to validate against the XSDs',
);
const schemaDir = join(__dirname, '../../src/formats/xsd');
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const b64 = (b: Buffer) => b.toString('base64');

describe.skipIf(!part.ok)(
  `the document's own workflow at the hub: signature, refusal, annulment ${part.reason}`,
  () => {
    let pki: TestPki;
    let hub: StartedHub;
    const sessions: TokenSession[] = [];
    let signerA: Signer;
    let signerB: Signer;
    let apiA: HubApi;
    let apiB: HubApi;
    let romashka: Participant;
    let vasilek: Participant;
    let key = 0;
    const nextKey = () => `workflow-step-${++key}`;

    function count(table: string): number {
      const conn = new Database(join(hub.dataDir, 'hub.sqlite'), { readonly: true, fileMustExist: true });
      try {
        return (conn.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
      } finally {
        conn.close();
      }
    }
    /** Everything a refused step must leave as it was, the documents' workflow columns included. */
    const stored = () => {
      const conn = new Database(join(hub.dataDir, 'hub.sqlite'), { readonly: true, fileMustExist: true });
      try {
        return {
          documents: conn
            .prepare(
              'SELECT id, status, signature_state, recipient_signature, annulment_state, annulment_proposal_id FROM documents ORDER BY id',
            )
            .all(),
          serviceDocuments: count('service_documents'),
          events: count('events'),
          idempotency: count('idempotency'),
        };
      } finally {
        conn.close();
      }
    };

    function expectError(answer: HubAnswer, status: number, error: string) {
      expect(answer.status, answer.body.toString()).toBe(status);
      expect(answer.json).toMatchObject({ error, message: expect.any(String) });
    }

    function validates(schemaFile: string, fileName: string, xml: Buffer) {
      if (!xmllint.ok) return;
      const path = join(pki.dir, fileName);
      writeFileSync(path, xml);
      const r = spawnSync('xmllint', ['--noout', '--schema', join(schemaDir, schemaFile), path], { encoding: 'utf8' });
      expect(`${r.stdout}${r.stderr}`).toContain('validates');
    }

    function opensslVerifies(signature: string, content: Buffer, name: string) {
      const sigFile = join(pki.dir, `${name}.p7s`);
      const contentFile = join(pki.dir, `${name}.bin`);
      writeFileSync(sigFile, Buffer.from(signature, 'base64'));
      writeFileSync(contentFile, content);
      opensslCmsVerify(sigFile, contentFile, pki.caCertificateFile);
    }

    async function send(title: string, signatureRequested: boolean): Promise<{ document: Document; content: Buffer }> {
      const content = Buffer.from(`${title}\n`.repeat(50));
      expect([200, 201]).toContain((await apiA.call('PUT', `/v1/blobs/${sha(content)}`, { body: content })).status);
      const sent = await apiA.call<Document>('POST', '/v1/documents', {
        headers: { 'idempotency-key': nextKey() },
        json: {
          recipientId: vasilek.id,
          title,
          kind: 'contract',
          fileName: `${title}.txt`,
          sha256: sha(content),
          signature: b64(await signDetached(content, signerA)),
          signatureRequested,
        },
      });
      expect(sent.status, sent.body.toString()).toBe(201);
      return { document: sent.json, content };
    }

    /** A УОУ by `from` over a file received from `to`, stating `reason`. */
    function uou(from: Participant, to: Participant, file: { name: string; signature: string }, reason: string) {
      return buildClarificationRequest({
        sender: from,
        receiver: to,
        receivedAt: new Date(),
        receivedFile: { name: file.name, signatures: [Buffer.from(file.signature, 'base64')] },
        signer: { surname: 'Петров', name: 'Сергей', patronymic: 'Иванович', position: samplePeople.petrov.position },
        text: reason,
      });
    }

    async function step(api: HubApi, path: string, json: unknown, idempotencyKey = nextKey()) {
      return api.call<WorkflowStepResult>('POST', path, { headers: { 'idempotency-key': idempotencyKey }, json });
    }

    async function signedXmlBody(file: { fileName: string; xml: Buffer }, signer: Signer) {
      return { fileName: file.fileName, xml: b64(file.xml), signature: b64(await signDetached(file.xml, signer)) };
    }

    async function propose(document: Document, reason: string) {
      const proposal = buildAnnulmentProposal({
        sender: romashka,
        receiver: vasilek,
        annulledFile: { name: document.fileName, signatures: [Buffer.from(document.signature, 'base64')] },
        reason,
      });
      validates(ANNULMENT_SCHEMA_FILE, proposal.fileName, proposal.xml);
      const answer = await step(
        apiA,
        `/v1/documents/${document.id}/annulment-proposals`,
        await signedXmlBody(proposal, signerA),
      );
      expect(answer.status, answer.body.toString()).toBe(201);
      return { answer: answer.json, xml: proposal.xml };
    }

    async function feed(api: HubApi) {
      return EventsPage.parse((await api.call('GET', '/v1/events?after=0&limit=500')).json).events;
    }

    beforeAll(async () => {
      const { a, b, ...started } = await startTwoOrganizations();
      ({ pki, hub } = started);
      signerA = await tokenSigner(pki, sessions, 'clerk-a');
      signerB = await tokenSigner(pki, sessions, 'clerk-b');
      apiA = (await loginWithSigner(hub.url, signerA)).api;
      apiB = (await loginWithSigner(hub.url, signerB)).api;
      romashka = { id: a.org.id, organization: { name: a.org.name, inn: a.org.inn, kpp: '770101001' } };
      vasilek = { id: b.org.id, organization: { name: b.org.name, inn: b.org.inn, kpp: '780101001' } };
      await apiA.call('POST', '/v1/contacts', { json: { subscriberId: vasilek.id } });
      await apiB.call('POST', `/v1/contacts/${romashka.id}/accept`, { json: {} });
      for (const api of [apiA, apiB])
        expect(
          (await api.call('PATCH', '/v1/organization/settings', { json: { archiving: { enabled: true } } })).status,
        ).toBe(200);
    });

    afterAll(async () => {
      for (const s of sessions) s.close();
      await hub?.stop();
      pki?.cleanup();
    });

    it("A asks for B's signature, B signs the same bytes: both see signed-by-both, OpenSSL verifies both signatures over them", async () => {
      const { document, content } = await send('Договор 1', true);
      expect(document).toMatchObject({ signatureRequested: true, signatureState: 'signature-requested' });
      expect((await apiB.call<Document>('GET', `/v1/documents/${document.id}`)).json.signatureState).toBe(
        'signature-requested',
      );

      const path = `/v1/documents/${document.id}/recipient-signature`;
      // The sender cannot sign in the recipient's place; a signature over other bytes is not the recipient's signature.
      let before = stored();
      expectError(
        await step(apiA, path, { signature: b64(await signDetached(content, signerA)) }),
        403,
        'not-your-turn',
      );
      expectError(
        await step(apiB, path, { signature: b64(await signDetached(Buffer.from('other bytes'), signerB)) }),
        422,
        'document-signature-invalid',
      );
      // A's certificate is not a user of B's organization.
      expectError(
        await step(apiB, path, { signature: b64(await signDetached(content, signerA)) }),
        422,
        'signer-not-member',
      );
      expect(stored()).toEqual(before);

      const signKey = nextKey();
      const signBody = { signature: b64(await signDetached(content, signerB)) };
      const signed = await step(apiB, path, signBody, signKey);
      expect(signed.status, signed.body.toString()).toBe(201);
      expect(signed.json.workflow).toMatchObject({
        signatureState: 'signed-by-both',
        recipientSignature: { signer: { commonName: 'Петров Сергей Иванович' } },
      });
      // A lost answer is asked again with the same key: the first answer, nothing recorded twice.
      before = stored();
      const replay = await step(apiB, path, signBody, signKey);
      expect(replay.status).toBe(201);
      expect(replay.headers.get('idempotent-replayed')).toBe('true');
      expect(replay.json).toEqual(signed.json);
      expect(stored()).toEqual(before);

      for (const api of [apiA, apiB]) {
        const view = (await api.call<Document>('GET', `/v1/documents/${document.id}`)).json;
        expect(view).toMatchObject({
          signatureState: 'signed-by-both',
          recipientSignature: { signer: { orgInn: samplePeople.petrov.orgInn } },
        });
        opensslVerifies(view.signature, content, `sender-${api === apiA ? 'a' : 'b'}`);
        opensslVerifies(view.recipientSignature!.signature, content, `recipient-${api === apiA ? 'a' : 'b'}`);
        const events = (await feed(api)).filter(
          (e) => e.type === 'document.workflow-changed' && e.documentId === document.id,
        );
        expect(events).toMatchObject([{ workflow: { signatureState: 'signed-by-both' } }]);
      }

      // A second signature, and a refusal after signing, are refused and change nothing.
      before = stored();
      expectError(
        await step(apiB, path, { signature: b64(await signDetached(content, signerB)) }),
        409,
        'document-already-signed',
      );
      const refusal = uou(vasilek, romashka, { name: document.fileName, signature: document.signature }, 'Передумали');
      expectError(
        await step(apiB, `/v1/documents/${document.id}/signature-refusal`, await signedXmlBody(refusal, signerB)),
        409,
        'document-already-signed',
      );
      expect(stored()).toEqual(before);
    });

    it('refuses a signature on a document sent without a signature request', async () => {
      const { document, content } = await send('Письмо 2', false);
      expect(document).toMatchObject({ signatureRequested: false });
      expect(document.signatureState).toBeUndefined();
      const before = stored();
      expectError(
        await step(apiB, `/v1/documents/${document.id}/recipient-signature`, {
          signature: b64(await signDetached(content, signerB)),
        }),
        409,
        'signature-not-requested',
      );
      expect(stored()).toEqual(before);
    });

    it('B refuses to sign with a reason (a signed УОУ); A sees the reason; a receipt notice is still owed', async () => {
      const { document } = await send('Акт 3', true);
      const reason = 'Сумма в акте не совпадает с договором: 120 000 ₽ вместо 100 000 ₽';
      const refusal = uou(vasilek, romashka, { name: document.fileName, signature: document.signature }, reason);
      validates(SERVICE_DOCUMENT_FORMATS['clarification-request'].schemaFile, refusal.fileName, refusal.xml);
      const path = `/v1/documents/${document.id}/signature-refusal`;
      // A refusal that names another file is not a refusal of this document.
      const wrong = uou(vasilek, romashka, { name: 'другой.txt', signature: document.signature }, reason);
      let before = stored();
      expectError(await step(apiB, path, await signedXmlBody(wrong, signerB)), 422, 'service-document-invalid');
      expect(stored()).toEqual(before);

      const refused = await step(apiB, path, await signedXmlBody(refusal, signerB));
      expect(refused.status, refused.body.toString()).toBe(201);
      expect(refused.json).toMatchObject({
        workflow: { signatureState: 'signature-refused' },
        serviceDocument: { type: 'signature-refusal', reason },
      });

      const seen = (await apiA.call<Document>('GET', `/v1/documents/${document.id}`)).json;
      expect(seen.signatureState).toBe('signature-refused');
      expect(seen.serviceDocuments).toMatchObject([
        { type: 'signature-refusal', fromSubscriberId: vasilek.id, reason },
      ]);
      opensslVerifies(
        seen.serviceDocuments[0]!.signature,
        Buffer.from(seen.serviceDocuments[0]!.xml, 'base64'),
        'refusal',
      );
      expect(
        (await feed(apiA)).filter((e) => e.type === 'document.workflow-changed' && e.documentId === document.id),
      ).toMatchObject([{ workflow: { signatureState: 'signature-refused' }, serviceDocument: { reason } }]);

      // Signing after refusing is refused; the receipt notice is still taken.
      before = stored();
      expectError(
        await step(apiB, `/v1/documents/${document.id}/recipient-signature`, {
          signature: b64(await signDetached(Buffer.from('Акт 3\n'.repeat(50)), signerB)),
        }),
        409,
        'signature-already-refused',
      );
      expect(stored()).toEqual(before);
      const { buildReceiptNotice } = await import('../../src/formats');
      const receipt = buildReceiptNotice({
        sender: vasilek,
        receiver: romashka,
        receivedAt: new Date(),
        receivedFile: { name: document.fileName, signatures: [Buffer.from(document.signature, 'base64')] },
        signer: { surname: 'Петров', name: 'Сергей', position: samplePeople.petrov.position },
      });
      const posted = await apiB.call('POST', `/v1/documents/${document.id}/service-documents`, {
        headers: { 'idempotency-key': nextKey() },
        json: { type: 'receipt', ...(await signedXmlBody(receipt, signerB)) },
      });
      expect(posted.status, posted.body.toString()).toBe(201);
      expect((await apiA.call<Document>('GET', `/v1/documents/${document.id}`)).json).toMatchObject({
        status: 'receipt-confirmed',
        signatureState: 'signature-refused',
      });
    });

    it('A proposes to annul, B signs the proposal: both see it annulled, the archive holds the proposal with both signatures', async () => {
      const { document } = await send('Договор 4', false);
      const { answer, xml } = await propose(document, 'Отправлен по ошибке');
      expect(answer).toMatchObject({
        workflow: { annulmentState: 'annulment-proposed' },
        serviceDocument: { type: 'annulment-proposal', reason: 'Отправлен по ошибке' },
      });
      const proposalId = answer.serviceDocument!.id;
      const acceptance = `/v1/documents/${document.id}/annulment-proposals/${proposalId}/acceptance`;

      // A proposal waits: a second one, and A answering its own, are refused.
      let before = stored();
      const second = buildAnnulmentProposal({
        sender: romashka,
        receiver: vasilek,
        annulledFile: { name: document.fileName, signatures: [Buffer.from(document.signature, 'base64')] },
        reason: 'ещё раз',
      });
      expectError(
        await step(apiA, `/v1/documents/${document.id}/annulment-proposals`, await signedXmlBody(second, signerA)),
        409,
        'annulment-pending',
      );
      expectError(
        await step(apiA, acceptance, { signature: b64(await signDetached(xml, signerA)) }),
        403,
        'not-your-turn',
      );
      // A signature over other bytes is not a signature of the proposal.
      expectError(
        await step(apiB, acceptance, { signature: b64(await signDetached(Buffer.from('x'), signerB)) }),
        422,
        'document-signature-invalid',
      );
      expect(stored()).toEqual(before);

      const accepted = await step(apiB, acceptance, { signature: b64(await signDetached(xml, signerB)) });
      expect(accepted.status, accepted.body.toString()).toBe(201);
      expect(accepted.json).toMatchObject({
        workflow: { annulmentState: 'annulled' },
        serviceDocument: { type: 'annulment-acceptance', parentId: proposalId },
      });
      for (const api of [apiA, apiB]) {
        const view = (await api.call<Document>('GET', `/v1/documents/${document.id}`)).json;
        expect(view.annulmentState).toBe('annulled');
        expect(view.serviceDocuments.map((sd) => sd.type)).toEqual(['annulment-proposal', 'annulment-acceptance']);
        // Both signatures are over the proposal's very bytes.
        for (const sd of view.serviceDocuments) opensslVerifies(sd.signature, xml, `proposal-${sd.type}`);
        const entries = ArchiveEntriesPage.parse((await api.call('GET', '/v1/archive/entries')).json).entries.filter(
          (e) => e.kind === 'annulment-proposal',
        );
        expect(entries).toHaveLength(1);
        expect(entries[0]!.signatures).toHaveLength(2);
        const original = await api.call('GET', `/v1/archive/entries/${entries[0]!.index}/data`);
        expect(original.status).toBe(200);
        expect(original.body.equals(xml)).toBe(true);
      }

      // Annulled is final: annulling twice, answering again, signing are refused and change nothing.
      before = stored();
      const again = buildAnnulmentProposal({
        sender: romashka,
        receiver: vasilek,
        annulledFile: { name: document.fileName, signatures: [Buffer.from(document.signature, 'base64')] },
        reason: 'дважды',
      });
      expectError(
        await step(apiA, `/v1/documents/${document.id}/annulment-proposals`, await signedXmlBody(again, signerA)),
        409,
        'document-annulled',
      );
      expectError(
        await step(apiB, acceptance, { signature: b64(await signDetached(xml, signerB)) }),
        409,
        'document-annulled',
      );
      expect(stored()).toEqual(before);
    });

    it('signing an annulled document is refused', async () => {
      const { document, content } = await send('Договор 5', true);
      const { answer, xml } = await propose(document, 'Не тот договор');
      expect(
        (
          await step(
            apiB,
            `/v1/documents/${document.id}/annulment-proposals/${answer.serviceDocument!.id}/acceptance`,
            { signature: b64(await signDetached(xml, signerB)) },
          )
        ).status,
      ).toBe(201);
      const before = stored();
      expectError(
        await step(apiB, `/v1/documents/${document.id}/recipient-signature`, {
          signature: b64(await signDetached(content, signerB)),
        }),
        409,
        'document-annulled',
      );
      expect(stored()).toEqual(before);
    });

    it('B rejects a proposal with a УОУ stating why; A sees why; the document stays and may be proposed again', async () => {
      const { document } = await send('Договор 6', false);
      const { answer } = await propose(document, 'Ошибка в реквизитах');
      const proposal = answer.serviceDocument!;
      const why = 'Договор исполнен, аннулировать нельзя';
      const rejection = uou(vasilek, romashka, { name: proposal.fileName, signature: proposal.signature }, why);
      validates(SERVICE_DOCUMENT_FORMATS['clarification-request'].schemaFile, rejection.fileName, rejection.xml);
      const rejected = await step(
        apiB,
        `/v1/documents/${document.id}/annulment-proposals/${proposal.id}/rejection`,
        await signedXmlBody(rejection, signerB),
      );
      expect(rejected.status, rejected.body.toString()).toBe(201);
      const seen = (await apiA.call<Document>('GET', `/v1/documents/${document.id}`)).json;
      expect(seen.annulmentState).toBe('annulment-rejected');
      expect(seen.serviceDocuments.at(-1)).toMatchObject({
        type: 'annulment-rejection',
        parentId: proposal.id,
        reason: why,
      });
      // The answered proposal is not answered again.
      const before = stored();
      expectError(
        await step(
          apiB,
          `/v1/documents/${document.id}/annulment-proposals/${proposal.id}/rejection`,
          await signedXmlBody(rejection, signerB),
        ),
        409,
        'annulment-not-pending',
      );
      expect(stored()).toEqual(before);
      const { answer: again } = await propose(document, 'Всё же ошибка');
      expect(again.workflow.annulmentState).toBe('annulment-proposed');
    });
  },
);
