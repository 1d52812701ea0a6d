// Two `edo-hub serve` processes on one PostgreSQL database (docs/architecture.md §8), A's clerk
// talking to one and B's to the other: a long poll on one instance is woken by a document sent
// through the other (LISTEN/NOTIFY); one Idempotency-Key posted 8 times at once over both makes
// one document; 8 concurrent senders over both keep every subscriber's events gap-free; a
// challenge is used once whichever instance it is presented to; failed logins on either instance
// count together; and when instance two is killed with SIGKILL mid-run, the clerk's retries at
// instance one send every document once (the killed instance's claims freed when its lease
// lapses), and B confirms each with one receipt notice, posted twice. The instances share the blob folder (it stands for a shared volume).
import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signDetached } from '../../src/crypto/cms';
import type { Signer } from '../../src/crypto/signer';
import { buildReceiptNotice } from '../../src/formats';
import { EventsPage, loginSignedContent, type Document } from '../../src/protocol';
import type { TokenSession } from '../../src/token/session';
import { backends, closeDatabases } from '../support/databases';
import { HubApi, loginWithSigner, startHub, type HubAnswer, type StartedHub } from '../support/hub';
import { softhsm } from '../support/system';
import { samplePeople, type TestPki } from '../support/test-pki';
import { startTwoOrganizations, tokenSigner } from '../support/token-hub';

const part = softhsm();
const postgres = backends.find((b) => b.name === 'postgres')!;
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe.skipIf(!part.ok || postgres.skip !== undefined)(
  `two hub instances on one PostgreSQL ${part.reason ?? ''} ${postgres.skip ?? ''}`,
  () => {
    let pki: TestPki;
    let dataDir: string;
    let one: StartedHub;
    let two: StartedHub;
    const sessions: TokenSession[] = [];
    let signerA: Signer;
    let signerB: Signer;
    let orgA: string;
    let orgB: string;
    /** A's clerk on instance one and on instance two; B's on instance two. */
    let aOne: HubApi;
    let aTwo: HubApi;
    let bTwo: HubApi;

    async function eventsOf(api: HubApi, after = 0, wait = 0) {
      const answer = await api.call('GET', `/v1/events?after=${after}&limit=500&wait=${wait}`);
      expect(answer.status, answer.body.toString()).toBe(200);
      return EventsPage.parse(answer.json);
    }

    /** A signed document from A to B, its blob uploaded through `api`; the body to post. */
    async function documentBody(api: HubApi, title: string) {
      const content = Buffer.from(`${title}\n${randomUUID()}\n`.repeat(50));
      expect((await api.call('PUT', `/v1/blobs/${sha(content)}`, { body: content })).status).toBe(201);
      const signature = await signDetached(content, signerA);
      return {
        recipientId: orgB,
        title,
        kind: 'invoice',
        fileName: `${title}.txt`,
        sha256: sha(content),
        signature: signature.toString('base64'),
      };
    }

    const send = (api: HubApi, key: string, json: unknown): Promise<HubAnswer<Document>> =>
      api.call<Document>('POST', '/v1/documents', { headers: { 'idempotency-key': key }, json });

    /** The feed's sequence numbers are 1, 2, 3, ... with nothing missing or doubled. */
    const expectGapFree = (page: EventsPage) =>
      expect(page.events.map((e) => e.seq)).toEqual(page.events.map((_, i) => i + 1));

    beforeAll(async () => {
      dataDir = mkdtempSync(join(tmpdir(), 'edo-hub-instances-'));
      const { a, b, ...started } = await startTwoOrganizations(
        { a: 'workstation', b: 'server' },
        { backend: postgres, dataDir },
      );
      ({ pki, hub: one } = started);
      two = await startHub({ dataDir, databaseUrl: one.databaseUrl! });
      orgA = a.org.id;
      orgB = b.org.id;
      signerA = await tokenSigner(pki, sessions, 'clerk-a');
      signerB = await tokenSigner(pki, sessions, 'clerk-b');
      aOne = (await loginWithSigner(one.url, signerA)).api;
      aTwo = (await loginWithSigner(two.url, signerA)).api;
      bTwo = (await loginWithSigner(two.url, signerB)).api;
      expect((await aOne.call('POST', '/v1/contacts', { json: { subscriberId: orgB } })).status).toBe(200);
      expect((await bTwo.call('POST', `/v1/contacts/${orgA}/accept`, { json: {} })).json.state).toBe('connected');
    });

    afterAll(async () => {
      for (const s of sessions) s.close();
      await two?.stop();
      await one?.stop();
      pki?.cleanup();
      await closeDatabases();
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    });

    it('wakes a long poll on one instance when a document is sent through the other', async () => {
      const cursor = (await eventsOf(bTwo)).next;
      // Waits up to a minute, longer than this test may take: only the other instance's notice answers it in time.
      const polled = eventsOf(bTwo, cursor, 60);
      await new Promise((r) => setTimeout(r, 300)); // the poll is waiting before the document goes
      const sent = await send(aOne, 'poll-invoice-1', await documentBody(aOne, 'Счёт 1'));
      expect(sent.status, sent.body.toString()).toBe(201);
      const page = await polled;
      expect(
        page.events.map((e) => [e.type, e.type === 'document.received' ? e.document.id : undefined]),
      ).toContainEqual(['document.received', sent.json.id]);
    }, 30_000);

    it('makes one document of 8 posts with one Idempotency-Key spread over both instances', async () => {
      const body = await documentBody(aOne, 'Счёт 2');
      const answers = await Promise.all(
        Array.from({ length: 8 }, (_, i) => send(i % 2 ? aTwo : aOne, 'same-key-2', body)),
      );
      const created = answers.filter((a) => a.status === 201);
      // Those that met the first one still running were told to retry; retried, they get its answer.
      for (const a of answers.filter((x) => x.status !== 201))
        expect((a.json as unknown as { error: string }).error, a.body.toString()).toBe('request-in-progress');
      expect(new Set(created.map((a) => a.json.id)).size).toBe(1);
      const retried = await Promise.all(
        Array.from({ length: 8 }, (_, i) => send(i % 2 ? aTwo : aOne, 'same-key-2', body)),
      );
      const ids = new Set([...created, ...retried].map((a) => a.json.id));
      expect(ids.size).toBe(1);
      expect(retried.map((a) => a.status)).toEqual(Array(8).fill(201));
      const rows = await one.query<{ n: number }>("SELECT count(*) AS n FROM documents WHERE data LIKE '%Счёт 2%'");
      expect(Number(rows[0]!.n)).toBe(1);
    });

    it("keeps both organizations' event sequences gap-free under 8 concurrent senders on both instances", async () => {
      const bodies = await Promise.all(
        Array.from({ length: 8 }, (_, i) => documentBody(i % 2 ? aTwo : aOne, `Акт ${i}`)),
      );
      const answers = await Promise.all(
        bodies.map((body, i) => send(i % 2 ? aTwo : aOne, `concurrent-act-${i}`, body)),
      );
      expect(answers.map((a) => a.status)).toEqual(Array(8).fill(201));
      const feedB = await eventsOf(bTwo);
      const feedA = await eventsOf(aOne);
      expectGapFree(feedB);
      expectGapFree(feedA);
      const receivedByB = feedB.events.flatMap((e) => (e.type === 'document.received' ? [e.document.id] : []));
      for (const a of answers) expect(receivedByB.filter((id) => id === a.json.id)).toHaveLength(1);
    });

    it('uses a challenge once, whichever instance it is presented to', async () => {
      const challenge = await new HubApi(one.url).call('POST', '/v1/auth/challenge', { json: {} });
      const signedFor = async (url: string) =>
        (
          await signDetached(
            Buffer.from(
              loginSignedContent({ origin: url, challengeId: challenge.json.challengeId, nonce: challenge.json.nonce }),
            ),
            signerA,
          )
        ).toString('base64');
      const at = (url: string, signature: string) =>
        new HubApi(url).call('POST', '/v1/auth/certificate', {
          json: { challengeId: challenge.json.challengeId, signature },
        });
      expect((await at(two.url, await signedFor(two.url))).status).toBe(200);
      const again = await at(one.url, await signedFor(one.url));
      expect(again.status).toBe(401);
      expect(again.json).toMatchObject({ error: 'challenge-invalid', message: expect.stringMatching(/already used/) });
    });

    it('counts failed logins on both instances together', async () => {
      await one.admin(['user', 'add', '--org', orgA, '--login', 'romashka-agent'], {
        stdin: 'correct horse battery staple\n',
      });
      const login = (hub: StartedHub, password: string) =>
        new HubApi(hub.url).call('POST', '/v1/auth/password', { json: { login: 'romashka-agent', password } });
      expect((await login(one, 'wrong 1')).status).toBe(401);
      expect((await login(two, 'wrong 2')).status).toBe(401);
      expect((await login(one, 'wrong 3')).status).toBe(401);
      const blocked = await login(two, 'correct horse battery staple');
      expect(blocked.status).toBe(429);
      expect(blocked.json.error).toBe('too-many-attempts');
    });
    // Last: instance two does not come back.
    it('sends every document and receipt once when instance two is killed mid-run and the clerks retry against instance one', async () => {
      const bodies = await Promise.all(Array.from({ length: 6 }, (_, i) => documentBody(aOne, `Накладная ${i}`)));
      const key = (i: number) => `killed-run-${i}`;
      const bOne = new HubApi(one.url, bTwo.token);
      // Half go to instance two at once, and it is killed while they are under way.
      const inFlight = bodies.map((body, i) => send(i % 2 ? aTwo : aOne, key(i), body).catch((e: Error) => e));
      // Killed as soon as the requests hold their claims (pending in the database).
      const pendingAtTwo = async () =>
        Number(
          (
            await one.query<{ n: number }>(
              "SELECT count(*) AS n FROM idempotency WHERE state = 'pending' AND key LIKE 'killed-run-%'",
            )
          )[0]!.n,
        );
      for (let i = 0; i < 500 && (await pendingAtTwo()) === 0; i++);
      two.process.kill('SIGKILL');
      await Promise.all(inFlight);
      // The clerk retries each key at instance one until it has the answer; a claim the killed
      // instance held is in progress until its lease lapses, then the retry runs it.
      const retried = async (post: () => Promise<HubAnswer>) => {
        let answer = await post();
        while (answer.status === 409 && (answer.json as { error: string }).error === 'request-in-progress') {
          await new Promise((r) => setTimeout(r, 1000));
          answer = await post();
        }
        expect(answer.status, answer.body.toString()).toBe(201);
        return answer;
      };
      const documents: Document[] = [];
      for (const [i, body] of bodies.entries())
        documents.push((await retried(() => send(aOne, key(i), body))).json as Document);
      const ids = documents.map((d) => d.id);
      // B confirms each receipt at instance one, each notice posted twice (a retry after a lost answer).
      for (const d of documents) {
        const file = buildReceiptNotice({
          sender: {
            id: orgB,
            organization: { name: samplePeople.petrov.organization, inn: samplePeople.petrov.orgInn, kpp: '780101001' },
          },
          receiver: {
            id: orgA,
            organization: {
              name: samplePeople.ivanova.organization,
              inn: samplePeople.ivanova.orgInn,
              kpp: '770101001',
            },
          },
          receivedAt: new Date(),
          receivedFile: { name: d.fileName, signatures: [Buffer.from(d.signature, 'base64')] },
          signer: { surname: 'Петров', name: 'Сергей', patronymic: 'Иванович', position: samplePeople.petrov.position },
        });
        const json = {
          type: 'receipt',
          fileName: file.fileName,
          xml: file.xml.toString('base64'),
          signature: (await signDetached(file.xml, signerB)).toString('base64'),
        };
        const post = () =>
          bOne.call('POST', `/v1/documents/${d.id}/service-documents`, {
            headers: { 'idempotency-key': `killed-run-receipt-${d.id}` },
            json,
          });
        const first = await retried(post);
        expect((await retried(post)).json.id).toBe(first.json.id);
      }
      const receipts = await one.query<{ document_id: string }>(
        "SELECT document_id FROM service_documents WHERE type = 'receipt'",
      );
      for (const id of ids) expect(receipts.filter((r) => r.document_id === id)).toHaveLength(1);
      const receiptEvents = (await eventsOf(aOne)).events.flatMap((e) =>
        e.type === 'service-document.received' && e.serviceDocument.type === 'receipt' ? [e.documentId] : [],
      );
      for (const id of ids) expect(receiptEvents.filter((r) => r === id)).toHaveLength(1);
      expect(new Set(ids).size).toBe(6);
      const feedB = await eventsOf(bOne);
      expectGapFree(feedB);
      const received = feedB.events.flatMap((e) => (e.type === 'document.received' ? [e.document.id] : []));
      for (const id of ids) expect(received.filter((r) => r === id)).toHaveLength(1);
      const rows = await one.query<{ n: number }>("SELECT count(*) AS n FROM documents WHERE data LIKE '%Накладная%'");
      expect(Number(rows[0]!.n)).toBe(6);
    }, 120_000);
  },
);
