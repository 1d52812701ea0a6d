// Blobs in the database (`serve --blob-store database`, docs/architecture.md §8): two hub
// instances on one PostgreSQL with data directories of their own, so they share nothing but the
// database. A's clerk uploads a file of a few MiB at instance one and sends it at instance two
// (whose signature check reads the blob from the database); B downloads the same bytes from
// either instance; no blob file is written anywhere. The second instance and the administrator's
// commands name no store: the database keeps the first start's choice.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signDetached } from '../../src/crypto/cms';
import type { Signer } from '../../src/crypto/signer';
import type { Document } from '../../src/protocol';
import type { TokenSession } from '../../src/token/session';
import { backends, closeDatabases } from '../support/databases';
import { loginWithSigner, runHubCommand, startHub, type HubApi, type StartedHub } from '../support/hub';
import { softhsm } from '../support/system';
import type { TestPki } from '../support/test-pki';
import { startTwoOrganizations, tokenSigner } from '../support/token-hub';

const part = softhsm();
const postgres = backends.find((b) => b.name === 'postgres')!;
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe.skipIf(!part.ok || postgres.skip !== undefined)(
  `blobs in the database of two hub instances ${part.reason ?? ''} ${postgres.skip ?? ''}`,
  () => {
    let pki: TestPki;
    let one: StartedHub;
    let two: StartedHub;
    const sessions: TokenSession[] = [];
    let signerA: Signer;
    let orgB: string;
    let aOne: HubApi;
    let aTwo: HubApi;
    let bOne: HubApi;
    let bTwo: HubApi;

    beforeAll(async () => {
      const args = ['--max-blob-size', String(8 * 1024 * 1024)];
      const { a, b, ...started } = await startTwoOrganizations(
        {},
        { backend: postgres, args: ['--blob-store', 'database', ...args] },
      );
      ({ pki, hub: one } = started);
      // Instance two names no store: the database says where the first start put the blobs.
      two = await startHub({ databaseUrl: one.databaseUrl!, args });
      orgB = b.org.id;
      signerA = await tokenSigner(pki, sessions, 'clerk-a');
      const signerB = await tokenSigner(pki, sessions, 'clerk-b');
      aOne = (await loginWithSigner(one.url, signerA)).api;
      aTwo = (await loginWithSigner(two.url, signerA)).api;
      bOne = (await loginWithSigner(one.url, signerB)).api;
      bTwo = (await loginWithSigner(two.url, signerB)).api;
      expect((await aOne.call('POST', '/v1/contacts', { json: { subscriberId: orgB } })).status).toBe(200);
      expect((await bTwo.call('POST', `/v1/contacts/${a.org.id}/accept`, { json: {} })).json.state).toBe('connected');
      const archiving = { archiving: { enabled: true } };
      expect((await aOne.call('PATCH', '/v1/organization/settings', { json: archiving })).status).toBe(200);
    });

    afterAll(async () => {
      for (const s of sessions) s.close();
      await two?.stop();
      await one?.stop();
      pki?.cleanup();
      await closeDatabases();
    });

    it('sends a file of 5 MiB uploaded at one instance through the other, and both give it back', async () => {
      const content = randomBytes(5 * 1024 * 1024 + 333);
      expect((await aOne.call('PUT', `/v1/blobs/${sha(content)}`, { body: content })).status).toBe(201);
      // Already A's, whichever instance is asked.
      expect((await aTwo.call('PUT', `/v1/blobs/${sha(content)}`, { body: content })).status).toBe(200);
      const signature = await signDetached(content, signerA);
      const body = {
        recipientId: orgB,
        title: 'Договор',
        kind: 'contract',
        fileName: 'contract.bin',
        sha256: sha(content),
        signature: signature.toString('base64'),
      };
      const sent = await aTwo.call<Document>('POST', '/v1/documents', {
        headers: { 'idempotency-key': 'big-contract' },
        json: body,
      });
      expect(sent.status, sent.body.toString()).toBe(201);
      for (const api of [bOne, bTwo]) {
        const got = await api.call('GET', `/v1/blobs/${sha(content)}`);
        expect(got.status).toBe(200);
        expect(sha(got.body)).toBe(sha(content));
      }
      // Nothing on disk: no blob file in either instance's folder.
      const blobFiles = (dir: string) =>
        existsSync(dir) ? readdirSync(dir, { recursive: true }).filter((f) => String(f).endsWith(sha(content))) : [];
      for (const hub of [one, two]) expect(blobFiles(join(hub.dataDir, 'blobs'))).toEqual([]);
      const rows = await one.query<{ size: number }>('SELECT size FROM blob_store_contents WHERE sha256 = $1', [
        sha(content),
      ]);
      expect(rows.map((r) => Number(r.size))).toEqual([content.length]);
      // The administrator's archive check, naming no store, finds the archived document's blob in the database.
      const checked = await one.admin<{ size: number; problems: string[] }>(['archive', 'check']);
      expect(checked.problems).toEqual([]);
      expect(checked.size).toBeGreaterThan(0);
    });

    it('keeps nothing of a wrong or oversized upload', async () => {
      const content = randomBytes(3 * 1024 * 1024);
      const wrong = await aOne.call('PUT', `/v1/blobs/${sha(Buffer.from('something else'))}`, { body: content });
      expect(wrong.json.error).toBe('blob-hash-mismatch');
      const large = randomBytes(9 * 1024 * 1024);
      expect((await aTwo.call('PUT', `/v1/blobs/${sha(large)}`, { body: large })).json.error).toBe('blob-too-large');
      const left = await one.query<{ n: number }>(
        'SELECT (SELECT count(*) FROM blob_store_uploads) + (SELECT count(*) FROM blob_store_chunks ' +
          'WHERE upload_id NOT IN (SELECT upload_id FROM blob_store_contents)) AS n',
      );
      expect(Number(left[0]!.n)).toBe(0);
    });

    it('refuses the other store on a hub whose blobs are in the database', async () => {
      const run = await runHubCommand([
        'archive',
        'check',
        '--data',
        two.dataDir,
        '--database',
        one.databaseUrl!,
        '--blob-store',
        'folder',
      ]);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain('Этот сервер обмена хранит файлы документов в базе данных');
    });

    it('refuses --blob-store database without a database', async () => {
      const run = await runHubCommand(['serve', '--data', two.dataDir, '--port', '0', '--blob-store', 'database']);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('--blob-store database хранит файлы в базе данных --database URL');
    });
  },
);
