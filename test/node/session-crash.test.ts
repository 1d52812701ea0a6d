// Exactly-once in effect: `edo-clerk session` is SIGKILLed at many different points of
// sessions that move hundreds of documents both ways (sending, receiving, signing receipt
// notices, sending them), then run again until everything settles. Every document must arrive
// once and only once, and every required receipt notice must be sent once — counted in both
// clerks' stores and in the hub's own database.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signDetached } from '../../src/crypto/cms';
import { ClerkStore } from '../../src/store';
import { openToken } from '../../src/token/session';
import { registerTokenOrganization, startHub, type StartedHub } from '../support/hub';
import { softhsm } from '../support/system';
import { createTestPki, samplePeople, type TestPki } from '../support/test-pki';
import { clerk, expectExit, type ClerkRun, type Org } from './session-harness';

const hsm = softhsm();
const perSide = Number(process.env.EDO_CRASH_DOCUMENTS ?? 200);

describe.skipIf(!hsm.ok)(`a session killed at any point and run again sends nothing twice and loses nothing ${hsm.reason ?? ''}`, () => {
  let pki: TestPki;
  let hub: StartedHub;
  let dir: string;
  let a: Org;
  let b: Org;
  const prof = (side: 'a' | 'b') => join(dir, `profile-${side}`);
  const pin = { a: '1111', b: '2222' };
  /** The step of the last progress line before a kill. */
  let lastStep = '';
  /** A run, SIGKILLed at the n-th progress line (of `step`, when given). */
  const session = (side: 'a' | 'b', kill?: { n: number; step?: string }) => {
    let seen = 0;
    return clerk(['session', '--pin-stdin', '--profile', prof(side), '--json'], {
      stdin: pin[side],
      killWhen:
        kill === undefined
          ? undefined
          : (line) => {
              lastStep = (JSON.parse(line) as { progress?: { step: string } }).progress?.step ?? lastStep;
              if (kill.step === undefined || kill.step === lastStep) seen++;
              return seen >= kill.n;
            },
    });
  };

  /** Signs and queues documents the way `send --queue-only` does, in this process (faster than N CLI runs). */
  async function queueDocuments(side: 'a' | 'b', to: Org): Promise<void> {
    const token = openToken({ modulePath: pki.modulePath, token: side === 'a' ? 'clerk-a' : 'clerk-b' });
    await token.login(pin[side]);
    const signer = token.signer();
    const store = ClerkStore.open(prof(side));
    try {
      for (let i = 0; i < perSide; i++) {
        const content = Buffer.concat([Buffer.from(`Документ ${side.toUpperCase()}-${i}\n`), randomBytes(2_000 + i)]);
        const blob = await store.blobs.write(content);
        const cms = await signDetached(content, signer);
        store.queueOutgoingDocument({ counterpartyId: to.id, counterpartyName: to.name, title: `${side.toUpperCase()}-${i}`, kind: 'letter', fileName: `${side}-${i}.txt`, blobHash: blob.hash, size: blob.size, signature: { cms, valid: null } });
      }
    } finally {
      store.close();
      token.close();
    }
  }

  beforeAll(async () => {
    pki = await createTestPki([
      { label: 'clerk-a', pin: pin.a, keys: [{ algorithm: 'ECDSA-P256', person: samplePeople.ivanova }] },
      { label: 'clerk-b', pin: pin.b, keys: [{ algorithm: 'ECDSA-P256', person: samplePeople.petrov }] },
    ], { revocation: true });
    dir = mkdtempSync(join(tmpdir(), 'clerk-crash-'));
    hub = await startHub();
    await hub.admin(['trust', 'add', pki.caCertificateFile]);
    a = (await registerTokenOrganization(hub, pki.tokens[0]!, { kpp: '770101001' })).org;
    b = (await registerTokenOrganization(hub, pki.tokens[1]!, { kpp: '780901001' })).org;
    for (const [side, label] of [['a', 'clerk-a'], ['b', 'clerk-b']] as const) {
      expectExit(await clerk(['profile', 'init', '--server', hub.url, '--trust', pki.caCertificateFile, '--module', pki.modulePath, '--token', label, '--profile', prof(side), '--json']), 0);
      expectExit(await session(side), 0);
    }
    expectExit(await clerk(['contact', 'invite', b.inn, '--pin-stdin', '--profile', prof('a'), '--json'], { stdin: pin.a }), 0);
    expectExit(await clerk(['contact', 'accept', a.inn, '--pin-stdin', '--profile', prof('b'), '--json'], { stdin: pin.b }), 0);
    await queueDocuments('a', b);
    await queueDocuments('b', a);
  }, 600_000);

  afterAll(async () => {
    await hub?.stop();
    pki?.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it(`moves ${perSide} documents each way through sessions killed at many points`, async () => {
    // Kill points: the n-th progress line of a run (each outbox item, event and signature prints
    // one), and some n-th signature of the receipt-notice step, which comes last in a run.
    const signing = 'service-documents';
    const killPoints = [{ n: 1 }, { n: 4 }, { n: 9 }, { n: 17 }, { n: 30 }, { n: 55 }, { n: 80 }, { n: 120 }, { n: 2, step: signing }, { n: 170 }, { n: 25, step: signing }, { n: 240 }, { n: 70, step: signing }, { n: 330 }, { n: 450 }, { n: 600 }];
    const kills: { side: string; at: string; signal: string | null; step: string }[] = [];
    for (const [i, at] of killPoints.entries()) {
      for (const side of ['a', 'b'] as const) {
        lastStep = '';
        const run: ClerkRun = await session(side, { ...at, n: at.n + (side === 'b' ? i % 3 : 0) });
        kills.push({ side, at: `${at.step ?? 'line'} ${at.n}`, signal: run.signal, step: lastStep });
        if (run.signal === null) expect([0, 2], `${run.stderr}`).toContain(run.code);
      }
    }
    const killed = kills.filter((k) => k.signal === 'SIGKILL');
    expect(killed.length).toBeGreaterThanOrEqual(16); // most runs were really killed mid-way...
    for (const step of ['outbox', 'events', 'service-documents']) expect(killed.map((k) => k.step), JSON.stringify(kills)).toContain(step); // ...in every phase

    // Then let both sides settle: sessions until a round changes nothing.
    for (let round = 0; round < 8; round++) {
      const ra = expectExit(await session('a'), 0).json;
      const rb = expectExit(await session('b'), 0).json;
      const moved = [ra, rb].reduce((n, r) => n + r.summary.documentsSent + r.summary.documentsReceived + r.summary.serviceDocumentsSent + r.summary.serviceDocumentsReceived, 0);
      if (moved === 0 && round > 0) break;
    }

    const sha = (buf: Buffer) => createHash('sha256').update(buf).digest('hex');
    for (const [side, other] of [['a', 'b'], ['b', 'a']] as const) {
      const store = ClerkStore.open(prof(side));
      try {
        const out = store.listDocuments({ direction: 'out', limit: 10_000 });
        const incoming = store.listDocuments({ direction: 'in', limit: 10_000 });
        expect(out.total).toBe(perSide);
        expect(new Set(out.items.map((d) => d.hubId)).size).toBe(perSide);
        expect(out.items.every((d) => d.hubId !== null && d.status === 'receipt-confirmed')).toBe(true);
        expect(store.waitingOutbox()).toEqual([]);
        // every document of the other side arrived once, whole, with a valid signature
        expect(incoming.total).toBe(perSide);
        expect(new Set(incoming.items.map((d) => d.title))).toEqual(new Set(Array.from({ length: perSide }, (_, i) => `${other.toUpperCase()}-${i}`)));
        for (const d of incoming.items) {
          expect(d.signatureState).toBe('valid');
          expect(sha(readFileSync(store.blobs.pathOf(d.blobHash)))).toBe(d.blobHash);
        }
        // one receipt notice per received document, sent; one received per sent document
        const receipts = store.db.prepare("SELECT direction, status, count(*) AS n, count(DISTINCT document_id) AS docs FROM service_documents WHERE type = 'receipt' GROUP BY direction, status").all();
        expect(receipts).toEqual([
          { direction: 'in', status: 'received', n: perSide, docs: perSide },
          { direction: 'out', status: 'sent', n: perSide, docs: perSide },
        ]);
        expect(store.countPendingServiceDocuments()).toBe(0);
        expect(store.runs(100).some((r) => r.outcome === 'interrupted')).toBe(true);
      } finally {
        store.close();
      }
    }

    // The hub's own count: no document and no receipt notice twice.
    const hubDb = new Database(join(hub.dataDir, 'hub.sqlite'), { readonly: true });
    try {
      const docs = hubDb.prepare('SELECT sender_id AS sender, count(*) AS n FROM documents GROUP BY sender_id ORDER BY sender_id').all() as { sender: string; n: number }[];
      expect(Object.fromEntries(docs.map((d) => [d.sender, d.n]))).toEqual({ [a.id]: perSide, [b.id]: perSide });
      const receipts = hubDb.prepare("SELECT count(*) AS n, count(DISTINCT document_id) AS docs FROM service_documents WHERE type = 'receipt'").get();
      expect(receipts).toEqual({ n: 2 * perSide, docs: 2 * perSide });
    } finally {
      hubDb.close();
    }
  }, 900_000);
});
