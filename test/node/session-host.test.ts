// The session host (src/host, docs/architecture.md §8) as the app runs it, only forked by Node
// instead of Electron's utilityProcess: B's exchange session and store in a real child process,
// over the real hub, while B's SoftHSM token stays logged in here, in the parent. The receipt
// notices the child builds are signed by that token (OpenSSL judges them); a child killed
// mid-session fails that session only, and the next one (a new child) takes everything up once;
// messages outside the contract are refused, naming the problem, by either side.
import { execFileSync, fork } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signDetached } from '../../src/crypto/cms';
import { ClerkProfile } from '../../src/exchange/profile';
import type { SignerSource } from '../../src/exchange/session';
import { SessionHostClient, SessionHostStopped, type HostProcess } from '../../src/host/client';
import { forkNodeHost } from '../../src/host/node-host';
import type { SessionProgress } from '../../src/ipc/contract';
import { ClerkStore } from '../../src/store';
import { openToken } from '../../src/token/session';
import { MemorySecrets } from '../support/memory-secrets';
import { softhsm } from '../support/system';
import { expectExit, twoClerks, type TwoClerks } from './session-harness';

const hsm = softhsm();

describe.skipIf(!hsm.ok)(`the exchange session in a child process, the token in the parent ${hsm.reason ?? ''}`, () => {
  let t: TwoClerks;
  /** B's token, logged in here; every signature the child asks for is counted. */
  let signatures = 0;
  let token: SignerSource;
  const signer: SignerSource = {
    acquire: async () => {
      const s = await token.acquire();
      const sign = (data: Buffer) => (signatures++, s.sign(data));
      return { certificate: s.certificate, algorithm: s.algorithm, description: s.description, sign };
    },
  };
  const helpers = { signer: () => signer, servicePassword: async () => undefined };
  const hostOfB = () => new SessionHostClient(t.profB, forkNodeHost, helpers);

  /** A signs and queues `count` documents to B in this process, and A's session (the CLI) sends them. */
  async function sendFromA(prefix: string, count: number): Promise<void> {
    const tokenA = openToken({ modulePath: t.pki.modulePath, token: 'clerk-a' });
    await tokenA.login(t.pinA);
    const store = ClerkStore.open(t.profA);
    try {
      for (let i = 0; i < count; i++) {
        const content = Buffer.concat([Buffer.from(`${prefix}-${i}\n`), randomBytes(1_000)]);
        const blob = await store.blobs.write(content);
        const cms = await signDetached(content, tokenA.signer());
        store.queueOutgoingDocument({
          counterpartyId: t.b.id,
          counterpartyName: t.b.name,
          title: `${prefix}-${i}`,
          fileName: `${prefix}-${i}.txt`,
          blobHash: blob.hash,
          size: blob.size,
          needsReceipt: true,
          signature: { cms, valid: null },
        });
      }
    } finally {
      store.close();
      tokenA.close();
    }
    expectExit(await t.runA(['session']), 0);
  }

  beforeAll(async () => {
    t = await twoClerks({ prefix: 'clerk-host-' });
    token = new ClerkProfile(t.profB, new MemorySecrets()).signerSource({ pin: async () => t.pinB })!;
  }, 300_000);

  afterAll(async () => {
    (token as { close?: () => void } | undefined)?.close?.();
    await t?.stop();
  });

  it('receives a document in the child and signs its receipt notice with the token in the parent', async () => {
    await sendFromA('Акт', 1);
    const host = hostOfB();
    try {
      const steps = new Set<string>();
      const report = await host.runSession('manual', (p) => steps.add(p.step));
      expect(host.pid).not.toBe(process.pid);
      expect(report.summary.outcome).toBe('done');
      expect(report.receivedTitles).toEqual(['Акт-0']);
      expect(report.items.signed).toHaveLength(1);
      expect(report.items.serviceDocumentsSent).toEqual(report.items.signed);
      expect(steps).toContain('service-documents');
      expect(signatures).toBeGreaterThanOrEqual(2); // the login and the receipt notice, both made here

      // The ИОП the child stored is signed by B's token key: OpenSSL checks it against the CA and names the signer.
      const receipt = t.withStore(t.profB, (s) => s.serviceDocument(report.items.signed[0]!)!);
      writeFileSync(join(t.dir, 'iop.sig'), receipt.signature!);
      const xml = t.withStore(t.profB, (s) => s.blobs.pathOf(receipt.xmlHash!));
      const signerPem = join(t.dir, 'iop-signer.pem');
      const ca = t.pki.caCertificateFile;
      const verify = ['cms', '-verify', '-binary', '-inform', 'DER', '-in', join(t.dir, 'iop.sig'), '-content', xml];
      const judge = [...verify, '-CAfile', ca, '-purpose', 'any', '-signer', signerPem, '-out', '/dev/null'];
      execFileSync('openssl', judge, { stdio: 'pipe' });
      expect(readFileSync(signerPem, 'utf8').trim()).toBe(t.pki.tokens[1]!.keys[0]!.certificatePem.trim());

      // The store's reads come from the child too.
      const inbox = await host.read('documents:list', { direction: 'in', offset: 0, limit: 50 });
      expect(inbox.rows.map((r) => [r.title, r.status])).toEqual([['Акт-0', 'receipt-sent']]);
      expect((await host.lastSession())?.outcome).toBe('done');
    } finally {
      host.close();
    }
  });

  it('a child killed mid-session fails that session; the next one, a new child, takes everything up once', async () => {
    const count = 30;
    await sendFromA('Счёт', count);
    const host = hostOfB();
    try {
      let killedPid: number | undefined;
      const killAtThirdReceipt = (p: SessionProgress) => {
        if (p.step === 'service-documents' && p.done >= 3 && killedPid === undefined) {
          killedPid = host.pid;
          process.kill(killedPid!, 'SIGKILL');
        }
      };
      const killed = host.runSession('manual', killAtThirdReceipt);
      await expect(killed).rejects.toThrow(SessionHostStopped);
      await expect(killed).rejects.toThrow('SIGKILL');

      const next = await host.runSession('manual', () => {});
      expect(host.pid).not.toBe(killedPid);
      expect(next.summary.outcome).toBe('done');
      t.withStore(t.profB, (s) => {
        const inbox = s.listDocuments({ direction: 'in', limit: 1_000 }).items;
        const received = inbox.filter((d) => d.title.startsWith('Счёт-'));
        const titles = Array.from({ length: count }, (_, i) => `Счёт-${i}`);
        expect(received.map((d) => d.title).sort()).toEqual(titles.sort());
        const receipts = s.db
          .prepare(
            `SELECT status, count(*) AS n, count(DISTINCT document_id) AS docs FROM service_documents
             WHERE type = 'receipt' AND direction = 'out' GROUP BY status`,
          )
          .all();
        expect(receipts).toEqual([{ status: 'sent', n: count + 1, docs: count + 1 }]);
        expect(s.runs(10).map((r) => r.outcome)).toContain('interrupted');
      });
    } finally {
      host.close();
    }
  });

  it('refuses a request outside the contract, naming the problem', async () => {
    const child: HostProcess = forkNodeHost(t.profB);
    const messages: unknown[] = [];
    const next = () =>
      new Promise<unknown>((resolve) => {
        const poll = () => (messages.length > 0 ? resolve(messages.shift()) : setTimeout(poll, 10));
        poll();
      });
    child.onMessage((m) => messages.push(m));
    try {
      expect(await next()).toEqual({ kind: 'ready' });
      child.send({ kind: 'request', id: 7, request: { type: 'run-session', trigger: 'whenever' } } as never);
      const refusal = (id: number | undefined, problem: RegExp) => ({
        kind: 'refused',
        ...(id ? { id } : {}),
        problem: expect.stringMatching(problem),
      });
      expect(await next()).toEqual(refusal(7, /^request\.trigger: Invalid option/));
      const sideways = { direction: 'sideways', offset: 0, limit: 5 };
      child.send({ kind: 'request', id: 8, request: { type: 'read', channel: 'documents:list', args: sideways } });
      expect(await next()).toEqual(refusal(8, /^direction: Invalid option/));
      child.send({ kind: 'answer', call: 99, result: { type: 'signature', signature: 'not base64!' } });
      expect(await next()).toEqual(refusal(undefined, /^result\.signature: Invalid base64/));
    } finally {
      child.kill();
    }
    // Through the client: the refusal fails that request, with the child's words.
    const host = hostOfB();
    try {
      const read = host.read('documents:list', { direction: 'sideways', offset: 0, limit: 5 } as never);
      await expect(read).rejects.toThrow('The session host refused the request: direction: Invalid option');
    } finally {
      host.close();
    }
  });

  it('stops a host whose answer is outside the contract, naming the problem', async () => {
    // A child that answers every request with a session outcome the vocabulary does not have.
    const script = join(t.dir, 'wrong-host.mjs');
    const answer = "{ kind: 'result', id: m.id, result: { summary: { outcome: 'splendid' } } }";
    writeFileSync(script, `process.send({ kind: 'ready' }); process.on('message', (m) => process.send(${answer}));`);
    let child: ReturnType<typeof fork> | undefined;
    const start = (): HostProcess => {
      child = fork(script, [], { stdio: 'ignore' });
      return {
        pid: child.pid,
        send: (m) => void child!.send(m),
        onMessage: (l) => void child!.on('message', l),
        onExit: (l) => void child!.on('exit', () => l('exited')),
        kill: () => void child!.kill('SIGKILL'),
      };
    };
    const host = new SessionHostClient(t.profB, start, helpers);
    const answered = host.runSession('manual', () => {});
    await expect(answered).rejects.toThrow(/outside its contract: summary\.id: .*summary\.outcome: Invalid option/s);
    if (child!.signalCode === null) await new Promise((r) => child!.once('exit', r));
    expect(child!.signalCode).toBe('SIGKILL');
  });
});
