// The exchange session and the hub client against the real hub through a proxy that breaks
// connections on loopback (test/support/fault-proxy.ts): an answer cut part way (a JSON page, a
// document's bytes, the answer to a send) is asked for again and the session ends done; a lost
// answer to the certificate login is retried with a fresh challenge; a route that must not be
// repeated blindly is not; and when the network stays broken the error names the cut answer.
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signDetached } from '../../src/crypto/cms';
import { KeySigner } from '../../src/crypto/key-signer';
import type { Authenticator } from '../../src/exchange/client';
import { HttpExchangeClient, HubUnreachableError } from '../../src/exchange/http-client';
import { formatsServiceDocuments } from '../../src/exchange/service-documents';
import { runExchangeSession } from '../../src/exchange/session';
import { ClerkStore } from '../../src/store';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy';
import { registerOrganization, startHub, type StartedHub } from '../support/hub';
import { softhsm } from '../support/system';
import { createTestPki, samplePeople, type TestPki } from '../support/test-pki';

const hsm = softhsm();

interface Side {
  store: ClerkStore;
  signer: KeySigner;
  id: string;
}

describe.skipIf(!hsm.ok)(`the exchange over a network that breaks answers ${hsm.reason ?? ''}`, () => {
  let pki: TestPki;
  let hub: StartedHub;
  let proxy: FaultProxy;
  let dir: string;
  let caDer: Buffer;
  const sides: Side[] = [];
  const a = () => sides[0]!;
  const b = () => sides[1]!;

  const login = (side: Side): Authenticator => ({
    method: 'certificate',
    signLogin: (content) => signDetached(content, side.signer),
  });
  /** A client through the proxy, with short backoffs. */
  const client = (retries = 4) => new HttpExchangeClient(proxy.url, { retries, backoffMs: 10 });
  const session = (side: Side) =>
    runExchangeSession({
      store: side.store,
      client: client(),
      trigger: 'manual',
      mode: 'workstation',
      authenticator: async () => login(side),
      trustedRoots: [caDer],
      signer: { acquire: async () => side.signer },
      serviceDocuments: formatsServiceDocuments({ counterparty: (id) => side.store.subscriber(id) }),
    });
  /** Requests the hub logged (one line each) for a path, with their statuses. */
  const hubRequests = (method: string, path: string) =>
    hub
      .log()
      .split('\n')
      .filter((l) => l.includes('"msg":"request"'))
      .map((l) => JSON.parse(l) as { method: string; url: string; status: number })
      .filter((r) => r.method === method && r.url.split('?')[0] === path);

  beforeAll(async () => {
    pki = await createTestPki([{ label: 'unused', keys: [] }], { revocation: true });
    caDer = Buffer.from(pki.caCertificatePem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
    dir = mkdtempSync(join(tmpdir(), 'clerk-network-'));
    proxy = await startFaultProxy();
    // Logins are signed for the origin the client reaches: the proxy's.
    hub = await startHub({ args: ['--public-origin', proxy.url] });
    proxy.forwardTo(hub.url);
    await hub.admin(['trust', 'add', pki.caCertificateFile]);
    for (const [i, person] of [samplePeople.ivanova, samplePeople.petrov].entries()) {
      const keys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const issued = await pki.issue(keys.publicKey, person);
      const { org } = await registerOrganization(hub, {
        name: person.organization,
        inn: person.orgInn,
        kpp: `77010100${i}`,
        certificatePems: [issued.toString('pem')],
      });
      sides.push({
        store: ClerkStore.open(join(dir, `profile-${i}`)),
        signer: new KeySigner(keys.privateKey, Buffer.from(issued.rawData)),
        id: org.id,
      });
    }
    for (const side of sides) expect(await session(side)).toMatchObject({ outcome: 'done' });
    const [ca, cb] = [client(), client()];
    await ca.authenticate(login(a()));
    await cb.authenticate(login(b()));
    await ca.invite(b().id);
    await cb.accept(a().id);
  }, 120_000);

  afterAll(async () => {
    for (const side of sides) side.store.close();
    await proxy?.close();
    await hub?.stop();
    pki?.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('answers cut part way (the send, the events page, the document bytes) are asked for again; both sessions end done', async () => {
    const content = Buffer.concat([Buffer.from('Договор поставки №7\n'), randomBytes(64 * 1024)]);
    const blob = await a().store.blobs.write(content);
    const cms = await signDetached(content, a().signer);
    a().store.queueOutgoingDocument({
      counterpartyId: b().id,
      title: 'Договор поставки №7',
      fileName: 'dogovor-7.bin',
      blobHash: blob.hash,
      size: blob.size,
      signature: { cms, valid: null },
    });

    proxy.cut('POST /v1/documents', { afterBodyBytes: 5 });
    expect(await session(a())).toMatchObject({ outcome: 'done', summary: { documentsSent: 1 } });
    // The repeated send carried the same Idempotency-Key: one document at the hub.
    expect(hubRequests('POST', '/v1/documents').filter((r) => r.status === 201)).toHaveLength(2);

    proxy.cut('GET /v1/events', { afterBodyBytes: 20 });
    proxy.cut('GET /v1/blobs/', { afterBodyBytes: 30_000 });
    const received = await session(b());
    expect(received).toMatchObject({ outcome: 'done', summary: { documentsReceived: 1, invalidSignatures: 0 } });
    expect(proxy.fired.map((f) => f.replace(/[?].*|[0-9a-f]{64}/g, ''))).toEqual([
      'cut POST /v1/documents',
      'cut GET /v1/events',
      'cut GET /v1/blobs/',
    ]);
    const doc = b().store.listDocuments({ direction: 'in', search: 'Договор поставки №7' }).items;
    expect(doc).toHaveLength(1);
    expect(doc[0]!.signatureState).toBe('valid');
    // The bytes stored are the document's bytes: the resumed download skipped what it already had.
    expect(doc[0]!.blobHash).toBe(createHash('sha256').update(content).digest('hex'));
    expect(b().store.blobs.has(doc[0]!.blobHash)).toBe(true);
  });

  it('a lost answer to the certificate login is retried with a fresh challenge, and the session ends done', async () => {
    const challengesBefore = hubRequests('POST', '/v1/auth/challenge').length;
    const loginsBefore = hubRequests('POST', '/v1/auth/certificate');
    proxy.fired.length = 0;
    proxy.drop('POST /v1/auth/certificate');
    expect(await session(a())).toMatchObject({ outcome: 'done' });
    expect(proxy.fired).toEqual(['drop POST /v1/auth/certificate']);
    // Two challenges, two logins the hub accepted (the first answer lost), no "challenge already used".
    expect(hubRequests('POST', '/v1/auth/challenge').length - challengesBefore).toBe(2);
    expect(
      hubRequests('POST', '/v1/auth/certificate')
        .slice(loginsBefore.length)
        .map((r) => r.status),
    ).toEqual([200, 200]);
  });

  it('a request that must not be repeated blindly (a generated key) is not: one key, and the error says the answer was lost', async () => {
    const admin = client();
    await admin.authenticate(login(a()));
    proxy.fired.length = 0;
    proxy.drop('POST /v1/organization/information-systems/generate');
    const error = await admin
      .call('generateInformationSystem', { body: { name: 'ИС бухгалтерии' } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HubUnreachableError);
    expect(proxy.fired).toEqual(['drop POST /v1/organization/information-systems/generate']);
    const listed = await admin.call('listInformationSystems');
    expect(listed.informationSystems.filter((s) => s.name === 'ИС бухгалтерии')).toHaveLength(1);
  });

  it('when every attempt is cut, the error names the route whose answer was cut, not a bare "terminated"', async () => {
    const once = client(1);
    await once.authenticate(login(a()));
    proxy.fired.length = 0;
    proxy.cut('GET /v1/operator', { afterBodyBytes: 3 });
    proxy.cut('GET /v1/operator', { afterBodyBytes: 3 });
    const error = await once.operator().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HubUnreachableError);
    expect((error as Error).message).toMatch(
      new RegExp(`hub at ${proxy.url} cannot be reached: the answer to GET /v1/operator was cut off`),
    );
    expect(proxy.fired).toEqual(['cut GET /v1/operator', 'cut GET /v1/operator']);
  });
});
