// Exchange-session benchmark, on a real hub (child process) and real SoftHSM tokens:
//  1. documents per second of a whole receive-verify-receipt session (download each blob,
//     verify its CMS, store it, build, sign and send the receipt notice) against the raw
//     signatures per second of the same token key — the limit the session cannot beat —
//     for RSA-2048 and ECDSA P-256;
//  2. the time of a session with no new events, on a hub holding a short and then a long
//     history: it must not grow with history (the ratio stays near 1).
// The CPU time the clerk's process (the token's signing included) and the hub's process spend per
// document is printed beside it: on a shared machine it moves far less than the wall time.
// Run: npx tsx bench/session/run.ts [--documents 200] [--history 3000]
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signDetached } from '../../src/crypto/cms';
import { ClerkProfile, type PinSource } from '../../src/exchange/profile';
import type { SessionResult } from '../../src/exchange/session';
import { openToken } from '../../src/token/session';
import { registerTokenOrganization, startHub, type StartedHub } from '../../test/support/hub';
import {
  createTestPki,
  samplePeople,
  type KeyAlgorithm,
  type TestPerson,
  type TestPki,
} from '../../test/support/test-pki';
import type { Org } from '../../test/node/session-harness';
import { connectContacts } from '../contacts';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const documents = arg('documents', 200);
const history = arg('history', 3000);
const PIN = '1234';
const pins: PinSource = { pin: async () => PIN };
const algorithms = ['RSA-2048', 'ECDSA-P256'] as const satisfies readonly KeyAlgorithm[];

function person(base: TestPerson, suffix: string, inn: string): TestPerson {
  return { ...base, organization: `${base.organization} ${suffix}`, orgInn: inn };
}

const people = {
  'RSA-2048': {
    a: person(samplePeople.ivanova, 'RSA', '7701000019'),
    b: person(samplePeople.petrov, 'RSA', '7801000012'),
  },
  'ECDSA-P256': {
    a: person(samplePeople.ivanova, 'EC', '7701000026'),
    b: person(samplePeople.petrov, 'EC', '7801000020'),
  },
} as const;

const dir = mkdtempSync(join(tmpdir(), 'edo-session-bench-'));
let pki: TestPki | undefined;
let hub: StartedHub | undefined;

async function session(profile: ClerkProfile): Promise<{ result: SessionResult; seconds: number }> {
  const t0 = performance.now();
  const result = await profile.runSession({ trigger: 'manual', pins });
  const seconds = (performance.now() - t0) / 1000;
  if (result.outcome !== 'done')
    throw new Error(
      `session in ${profile.dir} ended ${result.outcome}: ${result.error ?? result.clerkNeeded?.message}`,
    );
  return { result, seconds };
}

/** The bench's profiles keep no secrets: the PIN comes from `pins`, logins are by certificate. */
const noSecrets = { get: async () => undefined, set: async () => undefined, delete: async () => false };

function profileFor(name: string, token: string): ClerkProfile {
  const profile = new ClerkProfile(join(dir, name), noSecrets);
  profile.settingsFile.write({
    serverUrl: hub!.url,
    trustedRoots: [pki!.caCertificateFile],
    signer: { kind: 'token', modulePath: pki!.modulePath, token },
  });
  return profile;
}

async function queue(
  profile: ClerkProfile,
  token: string,
  to: Org,
  count: number,
  needsReceipt: boolean,
  size: number,
): Promise<void> {
  const t = openToken({ modulePath: pki!.modulePath, token });
  await t.login(PIN);
  const signer = t.signer();
  try {
    for (let i = 0; i < count; i++) {
      const content = Buffer.concat([Buffer.from(`bench ${i}\n`), randomBytes(size)]);
      const blob = await profile.store.blobs.write(content);
      const cms = await signDetached(content, signer);
      profile.store.queueOutgoingDocument({
        counterpartyId: to.id,
        counterpartyName: to.name,
        title: `Документ ${i}`,
        fileName: `doc-${i}.bin`,
        blobHash: blob.hash,
        size: blob.size,
        needsReceipt,
        signature: { cms, valid: null },
      });
    }
  } finally {
    t.close();
  }
}

/** Raw signatures per second of a token key: the same PKCS#11 path the session signs with, minus everything else. */
async function rawSignaturesPerSecond(token: string, count: number): Promise<number> {
  const t = openToken({ modulePath: pki!.modulePath, token });
  await t.login(PIN);
  const signer = t.signer();
  const data = createHash('sha256').update('bench').digest();
  await signer.sign(data);
  const t0 = performance.now();
  for (let i = 0; i < count; i++) await signer.sign(data);
  const seconds = (performance.now() - t0) / 1000;
  t.close();
  return count / seconds;
}

/** CPU milliseconds a process has used so far (Linux /proc: utime + stime, in clock ticks of 10 ms). */
function cpuMsOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;

/** Median of `runs` sessions after two warm-up runs (the machine may be shared: the median resists other load). */
async function emptySessionSeconds(profile: ClerkProfile, runs = 11): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs + 2; i++) {
    const { result, seconds } = await session(profile);
    if (result.summary.documentsReceived + result.summary.serviceDocumentsReceived !== 0)
      throw new Error('the "empty" session received something');
    if (i >= 2) times.push(seconds);
  }
  return median(times);
}

try {
  pki = await createTestPki(
    algorithms.flatMap((algorithm) => [
      { label: `a-${algorithm}`, pin: PIN, keys: [{ algorithm, person: people[algorithm].a }] },
      { label: `b-${algorithm}`, pin: PIN, keys: [{ algorithm, person: people[algorithm].b }] },
    ]),
  );
  hub = await startHub({ args: ['--log-level', 'warn'] });
  await hub.admin(['trust', 'add', pki.caCertificateFile]);
  const rows: Record<string, string | number>[] = [];
  let emptyPair: { a: ClerkProfile; b: ClerkProfile; aOrg: Org; bOrg: Org; aToken: string } | undefined;

  for (const algorithm of algorithms) {
    const [ta, tb] = [
      pki.tokens.find((t) => t.label === `a-${algorithm}`)!,
      pki.tokens.find((t) => t.label === `b-${algorithm}`)!,
    ];
    const aOrg = (await registerTokenOrganization(hub, ta, { kpp: '770101001' })).org;
    const bOrg = (await registerTokenOrganization(hub, tb, { kpp: '780101001' })).org;
    const a = profileFor(`a-${algorithm}`, ta.label);
    const b = profileFor(`b-${algorithm}`, tb.label);
    await session(a);
    await session(b);
    await connectContacts(a, aOrg, b, bOrg, pins);
    await queue(a, ta.label, bOrg, documents, true, 20_000);
    await session(a); // sends them
    const cpu0 = [cpuMsOf(process.pid), cpuMsOf(hub.pid)];
    const received = await session(b); // receive, verify, sign and send the receipts
    const [clerkCpu, hubCpu] = [cpuMsOf(process.pid) - cpu0[0]!, cpuMsOf(hub.pid) - cpu0[1]!];
    if (received.result.summary.serviceDocumentsSent !== documents)
      throw new Error(`expected ${documents} receipt notices, sent ${received.result.summary.serviceDocumentsSent}`);
    const sessionRate = documents / received.seconds;
    const rawRate = await rawSignaturesPerSecond(tb.label, Math.max(documents, 100));
    rows.push({
      key: algorithm,
      documents,
      'session s': received.seconds.toFixed(2),
      'session docs/s': sessionRate.toFixed(1),
      'raw token sig/s': rawRate.toFixed(1),
      'session / raw': (sessionRate / rawRate).toFixed(3),
      'clerk cpu ms/doc': (clerkCpu / documents).toFixed(1),
      'hub cpu ms/doc': (hubCpu / documents).toFixed(1),
    });
    emptyPair ??= { a, b, aOrg, bOrg, aToken: ta.label };
  }
  console.log('\nReceive-verify-receipt session vs raw token signatures (the same key, the same run):');
  console.table(rows);

  // No new events: on the short history above, then after thousands more events.
  const { a, b, bOrg, aToken } = emptyPair!;
  const shortSeconds = await emptySessionSeconds(b);
  const eventsBefore = Number(b.store.cursor('events'));
  await queue(a, aToken, bOrg, history, false, 256);
  await session(a);
  const filled = await session(b);
  const longSeconds = await emptySessionSeconds(b);
  const events = Number(b.store.cursor('events'));
  console.log(
    `\nSession with no new events (median of 11), B's feed at ${eventsBefore} events, then at ${events} events:`,
  );
  console.table([
    {
      'short history s': shortSeconds.toFixed(4),
      'long history s': longSeconds.toFixed(4),
      'long / short': (longSeconds / shortSeconds).toFixed(2),
      'events received to grow it': filled.result.summary.documentsReceived,
      'their session s': filled.seconds.toFixed(1),
    },
  ]);
  console.log(
    JSON.stringify({
      bench: 'session',
      rows,
      empty: { shortSeconds, longSeconds, ratio: longSeconds / shortSeconds, eventsBefore, events },
    }),
  );
} finally {
  await hub?.stop();
  pki?.cleanup();
  rmSync(dir, { recursive: true, force: true });
}
