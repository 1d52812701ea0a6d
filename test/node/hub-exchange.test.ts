// The exchange through a real hub: `edo-hub serve` as a child process on loopback, two
// organizations whose clerks hold SoftHSM tokens of one test PKI, a document from A to B with
// the operator's confirmation, B's signed receipt notice, and A seeing it all in its feed; and B
// forwarding a file it received.
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signDetached, verifyDetached } from '../../src/crypto/cms';
import type { Signer } from '../../src/crypto/signer';
import {
  buildClarificationRequest,
  buildReceiptNotice,
  parseServiceDocument,
  type Participant,
} from '../../src/formats';
import {
  EventsPage,
  routes,
  type Contact,
  type Document,
  type HubEvent,
  type OperatorInfo,
  type ServiceDocument,
} from '../../src/protocol';
import type { TokenSession } from '../../src/token/session';
import { opensslCmsVerify } from '../support/openssl-cms';
import { backends, closeDatabases } from '../support/databases';
import { HubApi, loginWithSigner, type StartedHub } from '../support/hub';
import { softhsm } from '../support/system';
import { samplePeople, type TestPki } from '../support/test-pki';
import { startTwoOrganizations, tokenSigner } from '../support/token-hub';

const part = softhsm();

describe.skipIf(!part.ok).each(backends)(
  `the exchange hub on $name: A sends, B receives and confirms receipt ${part.reason}`,
  (backend) => {
    let pki: TestPki;
    let hub: StartedHub;
    const sessions: TokenSession[] = [];
    let signerA: Signer;
    let signerB: Signer;
    let orgA: string;
    let orgB: string;
    let apiA: HubApi;
    let apiB: HubApi;

    async function events(api: HubApi, after: number, wait = 0): Promise<EventsPage> {
      const answer = await api.call('GET', `/v1/events?after=${after}&wait=${wait}`);
      expect(answer.status).toBe(200);
      return EventsPage.parse(answer.json);
    }

    beforeAll(async () => {
      const { a, b, ...started } = await startTwoOrganizations({ a: 'workstation', b: 'server' }, { backend });
      ({ pki, hub } = started);
      orgA = a.org.id;
      orgB = b.org.id;
      signerA = await tokenSigner(pki, sessions, 'clerk-a');
      signerB = await tokenSigner(pki, sessions, 'clerk-b');
    });

    afterAll(async () => {
      for (const s of sessions) s.close();
      await hub?.stop();
      pki?.cleanup();
      await closeDatabases();
    });

    it('serves health and the OpenAPI document of every protocol route without a token', async () => {
      const anonymous = new HubApi(hub.url);
      expect((await anonymous.call('GET', '/v1/health')).json).toMatchObject({ status: 'ok' });
      const openapi = (await anonymous.call('GET', '/v1/openapi.json')).json as {
        openapi: string;
        paths: Record<string, Record<string, unknown>>;
      };
      expect(openapi.openapi).toBe('3.1.0');
      for (const route of Object.values(routes)) {
        expect(
          openapi.paths[route.path.replace(/:(\w+)/g, '{$1}')]?.[route.method.toLowerCase()],
          `${route.method} ${route.path}`,
        ).toBeDefined();
      }
    });

    it('logs both clerks in by signing nonces on their tokens; the answer names the organization and its operating mode', async () => {
      const a = await loginWithSigner(hub.url, signerA);
      const b = await loginWithSigner(hub.url, signerB);
      apiA = a.api;
      apiB = b.api;
      expect(a.login.subscriber).toMatchObject({
        id: orgA,
        inn: samplePeople.ivanova.orgInn,
        operatingMode: 'workstation',
      });
      expect(a.login.user).toMatchObject({ kind: 'person', name: 'Иванова Мария Петровна' });
      expect(b.login.subscriber).toMatchObject({ id: orgB, operatingMode: 'server' });
      expect((await apiA.call('GET', '/v1/me')).json.subscriber.id).toBe(orgA);
    });

    it('finds B in the directory by name and by INN, and through the change feed', async () => {
      const byName = await apiA.call('GET', `/v1/subscribers?query=${encodeURIComponent('василёк')}`);
      expect(byName.json.subscribers.map((s: { id: string }) => s.id)).toEqual([orgB]);
      const byInn = await apiA.call('GET', `/v1/subscribers?query=${samplePeople.petrov.orgInn.slice(0, 6)}`);
      expect(byInn.json.subscribers.map((s: { id: string }) => s.id)).toEqual([orgB]);
      const feed = await apiA.call('GET', '/v1/subscribers?after=0&limit=1');
      expect(feed.json).toMatchObject({ hasMore: true, subscribers: [{ id: orgA }] });
      const rest = await apiA.call('GET', `/v1/subscribers?after=${feed.json.next}`);
      expect(rest.json).toMatchObject({ hasMore: false, subscribers: [{ id: orgB }] });
    });

    it('connects A and B as contacts: invite, B sees it in its feed, accepts, A sees the connection', async () => {
      const refused = await apiA.call('POST', '/v1/documents', {
        headers: { 'idempotency-key': 'before-contact-1' },
        json: {
          recipientId: orgB,
          title: 't',
          kind: 'letter',
          fileName: 'a.txt',
          sha256: '0'.repeat(64),
          signature: 'AAAA',
        },
      });
      expect(refused.json).toMatchObject({ error: 'forbidden' });

      const invited = await apiA.call<Contact>('POST', '/v1/contacts', {
        json: { subscriberId: orgB, message: 'Обмен договорами' },
      });
      expect(invited.json).toMatchObject({ state: 'invited-by-me', subscriber: { id: orgB } });
      const bEvents = await events(apiB, 0);
      expect(bEvents.events).toMatchObject([
        {
          seq: 1,
          type: 'contact.changed',
          contact: { state: 'invites-me', subscriber: { id: orgA }, message: 'Обмен договорами' },
        },
      ]);
      const accepted = await apiB.call<Contact>('POST', `/v1/contacts/${orgA}/accept`, { json: {} });
      expect(accepted.json.state).toBe('connected');
      const aContacts = await apiA.call('GET', '/v1/contacts?after=0');
      expect(aContacts.json.contacts).toMatchObject([{ state: 'connected', subscriber: { id: orgB } }]);
      const aEvents = await events(apiA, 0);
      expect(aEvents.events.map((e) => e.type === 'contact.changed' && e.contact.state)).toEqual([
        'invited-by-me',
        'connected',
      ]);
    });

    it("carries a signed document from A to B, with the operator confirmation, and B's receipt notice back to A", async () => {
      const content = Buffer.from('Договор поставки № 17 от 22.11.2026\n'.repeat(2000), 'utf8');
      const sha256 = createHash('sha256').update(content).digest('hex');
      const fileName = 'Договор поставки 17.txt';

      // B waits on its feed before anything is sent: the long poll is answered by the arrival.
      const bCursor = (await events(apiB, 0)).next;
      const bPoll = events(apiB, bCursor, 30);

      const put = await apiA.call('PUT', `/v1/blobs/${sha256}`, { body: content });
      expect(put.status).toBe(201);
      expect(put.json).toEqual({ sha256, size: content.length });
      expect((await apiA.call('HEAD', `/v1/blobs/${sha256}`)).status).toBe(200);

      const signature = await signDetached(content, signerA);
      const sent = await apiA.call<Document>('POST', '/v1/documents', {
        headers: { 'idempotency-key': 'doc-17-first-send' },
        json: {
          recipientId: orgB,
          title: 'Договор поставки № 17',
          kind: 'contract',
          fileName,
          sha256,
          signature: signature.toString('base64'),
        },
      });
      expect(sent.status, sent.body.toString()).toBe(201);
      const document = sent.json;
      expect(document).toMatchObject({
        status: 'sent',
        sender: { subscriberId: orgA },
        recipient: { subscriberId: orgB },
        needsReceipt: true,
        signer: { commonName: 'Иванова Мария Петровна', orgInn: samplePeople.ivanova.orgInn },
      });

      // The operator's confirmation of the send date: its own signature over a valid ПДОТПР.
      const operator = (await apiA.call<OperatorInfo>('GET', '/v1/operator')).json;
      const confirmationXml = Buffer.from(document.confirmation.xml, 'base64');
      const confirmationCheck = await verifyDetached(
        Buffer.from(document.confirmation.signature, 'base64'),
        confirmationXml,
        { trustedRoots: [Buffer.from(operator.certificate, 'base64')] },
      );
      expect(confirmationCheck.problems).toEqual([]);
      const confirmation = parseServiceDocument(confirmationXml, document.confirmation.fileName, {
        expectedKind: 'send-confirmation',
      });
      expect(confirmation).toMatchObject({
        sender: { id: orgA },
        receiver: { id: orgB },
        operator: { id: operator.edoId },
        referencedFile: { name: fileName },
      });
      expect(confirmation.referencedFile.signatures[0]!.equals(signature)).toBe(true);

      // B receives it through the feed (the long poll started before the send), downloads and verifies.
      const received = await bPoll;
      expect(received.events).toHaveLength(1);
      const arrival = received.events[0]! as Extract<HubEvent, { type: 'document.received' }>;
      expect(arrival).toMatchObject({
        seq: bCursor + 1,
        type: 'document.received',
        document: { id: document.id, confirmation: { fileName: document.confirmation.fileName } },
      });
      const download = await apiB.call('GET', `/v1/blobs/${arrival.document.blob.sha256}`);
      expect(download.status).toBe(200);
      expect(download.body.equals(content)).toBe(true);
      const check = await verifyDetached(Buffer.from(arrival.document.signature, 'base64'), download.body, {
        trustedRoots: [Buffer.from(pki.caCertificate.rawData)],
      });
      expect(check.valid).toBe(true);
      // OpenSSL, as an independent verifier, agrees with the signature the hub accepted.
      const sigFile = join(pki.dir, 'doc.p7s');
      const docFile = join(pki.dir, 'doc.bin');
      writeFileSync(sigFile, Buffer.from(arrival.document.signature, 'base64'));
      writeFileSync(docFile, download.body);
      opensslCmsVerify(sigFile, docFile, pki.caCertificateFile);

      // B signs a receipt notice (ИОП) on its token and posts it.
      const receiptFile = buildReceiptNotice({
        sender: {
          id: orgB,
          organization: { name: samplePeople.petrov.organization, inn: samplePeople.petrov.orgInn, kpp: '780101001' },
        },
        receiver: {
          id: orgA,
          organization: { name: samplePeople.ivanova.organization, inn: samplePeople.ivanova.orgInn, kpp: '770101001' },
        },
        receivedAt: new Date(),
        receivedFile: { name: fileName, signatures: [Buffer.from(arrival.document.signature, 'base64')] },
        signer: { surname: 'Петров', name: 'Сергей', patronymic: 'Иванович', position: samplePeople.petrov.position },
      });
      const receiptSignature = await signDetached(receiptFile.xml, signerB);
      const posted = await apiB.call<ServiceDocument>('POST', `/v1/documents/${document.id}/service-documents`, {
        headers: { 'idempotency-key': 'receipt-doc-17' },
        json: {
          type: 'receipt',
          fileName: receiptFile.fileName,
          xml: receiptFile.xml.toString('base64'),
          signature: receiptSignature.toString('base64'),
        },
      });
      expect(posted.status, posted.body.toString()).toBe(201);
      expect(posted.json).toMatchObject({
        type: 'receipt',
        parentId: document.id,
        fromSubscriberId: orgB,
        signer: { commonName: 'Петров Сергей Иванович' },
      });

      // A sees the whole story in its feed, in order, and the document's status says so.
      const aFeed = await events(apiA, 2);
      expect(aFeed.events.map((e) => e.type)).toEqual([
        'document.sent',
        'document.delivered',
        'document.status-changed',
        'service-document.received',
        'document.status-changed',
      ]);
      expect(aFeed.events.map((e) => e.seq)).toEqual([3, 4, 5, 6, 7]);
      expect(aFeed.events.at(-1)).toMatchObject({ documentId: document.id, status: 'receipt-confirmed' });
      const final = await apiA.call<Document>('GET', `/v1/documents/${document.id}`);
      expect(final.json).toMatchObject({ status: 'receipt-confirmed', deliveredAt: expect.any(String) });
      expect(final.json.serviceDocuments).toMatchObject([
        { id: posted.json.id, type: 'receipt', parentId: document.id },
      ]);
      const receiptBack = Buffer.from(final.json.serviceDocuments[0]!.xml, 'base64');
      expect(
        (
          await verifyDetached(Buffer.from(final.json.serviceDocuments[0]!.signature, 'base64'), receiptBack, {
            trustedRoots: [Buffer.from(pki.caCertificate.rawData)],
          })
        ).valid,
      ).toBe(true);
      expect(parseServiceDocument(receiptBack, receiptFile.fileName).kind).toBe('receipt-notice');
      // B's view agrees.
      expect((await apiB.call<Document>('GET', `/v1/documents/${document.id}`)).json.status).toBe('receipt-confirmed');
    });

    it('delivers a clarification request (УОУ) from B to A and marks the document for correction', async () => {
      const content = Buffer.from('Акт № 9: 100 000,00 руб.\n');
      const sha256 = createHash('sha256').update(content).digest('hex');
      await apiA.call('PUT', `/v1/blobs/${sha256}`, { body: content });
      const signature = await signDetached(content, signerA);
      const sent = await apiA.call<Document>('POST', '/v1/documents', {
        headers: { 'idempotency-key': 'act-9-first-send' },
        json: {
          recipientId: orgB,
          title: 'Акт № 9',
          kind: 'act',
          fileName: 'Акт 9.txt',
          sha256,
          signature: signature.toString('base64'),
        },
      });
      expect(sent.status).toBe(201);
      const aCursor = (await events(apiA, 0)).next;
      const partyA: Participant = {
        id: orgA,
        organization: { name: samplePeople.ivanova.organization, inn: samplePeople.ivanova.orgInn, kpp: '770101001' },
      };
      const partyB: Participant = {
        id: orgB,
        organization: { name: samplePeople.petrov.organization, inn: samplePeople.petrov.orgInn, kpp: '780101001' },
      };
      const request = buildClarificationRequest({
        sender: partyB,
        receiver: partyA,
        receivedAt: new Date(),
        receivedFile: { name: 'Акт 9.txt', signatures: [signature] },
        signer: { surname: 'Петров', name: 'Сергей', patronymic: 'Иванович', position: samplePeople.petrov.position },
        text: 'Сумма в акте не совпадает с договором: просим исправить',
      });
      const posted = await apiB.call<ServiceDocument>('POST', `/v1/documents/${sent.json.id}/service-documents`, {
        headers: { 'idempotency-key': 'act-9-clarification' },
        json: {
          type: 'clarification',
          fileName: request.fileName,
          xml: request.xml.toString('base64'),
          signature: (await signDetached(request.xml, signerB)).toString('base64'),
        },
      });
      expect(posted.status, posted.body.toString()).toBe(201);
      const aFeed = await events(apiA, aCursor);
      const arrived = aFeed.events.find((e) => e.type === 'service-document.received');
      expect(arrived).toMatchObject({
        documentId: sent.json.id,
        serviceDocument: { type: 'clarification', id: posted.json.id },
      });
      const text = parseServiceDocument(Buffer.from(posted.json.xml, 'base64'), posted.json.fileName).text;
      expect(text).toBe('Сумма в акте не совпадает с договором: просим исправить');
      expect((await apiA.call<Document>('GET', `/v1/documents/${sent.json.id}`)).json.status).toBe(
        'clarification-requested',
      );
    });

    it('lets B forward a file it received: HEAD says "upload it" until B has, then B sends the very same bytes back to A', async () => {
      const content = Buffer.from('Спецификация № 3 к договору 17\n'.repeat(300));
      const sha256 = createHash('sha256').update(content).digest('hex');
      expect((await apiA.call('PUT', `/v1/blobs/${sha256}`, { body: content })).status).toBe(201);
      const sent = await apiA.call<Document>('POST', '/v1/documents', {
        headers: { 'idempotency-key': 'spec-3-first-send' },
        json: {
          recipientId: orgB,
          title: 'Спецификация № 3',
          kind: 'contract',
          fileName: 'Спецификация 3.txt',
          sha256,
          signature: (await signDetached(content, signerA)).toString('base64'),
        },
      });
      expect(sent.status, sent.body.toString()).toBe(201);
      const received = await apiB.call('GET', `/v1/blobs/${sha256}`);
      expect(received.body.equals(content)).toBe(true);

      // B may download the blob, but it never uploaded it: HEAD and the send agree that it must.
      expect((await apiB.call('HEAD', `/v1/blobs/${sha256}`)).status).toBe(404);
      const signature = (await signDetached(received.body, signerB)).toString('base64');
      const forward = {
        recipientId: orgA,
        title: 'Спецификация № 3 (подписана)',
        kind: 'contract',
        fileName: 'Спецификация 3.txt',
        sha256,
        signature,
      };
      const early = await apiB.call('POST', '/v1/documents', {
        headers: { 'idempotency-key': 'spec-3-forward-early' },
        json: forward,
      });
      expect(early.status).toBe(422);
      expect(early.json).toMatchObject({ error: 'blob-missing' });
      // The hub already holds these bytes; B's upload is streamed and hash-checked all the same, and recorded as B's.
      const put = await apiB.call('PUT', `/v1/blobs/${sha256}`, { body: received.body });
      expect(put.status).toBe(201);
      expect((await apiB.call('HEAD', `/v1/blobs/${sha256}`)).status).toBe(200);
      expect((await apiB.call('PUT', `/v1/blobs/${sha256}`, { body: received.body })).status).toBe(200);

      const forwarded = await apiB.call<Document>('POST', '/v1/documents', {
        headers: { 'idempotency-key': 'spec-3-forward' },
        json: forward,
      });
      expect(forwarded.status, forwarded.body.toString()).toBe(201);
      expect(forwarded.json).toMatchObject({
        sender: { subscriberId: orgB },
        recipient: { subscriberId: orgA },
        blob: { sha256, size: content.length },
        signer: { commonName: 'Петров Сергей Иванович' },
      });
      const back = await apiA.call('GET', `/v1/blobs/${sha256}`);
      expect(back.body.equals(content)).toBe(true);
      expect(
        (
          await verifyDetached(Buffer.from(signature, 'base64'), back.body, {
            trustedRoots: [Buffer.from(pki.caCertificate.rawData)],
          })
        ).valid,
      ).toBe(true);
    });

    it('logs one structured line per request, with its request id', async () => {
      const answer = await apiA.call('GET', '/v1/me', { headers: { 'x-request-id': 'trace-me-42' } });
      expect(answer.headers.get('x-request-id')).toBe('trace-me-42');
      // The line is written after the answer is sent: read the hub's stderr until it is there.
      const logged = () =>
        hub
          .log()
          .split('\n')
          .filter((l) => l.includes('"trace-me-42"'));
      for (let i = 0; i < 100 && logged().length === 0; i++) await new Promise((r) => setTimeout(r, 50));
      const lines = logged().map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatchObject({
        reqId: 'trace-me-42',
        method: 'GET',
        url: '/v1/me',
        status: 200,
        subscriber: orgA,
      });
    });

    it('lists the registered user with the fingerprint of its token certificate', async () => {
      const users = await hub.admin<{ certificate?: { fingerprint: string } }[]>(['user', 'list', '--org', orgA]);
      const der = Buffer.from(pki.tokens[0]!.keys[0]!.certificate.rawData);
      expect(users.map((u) => u.certificate?.fingerprint)).toEqual([createHash('sha256').update(der).digest('hex')]);
    });
  },
);
