import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BlobHashMismatchError, ClerkStore, listStatusSql, migrations } from '.';

let dir: string;
let store: ClerkStore;
const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
const good = { cms: Buffer.from('cms'), valid: true, signer: 'Иванова Мария Петровна' };

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'clerk-store-'));
  store = ClerkStore.open(dir);
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

function incoming(hubId: string, over: Partial<Parameters<ClerkStore['recordIncomingDocument']>[0]> = {}) {
  return store.transaction(() =>
    store.recordIncomingDocument({
      hubId,
      counterpartyId: 'sub-a',
      counterpartyName: 'ООО "Ромашка"',
      title: `Договор ${hubId}`,
      fileName: `${hubId}.pdf`,
      blobHash: sha(hubId),
      size: 10,
      needsReceipt: true,
      sentAt: '2026-11-20T10:00:00.000Z',
      signatures: [good],
      ...over,
    }),
  );
}

describe('schema', () => {
  it('migrates to the latest version once, in WAL mode, and refuses a newer database', () => {
    expect(store.db.pragma('user_version', { simple: true })).toBe(migrations.length);
    expect(store.db.pragma('journal_mode', { simple: true })).toBe('wal');
    store.close();
    store = ClerkStore.open(dir); // reopening applies nothing twice
    expect(store.db.pragma('user_version', { simple: true })).toBe(migrations.length);
    store.close();
    const raw = new Database(join(dir, 'clerk.sqlite'));
    raw.pragma(`user_version = ${migrations.length + 1}`);
    raw.close();
    expect(() => ClerkStore.open(dir)).toThrow(/newer than this program knows/);
    const raw2 = new Database(join(dir, 'clerk.sqlite'));
    raw2.pragma(`user_version = ${migrations.length}`);
    raw2.close();
    store = ClerkStore.open(dir);
  });
});

describe('blobs', () => {
  it('names a blob by its SHA-256 and keeps nothing when the content does not match', async () => {
    const content = Buffer.from('Счёт №1');
    const stored = await store.blobs.write(content);
    expect(stored).toEqual({ hash: sha(content), size: content.length });
    expect(store.blobs.read(stored.hash)).toEqual(content);
    await expect(store.blobs.write(Buffer.from('other'), sha(content).replace(/^./, '0'))).rejects.toThrow(
      BlobHashMismatchError,
    );
    expect(readdirSync(join(dir, 'blobs', 'tmp'))).toEqual([]);
  });
});

describe('outbox', () => {
  it('stores the idempotency key with the document before any attempt, and closes the entry with the hub id', () => {
    const { documentId, idempotencyKey } = store.queueOutgoingDocument({
      counterpartyId: 'sub-b',
      title: 'Акт',
      fileName: 'act.pdf',
      blobHash: sha('act'),
      size: 3,
      signature: { cms: Buffer.from('x'), valid: null },
    });
    const [item] = store.waitingOutbox();
    expect(item).toMatchObject({ itemType: 'document', itemId: documentId, idempotencyKey, attempts: 0 });
    store.noteOutboxError(item!.id, 'the hub cannot be reached');
    expect(store.waitingOutbox()[0]).toMatchObject({ attempts: 1, lastError: 'the hub cannot be reached' });
    store.completeDocumentSend(item!.id, documentId, { hubId: 'd-1', sentAt: '2026-11-21T09:00:00.000Z' });
    expect(store.waitingOutbox()).toEqual([]);
    expect(store.document(documentId)).toMatchObject({
      hubId: 'd-1',
      status: 'sent',
      sentAt: '2026-11-21T09:00:00.000Z',
    });
  });

  it('a refused document stops with the reason and the rest goes on', () => {
    const a = store.queueOutgoingDocument({
      counterpartyId: 'x',
      title: 'A',
      fileName: 'a',
      blobHash: sha('a'),
      size: 1,
      signature: { cms: Buffer.from('x'), valid: null },
    });
    store.queueOutgoingDocument({
      counterpartyId: 'x',
      title: 'B',
      fileName: 'b',
      blobHash: sha('b'),
      size: 1,
      signature: { cms: Buffer.from('x'), valid: null },
    });
    store.failOutbox(store.waitingOutbox()[0]!.id, 'forbidden', 'not a contact');
    expect(store.document(a.documentId)).toMatchObject({ status: 'rejected', statusReason: 'not a contact' });
    expect(store.waitingOutbox()).toHaveLength(1);
  });

  it('the clerk sends a refused document again with the same key, or removes it; an accepted one neither', () => {
    const doc = (title: string) =>
      store.queueOutgoingDocument({
        counterpartyId: 'x',
        title,
        fileName: title,
        blobHash: sha(title),
        size: 1,
        signature: { cms: Buffer.from('x'), valid: null },
      });
    const [retried, removed, accepted] = [doc('retried'), doc('removed'), doc('accepted')];
    const entry = (id: number) => store.waitingOutbox().find((o) => o.itemId === id)!;
    store.completeDocumentSend(entry(accepted.documentId).id, accepted.documentId, { hubId: 'd-9' });
    store.failOutbox(entry(retried.documentId).id, 'forbidden', 'not a contact');
    store.failOutbox(entry(removed.documentId).id, 'forbidden', 'not a contact');

    expect(store.retryRefusedDocument(retried.documentId)).toBe(true);
    expect(store.document(retried.documentId)).toMatchObject({ status: 'queued', statusReason: null });
    expect(entry(retried.documentId)).toMatchObject({
      idempotencyKey: retried.idempotencyKey,
      refusal: null,
      lastError: null,
    });
    expect(store.retryRefusedDocument(retried.documentId)).toBe(false); // waiting again, not refused

    expect(store.removeRefusedDocument(removed.documentId)).toBe(true);
    expect(store.document(removed.documentId)).toBeUndefined();
    expect(store.listDocuments({ direction: 'out', search: 'removed' }).total).toBe(0);
    expect(store.removeRefusedDocument(removed.documentId)).toBe(false);

    for (const act of [store.retryRefusedDocument, store.removeRefusedDocument])
      expect(act.call(store, accepted.documentId)).toBe(false);
    expect(store.document(accepted.documentId)).toMatchObject({ status: 'sent', hubId: 'd-9' });
  });
});

describe('incoming documents and service documents', () => {
  it('a replayed document changes nothing and requires one receipt notice', () => {
    const first = incoming('d-1');
    const again = incoming('d-1');
    expect(first.created).toBe(true);
    expect(again).toEqual({ documentId: first.documentId, created: false });
    const pending = store.pendingServiceDocuments();
    expect(pending).toHaveLength(1);
    expect(pending[0]).toMatchObject({
      type: 'receipt',
      direction: 'out',
      status: 'pending',
      documentId: first.documentId,
    });
    expect(store.requireServiceDocument(first.documentId, 'receipt')).toBe(pending[0]!.id);
    expect(store.pendingServiceDocuments()).toHaveLength(1);
  });

  it('keeps a document whose signature does not verify, flagged with why, without a receipt notice', () => {
    const { documentId } = incoming('d-bad', {
      signatures: [
        {
          cms: Buffer.from('x'),
          valid: false,
          problems: [{ code: 'digest-mismatch', message: 'the content was changed after signing' }],
        },
      ],
    });
    expect(store.document(documentId)).toMatchObject({
      signatureState: 'invalid',
      signatureProblem: 'the content was changed after signing',
    });
    expect(store.signatures(documentId)[0]).toMatchObject({ valid: false, problems: [{ code: 'digest-mismatch' }] });
    expect(store.pendingServiceDocuments()).toEqual([]);
  });

  it('an undetermined signature: kept, listed as signature-unchecked with its receipt notice due, until a recheck determines it', () => {
    const unknownLine = {
      verdict: 'undetermined' as const,
      certificateStatus: 'unknown' as const,
      time: '2026-12-02T10:15:00.000Z',
      timeSource: 'timestamp' as const,
      problem: 'OCSP: connection refused',
    };
    const undetermined = {
      cms: Buffer.from('x'),
      valid: null,
      verdict: 'undetermined' as const,
      statusLine: unknownLine,
    };
    const kept = incoming('d-unknown', { signatures: [undetermined] });
    const revoked = incoming('d-unknown-2', { signatures: [undetermined] });
    const listed = (id: number) => store.document(id)!.listStatus;
    expect([listed(kept.documentId), listed(revoked.documentId)]).toEqual([
      'signature-unchecked',
      'signature-unchecked',
    ]);
    expect(store.listDocuments({ direction: 'in', status: 'signature-unchecked' }).total).toBe(2);
    expect(store.pendingServiceDocuments().map((p) => p.documentId)).toEqual([kept.documentId, revoked.documentId]);
    const [first, second] = store.undeterminedSignatures();

    const good = {
      ...unknownLine,
      verdict: 'valid' as const,
      certificateStatus: 'good' as const,
      source: 'ocsp' as const,
      by: 'CN=Responder',
      problem: undefined,
    };
    store.recordRecheck(first!.id, { cms: first!.cms, valid: true, verdict: 'valid', statusLine: good });
    expect(store.document(kept.documentId)).toMatchObject({ signatureState: 'valid', listStatus: 'receipt-pending' });
    expect(store.signatures(kept.documentId)[0]).toMatchObject({
      verdict: 'valid',
      statusLine: { certificateStatus: 'good', by: 'CN=Responder' },
      verifiedAt: expect.any(String),
    });

    const line = {
      ...unknownLine,
      verdict: 'invalid' as const,
      certificateStatus: 'revoked' as const,
      revokedAt: '2026-12-01T00:00:00.000Z',
    };
    store.recordRecheck(second!.id, {
      cms: second!.cms,
      valid: false,
      verdict: 'invalid',
      statusLine: line,
      problems: [{ code: 'certificate-revoked', message: 'revoked before signing' }],
    });
    // Invalid: the receipt notice not yet signed is withdrawn, as on arrival; a clarification request is what is due.
    expect(store.document(revoked.documentId)).toMatchObject({
      signatureState: 'invalid',
      listStatus: 'signature-invalid',
      statusReason: expect.stringMatching(/send a clarification request/),
    });
    expect(store.pendingServiceDocuments().map((p) => p.documentId)).toEqual([kept.documentId]);
    expect(store.undeterminedSignatures()).toEqual([]);
  });

  it('a signed receipt notice gets its outbox entry in the same transaction; sending it marks the document', () => {
    const { documentId } = incoming('d-2');
    const [p] = store.pendingServiceDocuments();
    const key = store.markServiceDocumentSigned(p!.id, {
      fileName: 'DP_IZVPOL_1.xml',
      xmlHash: sha('xml'),
      signature: Buffer.from('sig'),
    });
    const [item] = store.waitingOutbox();
    expect(item).toMatchObject({ itemType: 'service-document', itemId: p!.id, idempotencyKey: key });
    store.completeServiceDocumentSend(item!.id, p!.id, 'sd-1');
    expect(store.serviceDocument(p!.id)).toMatchObject({ status: 'sent', hubId: 'sd-1' });
    expect(store.document(documentId)!.status).toBe('receipt-sent');
    expect(store.countPendingServiceDocuments()).toBe(0);
  });
});

describe('Inbox and Outbox at 100,000 documents', () => {
  // Inserting 100,000 rows with their trigram index takes tens of seconds on a busy machine.
  it('searches, filters and pages through indexes', { timeout: 180_000 }, () => {
    const insert = store.db.prepare(
      `INSERT INTO documents(hub_id, direction, status, counterparty_id, counterparty_name, title, file_name, blob_hash, size, signature_state, created_at, updated_at, sort_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, 'valid', ?, ?, ?)`,
    );
    const base = Date.parse('2025-01-01T00:00:00Z');
    store.transaction(() => {
      for (let i = 0; i < 100_000; i++) {
        const at = new Date(base + i * 60_000).toISOString();
        insert.run(
          `h${i}`,
          i % 2 ? 'in' : 'out',
          i % 3 ? 'received' : 'receipt-sent',
          `sub-${i % 50}`,
          `Контрагент ${i % 50}`,
          `Счёт-фактура ${i}`,
          `invoice-${i}.pdf`,
          sha(String(i)),
          at,
          at,
          at,
        );
      }
    });
    const page1 = store.listDocuments({ direction: 'in', limit: 25 });
    expect(page1.total).toBe(50_000);
    expect(page1.items).toHaveLength(25);
    expect(page1.items[0]!.hubId).toBe('h99999');
    const page2 = store.listDocuments({ direction: 'in', limit: 25, offset: 25 });
    expect(page2.items[0]!.hubId).toBe('h99949');

    const found = store.listDocuments({ direction: 'in', search: 'invoice-77777' });
    expect(found.items.map((d) => d.hubId)).toEqual(['h77777']);
    const short = store.listDocuments({ direction: 'in', search: '7', limit: 1 });
    expect(short.total).toBeGreaterThan(0);

    const filtered = store.listDocuments({
      direction: 'in',
      counterpartyId: 'sub-7',
      status: 'received',
      from: '2025-02-01T00:00:00.000Z',
      to: '2025-02-28T23:59:59.999Z',
      limit: 500,
    });
    expect(filtered.items.length).toBeGreaterThan(0);
    for (const d of filtered.items) {
      expect(d).toMatchObject({ counterpartyId: 'sub-7', status: 'received', direction: 'in' });
      expect(d.createdAt >= '2025-02-01' && d.createdAt <= '2025-02-29').toBe(true);
    }

    // The plans: no full scan of the documents table for the lists.
    const plan = (sql: string, params: unknown[]) =>
      (store.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[])
        .map((r) => r.detail)
        .join(' | ');
    expect(
      plan('SELECT * FROM documents d WHERE d.direction = ? ORDER BY d.sort_at DESC, d.id DESC LIMIT 25', ['in']),
    ).toMatch(/USING INDEX documents_list/);
    expect(
      plan(
        'SELECT * FROM documents d WHERE d.direction = ? AND d.counterparty_id = ? ORDER BY d.sort_at DESC, d.id DESC LIMIT 25',
        ['in', 'sub-7'],
      ),
    ).toMatch(/USING INDEX documents_by_counterparty/);
    // A filter on the list status walks the stored status it derives from; each receipt is looked up by its own index.
    const byStatus = plan(
      `SELECT * FROM documents d WHERE d.direction = ? AND (${listStatusSql}) = ? AND d.status IN (?) ORDER BY d.sort_at DESC, d.id DESC LIMIT 25`,
      ['in', 'receipt-pending', 'received'],
    );
    expect(byStatus).toMatch(/USING INDEX documents_by_status/);
    expect(byStatus).toMatch(/service_documents_one_receipt/);
    expect(existsSync(join(dir, 'clerk.sqlite-wal'))).toBe(true);
  });
});

describe('a service document the hub refused', () => {
  it('waits with the reason and is not re-signed on its own; signing it again replaces the refused entry', () => {
    const { documentId } = incoming('d-r');
    const [p] = store.pendingServiceDocuments();
    store.markServiceDocumentSigned(p!.id, {
      fileName: 'DP_IZVPOL_1.xml',
      xmlHash: sha('x1'),
      signature: Buffer.from('s1'),
    });
    store.failOutbox(store.waitingOutbox()[0]!.id, 'validation-failed', 'the XML does not match its parent');
    const [refused] = store.pendingServiceDocuments();
    expect(refused).toMatchObject({
      id: p!.id,
      status: 'pending',
      refused: 'validation-failed',
      documentId,
      pendingCode: 'refused-by-hub',
    });
    expect(refused!.pendingReason).toBe('the XML does not match its parent');
    const key = store.markServiceDocumentSigned(p!.id, {
      fileName: 'DP_IZVPOL_2.xml',
      xmlHash: sha('x2'),
      signature: Buffer.from('s2'),
    });
    expect(store.waitingOutbox()).toEqual([expect.objectContaining({ itemId: p!.id, idempotencyKey: key })]);
    expect(store.pendingServiceDocuments()[0]).toMatchObject({ status: 'signed', refused: null });
  });

  it('marking one that is not pending (signed already, sent, or unknown) changes nothing and adds no outbox entry', () => {
    incoming('d-s');
    const [p] = store.pendingServiceDocuments();
    const signed = { fileName: 'DP_IZVPOL_1.xml', xmlHash: sha('x1'), signature: Buffer.from('s1') };
    const key = store.markServiceDocumentSigned(p!.id, signed);
    expect(store.markServiceDocumentSigned(p!.id, { ...signed, fileName: 'DP_IZVPOL_2.xml' })).toBeUndefined();
    expect(store.markServiceDocumentSigned(9999, signed)).toBeUndefined();
    expect(store.waitingOutbox()).toEqual([expect.objectContaining({ itemId: p!.id, idempotencyKey: key })]);
    expect(store.serviceDocument(p!.id)!.fileName).toBe('DP_IZVPOL_1.xml');
  });
});
