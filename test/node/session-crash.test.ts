// Exactly-once in effect: `edo-clerk session` is SIGKILLed at many different points of
// sessions that move hundreds of documents both ways (sending, receiving, signing receipt
// notices, sending them), then run again until everything settles. Every document must arrive
// once and only once, and every required receipt notice must be sent once — counted in both
// clerks' stores and in the hub's own database. The document's own workflow is in the mix
// (docs/architecture.md §5a): some of A's documents ask for B's signature and B signs each as it
// arrives; A proposes annulling others and B accepts; the killed sessions post these steps, and
// every one is made once.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClerkStore } from '../../src/store';
import { acceptAnnulment, proposeAnnulment, signDocument } from '../../src/workplace/workflow';
import { registerTokenOrganization, startHub, type StartedHub } from '../support/hub';
import { softhsm } from '../support/system';
import {
  clerk,
  crashClerks,
  expectExit,
  type ClerkRun,
  type CrashClerks,
  type Org,
  type Side,
} from './session-harness';

const hsm = softhsm();
const perSide = Number(process.env.EDO_CRASH_DOCUMENTS ?? 200);
/** A's first documents ask for B's signature; the next ones A proposes to annul. */
const toSign = Math.min(12, Math.floor(perSide / 4));
const toAnnul = toSign;
const annulled = (i: number) => i >= toSign && i < toSign + toAnnul;

describe.skipIf(!hsm.ok)(
  `a session killed at any point and run again sends nothing twice and loses nothing ${hsm.reason ?? ''}`,
  () => {
    let clerks: CrashClerks;
    let hub: StartedHub;
    let a: Org;
    let b: Org;
    const prof = (side: Side) => clerks.profile(side);
    /** The step of the last progress line before a kill. */
    let lastStep = '';
    /** A run, SIGKILLed at the n-th progress line (of `step`, when given). */
    const session = (side: Side, kill?: { n: number; step?: string }) => {
      let seen = 0;
      return clerk(['session', '--pin-stdin', '--profile', prof(side), '--json'], {
        stdin: clerks.pin[side],
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

    /** The clerks' workflow steps on what their stores heard so far: B signs what asks for it and accepts proposals; A proposes annulling its documents the hub has. */
    const takeWorkflowSteps = async () => {
      await clerks.withSide('b', async (store, signer) => {
        // Both clerks' certificates name their organizations: no МЧД to check.
        const by = { source: { acquire: async () => signer }, representative: async () => undefined };
        const { signature, annulment } = store.awaitingOurAnswer();
        for (const d of signature) await signDocument(store, by, d.id);
        for (const d of annulment) await acceptAnnulment(store, by, d.id);
      });
      await clerks.withSide('a', async (store, signer) => {
        const by = { source: { acquire: async () => signer }, representative: async () => undefined };
        for (const d of store.listDocuments({ direction: 'out', limit: 10_000 }).items) {
          const i = Number(d.title.slice(2));
          if (annulled(i) && d.hubId && d.annulmentState === null && store.workflowStepsOf(d.id).length === 0)
            await proposeAnnulment(store, by, d.id, `Отправлен по ошибке: ${d.title}`);
        }
      });
    };

    beforeAll(async () => {
      clerks = await crashClerks('clerk-crash-');
      const { pki, pin, label } = clerks;
      hub = await startHub({ args: ['--crl-folder', clerks.crlFolder] });
      await hub.admin(['trust', 'add', pki.caCertificateFile]);
      a = (await registerTokenOrganization(hub, pki.tokens[0]!, { kpp: '770101001' })).org;
      b = (await registerTokenOrganization(hub, pki.tokens[1]!, { kpp: '780901001' })).org;
      for (const side of ['a', 'b'] as const) {
        expectExit(
          await clerk([
            'profile',
            'init',
            '--server',
            hub.url,
            '--trust',
            pki.caCertificateFile,
            '--module',
            pki.modulePath,
            '--token',
            label[side],
            '--profile',
            prof(side),
            '--json',
          ]),
          0,
        );
        expectExit(await session(side), 0);
      }
      expectExit(
        await clerk(['contact', 'invite', b.inn, '--pin-stdin', '--profile', prof('a'), '--json'], { stdin: pin.a }),
        0,
      );
      expectExit(
        await clerk(['contact', 'accept', a.inn, '--pin-stdin', '--profile', prof('b'), '--json'], { stdin: pin.b }),
        0,
      );
      await clerks.queueDocuments('a', b, perSide, (i) => i < toSign);
      await clerks.queueDocuments('b', a, perSide);
    }, 600_000);

    afterAll(async () => {
      await hub?.stop();
      clerks?.cleanup();
    });

    it(`moves ${perSide} documents each way through sessions killed at many points`, async () => {
      // Kill points: the n-th progress line of a run (each outbox item, event and signature prints
      // one), and some n-th signature of the receipt-notice step, which comes last in a run.
      const signing = 'service-documents';
      const killPoints = [
        { n: 1 },
        { n: 4 },
        { n: 9 },
        { n: 17 },
        { n: 30 },
        { n: 55 },
        { n: 80 },
        { n: 120 },
        { n: 2, step: signing },
        { n: 170 },
        { n: 25, step: signing },
        { n: 240 },
        { n: 70, step: signing },
        { n: 330 },
        { n: 450 },
        { n: 600 },
      ];
      const kills: { side: string; at: string; signal: string | null; step: string }[] = [];
      for (const [i, at] of killPoints.entries()) {
        for (const side of ['a', 'b'] as const) {
          lastStep = '';
          const run: ClerkRun = await session(side, { ...at, n: at.n + (side === 'b' ? i % 3 : 0) });
          kills.push({ side, at: `${at.step ?? 'line'} ${at.n}`, signal: run.signal, step: lastStep });
          if (run.signal === null) expect([0, 2], `${run.stderr}`).toContain(run.code);
        }
        // Steps signed now are posted (or killed while posted) by the next runs.
        await takeWorkflowSteps();
      }
      const killed = kills.filter((k) => k.signal === 'SIGKILL');
      expect(killed.length).toBeGreaterThanOrEqual(16); // most runs were really killed mid-way...
      for (const step of ['outbox', 'events', 'service-documents'])
        expect(
          killed.map((k) => k.step),
          JSON.stringify(kills),
        ).toContain(step); // ...in every phase

      // Then let both sides settle: sessions until a round changes nothing.
      for (let round = 0; round < 8; round++) {
        await takeWorkflowSteps();
        const ra = expectExit(await session('a'), 0).json;
        const rb = expectExit(await session('b'), 0).json;
        const moved = [ra, rb].reduce(
          (n, r) =>
            n +
            r.summary.documentsSent +
            r.summary.documentsReceived +
            r.summary.serviceDocumentsSent +
            r.summary.serviceDocumentsReceived +
            r.summary.workflowSteps,
          0,
        );
        if (moved === 0 && round > 0) break;
      }

      const sha = (buf: Buffer) => createHash('sha256').update(buf).digest('hex');
      for (const [side, other] of [
        ['a', 'b'],
        ['b', 'a'],
      ] as const) {
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
          expect(new Set(incoming.items.map((d) => d.title))).toEqual(
            new Set(Array.from({ length: perSide }, (_, i) => `${other.toUpperCase()}-${i}`)),
          );
          for (const d of incoming.items) {
            expect(d.signatureState).toBe('valid');
            expect(sha(readFileSync(store.blobs.pathOf(d.blobHash)))).toBe(d.blobHash);
          }
          // one receipt notice per received document, sent; one received per sent document
          const receipts = store.db
            .prepare(
              "SELECT direction, status, count(*) AS n, count(DISTINCT document_id) AS docs FROM service_documents WHERE type = 'receipt' GROUP BY direction, status",
            )
            .all();
          expect(receipts).toEqual([
            { direction: 'in', status: 'received', n: perSide, docs: perSide },
            { direction: 'out', status: 'sent', n: perSide, docs: perSide },
          ]);
          expect(store.countPendingServiceDocuments()).toBe(0);
          expect(store.runs(100).some((r) => r.outcome === 'interrupted')).toBe(true);
          // Every workflow step posted once and accepted: a second one would have been refused (failed) by the hub.
          const steps = store.db
            .prepare('SELECT step, state, count(*) AS n FROM workflow_steps GROUP BY step, state ORDER BY step')
            .all();
          expect(steps).toEqual(
            side === 'a'
              ? [{ step: 'propose-annulment', state: 'done', n: toAnnul }]
              : [
                  { step: 'accept-annulment', state: 'done', n: toAnnul },
                  { step: 'sign', state: 'done', n: toSign },
                ],
          );
          const mine = side === 'a' ? out.items : incoming.items;
          const theirs = (d: (typeof mine)[number]) => Number(d.title.slice(2));
          expect(
            mine
              .filter((d) => d.recipientSignatureState === 'signed-by-both')
              .map(theirs)
              .sort((x, y) => x - y),
          ).toEqual(Array.from({ length: toSign }, (_, i) => i));
          expect(
            mine
              .filter((d) => d.annulmentState === 'annulled')
              .map(theirs)
              .sort((x, y) => x - y),
          ).toEqual(Array.from({ length: toAnnul }, (_, i) => toSign + i));
        } finally {
          store.close();
        }
      }

      // The hub's own count: no document and no receipt notice twice.
      const hubDb = new Database(join(hub.dataDir, 'hub.sqlite'), { readonly: true });
      try {
        const docs = hubDb
          .prepare('SELECT sender_id AS sender, count(*) AS n FROM documents GROUP BY sender_id ORDER BY sender_id')
          .all() as { sender: string; n: number }[];
        expect(Object.fromEntries(docs.map((d) => [d.sender, d.n]))).toEqual({ [a.id]: perSide, [b.id]: perSide });
        const receipts = hubDb
          .prepare(
            "SELECT count(*) AS n, count(DISTINCT document_id) AS docs FROM service_documents WHERE type = 'receipt'",
          )
          .get();
        expect(receipts).toEqual({ n: 2 * perSide, docs: 2 * perSide });
        const workflow = hubDb
          .prepare(
            "SELECT type, count(*) AS n, count(DISTINCT document_id) AS docs FROM service_documents WHERE type LIKE 'annulment-%' GROUP BY type ORDER BY type",
          )
          .all();
        expect(workflow).toEqual([
          { type: 'annulment-acceptance', n: toAnnul, docs: toAnnul },
          { type: 'annulment-proposal', n: toAnnul, docs: toAnnul },
        ]);
        expect(
          hubDb
            .prepare(
              'SELECT signature_state AS state, annulment_state AS annulment, count(*) AS n FROM documents WHERE signature_state IS NOT NULL OR annulment_state IS NOT NULL GROUP BY 1, 2 ORDER BY 1',
            )
            .all(),
        ).toEqual([
          { state: null, annulment: 'annulled', n: toAnnul },
          { state: 'signed-by-both', annulment: null, n: toSign },
        ]);
      } finally {
        hubDb.close();
      }
    }, 900_000);
  },
);
