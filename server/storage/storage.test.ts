// The exchange's storage on both backends, real SQLite files and a real PostgreSQL: migrations
// on reopen, single-use challenges, idempotency claims (never taken over by age, cleared at a
// hub start), first delivery, one receipt notice per parent, the document workflow's steps, and per-subscriber event sequences
// that stay gap-free while two processes write to the same database at once.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { backends, closeDatabases } from '../../test/support/databases';
import type { Document, DocumentWorkflow, ServiceDocument } from '../../src/protocol';
import { exchangeSchema, SqlStorage } from './sql-storage';
import { IdempotencyClaimLost, type DocumentRecord, type IdempotencyScope, type IdempotentResult } from './storage';

let dir: string;
const at = '2026-11-22T10:00:00.000Z';

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'edo-hub-storage-'));
});
afterEach(async () => {
  await closeDatabases();
  rmSync(dir, { recursive: true, force: true });
});

async function twoSubscribers(storage: SqlStorage) {
  const a = await storage.addSubscriber({
    id: 'sub-a',
    name: 'A',
    inn: '7701234560',
    kpp: '770101001',
    operatingMode: 'server',
    at,
  });
  const b = await storage.addSubscriber({
    id: 'sub-b',
    name: 'B',
    inn: '7809876549',
    kpp: '780101001',
    operatingMode: 'manual',
    at,
  });
  return { a, b };
}

/** Claims an Idempotency-Key as a route does; returns the result to finish the claim with. */
async function claim(storage: SqlStorage, scope: IdempotencyScope): Promise<IdempotentResult> {
  const claimed = await storage.claimIdempotencyKey(scope, 'h', at);
  if (claimed.kind !== 'claimed') throw new Error(`expected a claim, got ${claimed.kind}`);
  return { ...scope, claimId: claimed.claimId, status: 201, response: {} };
}

describe.each(backends)('SqlStorage on $name', (backend) => {
  /** The storage on this backend; `again` reopens the database the last call opened. */
  let location: string | undefined;
  const openStorage = async (again = false) => {
    const db = await backend.open([exchangeSchema], { dir, ...(again && location ? { reopen: location } : {}) });
    location = db.location;
    return new SqlStorage(db);
  };
  beforeEach((context) => {
    location = undefined;
    if (backend.skip) context.skip(backend.skip);
  });

  it('keeps its data and schema across reopening', async () => {
    const first = await openStorage();
    await twoSubscribers(first);
    await first.close();
    const again = await openStorage(true);
    expect((await again.listSubscribers(0, 10)).map((s) => [s.id, s.revision, s.operatingMode])).toEqual([
      ['sub-a', 1, 'server'],
      ['sub-b', 2, 'manual'],
    ]);
    await again.close();
  });

  it('searches names case-insensitively in Cyrillic, INNs by prefix, and takes % and _ literally', async () => {
    const storage = await openStorage();
    await storage.addSubscriber({
      id: 's1',
      name: 'АО "Василёк"',
      inn: '7809876549',
      kpp: '780101001',
      operatingMode: 'server',
      at,
    });
    await storage.addSubscriber({
      id: 's2',
      name: 'ООО "100% Ромашка"',
      inn: '7701234560',
      kpp: '770101001',
      operatingMode: 'server',
      at,
    });
    const ids = async (q: string) => (await storage.searchSubscribers(q, 10)).map((s) => s.id);
    expect(await ids('ВАСИЛЁК')).toEqual(['s1']);
    expect(await ids('780987')).toEqual(['s1']);
    expect(await ids('9876543')).toEqual([]);
    expect(await ids('100%')).toEqual(['s2']);
    expect(await ids('%')).toEqual(['s2']);
    expect(await ids('_')).toEqual([]);
    await storage.close();
  });

  it('gives a challenge once, and not after it expired', async () => {
    const storage = await openStorage();
    await storage.createChallenge({ id: 'c1', nonce: Buffer.from('n'), expiresAt: '2026-11-22T10:02:00.000Z' });
    await storage.createChallenge({ id: 'c2', nonce: Buffer.from('n'), expiresAt: '2026-11-22T09:59:00.000Z' });
    expect((await storage.useChallenge('c1', at)).kind).toBe('ok');
    expect((await storage.useChallenge('c1', at)).kind).toBe('used');
    expect((await storage.useChallenge('c2', at)).kind).toBe('expired');
    expect((await storage.useChallenge('c2', at)).kind).toBe('used');
    expect((await storage.useChallenge('c3', at)).kind).toBe('unknown');
    await storage.createChallenge({ id: 'c4', nonce: Buffer.from('n'), expiresAt: '2026-11-22T10:05:00.000Z' });
    expect(await storage.purgeExpired('2026-11-22T10:03:00.000Z')).toEqual({ challenges: 2, tokens: 0 });
    expect((await storage.useChallenge('c4', at)).kind).toBe('ok');
    await storage.close();
  });

  it('claims an idempotency key once: in progress however old, then the stored result; another body conflicts', async () => {
    const storage = await openStorage();
    const { a, b } = await twoSubscribers(storage);
    const scope = { subscriberId: a.id, scope: 'send-document', key: 'k-1-abcdef' };
    const claim = await storage.claimIdempotencyKey(scope, 'h1', at);
    if (claim.kind !== 'claimed') throw new Error(`expected a claim, got ${claim.kind}`);
    // A day later the first request may still be running: the claim is never taken over by age.
    expect(await storage.claimIdempotencyKey(scope, 'h1', '2026-11-23T10:00:00.000Z')).toEqual({ kind: 'in-progress' });
    expect(await storage.claimIdempotencyKey(scope, 'h2', at)).toEqual({ kind: 'conflict' });
    // The same key of another subscriber is another key.
    expect((await storage.claimIdempotencyKey({ ...scope, subscriberId: b.id }, 'h2', at)).kind).toBe('claimed');
    // Releasing under another claim's id leaves the claim alone.
    await storage.releaseIdempotencyKey(scope, 'not-the-claim');
    expect((await storage.claimIdempotencyKey(scope, 'h1', at)).kind).toBe('in-progress');

    const document = {
      id: 'doc-1',
      senderId: a.id,
      recipientId: b.id,
      blob: { sha256: 'a'.repeat(64), size: 1 },
      sentAt: at,
      status: 'sent',
    } as DocumentRecord;
    await storage.recordDocument(
      document,
      [{ subscriberId: b.id, payload: { type: 'document.delivered', documentId: 'doc-1', deliveredAt: at } }],
      { ...scope, claimId: claim.claimId, status: 201, response: { id: 'doc-1' } },
    );
    expect(await storage.claimIdempotencyKey(scope, 'h1', at)).toEqual({
      kind: 'replay',
      status: 201,
      response: { id: 'doc-1' },
    });
    // Releasing never drops a finished result, nor does a hub start.
    await storage.releaseIdempotencyKey(scope, claim.claimId);
    expect(await storage.releasePendingClaims()).toBe(1); // B's claim only
    expect((await storage.claimIdempotencyKey(scope, 'h1', at)).kind).toBe('replay');
    await storage.close();
  });

  it('stores nothing when a request finishes under a claim a hub start cleared, and lets the next claim win', async () => {
    const storage = await openStorage();
    const { a, b } = await twoSubscribers(storage);
    const scope = { subscriberId: a.id, scope: 'send-document', key: 'k-2-abcdef' };
    const first = await storage.claimIdempotencyKey(scope, 'h1', at);
    expect(await storage.releasePendingClaims()).toBe(1);
    const second = await storage.claimIdempotencyKey(scope, 'h1', at);
    if (first.kind !== 'claimed' || second.kind !== 'claimed') throw new Error('expected two claims');
    const document = (id: string) =>
      ({
        id,
        senderId: a.id,
        recipientId: b.id,
        blob: { sha256: 'c'.repeat(64), size: 1 },
        sentAt: at,
        status: 'sent',
      }) as DocumentRecord;
    const events = [
      { subscriberId: b.id, payload: { type: 'document.delivered' as const, documentId: 'x', deliveredAt: at } },
    ];
    await expect(
      storage.recordDocument(document('doc-late'), events, {
        ...scope,
        claimId: first.claimId,
        status: 201,
        response: { id: 'doc-late' },
      }),
    ).rejects.toBeInstanceOf(IdempotencyClaimLost);
    expect(await storage.getDocument('doc-late')).toBeUndefined();
    expect(await storage.listEvents(b.id, 0, 10)).toEqual([]);
    // The late request's release does not free the key under the live claim.
    await storage.releaseIdempotencyKey(scope, first.claimId);
    await storage.recordDocument(document('doc-1'), events, {
      ...scope,
      claimId: second.claimId,
      status: 201,
      response: { id: 'doc-1' },
    });
    expect(await storage.claimIdempotencyKey(scope, 'h1', at)).toEqual({
      kind: 'replay',
      status: 201,
      response: { id: 'doc-1' },
    });
    await storage.close();
  });

  it("frees only the pending claims of an instance whose heartbeat lapsed, never a live one's", async () => {
    const live = await openStorage();
    const { a } = await twoSubscribers(live);
    // A second instance on the same database (on SQLite: a second handle to the file).
    const killed = new SqlStorage(await backend.open([exchangeSchema], { dir, reopen: location! }), {
      instanceId: 'killed',
    });
    const lease = 30_000;
    const later = (ms: number) => new Date(Date.parse(at) + ms).toISOString();
    await live.heartbeat(at, lease);
    await killed.heartbeat(at, lease);
    const scope = (key: string) => ({ subscriberId: a.id, scope: 'send-document', key });
    expect((await live.claimIdempotencyKey(scope('live-1'), 'h', at)).kind).toBe('claimed');
    expect((await killed.claimIdempotencyKey(scope('killed-1'), 'h', at)).kind).toBe('claimed');
    // Both alive: nothing is freed, each key stays in progress for the other instance.
    await killed.heartbeat(later(10_000), lease);
    expect(await live.heartbeat(later(10_000), lease)).toBe(0);
    expect((await live.claimIdempotencyKey(scope('killed-1'), 'h', later(10_000))).kind).toBe('in-progress');
    // "killed" beats no more; once its lease lapsed the live instance frees its claim only.
    expect(await live.heartbeat(later(10_000 + lease + 1), lease)).toBe(1);
    expect((await live.claimIdempotencyKey(scope('killed-1'), 'h', later(50_000))).kind).toBe('claimed');
    expect((await killed.claimIdempotencyKey(scope('live-1'), 'h', later(50_000))).kind).toBe('in-progress');
    await live.close();
  });

  it('records the first delivery only, and never sets a later status back', async () => {
    const storage = await openStorage();
    const { a, b } = await twoSubscribers(storage);
    const base = {
      senderId: a.id,
      recipientId: b.id,
      blob: { sha256: 'b'.repeat(64), size: 1 },
      sentAt: at,
      status: 'sent',
    } as DocumentRecord;
    const claimed = (key: string) => claim(storage, { subscriberId: a.id, scope: 's', key });
    await storage.recordDocument({ ...base, id: 'd1' }, [], await claimed('k1'));
    const events = (status: string) => [
      {
        subscriberId: a.id,
        payload: { type: 'document.status-changed' as const, documentId: 'd1', status: status as 'delivered' },
      },
    ];
    expect(await storage.markDelivered('d1', at, events)).toHaveLength(1);
    expect(await storage.markDelivered('d1', at, events)).toBeUndefined();
    expect((await storage.getDocument('d1'))?.status).toBe('delivered');

    await storage.recordDocument({ ...base, id: 'd2', status: 'receipt-confirmed' }, [], await claimed('k2'));
    await storage.markDelivered('d2', at, () => []);
    expect(await storage.getDocument('d2')).toMatchObject({ status: 'receipt-confirmed', deliveredAt: at });
    await storage.close();
  });

  it('keeps one receipt notice per parent, checked in the write transaction; clarification requests are not limited', async () => {
    const storage = await openStorage();
    const { a, b } = await twoSubscribers(storage);
    const claimed = (subscriberId: string, key: string) =>
      claim(storage, { subscriberId, scope: 'service-document:d1', key });
    await storage.recordDocument(
      {
        id: 'd1',
        senderId: a.id,
        recipientId: b.id,
        blob: { sha256: 'd'.repeat(64), size: 1 },
        sentAt: at,
        status: 'sent',
      } as DocumentRecord,
      [],
      await claimed(a.id, 'send'),
    );
    const sd = (id: string, type: 'receipt' | 'clarification', parentId = 'd1') =>
      ({ id, documentId: 'd1', type, parentId, postedAt: at }) as ServiceDocument;
    const events = [
      {
        subscriberId: a.id,
        payload: { type: 'document.status-changed' as const, documentId: 'd1', status: 'receipt-confirmed' as const },
      },
    ];
    const record = async (s: ServiceDocument, key: string) =>
      (
        await storage.recordServiceDocument(
          s,
          { next: () => 'receipt-confirmed', events: () => events },
          await claimed(b.id, key),
        )
      ).kind;

    expect(await record(sd('r1', 'receipt'), 'k1')).toBe('recorded');
    expect(await record(sd('r2', 'receipt'), 'k2')).toBe('receipt-exists');
    // The operator's confirmation is another parent; clarification requests may repeat.
    expect(await record(sd('r3', 'receipt', 'confirmation-1'), 'k3')).toBe('recorded');
    expect(await record(sd('c1', 'clarification'), 'k4')).toBe('recorded');
    expect(await record(sd('c2', 'clarification'), 'k5')).toBe('recorded');
    expect((await storage.listServiceDocuments('d1')).map((x) => x.id)).toEqual(['r1', 'r3', 'c1', 'c2']);
    // Refused: no events appended and the key left pending for the route to release.
    expect(await storage.listEvents(a.id, 0, 10)).toHaveLength(4);
    expect(await storage.releasePendingClaims()).toBe(1);
    await storage.close();
  });

  it("works a service document's status out from the status its write transaction reads, and builds the events from it", async () => {
    const storage = await openStorage();
    const { a, b } = await twoSubscribers(storage);
    const claimed = (subscriberId: string, key: string) =>
      claim(storage, { subscriberId, scope: 'service-document:d1', key });
    await storage.recordDocument(
      {
        id: 'd1',
        senderId: a.id,
        recipientId: b.id,
        blob: { sha256: 'd'.repeat(64), size: 1 },
        sentAt: at,
        status: 'delivered',
      } as DocumentRecord,
      [],
      await claimed(a.id, 'send'),
    );
    const seen: [Document['status'], Document['status']][] = [];
    const record = async (
      id: string,
      type: ServiceDocument['type'],
      next: (before: Document['status']) => Document['status'],
    ) =>
      storage.recordServiceDocument(
        { id, documentId: 'd1', type, parentId: 'd1', postedAt: at } as ServiceDocument,
        {
          next,
          events: (before, after) => {
            seen.push([before, after]);
            return after === before
              ? []
              : [{ subscriberId: a.id, payload: { type: 'document.status-changed', documentId: 'd1', status: after } }];
          },
        },
        await claimed(b.id, id),
      );

    await record('c1', 'clarification', () => 'clarification-requested');
    // The second sees the first's status however stale its caller's read was.
    await record('r1', 'receipt', (before) => (before === 'clarification-requested' ? before : 'receipt-confirmed'));
    expect(seen).toEqual([
      ['delivered', 'clarification-requested'],
      ['clarification-requested', 'clarification-requested'],
    ]);
    expect((await storage.getDocument('d1'))?.status).toBe('clarification-requested');
    expect(
      (await storage.listEvents(a.id, 0, 10)).map((e) => e.type === 'document.status-changed' && e.status),
    ).toEqual(['clarification-requested']);
    await storage.close();
  });

  it('judges each workflow step by the state its write transaction reads; a refused step stores nothing, not even the result', async () => {
    const storage = await openStorage();
    const { a, b } = await twoSubscribers(storage);
    const base = {
      senderId: a.id,
      recipientId: b.id,
      blob: { sha256: 'e'.repeat(64), size: 1 },
      sentAt: at,
      status: 'sent',
    } as DocumentRecord;
    await storage.recordDocument(
      { ...base, id: 'd1', signatureRequested: true, signatureState: 'signature-requested' },
      [],
      await claim(storage, { subscriberId: a.id, scope: 's', key: 'send' }),
    );
    const recipientSignature = {
      signature: 'AAAA',
      signer: { fingerprint: 'f'.repeat(64) } as Document['signer'],
      signedAt: at,
    };
    const events = (workflow: DocumentWorkflow) => [
      { subscriberId: a.id, payload: { type: 'document.workflow-changed' as const, documentId: 'd1', workflow } },
    ];
    const step = async (
      actorId: string,
      stepName: 'sign' | 'propose-annulment' | 'accept-annulment',
      key: string,
      extra: object = {},
    ) => {
      const result = await claim(storage, { subscriberId: actorId, scope: `workflow:d1:${stepName}`, key });
      return storage.recordWorkflowStep(
        { documentId: 'd1', step: stepName, actorId, at, events, ...extra },
        () => result,
      );
    };

    expect(await step(a.id, 'sign', 'k0')).toMatchObject({ kind: 'refused', error: 'not-your-turn' });
    expect(await step(b.id, 'sign', 'k1', { recipientSignature })).toMatchObject({
      kind: 'recorded',
      workflow: { signatureState: 'signed-by-both', recipientSignature },
    });
    expect(await step(b.id, 'sign', 'k2', { recipientSignature })).toMatchObject({
      kind: 'refused',
      error: 'document-already-signed',
    });
    const proposal = {
      id: 'p1',
      documentId: 'd1',
      type: 'annulment-proposal',
      parentId: 'd1',
      postedAt: at,
    } as ServiceDocument;
    expect(await step(b.id, 'propose-annulment', 'k3', { serviceDocument: proposal })).toMatchObject({
      kind: 'recorded',
    });
    expect(await storage.getWorkflow('d1')).toMatchObject({
      annulmentProposalId: 'p1',
      annulmentProposedBy: b.id,
      workflow: { annulmentState: 'annulment-proposed' },
    });
    expect(await step(b.id, 'accept-annulment', 'k4', { proposalId: 'p1' })).toMatchObject({
      kind: 'refused',
      error: 'not-your-turn',
    });
    expect(await step(a.id, 'accept-annulment', 'k5', { proposalId: 'other' })).toMatchObject({
      kind: 'refused',
      error: 'annulment-not-pending',
    });
    expect(await step(a.id, 'accept-annulment', 'k6', { proposalId: 'p1' })).toMatchObject({
      kind: 'recorded',
      workflow: { annulmentState: 'annulled' },
    });
    expect(await storage.getDocument('d1')).toMatchObject({
      signatureState: 'signed-by-both',
      annulmentState: 'annulled',
      recipientSignature,
    });
    expect((await storage.listServiceDocuments('d1')).map((x) => x.id)).toEqual(['p1']);
    expect(await storage.listEvents(a.id, 0, 10)).toHaveLength(3);
    // The refused steps left their claims pending, for the route to release.
    expect(await storage.releasePendingClaims()).toBe(4);
    await storage.close();
  });

  it('migrates a database stored before one receipt per parent was enforced, keeping receipts stored twice', async (context) => {
    if (backend.name !== 'sqlite') context.skip('databases from before that schema exist only as SQLite files');
    const storage = await openStorage();
    const { a, b } = await twoSubscribers(storage);
    await storage.close();
    // Back to schema version 1, with the same receipt stored twice (as a race could).
    const raw = new Database(location as string);
    raw.exec(
      `DROP TABLE schema_migrations; DROP INDEX one_receipt_per_parent; ALTER TABLE service_documents DROP COLUMN receipt_of; ALTER TABLE idempotency DROP COLUMN claim_id; ALTER TABLE idempotency DROP COLUMN instance_id; DROP TABLE hub_instances; DROP TABLE login_failures; ALTER TABLE subscribers DROP COLUMN ogrn; PRAGMA user_version = 1;`,
    );
    // ... and without the later migrations' workflow columns.
    for (const column of [
      'signature_state',
      'recipient_signature',
      'annulment_state',
      'annulment_proposal_id',
      'annulment_proposed_by',
    ])
      raw.exec(`ALTER TABLE documents DROP COLUMN ${column}`);
    raw
      .prepare('INSERT INTO documents (id, sender_id, recipient_id, data, sha256, status) VALUES (?, ?, ?, ?, ?, ?)')
      .run('d1', a.id, b.id, JSON.stringify({ id: 'd1' }), 'e'.repeat(64), 'receipt-confirmed');
    const insert = raw.prepare(
      'INSERT INTO service_documents (id, document_id, type, data, posted_at) VALUES (?, ?, ?, ?, ?)',
    );
    for (const id of ['r1', 'r2'])
      insert.run(id, 'd1', 'receipt', JSON.stringify({ id, documentId: 'd1', type: 'receipt', parentId: 'd1' }), at);
    raw
      .prepare(
        `INSERT INTO idempotency (subscriber_id, scope, key, body_hash, state, created_at) VALUES (?, 'send-document', 'left', 'h', 'pending', ?)`,
      )
      .run(a.id, at);
    raw.close();

    const migrated = await openStorage(true);
    expect((await migrated.listServiceDocuments('d1')).map((x) => x.id)).toEqual(['r1', 'r2']);
    expect(await migrated.releasePendingClaims()).toBe(1);
    const scope = { subscriberId: b.id, scope: 'service-document:d1', key: 'k3' };
    const claim = await migrated.claimIdempotencyKey(scope, 'h', at);
    if (claim.kind !== 'claimed') throw new Error(`expected a claim, got ${claim.kind}`);
    const third = { id: 'r3', documentId: 'd1', type: 'receipt', parentId: 'd1', postedAt: at } as ServiceDocument;
    expect(
      (
        await migrated.recordServiceDocument(
          third,
          { next: () => 'receipt-confirmed', events: () => [] },
          { ...scope, claimId: claim.claimId, status: 201, response: {} },
        )
      ).kind,
    ).toBe('receipt-exists');
    await migrated.close();
  });

  it("numbers each subscriber's events 1, 2, 3, ... while two processes append at once", async () => {
    const storage = await openStorage();
    const { a, b } = await twoSubscribers(storage);
    const perWriter = 500;
    // A writer process: flips the A–B relation `perWriter` times; each change is two events.
    const script = join(dir, 'writer.mts');
    writeFileSync(
      script,
      `import { SqlStorage } from ${JSON.stringify(resolve(import.meta.dirname, 'sql-storage.ts'))};
       import { ${backend.name === 'sqlite' ? 'SqliteDatabase as Db' : 'PostgresDatabase as Db'} } from ${JSON.stringify(resolve(import.meta.dirname, backend.name === 'sqlite' ? 'sqlite-db.ts' : 'postgres-db.ts'))};
       const storage = new SqlStorage(new Db(${JSON.stringify(location)}));
       for (let i = 0; i < ${perWriter}; i++) {
         await storage.saveContact({ inviterId: 'sub-a', inviteeId: 'sub-b', state: i % 2 ? 'connected' : 'invited', at: new Date().toISOString(),
           events: (c) => ['sub-a', 'sub-b'].map((subscriberId) => ({ subscriberId, payload: { type: 'contact.changed', contact: { subscriber: { id: 'x', name: 'x', inn: '7701234560' }, state: 'connected', revision: c.revision, updatedAt: c.updatedAt } } })) });
         await new Promise((r) => setImmediate(r));
       }
       await storage.close();`,
    );
    const run = () =>
      new Promise<number | null>((done) => {
        const child = spawn(process.execPath, ['--import', 'tsx', script], {
          cwd: resolve(import.meta.dirname, '../..'),
          stdio: 'inherit',
        });
        child.on('close', done);
      });
    expect(await Promise.all([run(), run()])).toEqual([0, 0]);
    for (const subscriber of [a.id, b.id]) {
      const seqs = (await storage.listEvents(subscriber, 0, 10_000)).map((e) => e.seq);
      expect(seqs).toEqual(Array.from({ length: 2 * perWriter }, (_, i) => i + 1));
    }
    // Contact revisions, assigned in the same transactions, are unique and increasing too.
    const revisions = (await storage.listEvents(a.id, 0, 10_000)).map((e) =>
      e.type === 'contact.changed' ? e.contact.revision : 0,
    );
    expect(revisions).toEqual([...revisions].sort((x, y) => x - y));
    expect(new Set(revisions).size).toBe(2 * perWriter);
    await storage.close();
  });
});
