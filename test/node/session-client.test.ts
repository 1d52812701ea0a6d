// The hub's HTTP client against the real hub: the protocol's answers, one re-login on 401,
// retries with backoff on network failures, idempotent sends, and clear errors.
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signDetached } from '../../src/crypto/cms';
import { KeySigner } from '../../src/crypto/key-signer';
import type { Authenticator } from '../../src/exchange/client';
import { HttpExchangeClient, HubError, HubUnreachableError } from '../../src/exchange/http-client';
import { registerOrganization, startHub, type StartedHub } from '../support/hub';
import { softhsm } from '../support/system';
import { createTestPki, samplePeople, type TestPki } from '../support/test-pki';

const hsm = softhsm();

describe.skipIf(!hsm.ok)(`the hub's HTTP client ${hsm.reason ?? ''}`, () => {
  let pki: TestPki;
  let hub: StartedHub;
  const signers: KeySigner[] = [];
  const ids: string[] = [];
  const login = (signer: KeySigner): Authenticator => ({
    method: 'certificate',
    signLogin: (content) => signDetached(content, signer),
  });

  beforeAll(async () => {
    // The PKI's CA only; the keys are software keys (this file is about HTTP, not tokens).
    pki = await createTestPki([{ label: 'unused', keys: [] }], { revocation: true });
    hub = await startHub({ args: ['--token-ttl', '2'] });
    await hub.admin(['trust', 'add', pki.caCertificateFile]);
    for (const [i, person] of [samplePeople.ivanova, samplePeople.petrov].entries()) {
      const keys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const issued = await pki.issue(keys.publicKey, person);
      const certificate = Buffer.from(issued.rawData);
      signers.push(new KeySigner(keys.privateKey, certificate));
      const { org } = await registerOrganization(hub, {
        name: person.organization,
        inn: person.orgInn,
        kpp: `77010100${i}`,
        certificatePems: [issued.toString('pem')],
      });
      ids.push(org.id);
    }
  });

  afterAll(async () => {
    await hub?.stop();
    pki?.cleanup();
  });

  it('logs in with a signed nonce, sends idempotently, and logs in again once when the token expires', async () => {
    const a = new HttpExchangeClient(hub.url);
    const me = await a.authenticate(login(signers[0]!));
    expect(me.subscriber.id).toBe(ids[0]);
    const logins: string[] = [];
    const b = new HttpExchangeClient(hub.url, {
      fetch: (input, init) => {
        if (String(input).includes('/v1/auth/')) logins.push(String(input));
        return fetch(input, init);
      },
    });
    await b.authenticate(login(signers[1]!));
    await a.invite(ids[1]!);
    expect((await b.accept(ids[0]!)).state).toBe('connected');

    const content = Buffer.from('Договор №1');
    const sha256 = createHash('sha256').update(content).digest('hex');
    expect(await a.hasBlob(sha256)).toBe(false);
    await a.putBlob(sha256, content.length, () => Readable.from([content]));
    expect(await a.hasBlob(sha256)).toBe(true);
    const request = {
      recipientId: ids[1]!,
      title: 'Договор №1',
      kind: 'contract',
      fileName: 'dogovor.pdf',
      sha256,
      signature: (await signDetached(content, signers[0]!)).toString('base64'),
    };
    const first = await a.sendDocument('key-0000-0001', request);
    const again = await a.sendDocument('key-0000-0001', request); // a retry after a lost answer
    expect(again.id).toBe(first.id);
    await expect(a.sendDocument('key-0000-0001', { ...request, title: 'Другой' })).rejects.toMatchObject({
      code: 'idempotency-conflict',
      status: 409,
    });

    await new Promise((r) => setTimeout(r, 2500)); // the access token (ttl 2 s) expires
    const page = await b.events(0);
    expect(page.events.map((e) => e.type)).toContain('document.received');
    expect(logins.filter((u) => u.endsWith('/v1/auth/certificate'))).toHaveLength(2); // the first login, and one after the 401
    const blob = await b.getBlob(sha256);
    const chunks: Buffer[] = [];
    for await (const chunk of blob) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks)).toEqual(content);
  });

  it('refuses to sign a login "nonce" that is not 32 bytes (bytes of the hub\'s choosing)', async () => {
    for (const nonce of [Buffer.from('Договор поставки №15: оплата 1 000 000 ₽'), randomBytes(16)]) {
      const client = new HttpExchangeClient(hub.url, {
        fetch: async (input, init) => {
          const res = await fetch(input, init);
          if (!String(input).endsWith('/v1/auth/challenge')) return res;
          const body = (await res.json()) as Record<string, unknown>;
          return new Response(JSON.stringify({ ...body, nonce: nonce.toString('base64') }), {
            status: res.status,
            headers: { 'content-type': 'application/json' },
          });
        },
      });
      let signed = 0;
      const error = await client
        .authenticate({
          method: 'certificate',
          signLogin: async (content) => (signed++, signDetached(content, signers[0]!)),
        })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(HubError);
      expect((error as Error).message).toMatch(new RegExp(`exactly 32 bytes.*sent ${nonce.length} bytes`));
      expect(signed).toBe(0);
    }
  });

  it('retries a hub that cannot be reached with backoff, then says so, naming the URL', async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    await new Promise<void>((r) => server.close(() => r()));
    let calls = 0;
    const client = new HttpExchangeClient(`http://127.0.0.1:${port}`, {
      retries: 3,
      backoffMs: 10,
      fetch: (input, init) => {
        calls++;
        return fetch(input, init);
      },
    });
    const error = await client.authenticate({ method: 'password', login: 'x', password: 'y' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HubUnreachableError);
    expect((error as Error).message).toContain(`127.0.0.1:${port}`);
    expect(calls).toBe(4);
  });

  it("a refusal is a HubError with the hub's code and message, not retried", async () => {
    let calls = 0;
    const client = new HttpExchangeClient(hub.url, { fetch: (i, init) => (calls++, fetch(i, init)) });
    const error = await client
      .authenticate({ method: 'password', login: 'nobody', password: 'wrong' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HubError);
    expect(error).toMatchObject({ status: 401, code: 'login-failed' });
    expect(calls).toBe(1);
  });
});
