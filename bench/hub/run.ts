// Hub throughput on loopback, each figure as a ratio to a bare Fastify route answering the same
// number of requests in the same run (same process, same client, same concurrency):
//   - documents posted per second (POST /v1/documents: CMS check over the blob, the signature
//     time-stamped by the operator's TSA and extended to CAdES-X Long Type 1 with OCSP from
//     OpenSSL's responder on loopback (the signer's certificate is the test PKI's, SoftHSM),
//     ПДОТПР built and signed by the operator key, one SQLite transaction with two events);
//   - empty event polls per second (GET /v1/events with nothing after the cursor);
// and the same documents posted with extension on against off (HubOptions.longTermSignatures
// false, a switch for this bench only; `edo-hub serve` always extends), over the same data:
// with the hub's OCSP cache, and with every document asking the responder (ocspCacheSeconds 0).
// Run: npx tsx bench/hub/run.ts [--documents N] [--polls N] [--concurrency N]
import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import Fastify from 'fastify';
import pino from 'pino';
import { signDetached } from '../../src/crypto/cms';
import { openHubData, openOrganizationData } from '../../server/data-dir';
import { createHub } from '../../server/hub';
import { verifyLongTerm } from '../../src/crypto/cades';
import { RevocationChecker } from '../../src/crypto/revocation';
import { createTestPki } from '../../test/support/test-pki';
import { pkiSigner, twoOrganizations } from './setup';

const { values } = parseArgs({
  options: {
    documents: { type: 'string' },
    polls: { type: 'string' },
    concurrency: { type: 'string' },
    rounds: { type: 'string' },
  },
});
const documents = Number(values.documents ?? 300);
const polls = Number(values.polls ?? 3000);
const concurrency = Number(values.concurrency ?? 8);
// The machine is shared: hub and bare runs alternate, and the median of each is compared.
const rounds = Number(values.rounds ?? 3);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Alternates bare and hub runs `rounds` times; returns the median rate of each. */
async function compare(
  hubRun: (round: number) => Promise<number>,
  bareRun: () => Promise<number>,
): Promise<{ hub: number; bare: number }> {
  const hub: number[] = [];
  const bare: number[] = [];
  for (let round = 0; round < rounds; round++) {
    bare.push(await bareRun());
    hub.push(await hubRun(round));
  }
  return { hub: median(hub), bare: median(bare) };
}

/** Runs `count` requests with `concurrency` in flight; returns requests per second. */
async function rate(count: number, request: (i: number) => Promise<Response>): Promise<number> {
  let next = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        const response = await request(i);
        if (!response.ok) throw new Error(`request ${i} failed: ${response.status} ${await response.text()}`);
        await response.arrayBuffer();
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return count / seconds;
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'edo-hub-bench-'));
  const data = await openHubData(dir);
  // Logged as in service (one line per request), into /dev/null.
  const logger = pino({ level: 'info' }, pino.destination('/dev/null'));
  const org = openOrganizationData(data);
  const hubOf = (options: Partial<Parameters<typeof createHub>[0]> = {}) =>
    createHub({ ...data, settings: org.settings, archive: org.archive, version: 'bench', logger, ...options }).app;
  // Over the same data: only how each accepts a signature differs.
  const hub = hubOf({ longTermSignatures: false });
  const extending = hubOf();
  const uncached = hubOf({ revocation: { ocspCacheSeconds: 0 } });
  const pki = await createTestPki([], { revocation: true });
  const bare = Fastify({ logger: false });
  bare.post('/bare', async () => ({ ok: true }));
  bare.get('/bare', async () => ({ events: [], next: 0, hasMore: false }));
  try {
    const hubUrl = await hub.listen({ host: '127.0.0.1', port: 0 });
    const extendingUrl = await extending.listen({ host: '127.0.0.1', port: 0 });
    const uncachedUrl = await uncached.listen({ host: '127.0.0.1', port: 0 });
    const bareUrl = await bare.listen({ host: '127.0.0.1', port: 0 });

    // Two organizations, a service user each, a trusted CA, connected as contacts.
    const a = await pkiSigner(pki);
    const { orgB, tokenA, tokenB, call } = await twoOrganizations(data, hubUrl, a);

    // Documents: distinct 4 KiB files, uploaded and signed beforehand.
    const bodies: Record<string, string>[] = [];
    const contents: Buffer[] = [];
    for (let i = 0; i < documents * rounds * 5 + 1; i++) {
      const content = Buffer.alloc(4096, i % 251);
      content.writeUInt32BE(i, 0);
      const sha256 = createHash('sha256').update(content).digest('hex');
      await (
        await fetch(`${hubUrl}/v1/blobs/${sha256}`, {
          method: 'PUT',
          headers: { authorization: `Bearer ${tokenA}`, 'content-type': 'application/octet-stream' },
          body: content,
        })
      ).arrayBuffer();
      const signature = (await signDetached(content, a.signer)).toString('base64');
      contents.push(content);
      bodies.push({
        recipientId: orgB.id,
        title: `Документ ${i}`,
        kind: 'letter',
        fileName: `doc-${i}.bin`,
        sha256,
        signature,
      });
    }
    // Each posting takes fresh documents: the hub accepts a blob's document once per key, and a key once.
    let used = 0;
    const post = (url: string) => () => {
      const first = used;
      used += documents;
      return rate(documents, (i) =>
        call(
          tokenA,
          'POST',
          '/v1/documents',
          bodies[first + i],
          { 'idempotency-key': `bench-${first + i}-${randomUUID()}` },
          url,
        ),
      );
    };
    const posted = await compare(post(extendingUrl), () =>
      rate(documents, (i) =>
        fetch(`${bareUrl}/bare`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            authorization: `Bearer ${tokenA}`,
            'idempotency-key': `bench-${i}`,
          },
          body: JSON.stringify(bodies[i]),
        }),
      ),
    );
    // The extending hub's answer is CAdES-X Long Type 1, its evidence enough offline: the figure below measures that.
    const proofIndex = used++;
    const proof = bodies[proofIndex]!;
    const accepted = (await (
      await call(
        tokenA,
        'POST',
        '/v1/documents',
        proof,
        { 'idempotency-key': `bench-proof-${randomUUID()}` },
        extendingUrl,
      )
    ).json()) as { signature: string };
    const judged = await verifyLongTerm(Buffer.from(accepted.signature, 'base64'), contents[proofIndex]!, {
      trustedRoots: [a.ca],
      tsaRoots: [
        Buffer.from(
          ((await (await call(tokenA, 'GET', '/v1/operator')).json()) as { certificate: string }).certificate,
          'base64',
        ),
      ],
      revocation: new RevocationChecker({ offline: true }),
    });
    if (judged.form !== 'CAdES-X-L1' || judged.verdict !== 'valid')
      throw new Error(`the extending hub answered ${judged.form}, ${judged.verdict}: ${judged.problems.join('; ')}`);
    const asked = pki.revocation!.requests.ocsp;
    const extended = await compare(post(extendingUrl), post(hubUrl));
    const askedCached = pki.revocation!.requests.ocsp - asked;
    const extendedUncached = await compare(post(uncachedUrl), post(hubUrl));
    const askedUncached = pki.revocation!.requests.ocsp - asked - askedCached;

    // Empty polls: B's cursor after everything it has.
    const feed = (await (await call(tokenB, 'GET', '/v1/events?after=0&limit=500')).json()) as { next: number };
    let cursor = feed.next;
    for (let more = true; more;) {
      const page = (await (await call(tokenB, 'GET', `/v1/events?after=${cursor}&limit=500`)).json()) as {
        next: number;
        hasMore: boolean;
      };
      cursor = page.next;
      more = page.hasMore;
    }
    const polled = await compare(
      () => rate(polls, () => call(tokenB, 'GET', `/v1/events?after=${cursor}`)),
      () =>
        rate(polls, () => fetch(`${bareUrl}/bare?after=${cursor}`, { headers: { authorization: `Bearer ${tokenB}` } })),
    );

    const figure = (count: number, r: { hub: number; bare: number }) => ({
      count,
      hubPerSecond: Math.round(r.hub),
      barePerSecond: Math.round(r.bare),
      ratio: +(r.hub / r.bare).toFixed(3),
    });
    const figures = {
      concurrency,
      rounds,
      documents: figure(documents, posted),
      emptyPolls: figure(polls, polled),
      extendedVsOff: { ...figure(documents, extended), ocspRequests: askedCached },
      extendedUncachedVsOff: { ...figure(documents, extendedUncached), ocspRequests: askedUncached },
    };
    console.log(`hub bench on loopback, ${concurrency} requests in flight, median of ${rounds} alternating rounds`);
    console.log(
      `  documents posted:  ${figures.documents.hubPerSecond}/s vs bare Fastify ${figures.documents.barePerSecond}/s  → ratio ${figures.documents.ratio} (${documents} requests each)`,
    );
    console.log(
      `  empty event polls: ${figures.emptyPolls.hubPerSecond}/s vs bare Fastify ${figures.emptyPolls.barePerSecond}/s  → ratio ${figures.emptyPolls.ratio} (${polls} requests each)`,
    );
    const onOff = (name: string, f: typeof figures.extendedVsOff) =>
      console.log(
        `  ${name}: ${f.hubPerSecond}/s vs extension off ${f.barePerSecond}/s  → ratio ${f.ratio} (${f.ocspRequests} OCSP requests for ${documents * rounds} documents)`,
      );
    onOff('documents, time-stamped and extended to CAdES-X L1, OCSP cached   ', figures.extendedVsOff);
    onOff('documents, time-stamped and extended, OCSP asked for each document', figures.extendedUncachedVsOff);
    console.log(JSON.stringify(figures));
  } finally {
    await hub.close();
    await extending.close();
    await uncached.close();
    await pki.cleanup();
    await bare.close();
    await org.close();
    await data.storage.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
