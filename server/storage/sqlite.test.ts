// The embedded storage on real SQLite files: migrations on reopen, single-use challenges,
// idempotency claims, first delivery, and per-subscriber event sequences that stay gap-free
// while two processes write to the same file at once.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteStorage } from './sqlite';
import type { DocumentRecord } from './storage';

let dir: string;
let file: string;
const at = '2026-11-22T10:00:00.000Z';

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'edo-hub-storage-'));
  file = join(dir, 'hub.sqlite');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function twoSubscribers(storage: SqliteStorage) {
  const a = await storage.addSubscriber({ id: 'sub-a', name: 'A', inn: '7701234567', kpp: '770101001', operatingMode: 'server', at });
  const b = await storage.addSubscriber({ id: 'sub-b', name: 'B', inn: '7809876543', kpp: '780101001', operatingMode: 'manual', at });
  return { a, b };
}

describe('SqliteStorage', () => {
  it('keeps its data and schema across reopening', async () => {
    const first = new SqliteStorage(file);
    await twoSubscribers(first);
    await first.close();
    const again = new SqliteStorage(file);
    expect((await again.listSubscribers(0, 10)).map((s) => [s.id, s.revision, s.operatingMode])).toEqual([
      ['sub-a', 1, 'server'],
      ['sub-b', 2, 'manual'],
    ]);
    await again.close();
  });

  it('searches names case-insensitively in Cyrillic, INNs by prefix, and takes % and _ literally', async () => {
    const storage = new SqliteStorage(file);
    await storage.addSubscriber({ id: 's1', name: 'АО "Василёк"', inn: '7809876543', kpp: '780101001', operatingMode: 'server', at });
    await storage.addSubscriber({ id: 's2', name: 'ООО "100% Ромашка"', inn: '7701234567', kpp: '770101001', operatingMode: 'server', at });
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
    const storage = new SqliteStorage(file);
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

  it('claims an idempotency key once: in progress, then the stored result; another body conflicts; a stale claim is taken over', async () => {
    const storage = new SqliteStorage(file);
    const { a, b } = await twoSubscribers(storage);
    const scope = { subscriberId: a.id, scope: 'send-document', key: 'k-1-abcdef' };
    const stale = '2026-11-22T09:55:00.000Z';
    expect(await storage.claimIdempotencyKey(scope, 'h1', at, stale)).toEqual({ kind: 'claimed' });
    expect(await storage.claimIdempotencyKey(scope, 'h1', at, stale)).toEqual({ kind: 'in-progress' });
    expect(await storage.claimIdempotencyKey(scope, 'h2', at, stale)).toEqual({ kind: 'conflict' });
    // The same key of another subscriber is another key.
    expect(await storage.claimIdempotencyKey({ ...scope, subscriberId: b.id }, 'h2', at, stale)).toEqual({ kind: 'claimed' });
    // A claim left by a crashed hub, older than the stale limit, is taken over.
    expect(await storage.claimIdempotencyKey(scope, 'h1', '2026-11-22T10:10:00.000Z', '2026-11-22T10:05:00.000Z')).toEqual({ kind: 'claimed' });

    const document = {
      id: 'doc-1',
      senderId: a.id,
      recipientId: b.id,
      blob: { sha256: 'a'.repeat(64), size: 1 },
      sentAt: at,
      status: 'sent',
    } as DocumentRecord;
    await storage.recordDocument(document, [{ subscriberId: b.id, payload: { type: 'document.delivered', documentId: 'doc-1', deliveredAt: at } }], { ...scope, status: 201, response: { id: 'doc-1' } });
    expect(await storage.claimIdempotencyKey(scope, 'h1', at, stale)).toEqual({ kind: 'replay', status: 201, response: { id: 'doc-1' } });
    // Releasing never drops a finished result.
    await storage.releaseIdempotencyKey(scope);
    expect((await storage.claimIdempotencyKey(scope, 'h1', at, stale)).kind).toBe('replay');
    await storage.close();
  });

  it('records the first delivery only, and never sets a later status back', async () => {
    const storage = new SqliteStorage(file);
    const { a, b } = await twoSubscribers(storage);
    const base = { senderId: a.id, recipientId: b.id, blob: { sha256: 'b'.repeat(64), size: 1 }, sentAt: at, status: 'sent' } as DocumentRecord;
    const result = (key: string) => ({ subscriberId: a.id, scope: 's', key, status: 201, response: {} });
    await storage.claimIdempotencyKey(result('k1'), 'h', at, at);
    await storage.recordDocument({ ...base, id: 'd1' }, [], result('k1'));
    const events = (status: string) => [{ subscriberId: a.id, payload: { type: 'document.status-changed' as const, documentId: 'd1', status: status as 'delivered' } }];
    expect(await storage.markDelivered('d1', at, events)).toHaveLength(1);
    expect(await storage.markDelivered('d1', at, events)).toBeUndefined();
    expect((await storage.getDocument('d1'))?.status).toBe('delivered');

    await storage.claimIdempotencyKey(result('k2'), 'h', at, at);
    await storage.recordDocument({ ...base, id: 'd2', status: 'receipt-confirmed' }, [], result('k2'));
    await storage.markDelivered('d2', at, () => []);
    expect(await storage.getDocument('d2')).toMatchObject({ status: 'receipt-confirmed', deliveredAt: at });
    await storage.close();
  });

  it('numbers each subscriber\'s events 1, 2, 3, ... while two processes append at once', async () => {
    const storage = new SqliteStorage(file);
    const { a, b } = await twoSubscribers(storage);
    const perWriter = 500;
    // A writer process: flips the A–B relation `perWriter` times; each change is two events.
    const script = join(dir, 'writer.mts');
    writeFileSync(
      script,
      `import { SqliteStorage } from ${JSON.stringify(resolve(import.meta.dirname, 'sqlite.ts'))};
       const storage = new SqliteStorage(${JSON.stringify(file)});
       for (let i = 0; i < ${perWriter}; i++) {
         await storage.saveContact({ inviterId: 'sub-a', inviteeId: 'sub-b', state: i % 2 ? 'connected' : 'invited', at: new Date().toISOString(),
           events: (c) => ['sub-a', 'sub-b'].map((subscriberId) => ({ subscriberId, payload: { type: 'contact.changed', contact: { subscriber: { id: 'x', name: 'x', inn: '7701234567' }, state: 'connected', revision: c.revision, updatedAt: c.updatedAt } } })) });
         await new Promise((r) => setImmediate(r));
       }
       await storage.close();`,
    );
    const run = () =>
      new Promise<number | null>((done) => {
        const child = spawn(process.execPath, ['--import', 'tsx', script], { cwd: resolve(import.meta.dirname, '../..'), stdio: 'inherit' });
        child.on('close', done);
      });
    expect(await Promise.all([run(), run()])).toEqual([0, 0]);
    for (const subscriber of [a.id, b.id]) {
      const seqs = (await storage.listEvents(subscriber, 0, 10_000)).map((e) => e.seq);
      expect(seqs).toEqual(Array.from({ length: 2 * perWriter }, (_, i) => i + 1));
    }
    // Contact revisions, assigned in the same transactions, are unique and increasing too.
    const revisions = (await storage.listEvents(a.id, 0, 10_000)).map((e) => (e.type === 'contact.changed' ? e.contact.revision : 0));
    expect(revisions).toEqual([...revisions].sort((x, y) => x - y));
    expect(new Set(revisions).size).toBe(2 * perWriter);
    await storage.close();
  });
});
