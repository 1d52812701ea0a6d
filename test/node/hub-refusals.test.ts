// What the hub refuses, and that a refusal stores nothing: a nonce used twice, expired, unknown
// and forged certificates, a blob whose bytes do not match its name, an oversized blob, a
// malformed body, a repeated or conflicting Idempotency-Key, service documents that do not fit
// their parent, repeated failed logins, an expired token, headers too large for the HTTP server;
// and a walk over every route as a subscriber that is party to nothing.
import { createHash, createPrivateKey, randomUUID, webcrypto } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signDetached } from '../../src/crypto/cms';
import { timestampRequest } from '../../src/crypto/timestamp';
import { KeySigner } from '../../src/crypto/key-signer';
import type { Signer } from '../../src/crypto/signer';
import { buildReceiptNotice } from '../../src/formats';
import { EventsPage, loginOrigin, loginSignedContent, routes, type Document, type RouteName } from '../../src/protocol';
import type { TokenSession } from '../../src/token/session';
import { eventually } from '../support/eventually';
import { backends, closeDatabases } from '../support/databases';
import {
  HubApi,
  loginWithSigner,
  registerTokenOrganization,
  startHub,
  type HubAnswer,
  type StartedHub,
} from '../support/hub';
import { softhsm } from '../support/system';
import { qualifiedSubject } from '../../src/crypto/qualified-subject';
import { createTestPki, samplePeople, type TestPerson, type TestPki } from '../support/test-pki';
import { tokenSigner } from '../support/token-hub';

const part = softhsm();

const sidorova: TestPerson = {
  surname: 'Сидорова',
  givenNames: 'Анна Викторовна',
  position: 'Бухгалтер',
  organization: 'ООО "Третий лишний"',
  orgInn: '7703333334',
  personInn: '770333333306',
};

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const b64 = (b: Buffer) => b.toString('base64');

/** POSTs JSON with a Host header of our choosing (fetch always sends the URL's). */
function postWithHost(url: string, host: string, json: unknown): Promise<{ status: number; json: unknown }> {
  return new Promise((resolvePost, reject) => {
    const body = JSON.stringify(json);
    const req = httpRequest(
      url,
      {
        method: 'POST',
        headers: { host, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolvePost({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString('utf8')) }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** A signer that presents `certificate` but signs with another signer's key. */
const presenting = (certificate: Buffer, keyHolder: Signer): Signer => ({
  certificate,
  algorithm: keyHolder.algorithm,
  description: `certificate ${sha(certificate).slice(0, 8)} over ${keyHolder.description}`,
  sign: (data) => keyHolder.sign(data),
});

describe.skipIf(!part.ok).each(backends)(
  `the exchange hub on $name refuses, and stores nothing ${part.reason}`,
  (backend) => {
    let pki: TestPki;
    let hub: StartedHub;
    const sessions: TokenSession[] = [];
    let signerA: Signer;
    let signerB: Signer;
    let signerC: Signer;
    let orgA: string;
    let orgB: string;
    let orgC: string;
    let apiA: HubApi;
    let apiB: HubApi;
    let apiC: HubApi;
    /** A document from A to B, and its content. */
    let document: Document;
    let content: Buffer;

    const count = async (table: string, where = '') =>
      Number((await hub.query<{ n: number }>(`SELECT count(*) AS n FROM ${table} ${where}`))[0]!.n);
    /** Everything a refusal must leave as it was. */
    const stored = async () => ({
      documents: await count('documents'),
      serviceDocuments: await count('service_documents'),
      events: await count('events'),
      blobs: await count('blobs'),
      tokens: await count('access_tokens'),
      idempotency: await count('idempotency'),
      contacts: await count('contacts'),
    });

    async function upload(api: HubApi, bytes: Buffer) {
      const put = await api.call('PUT', `/v1/blobs/${sha(bytes)}`, { body: bytes });
      expect([200, 201]).toContain(put.status);
    }

    function sendBody(bytes: Buffer, signature: Buffer, extra: Record<string, unknown> = {}) {
      return {
        recipientId: orgB,
        title: 'Счёт № 5',
        kind: 'invoice',
        fileName: 'Счёт 5.txt',
        sha256: sha(bytes),
        signature: b64(signature),
        ...extra,
      };
    }

    function expectError(answer: HubAnswer, status: number, error: string, message?: RegExp) {
      expect(answer.status, answer.body.toString()).toBe(status);
      expect(answer.json).toMatchObject({ error, requestId: expect.any(String), message: expect.any(String) });
      if (message) expect(answer.json.message).toMatch(message);
    }

    async function eventsOf(api: HubApi) {
      return EventsPage.parse((await api.call('GET', '/v1/events?after=0&limit=500')).json);
    }

    beforeAll(async () => {
      pki = await createTestPki([
        { label: 'clerk-a', keys: [{ algorithm: 'ECDSA-P256', person: samplePeople.ivanova }] },
        { label: 'clerk-b', keys: [{ algorithm: 'RSA-2048', person: samplePeople.petrov }] },
        { label: 'clerk-c', keys: [{ algorithm: 'ECDSA-P256', person: sidorova }] },
      ]);
      hub = await startHub({ backend });
      await hub.admin(['trust', 'add', pki.caCertificateFile]);
      const [a, b, c] = [
        await registerTokenOrganization(hub, pki.tokens[0]!, { kpp: '770101001' }),
        await registerTokenOrganization(hub, pki.tokens[1]!, { kpp: '780101001' }),
        await registerTokenOrganization(hub, pki.tokens[2]!, { kpp: '770301001' }),
      ];
      orgA = a.org.id;
      orgB = b.org.id;
      orgC = c.org.id;
      await hub.admin(['user', 'add', '--org', orgA, '--login', 'romashka-agent'], {
        stdin: 'correct horse battery staple\n',
      });
      signerA = await tokenSigner(pki, sessions, 'clerk-a');
      signerB = await tokenSigner(pki, sessions, 'clerk-b');
      signerC = await tokenSigner(pki, sessions, 'clerk-c');
      apiA = (await loginWithSigner(hub.url, signerA)).api;
      apiB = (await loginWithSigner(hub.url, signerB)).api;
      apiC = (await loginWithSigner(hub.url, signerC)).api;
      await apiA.call('POST', '/v1/contacts', { json: { subscriberId: orgB } });
      await apiB.call('POST', `/v1/contacts/${orgA}/accept`, { json: {} });

      content = Buffer.from('Счёт на оплату № 5\n'.repeat(100));
      await upload(apiA, content);
      const sent = await apiA.call<Document>('POST', '/v1/documents', {
        headers: { 'idempotency-key': 'setup-invoice-5' },
        json: sendBody(content, await signDetached(content, signerA)),
      });
      expect(sent.status, sent.body.toString()).toBe(201);
      document = sent.json;
    });

    afterAll(async () => {
      for (const s of sessions) s.close();
      await hub?.stop();
      pki?.cleanup();
      await closeDatabases();
    });

    describe('authentication', () => {
      it('refuses a nonce used twice: the second login with the same challenge and signature gets no token', async () => {
        const anonymous = new HubApi(hub.url);
        const challenge = (await anonymous.call('POST', '/v1/auth/challenge', { json: {} })).json;
        const body = {
          challengeId: challenge.challengeId,
          signature: b64(
            await signDetached(Buffer.from(loginSignedContent({ origin: hub.url, ...challenge })), signerA),
          ),
        };
        expect((await anonymous.call('POST', '/v1/auth/certificate', { json: body })).status).toBe(200);
        const before = await stored();
        expectError(
          await anonymous.call('POST', '/v1/auth/certificate', { json: body }),
          401,
          'challenge-invalid',
          /already used/,
        );
        expectError(
          await anonymous.call('POST', '/v1/auth/certificate', { json: { ...body, challengeId: 'no-such-challenge' } }),
          401,
          'challenge-invalid',
          /unknown/,
        );
        expect(await stored()).toEqual(before);
      });

      it('refuses a signature over another nonce than the challenge gave', async () => {
        const anonymous = new HubApi(hub.url);
        const challenge = (await anonymous.call('POST', '/v1/auth/challenge', { json: {} })).json;
        const before = await stored();
        const answer = await anonymous.call('POST', '/v1/auth/certificate', {
          json: {
            challengeId: challenge.challengeId,
            signature: b64(await signDetached(Buffer.from('another nonce'), signerA)),
          },
        });
        expectError(answer, 401, 'signature-invalid');
        expect(await stored()).toEqual(before);
      });

      it('refuses a CMS over the bare nonce (the hub picks no bytes the key signs) and one over the login content for another origin', async () => {
        const anonymous = new HubApi(hub.url);
        const before = await stored();
        const bare = (await anonymous.call('POST', '/v1/auth/challenge', { json: {} })).json;
        expectError(
          await anonymous.call('POST', '/v1/auth/certificate', {
            json: {
              challengeId: bare.challengeId,
              signature: b64(await signDetached(Buffer.from(bare.nonce, 'base64'), signerA)),
            },
          }),
          401,
          'signature-invalid',
          /over the bare nonce/,
        );
        const relayed = (await anonymous.call('POST', '/v1/auth/challenge', { json: {} })).json;
        const forElsewhere = await signDetached(
          Buffer.from(loginSignedContent({ origin: 'https://evil.example', ...relayed })),
          signerA,
        );
        expectError(
          await anonymous.call('POST', '/v1/auth/certificate', {
            json: { challengeId: relayed.challengeId, signature: b64(forElsewhere) },
          }),
          401,
          'signature-invalid',
          new RegExp(`not over the login content for ${loginOrigin(hub.url).replace(/[.]/g, '\\.')}`),
        );
        // The loopback names stand for each other; a Host of another server is refused before any signature is looked at.
        const port = new URL(hub.url).port;
        expect((await loginWithSigner(`http://localhost:${port}`, signerA)).login.user.id).toBeDefined();
        const foreignHost = (await anonymous.call('POST', '/v1/auth/challenge', { json: {} })).json;
        const signedForForeign = await signDetached(
          Buffer.from(loginSignedContent({ origin: `http://hub.example:${port}`, ...foreignHost })),
          signerA,
        );
        // fetch sets Host itself: node:http sends the one a relaying server would.
        const relayedAnswer = await postWithHost(`${hub.url}/v1/auth/certificate`, `hub.example:${port}`, {
          challengeId: foreignHost.challengeId,
          signature: b64(signedForForeign),
        });
        expect(relayedAnswer.status).toBe(400);
        expect(relayedAnswer.json).toMatchObject({
          error: 'invalid-request',
          message: expect.stringMatching(/This hub is not http:\/\/hub\.example:\d+/),
        });
        expect((await stored()).tokens).toBe(before.tokens + 1);
      });

      it('refuses an expired certificate, registered or not, for login and for signing a document', async () => {
        const tokenKey = pki.tokens[0]!.keys[0]!;
        const year = 365 * 24 * 3600_000;
        const expired = await pki.issue(tokenKey.publicKey, samplePeople.ivanova, {
          notBefore: new Date(Date.now() - 2 * year),
          notAfter: new Date(Date.now() - year),
        });
        const expiredSigner = presenting(Buffer.from(expired.rawData), signerA);
        const before = await stored();
        const login = await loginWithSigner(hub.url, expiredSigner).catch((e: Error) => e);
        expect(String(login)).toMatch(/401.*certificate-expired/);

        await upload(apiA, content);
        const answer = await apiA.call('POST', '/v1/documents', {
          headers: { 'idempotency-key': 'expired-signed-1' },
          json: sendBody(content, await signDetached(content, expiredSigner)),
        });
        expectError(answer, 422, 'document-signature-invalid', /expired/i);
        expect(await stored()).toEqual(before);
      });

      it('refuses a valid certificate of the trusted CA that is registered to nobody', async () => {
        const stranger = await pki.issue(pki.tokens[0]!.keys[0]!.publicKey, {
          ...samplePeople.ivanova,
          surname: 'Незнакомова',
          personInn: '770100000079',
        });
        const before = await stored();
        const login = await loginWithSigner(hub.url, presenting(Buffer.from(stranger.rawData), signerA)).catch(
          (e: Error) => e,
        );
        expect(String(login)).toMatch(/401.*certificate-unknown.*Незнакомова/);
        expect(await stored()).toEqual(before);
      });

      it('refuses a forged certificate (same subject, not issued by a trusted CA) and a registered certificate presented with another key', async () => {
        const keys = (await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
          'sign',
          'verify',
        ])) as webcrypto.CryptoKeyPair;
        x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
        const forged = await x509.X509CertificateGenerator.createSelfSigned({
          serialNumber: '0102030405',
          name: qualifiedSubject(samplePeople.ivanova),
          notBefore: new Date(Date.now() - 3600_000),
          notAfter: new Date(Date.now() + 3600_000 * 24),
          keys,
          signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
        });
        const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
        const forger = new KeySigner(
          createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' }),
          Buffer.from(forged.rawData),
        );
        const before = await stored();
        expect(String(await loginWithSigner(hub.url, forger).catch((e: Error) => e))).toMatch(
          /401.*certificate-untrusted/,
        );
        // Ivanova's real, registered certificate, but the signature made with the forger's key.
        const impostor = presenting(Buffer.from(pki.tokens[0]!.keys[0]!.certificate.rawData), forger);
        expect(String(await loginWithSigner(hub.url, impostor).catch((e: Error) => e))).toMatch(
          /401.*signature-invalid/,
        );
        // The forged certificate signing a document is refused as well.
        const answer = await apiA.call('POST', '/v1/documents', {
          headers: { 'idempotency-key': 'forged-signed-1' },
          json: sendBody(content, await signDetached(content, forger)),
        });
        expectError(answer, 422, 'document-signature-invalid');
        expect(await stored()).toEqual(before);
      });

      it('refuses a document signed by a user of another organization', async () => {
        const before = await stored();
        const answer = await apiA.call('POST', '/v1/documents', {
          headers: { 'idempotency-key': 'signed-by-b-1' },
          json: sendBody(content, await signDetached(content, signerB)),
        });
        expectError(answer, 422, 'signer-not-member', /Петров.*not a registered user of ООО "Ромашка"/);
        expect(await stored()).toEqual(before);
      });

      it('slows down repeated failed password logins, even for the right password', async () => {
        const anonymous = new HubApi(hub.url);
        const login = (password: string) =>
          anonymous.call('POST', '/v1/auth/password', { json: { login: 'romashka-agent', password } });
        const before = await stored();
        const first = [await login('wrong 1'), await login('wrong 2'), await login('wrong 3')];
        for (const answer of first) expectError(answer, 401, 'login-failed');
        const blocked = await login('correct horse battery staple');
        expectError(blocked, 429, 'too-many-attempts');
        expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
        expect(await stored()).toEqual(before);
      });

      it('asks for a bearer token on every route but health, OpenAPI and login', async () => {
        const anonymous = new HubApi(hub.url);
        for (const route of Object.values(routes)) {
          if (!route.auth || route.method === 'HEAD') continue;
          const path = route.path
            .replace(':documentId', document.id)
            .replace(':subscriberId', orgB)
            .replace(':sha256', document.blob.sha256);
          expectError(
            await anonymous.call(route.method, path, route.method === 'GET' ? {} : { json: {} }),
            401,
            'unauthorized',
          );
        }
        expectError(await anonymous.withToken('not-a-token').call('GET', '/v1/me'), 401, 'unauthorized');
      });
    });

    describe('blobs', () => {
      it('refuses bytes that do not hash to the name they were sent under, and keeps no file', async () => {
        const claimed = sha(Buffer.from('what the client meant'));
        const before = await stored();
        const answer = await apiA.call('PUT', `/v1/blobs/${claimed}`, { body: Buffer.from('what actually arrived') });
        expectError(answer, 422, 'blob-hash-mismatch', new RegExp(sha(Buffer.from('what actually arrived'))));
        expect(existsSync(join(hub.dataDir, 'blobs', claimed.slice(0, 2), claimed))).toBe(false);
        expect(readdirSync(join(hub.dataDir, 'blobs', 'tmp'))).toEqual([]);
        expect((await apiA.call('HEAD', `/v1/blobs/${claimed}`)).status).toBe(404);
        expect(await stored()).toEqual(before);
      });

      it('cannot overwrite a stored blob with other bytes', async () => {
        const answer = await apiC.call('PUT', `/v1/blobs/${document.blob.sha256}`, {
          body: Buffer.from('replacement'),
        });
        expectError(answer, 422, 'blob-hash-mismatch');
        expect((await apiB.call('GET', `/v1/blobs/${document.blob.sha256}`)).body.equals(content)).toBe(true);
      });

      it('refuses a blob without an octet-stream body', async () => {
        const answer = await apiA.call('PUT', `/v1/blobs/${sha(Buffer.from('x'))}`, {
          body: 'x',
          headers: { 'content-type': 'text/plain' },
        });
        expect([415]).toContain(answer.status);
        expect(answer.json.error).toBe('unsupported-media-type');
      });
    });

    describe('bodies and idempotency', () => {
      it('refuses malformed bodies with the field named, and stores nothing', async () => {
        const before = await stored();
        const badJson = await apiA.call('POST', '/v1/documents', {
          headers: { 'idempotency-key': 'malformed-1', 'content-type': 'application/json' },
          body: '{"recipientId": ',
        });
        expectError(badJson, 400, 'invalid-request', /JSON/);
        const missing = await apiA.call('POST', '/v1/documents', {
          headers: { 'idempotency-key': 'malformed-2' },
          json: { recipientId: orgB, title: '', sha256: 'xyz' },
        });
        expectError(missing, 400, 'invalid-request');
        const paths = (missing.json.issues as { path: string }[]).map((i) => i.path);
        expect(paths).toEqual(
          expect.arrayContaining(['body.title', 'body.kind', 'body.fileName', 'body.sha256', 'body.signature']),
        );
        const folder = await apiA.call('POST', '/v1/documents', {
          headers: { 'idempotency-key': 'malformed-3' },
          json: sendBody(content, Buffer.from('x'), { fileName: '../etc/passwd' }),
        });
        expectError(folder, 400, 'invalid-request', /body\.fileName/);
        const noKey = await apiA.call('POST', '/v1/documents', { json: sendBody(content, Buffer.from('x')) });
        expectError(noKey, 400, 'idempotency-key-required');
        expectError(await apiA.call('GET', '/v1/events?after=-1'), 400, 'invalid-request', /query\.after/);
        expect((await apiA.call('HEAD', '/v1/blobs/not-a-hash')).status).toBe(400);
        expectError(await apiA.call('GET', '/v1/blobs/not-a-hash'), 400, 'invalid-request', /params\.sha256/);
        expectError(await apiA.call('GET', '/v1/no-such-route'), 404, 'not-found');
        // The router's own refusals come in the hub's shape too, with a request id.
        expectError(await apiA.call('GET', `/v1/documents/${'x'.repeat(500)}`), 414, 'uri-too-long');
        expectError(
          await apiA.call('GET', '/v1/documents/%E0%A4%A'),
          400,
          'invalid-request',
          /not a valid url component/,
        );
        expect(await stored()).toEqual(before);
      });

      it('answers a repeated Idempotency-Key with the first result, and the same key with another body with 409', async () => {
        const bytes = Buffer.from('Акт сверки\n'.repeat(50));
        await upload(apiA, bytes);
        const body = sendBody(bytes, await signDetached(bytes, signerA), { title: 'Акт сверки' });
        const before = await stored();
        const first = await apiA.call<Document>('POST', '/v1/documents', {
          headers: { 'idempotency-key': 'act-1-key' },
          json: body,
        });
        expect(first.status, first.body.toString()).toBe(201);
        const repeat = await apiA.call<Document>('POST', '/v1/documents', {
          headers: { 'idempotency-key': 'act-1-key' },
          json: body,
        });
        expect(repeat.status).toBe(201);
        expect(repeat.headers.get('idempotent-replayed')).toBe('true');
        expect(repeat.json).toEqual(first.json);
        const conflict = await apiA.call('POST', '/v1/documents', {
          headers: { 'idempotency-key': 'act-1-key' },
          json: { ...body, title: 'Акт сверки (исправленный)' },
        });
        expectError(conflict, 409, 'idempotency-conflict', /act-1-key/);
        const after = await stored();
        expect(after.documents).toBe(before.documents + 1);
        expect(after.events).toBe(before.events + 2); // document.received for B, document.sent for A: once
        expect(
          (await eventsOf(apiB)).events.filter(
            (e) => e.type === 'document.received' && e.document.title === 'Акт сверки',
          ),
        ).toHaveLength(1);
      });

      it('sends a document once when the same key arrives twice at the same time', async () => {
        const bytes = Buffer.from('Письмо о сверке\n'.repeat(40));
        await upload(apiA, bytes);
        const body = sendBody(bytes, await signDetached(bytes, signerA), { title: 'Письмо о сверке' });
        const before = await stored();
        const answers = await Promise.all(
          [1, 2, 3].map(() =>
            apiA.call('POST', '/v1/documents', { headers: { 'idempotency-key': 'letter-concurrent' }, json: body }),
          ),
        );
        for (const a of answers) {
          // Either the first result (201, perhaps replayed) or "still in progress, retry" (409 with Retry-After).
          if (a.status === 409) expect(a.json.error).toBe('request-in-progress');
          else expect(a.status).toBe(201);
        }
        expect(new Set(answers.filter((a) => a.status === 201).map((a) => a.json.id)).size).toBe(1);
        expect((await stored()).documents).toBe(before.documents + 1);
      });
    });

    describe('service documents', () => {
      const receipt = (over: { fileName?: string; signatures?: Buffer[]; sender?: string } = {}) =>
        buildReceiptNotice({
          sender: {
            id: over.sender ?? orgB,
            organization: { name: samplePeople.petrov.organization, inn: samplePeople.petrov.orgInn, kpp: '780101001' },
          },
          receiver: {
            id: orgA,
            organization: {
              name: samplePeople.ivanova.organization,
              inn: samplePeople.ivanova.orgInn,
              kpp: '770101001',
            },
          },
          receivedAt: new Date(),
          receivedFile: {
            name: over.fileName ?? document.fileName,
            signatures: over.signatures ?? [Buffer.from(document.signature, 'base64')],
          },
          signer: { surname: 'Петров', name: 'Сергей', patronymic: 'Иванович', position: samplePeople.petrov.position },
        });
      async function post(
        api: HubApi,
        key: string,
        file: { fileName: string; xml: Buffer },
        signer: Signer,
        type = 'receipt',
      ) {
        return api.call('POST', `/v1/documents/${document.id}/service-documents`, {
          headers: { 'idempotency-key': key },
          json: {
            type,
            fileName: file.fileName,
            xml: b64(file.xml),
            signature: b64(await signDetached(file.xml, signer)),
          },
        });
      }

      it('refuses receipts that are not the format, name another file or signature, come from the sender, or are signed by an outsider', async () => {
        const before = await stored();
        const garbage = {
          fileName: 'DP_IZVPOL_x.xml',
          xml: Buffer.from('<?xml version="1.0" encoding="windows-1251"?><Файл/>', 'latin1'),
        };
        expectError(await post(apiB, 'sd-garbage', garbage, signerB), 422, 'service-document-invalid');
        expectError(
          await post(apiB, 'sd-other-file', receipt({ fileName: 'Другой файл.txt' }), signerB),
          422,
          'service-document-invalid',
          /Другой файл/,
        );
        expectError(
          await post(apiB, 'sd-other-sig', receipt({ signatures: [Buffer.from('not the signature')] }), signerB),
          422,
          'service-document-invalid',
          /signature/,
        );
        expectError(
          await post(apiB, 'sd-wrong-type', receipt(), signerB, 'clarification'),
          422,
          'service-document-invalid',
        );
        expectError(await post(apiB, 'sd-signed-by-c', receipt(), signerC), 422, 'signer-not-member');
        expectError(await post(apiA, 'sd-from-sender', receipt(), signerA), 403, 'forbidden');
        expect(await stored()).toEqual(before);
      });

      it('accepts one receipt notice per document; a second is a conflict', async () => {
        const good = await post(apiB, 'sd-good-key', receipt(), signerB);
        expect(good.status, good.body.toString()).toBe(201);
        const before = await stored();
        expectError(await post(apiB, 'sd-second-key', receipt(), signerB), 409, 'conflict', /already posted/);
        expect(await stored()).toEqual(before);
      });

      it('stores one receipt notice when several for one document arrive at the same time; the others are conflicts', async () => {
        const bytes = Buffer.from('Счёт на оплату № 6\n'.repeat(100));
        await upload(apiA, bytes);
        const sent = await apiA.call<Document>('POST', '/v1/documents', {
          headers: { 'idempotency-key': 'invoice-6-send' },
          json: sendBody(bytes, await signDetached(bytes, signerA), { fileName: 'Счёт 6.txt' }),
        });
        expect(sent.status, sent.body.toString()).toBe(201);
        const file = buildReceiptNotice({
          sender: {
            id: orgB,
            organization: { name: samplePeople.petrov.organization, inn: samplePeople.petrov.orgInn, kpp: '780101001' },
          },
          receiver: {
            id: orgA,
            organization: {
              name: samplePeople.ivanova.organization,
              inn: samplePeople.ivanova.orgInn,
              kpp: '770101001',
            },
          },
          receivedAt: new Date(),
          receivedFile: { name: 'Счёт 6.txt', signatures: [Buffer.from(sent.json.signature, 'base64')] },
          signer: { surname: 'Петров', name: 'Сергей', patronymic: 'Иванович', position: samplePeople.petrov.position },
        });
        const json = {
          type: 'receipt',
          fileName: file.fileName,
          xml: b64(file.xml),
          signature: b64(await signDetached(file.xml, signerB)),
        };
        // Posted at once under different Idempotency-Keys, as by two workstations of B.
        const answers = await Promise.all(
          ['a', 'b', 'c'].map((k) =>
            apiB.call('POST', `/v1/documents/${sent.json.id}/service-documents`, {
              headers: { 'idempotency-key': `invoice-6-receipt-${k}` },
              json,
            }),
          ),
        );
        expect(answers.map((a) => a.status).sort()).toEqual([201, 409, 409]);
        for (const a of answers.filter((x) => x.status === 409)) expectError(a, 409, 'conflict', /already posted/);
        expect(
          (await apiA.call<Document>('GET', `/v1/documents/${sent.json.id}`)).json.serviceDocuments.filter(
            (sd) => sd.type === 'receipt',
          ),
        ).toHaveLength(1);
        expect(
          (await eventsOf(apiA)).events.filter(
            (e) => e.type === 'service-document.received' && e.documentId === sent.json.id,
          ),
        ).toHaveLength(1);
        // The refused keys were released: nothing of them is left pending.
        expect(await count('idempotency', "WHERE key LIKE 'invoice-6-receipt-%'")).toBe(1);
      });
    });

    describe('isolation', () => {
      it('lets a subscriber that is party to nothing read nothing, on every route', async () => {
        const beforeC = await eventsOf(apiC);
        const aContactsBefore = (await apiA.call('GET', '/v1/contacts')).json.contacts;
        const docPath = `/v1/documents/${document.id}`;
        const blobPath = `/v1/blobs/${document.blob.sha256}`;
        const mentionsAB = (value: unknown) =>
          JSON.stringify(value).includes(document.id) || JSON.stringify(value).includes(document.blob.sha256);

        const checks: Record<RouteName, () => Promise<void>> = {
          // Public by design: no subscriber's data.
          health: async () => expect(mentionsAB((await apiC.call('GET', '/v1/health')).json)).toBe(false),
          openapi: async () => expect(mentionsAB((await apiC.call('GET', '/v1/openapi.json')).json)).toBe(false),
          challenge: async () => expect((await apiC.call('POST', '/v1/auth/challenge', { json: {} })).status).toBe(200),
          // C's own login answers with C's organization only.
          loginWithCertificate: async () =>
            expect((await loginWithSigner(hub.url, signerC)).login.subscriber.id).toBe(orgC),
          loginWithPassword: async () =>
            expectError(
              await apiC.call('POST', '/v1/auth/password', { json: { login: 'tretiy-guess', password: 'guess' } }),
              401,
              'login-failed',
            ),
          me: async () => expect((await apiC.call('GET', '/v1/me')).json.subscriber.id).toBe(orgC),
          operator: async () => expect(mentionsAB((await apiC.call('GET', '/v1/operator')).json)).toBe(false),
          // The operator's TSA stamps any digest: what it answers is about that digest only.
          timestamp: async () => {
            const answer = await apiC.call('POST', '/v1/tsp', {
              body: timestampRequest(Buffer.from('c')).der,
              headers: { 'content-type': 'application/timestamp-query' },
            });
            expect(answer.headers.get('content-type')).toBe('application/timestamp-reply');
            expect(mentionsAB(answer.body.toString('latin1'))).toBe(false);
          },
          // The directory is for everyone (it is how counterparties are found): names and INNs, no settings.
          listSubscribers: async () => {
            const page = (await apiC.call('GET', '/v1/subscribers')).json;
            expect(page.subscribers.map((s: { id: string }) => s.id)).toEqual(
              expect.arrayContaining([orgA, orgB, orgC]),
            );
            for (const s of page.subscribers)
              expect(Object.keys(s).sort()).toEqual(
                expect.arrayContaining(['id', 'inn', 'name', 'revision', 'updatedAt']),
              );
            expect(JSON.stringify(page)).not.toContain('operatingMode');
          },
          getSubscriber: async () =>
            expect(JSON.stringify((await apiC.call('GET', `/v1/subscribers/${orgA}`)).json)).not.toContain(
              'operatingMode',
            ),
          listContacts: async () => expect((await apiC.call('GET', '/v1/contacts')).json.contacts).toEqual([]),
          acceptContact: async () =>
            expectError(await apiC.call('POST', `/v1/contacts/${orgB}/accept`, { json: {} }), 404, 'not-found'),
          rejectContact: async () =>
            expectError(await apiC.call('POST', `/v1/contacts/${orgA}/reject`, { json: {} }), 404, 'not-found'),
          // C's own invitation is C's business; it does not touch A and B's relation.
          inviteContact: async () =>
            expect((await apiC.call('POST', '/v1/contacts', { json: { subscriberId: orgA } })).json.state).toBe(
              'invited-by-me',
            ),
          putBlob: async () =>
            expectError(
              await apiC.call('PUT', blobPath, { body: Buffer.from('not the content') }),
              422,
              'blob-hash-mismatch',
            ),
          headBlob: async () => expect((await apiC.call('HEAD', blobPath)).status).toBe(404),
          getBlob: async () => expectError(await apiC.call('GET', blobPath), 404, 'not-found'),
          sendDocument: async () => {
            const answer = await apiC.call('POST', '/v1/documents', {
              headers: { 'idempotency-key': 'c-to-b-key' },
              json: sendBody(content, await signDetached(content, signerC)),
            });
            expectError(answer, 403, 'forbidden', /not a connected contact/);
          },
          getDocument: async () => expectError(await apiC.call('GET', docPath), 404, 'not-found'),
          postServiceDocument: async () => {
            const answer = await apiC.call('POST', `${docPath}/service-documents`, {
              headers: { 'idempotency-key': 'c-receipt-key' },
              json: { type: 'receipt', fileName: 'x.xml', xml: 'AAAA', signature: 'AAAA' },
            });
            expectError(answer, 404, 'not-found');
          },
          // The document's own workflow: C, party to nothing, finds no document to sign, refuse or annul.
          signDocument: async () =>
            expectError(
              await apiC.call('POST', `${docPath}/recipient-signature`, {
                headers: { 'idempotency-key': 'c-sign-key' },
                json: { signature: 'AAAA' },
              }),
              404,
              'not-found',
            ),
          refuseSignature: async () =>
            expectError(
              await apiC.call('POST', `${docPath}/signature-refusal`, {
                headers: { 'idempotency-key': 'c-refuse-key' },
                json: { fileName: 'x.xml', xml: 'AAAA', signature: 'AAAA' },
              }),
              404,
              'not-found',
            ),
          proposeAnnulment: async () =>
            expectError(
              await apiC.call('POST', `${docPath}/annulment-proposals`, {
                headers: { 'idempotency-key': 'c-annul-key' },
                json: { fileName: 'x.xml', xml: 'AAAA', signature: 'AAAA' },
              }),
              404,
              'not-found',
            ),
          acceptAnnulment: async () =>
            expectError(
              await apiC.call('POST', `${docPath}/annulment-proposals/p1/acceptance`, {
                headers: { 'idempotency-key': 'c-accept-key' },
                json: { signature: 'AAAA' },
              }),
              404,
              'not-found',
            ),
          rejectAnnulment: async () =>
            expectError(
              await apiC.call('POST', `${docPath}/annulment-proposals/p1/rejection`, {
                headers: { 'idempotency-key': 'c-reject-key' },
                json: { fileName: 'x.xml', xml: 'AAAA', signature: 'AAAA' },
              }),
              404,
              'not-found',
            ),
          listEvents: async () => {
            const feed = await eventsOf(apiC);
            expect(mentionsAB(feed)).toBe(false);
            expect(feed.events.every((e) => e.type === 'contact.changed' && e.contact.subscriber.id === orgA)).toBe(
              true,
            );
          },
          // The organization and archive routes act on the caller's organization only (C's first user is its administrator).
          getOrganizationSettings: async () =>
            expect((await apiC.call('GET', '/v1/organization/settings')).json.orgId).toBe(orgC),
          patchOrganizationSettings: async () =>
            expect(
              (await apiC.call('PATCH', '/v1/organization/settings', { json: { plan: 'basic' } })).json.orgId,
            ).toBe(orgC),
          getOrganizationAccess: async () => {
            const me = (await apiC.call('GET', '/v1/me')).json.user.id;
            expect(
              (await apiC.call('GET', '/v1/organization/access')).json.users.map((u: { userId: string }) => u.userId),
            ).toEqual([me]);
          },
          putOrganizationAccess: async () => {
            const table = (await apiC.call('GET', '/v1/organization/access')).json;
            expect((await apiC.call('PUT', '/v1/organization/access', { json: table })).json).toEqual(table);
          },
          listInformationSystems: async () =>
            expect((await apiC.call('GET', '/v1/organization/information-systems')).json.informationSystems).toEqual(
              [],
            ),
          addInformationSystem: async () =>
            expectError(
              await apiC.call('POST', '/v1/organization/information-systems', {
                json: { name: 'x', certificatePem: 'not a certificate' },
              }),
              400,
              'invalid-request',
            ),
          generateInformationSystem: async () => {
            const generated = await apiC.call('POST', '/v1/organization/information-systems/generate', {
              json: { name: 'ИС Сидоровой' },
            });
            expect(generated.status).toBe(201);
            const listed = (await apiA.call('GET', '/v1/organization/information-systems')).json.informationSystems as {
              id: string;
            }[];
            expect(listed.map((s) => s.id)).not.toContain(generated.json.informationSystem.id);
          },
          revokeInformationSystem: async () =>
            expectError(
              await apiC.call('DELETE', '/v1/organization/information-systems/no-such-system'),
              404,
              'not-found',
            ),
          addWebhook: async () =>
            expectError(
              await apiC.call('POST', '/v1/organization/webhooks', { json: { url: 'not a url' } }),
              400,
              'invalid-request',
            ),
          deleteWebhook: async () =>
            expectError(await apiC.call('DELETE', '/v1/organization/webhooks/no-such-webhook'), 404, 'not-found'),
          listJournal: async () => {
            const me = (await apiC.call('GET', '/v1/me')).json.user.id;
            const journal = (await apiC.call('GET', '/v1/organization/journal?after=0&limit=100')).json.entries as {
              actor: string;
            }[];
            expect(journal.length).toBeGreaterThan(0);
            expect(journal.every((e) => e.actor === me || e.actor === 'operator')).toBe(true);
          },
          archiveUsage: async () => expect((await apiC.call('GET', '/v1/archive/usage')).json.usedBytes).toBe(0),
          // The tree head is the operator's over every organization's entries: hashes, nobody's data.
          archiveTreeHead: async () =>
            expect(mentionsAB((await apiC.call('GET', '/v1/archive/tree-head')).json)).toBe(false),
          archiveInclusionProof: async () =>
            expect([400, 404]).toContain(
              (await apiC.call('GET', '/v1/archive/proofs/inclusion?index=0&treeSize=1')).status,
            ),
          archiveConsistencyProof: async () =>
            expect(mentionsAB((await apiC.call('GET', '/v1/archive/proofs/consistency?from=0&to=0')).json)).toBe(false),
          listArchiveEntries: async () =>
            expect((await apiC.call('GET', '/v1/archive/entries')).json.entries).toEqual([]),
          getArchiveEntry: async () => expectError(await apiC.call('GET', '/v1/archive/entries/0'), 404, 'not-found'),
          getArchiveEntryData: async () =>
            expectError(await apiC.call('GET', '/v1/archive/entries/0/data'), 404, 'not-found'),
          listNotArchived: async () =>
            expect((await apiC.call('GET', '/v1/archive/not-archived')).json.entries).toEqual([]),
          // The registry of powers of attorney is the caller's organization's only.
          registerPowerOfAttorney: async () =>
            expectError(
              await apiC.call('POST', '/v1/powers-of-attorney', {
                json: { fileName: 'x.xml', xml: 'AAAA', signature: 'AAAA' },
              }),
              422,
              'poa-format-invalid',
            ),
          listPowersOfAttorney: async () =>
            expect((await apiC.call('GET', '/v1/powers-of-attorney')).json.powersOfAttorney).toEqual([]),
          checkPowerOfAttorney: async () => {
            const reference = { number: randomUUID(), principalInn: samplePeople.ivanova.orgInn };
            const answer = await apiC.call('POST', '/v1/powers-of-attorney/check', {
              json: { reference, certificate: b64(signerC.certificate), action: 'send-document' },
            });
            // C's certificate names C: it needs no МЧД, and learns nothing of A's.
            expect(answer.json).toEqual({ ok: true });
          },
          getPowerOfAttorney: async () =>
            expectError(await apiC.call('GET', `/v1/powers-of-attorney/${randomUUID()}`), 404, 'not-found'),
          // A document's МЧД is for its parties: to C, A and B's document does not exist.
          getDocumentPowerOfAttorney: async () =>
            expectError(await apiC.call('GET', `${docPath}/powers-of-attorney/${randomUUID()}`), 404, 'not-found'),
          revokePowerOfAttorney: async () =>
            expectError(
              await apiC.call('POST', `/v1/powers-of-attorney/${randomUUID()}/revoke`, { json: { reason: 'x' } }),
              404,
              'not-found',
            ),
        };
        expect(Object.keys(checks).sort()).toEqual(Object.keys(routes).sort());
        for (const [name, check] of Object.entries(checks)) {
          try {
            await check();
          } catch (e) {
            throw new Error(`route ${name}: ${(e as Error).message}`, { cause: e });
          }
        }
        // Having a blob's bytes does not make C party to the document that carries them.
        const put = await apiC.call('PUT', blobPath, { body: content });
        expect(put.status).toBe(201);
        expect((await apiC.call('HEAD', blobPath)).status).toBe(200);
        expectError(await apiC.call('GET', blobPath), 404, 'not-found');
        // A and B are as they were, apart from C's invitation to A.
        const aContacts = (await apiA.call('GET', '/v1/contacts')).json.contacts as {
          subscriber: { id: string };
          state: string;
        }[];
        expect(aContacts.filter((c) => c.subscriber.id === orgB)).toEqual(
          aContactsBefore.filter((c: { subscriber: { id: string } }) => c.subscriber.id === orgB),
        );
        expect(aContacts.find((c) => c.subscriber.id === orgC)?.state).toBe('invites-me');
        expect((await eventsOf(apiC)).events.length).toBe(beforeC.events.length + 1);
      });
    });
  },
);

describe.skipIf(!part.ok)(`a hub with small limits ${part.reason}`, () => {
  let hub: StartedHub;
  let api: HubApi;

  beforeAll(async () => {
    hub = await startHub({ args: ['--max-blob-size', '1024', '--token-ttl', '1'] });
    await hub.admin(['org', 'add', '--name', 'ООО "Малый"', '--inn', '7701111110', '--kpp', '770101001']);
    await hub.admin(['user', 'add', '--org', '7701111110', '--login', 'small-agent'], { stdin: 'small secret' });
    const login = await new HubApi(hub.url).call('POST', '/v1/auth/password', {
      json: { login: 'small-agent', password: 'small secret' },
    });
    expect(login.status).toBe(200);
    api = new HubApi(hub.url, login.json.accessToken);
  });

  afterAll(async () => {
    await hub?.stop();
  });

  const blobFiles = () =>
    readdirSync(join(hub.dataDir, 'blobs'), { recursive: true }).filter((f) => String(f).length > 60);

  it('refuses an oversized blob, announced or streamed, and keeps nothing', async () => {
    const big = Buffer.alloc(4096, 7);
    const announced = await api.call('PUT', `/v1/blobs/${sha(big)}`, { body: big });
    expect(announced.status).toBe(413);
    expect(announced.json).toMatchObject({ error: 'blob-too-large', message: expect.stringMatching(/1024 bytes/) });
    // Without Content-Length the hub counts while writing and stops at the limit.
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 8; i++) controller.enqueue(new Uint8Array(big.subarray(i * 512, (i + 1) * 512)));
        controller.close();
      },
    });
    const streamed = await api.call('PUT', `/v1/blobs/${sha(big)}`, { body: stream });
    expect(streamed.status).toBe(413);
    expect(streamed.json.error).toBe('blob-too-large');
    expect(blobFiles()).toEqual([]);
    expect(readdirSync(join(hub.dataDir, 'blobs', 'tmp'))).toEqual([]);
    const small = Buffer.alloc(1024, 1);
    expect((await api.call('PUT', `/v1/blobs/${sha(small)}`, { body: small })).status).toBe(201);
    expect(blobFiles()).toHaveLength(1);
  });

  it('answers headers larger than its HTTP server reads in the hub’s shape, with a request id', async () => {
    // Node's parser refuses them (16 KiB by default) before Fastify sees a request.
    const answer = await new Promise<{ status: number; requestIdHeader: unknown; json: unknown }>(
      (resolveAnswer, reject) => {
        const req = httpRequest(`${hub.url}/v1/health`, { headers: { 'x-padding': 'a'.repeat(20 * 1024) } }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolveAnswer({
              status: res.statusCode ?? 0,
              requestIdHeader: res.headers['x-request-id'],
              json: JSON.parse(Buffer.concat(chunks).toString('utf8')),
            }),
          );
        });
        req.on('error', reject);
        req.end();
      },
    );
    expect(answer.status).toBe(431);
    expect(answer.json).toEqual({
      error: 'headers-too-large',
      message: expect.stringMatching(/headers are larger/),
      requestId: answer.requestIdHeader,
    });
    expect(answer.requestIdHeader).toMatch(/^[0-9a-f-]{36}$/);
    // The hub's log reaches us through its stderr pipe, which may be a moment behind the answer's socket.
    const logged = `"requestId":"${answer.requestIdHeader as string}"`;
    await eventually(
      `the hub's log line of request ${answer.requestIdHeader}`,
      () => hub.log().includes(logged) || undefined,
      {
        limitMs: 10_000,
        intervalMs: 100,
      },
    );
    // The hub goes on answering.
    expect((await new HubApi(hub.url).call('GET', '/v1/health')).status).toBe(200);
  });

  it('expires bearer tokens', async () => {
    expect((await api.call('GET', '/v1/me')).status).toBe(200);
    // The token lives one second; poll until it is refused (no timing assertion, only the outcome).
    let answer = await api.call('GET', '/v1/me');
    for (let i = 0; i < 50 && answer.status === 200; i++) {
      await new Promise((r) => setTimeout(r, 100));
      answer = await api.call('GET', '/v1/me');
    }
    expect(answer.status).toBe(401);
    expect(answer.json).toMatchObject({ error: 'unauthorized', message: expect.stringMatching(/expired/) });
  });

  it('stops gracefully on SIGTERM', async () => {
    const login = await new HubApi(hub.url).call('POST', '/v1/auth/password', {
      json: { login: 'small-agent', password: 'small secret' },
    });
    const poll = api
      .withToken(login.json.accessToken)
      .call('GET', '/v1/events?wait=60')
      .catch((e: Error) => e);
    expect(await hub.stop()).toBe(0);
    await poll; // answered (or cut) at shutdown rather than hanging for a minute
    expect(hub.log()).toContain('"msg":"stopped"');
  });
});
