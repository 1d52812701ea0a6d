// Exactly-once in effect across hub instances (docs/architecture.md §6, §8): two `edo-hub serve`
// processes on one PostgreSQL database, A's clerk talking to instance one and B's to instance
// two through a loopback proxy (the load balancer in front of the instances). Both organizations
// archive what they sign. While both clerks' `edo-clerk session` runs move documents both ways,
// instance two is killed with SIGKILL; the proxy sends B's retries to instance one, as a load
// balancer does when an instance dies. Then sessions run until everything settles, with B's
// clarification requests in the mix. Every document must arrive once, every receipt notice and
// clarification request be sent once, and every one of them be archived once in the one
// archive log, counted in both clerks' stores and in the hub's database.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClerkStore } from '../../src/store';
import { backends, closeDatabases } from '../support/databases';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy';
import { loginWithSigner, registerTokenOrganization, startHub, type StartedHub } from '../support/hub';
import { softhsm } from '../support/system';
import {
  clerk,
  crashClerks,
  expectExit,
  startClerk,
  type ClerkRun,
  type CrashClerks,
  type Org,
  type Side,
} from './session-harness';

const hsm = softhsm();
const postgres = backends.find((b) => b.name === 'postgres')!;
/** Modest: the suite runs in CI beside the single-hub crash test, which moves hundreds. */
const perSide = 40;
const clarified = 3;

describe.skipIf(!hsm.ok || postgres.skip !== undefined)(
  `two hub instances, one killed mid-run: nothing sent twice, nothing lost ${hsm.reason ?? ''} ${postgres.skip ?? ''}`,
  () => {
    let clerks: CrashClerks;
    let one: StartedHub;
    let two: StartedHub;
    let proxy: FaultProxy;
    let a: Org;
    let b: Org;
    const sessionArgs = (side: Side) => ['session', '--pin-stdin', '--profile', clerks.profile(side), '--json'];
    const session = (side: Side) => clerk(sessionArgs(side), { stdin: clerks.pin[side] });

    beforeAll(async () => {
      clerks = await crashClerks('clerk-instances-');
      const { pki, pin, label, profile } = clerks;
      proxy = await startFaultProxy();
      // Both instances sign B's logins for the proxy's address; the blob folder is shared (a shared volume).
      const args = ['--crl-folder', clerks.crlFolder, '--public-origin', proxy.url];
      const data = join(clerks.dir, 'hub');
      one = await startHub({ backend: postgres, dataDir: data, args });
      two = await startHub({ databaseUrl: one.databaseUrl!, dataDir: data, args });
      proxy.forwardTo(two.url);
      await one.admin(['trust', 'add', pki.caCertificateFile]);
      a = (await registerTokenOrganization(one, pki.tokens[0]!, { kpp: '770101001' })).org;
      b = (await registerTokenOrganization(one, pki.tokens[1]!, { kpp: '780901001' })).org;
      const server = { a: one.url, b: proxy.url };
      for (const side of ['a', 'b'] as const) {
        const init = [
          'profile',
          'init',
          '--server',
          server[side],
          '--trust',
          pki.caCertificateFile,
          '--module',
          pki.modulePath,
          '--token',
          label[side],
        ];
        expectExit(await clerk([...init, '--profile', profile(side), '--json']), 0);
        expectExit(await session(side), 0);
        // Each organization's administrator (its token's holder) switches archiving on.
        await clerks.withSide(side, async (_store, signer) => {
          const { api } = await loginWithSigner(server[side], signer);
          expect(
            (await api.call('PATCH', '/v1/organization/settings', { json: { archiving: { enabled: true } } })).status,
          ).toBe(200);
        });
      }
      expectExit(
        await clerk(['contact', 'invite', b.inn, '--pin-stdin', '--profile', profile('a'), '--json'], { stdin: pin.a }),
        0,
      );
      expectExit(
        await clerk(['contact', 'accept', a.inn, '--pin-stdin', '--profile', profile('b'), '--json'], { stdin: pin.b }),
        0,
      );
      await clerks.queueDocuments('a', b, perSide);
      await clerks.queueDocuments('b', a, perSide);
    }, 600_000);

    afterAll(async () => {
      await two?.stop();
      await one?.stop();
      await proxy?.close();
      await closeDatabases();
      clerks?.cleanup();
    });

    it(`moves ${perSide} documents each way while instance two is killed under B's session`, async () => {
      // Both clerks at once; instance two dies when B has sent a third of its documents.
      let sentByB = 0;
      const killAt = Math.floor(perSide / 3);
      const runB = startClerk(sessionArgs('b'), {
        stdin: clerks.pin.b,
        killWhen: (line) => {
          if ((JSON.parse(line) as { progress?: { step: string } }).progress?.step === 'outbox') sentByB++;
          if (sentByB === killAt && two.process.exitCode === null && two.process.signalCode === null) {
            two.process.kill('SIGKILL');
            proxy.forwardTo(one.url);
          }
          return false;
        },
      });
      const [ra, rb] = await Promise.all([session('a'), runB.done]);
      expect(two.process.signalCode ?? (await new Promise((r) => two.process.once('exit', (_c, s) => r(s))))).toBe(
        'SIGKILL',
      );
      expect(ra.signal).toBeNull();
      expect(rb.signal).toBeNull();

      // Then sessions until both sides have nothing left; B's clarification requests join after the first round.
      // A claim the killed instance held stays in progress until its lease lapses (30 s), so this takes a few rounds.
      let settled = false;
      let runs: ClerkRun[] = [];
      for (let round = 0; round < 12 && !settled; round++) {
        runs = await Promise.all([session('a'), session('b')]);
        if (round === 0) {
          await clerks.withSide('b', async (store) => {
            const incoming = store.listDocuments({ direction: 'in', limit: 10_000 }).items.slice(0, clarified);
            expect(incoming).toHaveLength(clarified);
            for (const d of incoming)
              store.requireServiceDocument(d.id, 'clarification', `Уточните реквизиты: ${d.title}`);
          });
          continue;
        }
        const left = (side: Side) => {
          const store = ClerkStore.open(clerks.profile(side));
          try {
            return store.waitingOutbox().length + store.countPendingServiceDocuments();
          } finally {
            store.close();
          }
        };
        const moved = runs.reduce(
          (n, r) =>
            n +
            r.json.summary.documentsSent +
            r.json.summary.documentsReceived +
            r.json.summary.serviceDocumentsSent +
            r.json.summary.serviceDocumentsReceived,
          0,
        );
        settled = moved === 0 && left('a') + left('b') === 0;
      }
      for (const run of runs) expectExit(run, 0);
      expect(settled).toBe(true);

      for (const [side, other] of [
        ['a', 'b'],
        ['b', 'a'],
      ] as const) {
        const store = ClerkStore.open(clerks.profile(side));
        try {
          const out = store.listDocuments({ direction: 'out', limit: 10_000 });
          const incoming = store.listDocuments({ direction: 'in', limit: 10_000 });
          expect(out.total).toBe(perSide);
          expect(new Set(out.items.map((d) => d.hubId)).size).toBe(perSide);
          const statuses = (items: typeof out.items) =>
            items.reduce<Record<string, number>>((n, d) => ({ ...n, [d.status]: (n[d.status] ?? 0) + 1 }), {});
          // A's documents that B asked to clarify say so; every other one has its receipt.
          const sentStatuses =
            side === 'a'
              ? { 'clarification-requested': clarified, 'receipt-confirmed': perSide - clarified }
              : { 'receipt-confirmed': perSide };
          expect({ side, statuses: statuses(out.items) }).toEqual({ side, statuses: sentStatuses });
          expect(incoming.total).toBe(perSide);
          expect(new Set(incoming.items.map((d) => d.title))).toEqual(
            new Set(Array.from({ length: perSide }, (_, i) => `${other.toUpperCase()}-${i}`)),
          );
          expect({ side, states: [...new Set(incoming.items.map((d) => d.signatureState))] }).toEqual({
            side,
            states: ['valid'],
          });
          const serviceDocuments = store.db
            .prepare(
              'SELECT type, direction, status, count(*) AS n, count(DISTINCT document_id) AS docs FROM service_documents GROUP BY 1, 2, 3 ORDER BY 1, 2',
            )
            .all();
          const clarifications =
            side === 'a' ? { direction: 'in', status: 'received' } : { direction: 'out', status: 'sent' };
          expect(serviceDocuments).toEqual([
            { type: 'clarification', ...clarifications, n: clarified, docs: clarified },
            { type: 'receipt', direction: 'in', status: 'received', n: perSide, docs: perSide },
            { type: 'receipt', direction: 'out', status: 'sent', n: perSide, docs: perSide },
            // The operator's ПДОТПР, one per document either way.
            { type: 'send-confirmation', direction: 'in', status: 'received', n: 2 * perSide, docs: 2 * perSide },
          ]);
        } finally {
          store.close();
        }
      }

      // The hub's own count, in the database both instances wrote.
      const docs = await one.query<{ sender: string; n: string; distinct_blobs: string }>(
        'SELECT sender_id AS sender, count(*) AS n, count(DISTINCT sha256) AS distinct_blobs FROM documents GROUP BY sender_id ORDER BY sender_id',
      );
      expect(Object.fromEntries(docs.map((d) => [d.sender, [Number(d.n), Number(d.distinct_blobs)]]))).toEqual({
        [a.id]: [perSide, perSide],
        [b.id]: [perSide, perSide],
      });
      const service = await one.query<{ type: string; n: string; docs: string }>(
        'SELECT type, count(*) AS n, count(DISTINCT document_id) AS docs FROM service_documents GROUP BY type ORDER BY type',
      );
      expect(service.map((s) => [s.type, Number(s.n), Number(s.docs)])).toEqual([
        ['clarification', clarified, clarified],
        ['receipt', 2 * perSide, 2 * perSide],
      ]);
      // One archive log: its indexes 0…n-1 whichever instance appended, each signed item in it once.
      const entries = await one.query<{ idx: string; org_id: string; document_id: string; kind: string }>(
        'SELECT idx, org_id, document_id, kind FROM archive_entries ORDER BY idx',
      );
      expect(entries.map((e) => Number(e.idx))).toEqual(entries.map((_, i) => i));
      expect(new Set(entries.map((e) => `${e.org_id} ${e.kind} ${e.document_id}`)).size).toBe(entries.length);
      const archived = (org: string, kind: string) => entries.filter((e) => e.org_id === org && e.kind === kind).length;
      expect([
        archived(a.id, 'document'),
        archived(a.id, 'receipt-notice'),
        archived(b.id, 'document'),
        archived(b.id, 'receipt-notice'),
        archived(b.id, 'clarification-request'),
      ]).toEqual([perSide, perSide, perSide, perSide, clarified]);
    }, 900_000);
  },
);
