// The signed-data archive through the real hub (`edo-hub serve` as a child process): the
// organization's administrator switches archiving on over HTTP, A's clerk sends documents signed
// on a SoftHSM token, they are archived, and the client (edo-clerk archive verify|get|status
// handlers over HTTP) verifies each entry's inclusion proof against the operator-signed tree head.
// Then the hub's archive.sqlite is edited by hand (a changed byte, a removed row, a truncation, a
// rewritten tree) and the client's verification fails naming what broke. Also: settings refused
// (and journaled) for a user without the right, another organization sees nothing, and a quota
// that is used up lets the exchange go on, tells the signer and lists the entry as not archived.
import { createHash, createPrivateKey } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SqliteDatabase } from '../../server/storage/sqlite-db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArchiveLog } from '../../server/archive/log';
import { BlobFiles } from '../../server/blobs';
import { treeHeadFromJson, verifyTreeHead } from '../../src/archive/tree-head';
import { verifyArchivedEntry } from '../../src/archive/verify';
import {
  archiveCommands,
  archiveList,
  archiveStatus,
  archiveVerify,
  type ArchiveConnection,
} from '../../src/cli/archive';
import type { Options } from '../../src/cli/commands';
import { CliError, makeOutput, type Output } from '../../src/cli/output';
import { pemToDer } from '../../src/crypto/certificates';
import { signDetached, verifyDetached } from '../../src/crypto/cms';
import { KeySigner } from '../../src/crypto/key-signer';
import type { Signer } from '../../src/crypto/signer';
import { HttpArchiveSource } from '../../src/exchange/archive-client';
import { HttpExchangeClient, HubError } from '../../src/exchange/http-client';
import { ClerkProfile } from '../../src/exchange/profile';
import { buildReceiptNotice } from '../../src/formats';
import {
  EventsPage,
  JournalPage,
  NotArchivedPage,
  OrganizationSettings,
  type ArchiveEntriesPage,
  type Document,
  type ServiceDocument,
} from '../../src/protocol';
import type { SecretStore } from '../../src/settings/keychain';
import { secretNames } from '../../src/exchange/profile';
import type { TokenSession } from '../../src/token/session';
import { opensslCmsVerify } from '../support/openssl-cms';
import { backends, closeDatabases } from '../support/databases';
import { HubApi, loginWithSigner, type StartedHub } from '../support/hub';
import { softhsm } from '../support/system';
import { samplePeople, type TestPki } from '../support/test-pki';
import { startTwoOrganizations, tokenSigner } from '../support/token-hub';

const part = softhsm();

/** The secrets the profile would keep in the OS keychain: none are needed here (the test logs in itself). */
const noSecrets: SecretStore = { get: async () => undefined, set: async () => undefined, delete: async () => false };

/** What a command printed with --json, and its exit code or the CliError it failed with. */
async function runCommand(
  run: (profile: ClerkProfile, o: Options, positional: string[], out: Output) => Promise<number>,
  profile: ClerkProfile,
  positional: string[] = [],
  options: Options = {},
) {
  let printed: unknown;
  const out: Output = {
    ...makeOutput(true, 'en'),
    result: (value) => (printed = value),
    progress: () => undefined,
    info: () => undefined,
  };
  try {
    const code = await run(profile, { json: true, ...options }, positional, out);
    return { code, printed, error: undefined as CliError | undefined };
  } catch (e) {
    if (!(e instanceof CliError)) throw e;
    return { code: e.exitCode, printed, error: e };
  }
}

describe.skipIf(!part.ok).each(backends)(
  `the signed-data archive at the hub on $name, verified by the client ${part.reason}`,
  (backend) => {
    let pki: TestPki;
    let hub: StartedHub;
    const sessions: TokenSession[] = [];
    let signerA: Signer;
    let signerB: Signer;
    let orgA: string;
    let orgB: string;
    let ivanovaId: string;
    let petrovId: string;
    let assistantId: string;
    let apiA: HubApi;
    let apiB: HubApi;
    /** The hub client logged in as A's and B's clerks. */
    let clientA: HttpExchangeClient;
    let clientB: HttpExchangeClient;
    let apiAssistant: HubApi;
    let operatorCertificate: Buffer;
    const profiles: string[] = [];
    const sent: Document[] = [];

    /** A clerk's profile folder; the archive commands reach the hub with A's token. */
    function profile(): ClerkProfile {
      const dir = mkdtempSync(join(tmpdir(), 'edo-clerk-archive-'));
      profiles.push(dir);
      return new ClerkProfile(dir, noSecrets);
    }

    const commands = archiveCommands(async (): Promise<ArchiveConnection> => ({
      source: new HttpArchiveSource(clientA),
      operatorCertificate: async () => Buffer.from((await apiA.call('GET', '/v1/operator')).json.certificate, 'base64'),
      close: () => undefined,
    }));

    const sentSignatures = new Map<string, string>();
    async function sendDocument(text: string, fileName: string): Promise<Document> {
      const content = Buffer.from(text, 'utf8');
      const sha256 = createHash('sha256').update(content).digest('hex');
      expect((await apiA.call('PUT', `/v1/blobs/${sha256}`, { body: content })).status).toBe(201);
      const signature = await signDetached(content, signerA);
      const answer = await apiA.call<Document>('POST', '/v1/documents', {
        headers: { 'idempotency-key': `send-${sha256}` },
        json: {
          recipientId: orgB,
          title: fileName,
          kind: 'contract',
          fileName,
          sha256,
          signature: signature.toString('base64'),
        },
      });
      expect(answer.status, answer.body.toString()).toBe(201);
      sent.push(answer.json);
      // The hub answers with the signature extended (CAdES-X Long); a repeated request carries the one sent.
      sentSignatures.set(answer.json.id, signature.toString('base64'));
      return answer.json;
    }

    /** The hub's archive file, opened by hand the way an intruder with disk access would. */
    function archiveDb(): Database.Database {
      const db = new Database(join(hub.dataDir, 'archive.sqlite'));
      db.pragma('busy_timeout = 5000');
      return db;
    }

    beforeAll(async () => {
      const { a, b, ...started } = await startTwoOrganizations({ a: 'workstation', b: 'server' }, { backend });
      ({ pki, hub } = started);
      orgA = a.org.id;
      orgB = b.org.id;
      ivanovaId = a.users[0]!.id;
      petrovId = b.users[0]!.id;
      // A second user of A, added after Иванова: no right to the organization settings.
      assistantId = (
        await hub.admin(['user', 'add', '--org', orgA, '--login', 'romashka-assistant'], {
          stdin: 'assistant-password',
        })
      ).id;
      signerA = await tokenSigner(pki, sessions, 'clerk-a');
      signerB = await tokenSigner(pki, sessions, 'clerk-b');
      apiA = (await loginWithSigner(hub.url, signerA)).api;
      apiB = (await loginWithSigner(hub.url, signerB)).api;
      clientA = new HttpExchangeClient(hub.url);
      await clientA.authenticate({ method: 'certificate', signLogin: (content) => signDetached(content, signerA) });
      clientB = new HttpExchangeClient(hub.url);
      await clientB.authenticate({ method: 'certificate', signLogin: (content) => signDetached(content, signerB) });
      const assistantLogin = await new HubApi(hub.url).call('POST', '/v1/auth/password', {
        json: { login: 'romashka-assistant', password: 'assistant-password' },
      });
      expect(assistantLogin.status).toBe(200);
      apiAssistant = new HubApi(hub.url, assistantLogin.json.accessToken);
      expect((await apiA.call('POST', '/v1/contacts', { json: { subscriberId: orgB } })).status).toBe(200);
      expect((await apiB.call('POST', `/v1/contacts/${orgA}/accept`, { json: {} })).json.state).toBe('connected');
      // The operator certificate as the operator hands it out (`edo-hub operator`): what a clerk would be configured with.
      operatorCertificate = Buffer.from((await hub.admin<{ certificate: string }>(['operator'])).certificate, 'base64');
    });

    afterAll(async () => {
      for (const s of sessions) s.close();
      await hub?.stop();
      pki?.cleanup();
      for (const dir of profiles) rmSync(dir, { recursive: true, force: true });
      await closeDatabases();
    });

    it('answers the operating mode from the organization settings, and lists the settings routes in the OpenAPI document', async () => {
      expect((await apiA.call('GET', '/v1/me')).json.subscriber).toMatchObject({
        id: orgA,
        operatingMode: 'workstation',
      });
      const openapi = (await new HubApi(hub.url).call('GET', '/v1/openapi.json')).json as {
        paths: Record<string, Record<string, unknown>>;
      };
      expect(Object.keys(openapi.paths['/v1/organization/settings'] ?? {}).sort()).toEqual(['get', 'patch']);
      expect(openapi.paths['/v1/archive/proofs/inclusion']?.get).toBeDefined();
    });

    it('refuses the settings to a user without the right, and journals each attempt', async () => {
      const read = await apiAssistant.call('GET', '/v1/organization/settings');
      expect(read.status).toBe(403);
      expect(read.json).toMatchObject({
        error: 'forbidden',
        message: expect.stringContaining('change-organization-settings'),
      });
      const change = await apiAssistant.call('PATCH', '/v1/organization/settings', {
        json: { archiving: { enabled: true } },
      });
      expect(change.status).toBe(403);
      const grantSelf = await apiAssistant.call('PUT', '/v1/organization/access', {
        json: { users: [{ userId: assistantId, permissions: ['change-organization-settings'] }] },
      });
      expect(grantSelf.status).toBe(403);
      expect((await apiA.call('GET', '/v1/organization/settings')).json.archiving.enabled).toBe(false);
      // Без токена: 401, not a settings answer.
      expect((await new HubApi(hub.url).call('GET', '/v1/organization/settings')).status).toBe(401);

      const journal = JournalPage.parse((await apiA.call('GET', '/v1/organization/journal?limit=500')).json);
      expect(journal.entries.filter((e) => e.actor === assistantId).map((e) => [e.action, e.outcome])).toEqual([
        ['settings.read', 'refused'],
        ['settings.change', 'refused'],
        ['access.change', 'refused'],
      ]);
      // The first user became the administrator when the operator registered her.
      expect(journal.entries.find((e) => e.action === 'access' && e.target === ivanovaId)).toMatchObject({
        actor: 'operator',
        newValue: ['change-organization-settings'],
        outcome: 'applied',
      });
    });

    it("lets A's administrator switch archiving on over HTTP; A's signed documents are archived with their signatures", async () => {
      const patched = await apiA.call('PATCH', '/v1/organization/settings', { json: { archiving: { enabled: true } } });
      expect(patched.status, patched.body.toString()).toBe(200);
      expect(OrganizationSettings.parse(patched.json).archiving.enabled).toBe(true);

      const first = await sendDocument('Договор поставки № 17 от 22.11.2026\n'.repeat(50), 'Договор 17.txt');
      expect(first.archive).toMatchObject({ index: 0, leafHash: expect.stringMatching(/^[0-9a-f]{64}$/) });

      // The receipt is in A's view of the document, also when the POST is repeated; B's view has none of A's archive.
      expect((await apiA.call<Document>('GET', `/v1/documents/${first.id}`)).json.archive).toEqual(first.archive);
      const replay = await apiA.call<Document>('POST', '/v1/documents', {
        headers: { 'idempotency-key': `send-${first.blob.sha256}` },
        json: {
          recipientId: orgB,
          title: 'Договор 17.txt',
          kind: 'contract',
          fileName: 'Договор 17.txt',
          sha256: first.blob.sha256,
          signature: sentSignatures.get(first.id),
        },
      });
      expect(replay.headers.get('idempotent-replayed')).toBe('true');
      expect(replay.json.archive).toEqual(first.archive);
      expect((await apiB.call<Document>('GET', `/v1/documents/${first.id}`)).json.archive).toBeUndefined();

      const entries = (await apiA.call<ArchiveEntriesPage>('GET', '/v1/archive/entries')).json;
      expect(entries.entries).toHaveLength(1);
      expect(entries.entries[0]).toMatchObject({
        index: 0,
        orgId: orgA,
        userId: ivanovaId,
        documentId: first.id,
        kind: 'document',
        fileName: 'Договор 17.txt',
        blobSha256: first.blob.sha256,
        signatures: [first.signature],
      });
      expect((await apiA.call('GET', '/v1/archive/usage')).json).toMatchObject({
        usedBytes: first.blob.size,
        usage: expect.stringMatching(/^used [\d.]+ MB of 5 GB$/),
      });
    });

    it("verifies the entry's inclusion proof against the operator-signed tree head, independently of the CLI", async () => {
      const source = new HttpArchiveSource(clientA);
      const head = await source.treeHead();
      verifyTreeHead(head, operatorCertificate);
      const entry = (await source.entry(0))!;
      const proof = await source.inclusionProof(0, head.treeSize);
      expect(() =>
        verifyArchivedEntry(entry, proof, head, { expectedLeafHash: sent[0]!.archive!.leafHash, operatorCertificate }),
      ).not.toThrow();
      // The archived signature is the very CMS the hub accepted: OpenSSL agrees it signs the original.
      const original = Buffer.concat(await (await source.original(entry)).toArray());
      const dir = mkdtempSync(join(tmpdir(), 'edo-archive-openssl-'));
      profiles.push(dir);
      writeFileSync(join(dir, 'doc'), original);
      writeFileSync(join(dir, 'doc.p7s'), Buffer.from(entry.signatures[0]!, 'base64'));
      opensslCmsVerify(join(dir, 'doc.p7s'), join(dir, 'doc'), pki.caCertificateFile);
    });

    it('archives a service document of B when B archives what Петров signs; B lists only its own entries', async () => {
      expect(
        (
          await apiB.call('PATCH', '/v1/organization/settings', {
            json: { archiving: { perUser: { [petrovId]: true } } },
          })
        ).status,
      ).toBe(200);
      const document = sent[0]!;
      const receipt = buildReceiptNotice({
        sender: {
          id: orgB,
          organization: { name: samplePeople.petrov.organization, inn: samplePeople.petrov.orgInn, kpp: '780101001' },
        },
        receiver: {
          id: orgA,
          organization: { name: samplePeople.ivanova.organization, inn: samplePeople.ivanova.orgInn, kpp: '770101001' },
        },
        receivedAt: new Date(),
        receivedFile: { name: document.fileName, signatures: [Buffer.from(document.signature, 'base64')] },
        signer: { surname: 'Петров', name: 'Сергей', patronymic: 'Иванович', position: samplePeople.petrov.position },
      });
      const signature = await signDetached(receipt.xml, signerB);
      const posted = await apiB.call<ServiceDocument>('POST', `/v1/documents/${document.id}/service-documents`, {
        headers: { 'idempotency-key': 'receipt-17' },
        json: {
          type: 'receipt',
          fileName: receipt.fileName,
          xml: receipt.xml.toString('base64'),
          signature: signature.toString('base64'),
        },
      });
      expect(posted.status, posted.body.toString()).toBe(201);
      expect(posted.json.archive).toMatchObject({ index: 1 });
      const bEntries = (await apiB.call<ArchiveEntriesPage>('GET', '/v1/archive/entries')).json.entries;
      expect(bEntries).toMatchObject([
        { index: 1, orgId: orgB, userId: petrovId, kind: 'receipt-notice', fileName: receipt.fileName },
      ]);
      const source = new HttpArchiveSource(clientB);
      const xml = Buffer.concat(await (await source.original(bEntries[0]!)).toArray());
      expect(xml.equals(receipt.xml)).toBe(true);
      expect(
        (await verifyDetached(signature, xml, { trustedRoots: [Buffer.from(pki.caCertificate.rawData)] })).valid,
      ).toBe(true);
    });

    it("shows another organization nothing of A's archive", async () => {
      const bEntries = (await apiB.call<ArchiveEntriesPage>('GET', '/v1/archive/entries')).json.entries;
      expect(bEntries.every((e) => e.orgId === orgB)).toBe(true);
      for (const path of [
        '/v1/archive/entries/0',
        '/v1/archive/entries/0/data',
        '/v1/archive/proofs/inclusion?index=0&treeSize=2',
      ]) {
        const answer = await apiB.call('GET', path);
        expect(answer.status, path).toBe(404);
        expect(answer.body.toString()).not.toContain('Договор');
      }
      expect((await apiB.call('GET', '/v1/organization/settings')).json).toMatchObject({
        orgId: orgB,
        archiving: { enabled: false },
      });
      expect(
        (await apiB.call('GET', '/v1/organization/journal')).json.entries.some(
          (e: { actor: string }) => e.actor === ivanovaId || e.actor === assistantId,
        ),
      ).toBe(false);
      const source = new HttpArchiveSource(clientB);
      await expect(
        source.original({ index: 0, fileName: 'x', blobSha256: sent[0]!.blob.sha256, size: sent[0]!.blob.size }),
      ).rejects.toBeInstanceOf(HubError);
    });

    it('edo-clerk archive verify|status|list|get: all entries verify, the tree head is remembered, the original and its signature are written', async () => {
      await sendDocument('Счёт № 5\n'.repeat(30), 'Счёт 5.txt');
      await sendDocument('Акт № 9\n'.repeat(30), 'Акт 9.txt');
      const clerk = profile();
      const verified = await runCommand(commands.verify, clerk);
      expect(verified.error?.message).toBeUndefined();
      expect(verified.printed).toMatchObject({ treeSize: 4, verified: 3, failed: [] });
      const remembered = treeHeadFromJson(
        JSON.parse(readFileSync(join(clerk.dir, 'archive', 'tree-head.json'), 'utf8')),
      );
      expect(remembered.treeSize).toBe(4);

      const status = await runCommand(commands.status, clerk);
      expect(status.code).toBe(0);
      expect(status.printed).toMatchObject({
        usage: { usage: expect.stringContaining('of 5 GB') },
        lastTreeHead: { treeSize: 4 },
        consistency: { ok: true },
      });

      const listed = await runCommand(commands.list, clerk);
      expect((listed.printed as { entries: { index: number }[] }).entries.map((e) => e.index)).toEqual([0, 2, 3]);

      const out = join(clerk.dir, 'downloads');
      const got = await runCommand(commands.get, clerk, ['2'], { out });
      expect(got.code).toBe(0);
      const file = readFileSync(join(out, 'Счёт 5.txt'));
      expect(file.toString('utf8')).toBe('Счёт № 5\n'.repeat(30));
      const signature = readFileSync(join(out, 'Счёт 5.txt.sig'));
      expect(
        (await verifyDetached(signature, file, { trustedRoots: [Buffer.from(pki.caCertificate.rawData)] })).valid,
      ).toBe(true);
      expect((await runCommand(commands.get, clerk, ['1'], { out })).error?.message).toMatch(/no archive entry 1/);
    });

    it('the operator gives the assistant the right with edo-hub org grant; then the exported handlers log in as the profile does (a service password) and verify', async () => {
      const granted = await hub.admin([
        'org',
        'grant',
        '--org',
        orgA,
        '--user',
        assistantId,
        '--permission',
        'change-organization-settings',
      ]);
      expect(granted).toEqual({ orgId: orgA, userId: assistantId, permissions: ['change-organization-settings'] });
      expect((await apiAssistant.call('GET', '/v1/organization/settings')).status).toBe(200);

      const dir = mkdtempSync(join(tmpdir(), 'edo-clerk-archive-'));
      profiles.push(dir);
      const secrets: SecretStore = {
        get: async (name) => (name === secretNames.servicePassword ? 'assistant-password' : undefined),
        set: async () => undefined,
        delete: async () => false,
      };
      const assistant = new ClerkProfile(dir, secrets);
      assistant.settingsFile.write({ serverUrl: hub.url, auth: { method: 'password', login: 'romashka-assistant' } });
      const listed = await runCommand(archiveList, assistant);
      expect((listed.printed as { entries: { index: number }[] }).entries.map((e) => e.index)).toEqual([0, 2, 3]);
      const verified = await runCommand(archiveVerify, assistant);
      expect(verified.error?.message).toBeUndefined();
      expect(verified.printed).toMatchObject({ treeSize: 4, verified: 3, failed: [] });
      expect((await runCommand(archiveStatus, assistant)).printed).toMatchObject({
        consistency: { ok: true },
        lastTreeHead: { treeSize: 4 },
      });
      // The operator certificate was pinned at first use, from the hub's GET /v1/operator.
      expect(pemToDer(readFileSync(join(dir, 'archive', 'operator.pem'), 'utf8'))[0]!.equals(operatorCertificate)).toBe(
        true,
      );
      assistant.close();
    });

    it('at the quota limit the document still goes to B; the signer is told in the feed and the entry is listed as not archived', async () => {
      const used = (await apiA.call('GET', '/v1/archive/usage')).json.usedBytes as number;
      await hub.admin(['archive', 'quota', '--org', orgA, '--bytes', String(used + 100)]);
      const aCursor = EventsPage.parse((await apiA.call('GET', '/v1/events?after=0&limit=500')).json).next;

      const big = await sendDocument('Приложение к договору\n'.repeat(100), 'Приложение 1.txt');
      expect(big.archive).toBeUndefined();
      expect((await apiB.call<Document>('GET', `/v1/documents/${big.id}`)).json).toMatchObject({
        id: big.id,
        fileName: 'Приложение 1.txt',
      });

      const feed = EventsPage.parse((await apiA.call('GET', `/v1/events?after=${aCursor}`)).json).events;
      const notice = feed.find((e) => e.type === 'archive.refused');
      expect(notice).toMatchObject({
        documentId: big.id,
        fileName: 'Приложение 1.txt',
        userId: ivanovaId,
        message: expect.stringMatching(/was not archived: .*quota/),
      });

      const notArchived = NotArchivedPage.parse((await apiA.call('GET', '/v1/archive/not-archived')).json);
      expect(notArchived.entries).toMatchObject([
        {
          documentId: big.id,
          userId: ivanovaId,
          fileName: 'Приложение 1.txt',
          size: big.blob.size,
          reason: expect.stringContaining('quota'),
        },
      ]);
      expect((await apiA.call<ArchiveEntriesPage>('GET', '/v1/archive/entries')).json.entries).toHaveLength(3);
      // B's not-archived list is B's own: empty.
      expect((await apiB.call('GET', '/v1/archive/not-archived')).json.entries).toEqual([]);
      await hub.admin(['archive', 'quota', '--org', orgA, '--bytes', String(5 * 1024 ** 3)]);
    });

    // An intruder with disk access edits archive.sqlite; on PostgreSQL the same log is checked by
    // the suites above, and the hand edits would be another dialect's SQL proving the same client checks.
    const sqliteOnly =
      backend.name === 'sqlite'
        ? ''
        : ' (skipped: it edits the file archive.sqlite; the checks above cover this backend)';
    describe.skipIf(backend.name !== 'sqlite')(`after the hub archive file is edited by hand${sqliteOnly}`, () => {
      let clerk: ClerkProfile;
      let early: ClerkProfile;

      beforeAll(async () => {
        clerk = profile();
        expect((await runCommand(commands.verify, clerk)).code).toBe(0);
        // A clerk who last looked when the archive had one entry: it remembers that tree head only.
        early = profile();
        const db = archiveDb();
        const head = db
          .prepare<[], { tree_size: number; root_hash: Buffer; timestamp: number; signature: Buffer }>(
            'SELECT * FROM archive_tree_heads WHERE tree_size = 1',
          )
          .get()!;
        db.close();
        mkdirSync(join(early.dir, 'archive'), { recursive: true });
        writeFileSync(
          join(early.dir, 'archive', 'tree-head.json'),
          JSON.stringify({
            treeSize: 1,
            rootHash: head.root_hash.toString('hex'),
            timestamp: head.timestamp,
            signature: head.signature.toString('base64'),
          }),
        );
      });

      it('the append-only triggers refuse an edit that does not drop them first', () => {
        const db = archiveDb();
        expect(() => db.prepare("UPDATE archive_entries SET file_name = 'x' WHERE idx = 0").run()).toThrow(
          /append-only/,
        );
        expect(() => db.prepare('DELETE FROM archive_entries WHERE idx = 0').run()).toThrow(/append-only/);
        db.close();
      });

      it('a changed byte in an entry: verify fails with entry-changed, naming the entry; the hub’s own check says so too', async () => {
        const db = archiveDb();
        db.exec('DROP TRIGGER IF EXISTS archive_entries_no_update');
        const original = db
          .prepare<[], { file_name: string }>('SELECT file_name FROM archive_entries WHERE idx = 2')
          .get()!.file_name;
        db.prepare('UPDATE archive_entries SET file_name = ? WHERE idx = 2').run(original.replace('5', '6'));
        try {
          const result = await runCommand(commands.verify, clerk);
          expect(result.code).toBe(1);
          expect(result.error!.code).toBe('entry-changed');
          expect(result.error!.message).toMatch(
            /ARCHIVE WAS ALTERED: archive verification failed \(entry-changed\): entry 2 \(Счёт 6\.txt\) hashes to [0-9a-f]{64} but the hub lists leaf hash/,
          );
          await expect(hub.admin(['archive', 'check'])).rejects.toThrow(/entry 2 .*hashes to/);
        } finally {
          // The hub's own check re-created the trigger when it opened the archive.
          db.exec('DROP TRIGGER IF EXISTS archive_entries_no_update');
          db.prepare('UPDATE archive_entries SET file_name = ? WHERE idx = 2').run(original);
          db.close();
        }
        expect((await runCommand(commands.verify, clerk)).code).toBe(0);
      });

      it('a changed byte in an archived original: get refuses to write it and says the hash differs', async () => {
        const entry = (await new HttpArchiveSource(clientA).entry(3))!;
        const blobs = new BlobFiles(join(hub.dataDir, 'blobs'), 1 << 30);
        const path = blobs.pathOf(entry.blobSha256);
        const bytes = readFileSync(path);
        const changed = Buffer.from(bytes);
        changed[0] = changed[0]! ^ 1;
        writeFileSync(path, changed);
        try {
          const out = join(clerk.dir, 'tampered');
          const result = await runCommand(commands.get, clerk, ['3'], { out });
          expect(result.code).toBe(1);
          expect(result.error!.message).toMatch(
            /ARCHIVE WAS ALTERED: .*original of entry 3 \(Акт 9\.txt\) is \d+ bytes hashing to [0-9a-f]{64}; the archived entry says/,
          );
          expect(() => readFileSync(join(out, 'Акт 9.txt'))).toThrow();
        } finally {
          writeFileSync(path, bytes);
        }
      });

      it('a removed row: verify reports the entry missing; removing the last row is reported as a truncated archive', async () => {
        const db = archiveDb();
        db.exec('DROP TRIGGER IF EXISTS archive_entries_no_delete');
        const rows = db.prepare('SELECT * FROM archive_entries WHERE idx IN (2, 3) ORDER BY idx').all() as Record<
          string,
          unknown
        >[];
        const restore = () => {
          for (const row of rows) {
            const columns = Object.keys(row);
            db.prepare(
              `INSERT OR IGNORE INTO archive_entries (${columns.join(', ')}) VALUES (${columns.map((c) => `@${c}`).join(', ')})`,
            ).run(row);
          }
        };
        try {
          db.prepare('DELETE FROM archive_entries WHERE idx = 2').run();
          const middle = await runCommand(commands.verify, clerk);
          expect(middle.code).toBe(1);
          expect(middle.error!.code).toBe('missing');
          expect(middle.error!.message).toMatch(
            /ARCHIVE WAS ALTERED: archive verification failed \(missing\): the hub no longer lists entry 2 \(archived with leaf hash [0-9a-f]{64}\)/,
          );
          // Entry 3 shares a subtree with the removed leaf: the hub can no longer prove it, and says why.
          expect(middle.printed).toMatchObject({
            failed: [
              { index: 2, problem: 'missing' },
              {
                index: 3,
                problem: 'not-included',
                message: expect.stringMatching(/no inclusion proof for entry 3 .*leaf 2 is missing/),
              },
            ],
          });
          restore();

          db.prepare('DELETE FROM archive_entries WHERE idx = 3').run();
          const last = await runCommand(commands.verify, clerk);
          expect(last.code).toBe(1);
          expect(last.error!.code).toBe('truncated');
          expect(last.error!.message).toMatch(
            /ARCHIVE WAS ALTERED: archive verification failed \(truncated\): the archive had 4 entries .* now claims 3/,
          );
          const status = await runCommand(commands.status, clerk);
          expect(status.code).toBe(1);
          expect(status.printed).toMatchObject({ consistency: { ok: false, problem: 'truncated' } });
        } finally {
          restore();
          db.close();
        }
        expect((await runCommand(commands.verify, clerk)).code).toBe(0);
      });

      it('a rewritten tree, signed with the operator key: a clerk who saw this size gets root-mismatch, one who saw a smaller tree gets inconsistent', async () => {
        // Whoever holds the operator key and the disk rebuilds the log with entry 0 renamed.
        const db = archiveDb();
        const entries = db.prepare('SELECT * FROM archive_entries ORDER BY idx').all() as {
          org_id: string;
          user_id: string;
          document_id: string;
          kind: string;
          file_name: string;
          blob_sha256: string;
          size: number;
          signatures: string;
        }[];
        for (const table of ['archive_entries', 'archive_nodes', 'archive_tree_heads']) {
          db.exec(`DROP TRIGGER IF EXISTS ${table}_no_delete`);
          db.exec(`DELETE FROM ${table}`);
        }
        const keyPem = readFileSync(join(hub.dataDir, 'operator', 'key.pem'));
        db.close();
        const forgerDb = new SqliteDatabase(join(hub.dataDir, 'archive.sqlite'));
        const forger = new ArchiveLog({
          db: forgerDb,
          signer: new KeySigner(createPrivateKey(keyPem), operatorCertificate),
          blobs: new BlobFiles(join(hub.dataDir, 'blobs'), 1 << 30),
        });
        await forger.appendMany(
          entries.map((e, i) => ({
            orgId: e.org_id,
            userId: e.user_id,
            documentId: e.document_id,
            kind: e.kind,
            fileName: i === 0 ? 'Договор 18.txt' : e.file_name,
            blobSha256: e.blob_sha256,
            size: e.size,
            signatures: JSON.parse(e.signatures) as string[],
          })),
        );
        await forgerDb.close();

        const rewritten = await runCommand(commands.verify, clerk);
        expect(rewritten.code).toBe(1);
        expect(rewritten.error!.code).toBe('root-mismatch');
        expect(rewritten.error!.message).toMatch(
          /ARCHIVE WAS ALTERED: .*two signed roots for 4 entries: [0-9a-f]{64} seen before, [0-9a-f]{64} now/,
        );

        const fromEarly = await runCommand(commands.verify, early, [], {
          'operator-cert': join(hub.dataDir, 'operator', 'certificate.pem'),
        });
        expect(fromEarly.code).toBe(1);
        expect(fromEarly.error!.code).toBe('inconsistent');
        expect(fromEarly.error!.message).toMatch(
          /the tree of 4 entries does not extend the tree of 1 entries seen before/,
        );
        // The remembered head is kept: the alarm repeats until someone looks into it.
        expect(
          treeHeadFromJson(JSON.parse(readFileSync(join(early.dir, 'archive', 'tree-head.json'), 'utf8'))).treeSize,
        ).toBe(1);
      });
    });
  },
);
