// Requests that overlap, made to overlap for sure: a hub in this process over a real data
// directory, whose storage can hold a send or a service document just before it is recorded.
// A repeated Idempotency-Key is "in progress" however old the claim; only a hub start frees the
// key, and the held request then finds its claim gone and stores nothing (no duplicate
// document). Two receipt notices that both passed every check are stored once; a receipt notice
// and a clarification request that overlap leave the status the flow gives, whatever the order.
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signDetached } from '../../src/crypto/cms';
import type { Signer } from '../../src/crypto/signer';
import { buildClarificationRequest, buildReceiptNotice } from '../../src/formats';
import type { Document, DocumentStatus, ServiceDocument } from '../../src/protocol';
import type { TokenSession } from '../../src/token/session';
import {
  closeHubData,
  openHubData,
  openOrganizationData,
  type HubData,
  type OrganizationData,
} from '../../server/data-dir';
import { createHub } from '../../server/hub';
import { SqlStorage } from '../../server/storage/sql-storage';
import { loginWithSigner, registerTokenOrganization, startHub, type HubApi, type StartedHub } from '../support/hub';
import { softhsm } from '../support/system';
import { createTestPki, samplePeople, type TestPki } from '../support/test-pki';
import { tokenSigner } from '../support/token-hub';

const part = softhsm();

type Recording = 'recordDocument' | 'recordServiceDocument';

/** The hub's own storage, except that a recording can be held just before it is made. */
class HoldingStorage extends SqlStorage {
  private readonly holds: { method: Recording; reached: () => void; released: Promise<void> }[] = [];

  /** The next call of `method` not held yet waits; resolves once it waits, with the function that lets it go on. */
  holdNext(method: Recording): Promise<() => void> {
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    return new Promise((reached) => this.holds.push({ method, reached: () => reached(release), released }));
  }

  private async pass(method: Recording): Promise<void> {
    const i = this.holds.findIndex((h) => h.method === method);
    if (i < 0) return;
    const [hold] = this.holds.splice(i, 1);
    hold!.reached();
    await hold!.released;
  }

  override async recordDocument(...args: Parameters<SqlStorage['recordDocument']>) {
    await this.pass('recordDocument');
    return super.recordDocument(...args);
  }

  override async recordServiceDocument(...args: Parameters<SqlStorage['recordServiceDocument']>) {
    await this.pass('recordServiceDocument');
    return super.recordServiceDocument(...args);
  }
}

describe.skipIf(!part.ok)(`overlapping requests to the hub ${part.reason}`, () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'edo-hub-idempotency-'));
  let pki: TestPki;
  const sessions: TokenSession[] = [];
  let signerA: Signer;
  let signerB: Signer;
  let orgA: string;
  let orgB: string;
  let storage: HoldingStorage;
  let data: HubData;
  let org: OrganizationData;
  let app: ReturnType<typeof createHub>['app'];
  let apiA: HubApi;
  let apiB: HubApi;
  let restarted: StartedHub | undefined;
  /** How far the in-process hub's clock is ahead of the real one. */
  let clockAheadMs = 0;

  beforeAll(async () => {
    pki = await createTestPki([
      { label: 'clerk-a', keys: [{ algorithm: 'ECDSA-P256', person: samplePeople.ivanova }] },
      { label: 'clerk-b', keys: [{ algorithm: 'ECDSA-P256', person: samplePeople.petrov }] },
    ]);
    // Organizations, users and the contact are set up through `edo-hub serve` and its administration.
    const setup = await startHub({ dataDir });
    try {
      await setup.admin(['trust', 'add', pki.caCertificateFile]);
      const a = await registerTokenOrganization(setup, pki.tokens[0]!, { kpp: '770101001' });
      const b = await registerTokenOrganization(setup, pki.tokens[1]!, { kpp: '780101001' });
      orgA = a.org.id;
      orgB = b.org.id;
      signerA = await tokenSigner(pki, sessions, 'clerk-a');
      signerB = await tokenSigner(pki, sessions, 'clerk-b');
      const setupA = (await loginWithSigner(setup.url, signerA)).api;
      const setupB = (await loginWithSigner(setup.url, signerB)).api;
      expect((await setupA.call('POST', '/v1/contacts', { json: { subscriberId: orgB } })).json.state).toBe(
        'invited-by-me',
      );
      expect((await setupB.call('POST', `/v1/contacts/${orgA}/accept`, { json: {} })).json.state).toBe('connected');
    } finally {
      await setup.stop();
    }

    data = await openHubData(dataDir);
    storage = new HoldingStorage(data.db);
    const held = { ...data, storage };
    org = openOrganizationData(held);
    ({ app } = createHub({
      ...held,
      settings: org.settings,
      archive: org.archive,
      version: 'test',
      logger: pino({ level: 'silent' }),
      tokenTtlSeconds: 7 * 24 * 3600,
      now: () => new Date(Date.now() + clockAheadMs),
    }));
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    if (!address || typeof address !== 'object') throw new Error('the hub has no TCP address');
    const url = `http://127.0.0.1:${address.port}`;
    apiA = (await loginWithSigner(url, signerA)).api;
    apiB = (await loginWithSigner(url, signerB)).api;
  });

  afterAll(async () => {
    await restarted?.stop();
    await app?.close();
    await org?.close();
    if (data) await closeHubData(data);
    for (const s of sessions) s.close();
    pki?.cleanup();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function sendBody(text: string) {
    const content = Buffer.from(text.repeat(50));
    const sha256 = createHash('sha256').update(content).digest('hex');
    expect((await apiA.call('PUT', `/v1/blobs/${sha256}`, { body: content })).status).toBe(201);
    const signature = await signDetached(content, signerA);
    return {
      recipientId: orgB,
      title: text.trim(),
      kind: 'invoice',
      fileName: 'Счёт.txt',
      sha256,
      signature: signature.toString('base64'),
    };
  }

  const send = (api: HubApi, key: string, body: unknown) =>
    api.call<Document>('POST', '/v1/documents', { headers: { 'idempotency-key': key }, json: body });

  function expectInProgress(answer: Awaited<ReturnType<typeof send>>) {
    expect(answer.status, answer.body.toString()).toBe(409);
    expect(answer.json).toMatchObject({ error: 'request-in-progress' });
    expect(Number(answer.headers.get('retry-after'))).toBeGreaterThan(0);
  }

  /** B's receipt notice or clarification request for a document A sent with `sent`, signed on B's token. */
  async function serviceDocumentBody(type: ServiceDocument['type'], sent: { fileName: string; signature: string }) {
    const common = {
      sender: {
        id: orgB,
        organization: { name: samplePeople.petrov.organization, inn: samplePeople.petrov.orgInn, kpp: '780101001' },
      },
      receiver: {
        id: orgA,
        organization: { name: samplePeople.ivanova.organization, inn: samplePeople.ivanova.orgInn, kpp: '770101001' },
      },
      receivedAt: new Date(),
      receivedFile: { name: sent.fileName, signatures: [Buffer.from(sent.signature, 'base64')] },
      signer: { surname: 'Петров', name: 'Сергей', patronymic: 'Иванович', position: samplePeople.petrov.position },
    };
    const file =
      type === 'receipt'
        ? buildReceiptNotice(common)
        : buildClarificationRequest({ ...common, text: 'Сумма в счёте не совпадает с договором: просим исправить' });
    return {
      type,
      fileName: file.fileName,
      xml: file.xml.toString('base64'),
      signature: (await signDetached(file.xml, signerB)).toString('base64'),
    };
  }

  const postServiceDocument = (documentId: string, key: string, json: unknown) =>
    apiB.call<ServiceDocument>('POST', `/v1/documents/${documentId}/service-documents`, {
      headers: { 'idempotency-key': key },
      json,
    });

  /** The statuses the document was announced to have, in order, as `api`'s subscriber saw them. */
  const announcedStatuses = async (api: HubApi, documentId: string) =>
    (await api.call('GET', '/v1/events?after=0&limit=500')).json.events
      .filter(
        (e: { type: string; documentId?: string }) =>
          e.type === 'document.status-changed' && e.documentId === documentId,
      )
      .map((e: { status: DocumentStatus }) => e.status);

  /** A document A sent and B fetched (status "delivered"), with its send body. */
  async function deliveredDocument(text: string, key: string) {
    const body = await sendBody(text);
    const sent = await send(apiA, key, body);
    expect(sent.status, sent.body.toString()).toBe(201);
    expect((await apiB.call<Document>('GET', `/v1/documents/${sent.json.id}`)).json.status).toBe('delivered');
    return { id: sent.json.id, body };
  }

  /**
   * Posts B's service documents so that each reads the document and passes every check before
   * any is recorded, then records them in the order given, each answered before the next goes on.
   */
  async function postOverlapping(documentId: string, posts: { key: string; json: unknown }[]) {
    const held: { release: () => void; answer: ReturnType<typeof postServiceDocument> }[] = [];
    // One at a time into the hold, so the order of `held` is the order of `posts`.
    for (const { key, json } of posts) {
      const reached = storage.holdNext('recordServiceDocument');
      const answer = postServiceDocument(documentId, key, json);
      // A request refused by a check never reaches the hold: say so instead of waiting for ever.
      const refused = answer.then((a) =>
        Promise.reject(new Error(`${key} was answered ${a.status} before it was recorded: ${a.body.toString()}`)),
      );
      held.push({ release: await Promise.race([reached, refused]), answer });
    }
    const answers = [];
    for (const { release, answer } of held) {
      release();
      answers.push(await answer);
    }
    return answers;
  }

  const documentsSentWith = async (title: string) =>
    (await apiA.call('GET', '/v1/events?after=0&limit=500')).json.events.filter(
      (e: { type: string; document?: Document }) => e.type === 'document.sent' && e.document?.title === title,
    );

  it('answers a repeat "in progress, retry" however old the claim, then the first result', async () => {
    const body = await sendBody('Счёт № 21\n');
    const held = storage.holdNext('recordDocument');
    const first = send(apiA, 'invoice-21-key', body);
    const release = await held;
    // Hours later by the hub's clock, the first request is still running: the claim is still its.
    clockAheadMs = 6 * 3600_000;
    expectInProgress(await send(apiA, 'invoice-21-key', body));
    clockAheadMs = 0;
    release();
    const answer = await first;
    expect(answer.status, answer.body.toString()).toBe(201);
    const repeat = await send(apiA, 'invoice-21-key', body);
    expect(repeat.status).toBe(201);
    expect(repeat.headers.get('idempotent-replayed')).toBe('true');
    expect(repeat.json.id).toBe(answer.json.id);
    expect(await documentsSentWith('Счёт № 21')).toHaveLength(1);
  });

  it('frees the key only at a hub start; the request still running then stores nothing and says "retry", which gets the one document', async () => {
    const body = await sendBody('Счёт № 22\n');
    const held = storage.holdNext('recordDocument');
    const first = send(apiA, 'invoice-22-key', body);
    const release = await held;
    // Another hub starts on the same data, as after a crash of this one: the pending claim is released.
    restarted = await startHub({ dataDir });
    // The log line goes to stderr, the URL line the start waited for to stdout: read until it is there.
    const warned = () => restarted!.log().includes('released idempotency claims left pending by the previous run');
    for (let i = 0; i < 100 && !warned(); i++) await new Promise((r) => setTimeout(r, 50));
    expect(warned()).toBe(true);
    const apiRestarted = (await loginWithSigner(restarted.url, signerA)).api;
    const second = await send(apiRestarted, 'invoice-22-key', body);
    expect(second.status, second.body.toString()).toBe(201);
    release();
    expectInProgress(await first);
    const retry = await send(apiA, 'invoice-22-key', body);
    expect(retry.status).toBe(201);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(retry.json.id).toBe(second.json.id);
    expect(await documentsSentWith('Счёт № 22')).toHaveLength(1);
  });

  it('stores one of two receipt notices for a document that both passed every check, and answers the other 409', async () => {
    const body = await sendBody('Счёт № 23\n');
    const sent = await send(apiA, 'invoice-23-key', body);
    expect(sent.status, sent.body.toString()).toBe(201);
    const json = await serviceDocumentBody('receipt', body);
    const post = (key: string) => postServiceDocument(sent.json.id, key, json);
    // Both wait at the storage, every check of the route behind them, before either is recorded.
    const held = [storage.holdNext('recordServiceDocument'), storage.holdNext('recordServiceDocument')];
    const answers = Promise.all([post('receipt-23-first'), post('receipt-23-second')]);
    for (const release of await Promise.all(held)) release();
    const [first, second] = await answers;
    expect([first!.status, second!.status].sort()).toEqual([201, 409]);
    const refused = first!.status === 409 ? first! : second!;
    expect(refused.json).toMatchObject({
      error: 'conflict',
      message: expect.stringMatching(/receipt notice .* already posted/),
    });
    const document = (await apiA.call<Document>('GET', `/v1/documents/${sent.json.id}`)).json;
    expect(document.serviceDocuments.map((sd) => sd.type)).toEqual(['receipt']);
    expect(document.status).toBe('receipt-confirmed');
    // The refused request released its key: posting under it again is a new attempt, refused the same way.
    const again = await post(first!.status === 409 ? 'receipt-23-first' : 'receipt-23-second');
    expect(again.status).toBe(409);
    expect(again.headers.get('idempotent-replayed')).toBeNull();
  });

  // A clarification request outranks a receipt notice whichever is recorded first; the status
  // events follow what is stored, not what each request read before the other was recorded.
  it.each([
    { first: 'clarification', second: 'receipt', announced: ['clarification-requested'] },
    { first: 'receipt', second: 'clarification', announced: ['receipt-confirmed', 'clarification-requested'] },
  ] as const)(
    'ends "clarification requested" when a $first and a $second posted at once are recorded in that order',
    async ({ first, second, announced }) => {
      const { id, body } = await deliveredDocument(`Счёт № 24-${first}\n`, `invoice-24-${first}-key`);
      const answers = await postOverlapping(id, [
        { key: `${first}-24`, json: await serviceDocumentBody(first, body) },
        { key: `${second}-24`, json: await serviceDocumentBody(second, body) },
      ]);
      for (const answer of answers) expect(answer.status, answer.body.toString()).toBe(201);
      const document = (await apiA.call<Document>('GET', `/v1/documents/${id}`)).json;
      expect(document.serviceDocuments.map((sd) => sd.type)).toEqual([first, second]);
      expect(document.status).toBe('clarification-requested');
      expect(await announcedStatuses(apiA, id)).toEqual(['delivered', ...announced]);
      expect(await announcedStatuses(apiB, id)).toEqual(['delivered', ...announced]);
    },
  );

  it('announces "clarification requested" once when two clarification requests posted at once are both recorded', async () => {
    const { id, body } = await deliveredDocument('Счёт № 25\n', 'invoice-25-key');
    const json = await serviceDocumentBody('clarification', body);
    const answers = await postOverlapping(id, [
      { key: 'clarification-25-first', json },
      { key: 'clarification-25-second', json },
    ]);
    for (const answer of answers) expect(answer.status, answer.body.toString()).toBe(201);
    const document = (await apiA.call<Document>('GET', `/v1/documents/${id}`)).json;
    expect(document.serviceDocuments.map((sd) => sd.type)).toEqual(['clarification', 'clarification']);
    expect(document.status).toBe('clarification-requested');
    expect(await announcedStatuses(apiA, id)).toEqual(['delivered', 'clarification-requested']);
    expect(await announcedStatuses(apiB, id)).toEqual(['delivered', 'clarification-requested']);
  });
});
