import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { text } from 'node:stream/consumers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestOperator } from '../../test/support/test-operator';
import { MB } from '../../src/archive';
import type { ArchiveEvent } from './events';
import { archiveSchema, ArchiveLog } from './log';
import {
  ArchiveMailer,
  ArchiveNotifier,
  WebhookDispatcher,
  webhookSchema,
  webhookSignature,
  type WebhookEnvelope,
} from './notify';
import { DirectoryBlobStore, sampleEntry } from '../../test/support/archive-blobs';
import { startSmtpInbox, type SmtpInbox } from '../../test/support/smtp-inbox';
import { migrate } from '../storage/sql';
import { SqliteDatabase } from '../storage/sqlite-db';

const dir = mkdtempSync(join(tmpdir(), 'edo-archive-notify-'));
const db = new SqliteDatabase(join(dir, 'hub.sqlite'));
beforeAll(() => migrate(db, [webhookSchema, archiveSchema]));
afterAll(async () => {
  await db.close();
  rmSync(dir, { recursive: true, force: true });
});

// ---- a real SMTP server on loopback ----

let smtp: SmtpInbox;
beforeAll(async () => {
  smtp = await startSmtpInbox();
});
afterAll(() => smtp.close());

/** The subject and body of a received message, undoing MIME encoded-words and quoted-printable. */
function readMessage(raw: string): { subject: string; body: string } {
  const [head = '', ...rest] = raw.split(/\r?\n\r?\n/);
  const unfolded = head.replace(/\r?\n[ \t]+/g, ' ');
  const subjectLine = /^Subject: (.*)$/im.exec(unfolded)?.[1] ?? '';
  const subject = subjectLine
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?utf-8\?([bq])\?([^?]*)\?=/gi, (_, enc: string, data: string) =>
      enc.toUpperCase() === 'B'
        ? Buffer.from(data, 'base64').toString('utf8')
        : Buffer.from(
            data
              .replace(/_/g, ' ')
              .replace(/=([0-9A-F]{2})/gi, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16))),
            'latin1',
          ).toString('utf8'),
    );
  let body = rest.join('\n\n');
  if (/Content-Transfer-Encoding: quoted-printable/i.test(unfolded)) {
    body = Buffer.from(
      body
        .replace(/=\r?\n/g, '')
        .replace(/=([0-9A-F]{2})/gi, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16))),
      'latin1',
    ).toString('utf8');
  } else if (/Content-Transfer-Encoding: base64/i.test(unfolded)) {
    body = Buffer.from(body, 'base64').toString('utf8');
  }
  return { subject, body: body.replace(/\r\n/g, '\n') };
}

// ---- a webhook receiver on loopback ----

interface Hit {
  body: string;
  headers: IncomingMessage['headers'];
}
async function receiver(answers: number[]): Promise<{ url: string; hits: Hit[]; close: () => Promise<void> }> {
  const hits: Hit[] = [];
  const server = createServer((req, res) => {
    void text(req).then((body) => {
      hits.push({ body, headers: req.headers });
      res.statusCode = answers[hits.length - 1] ?? 200;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/edo`,
    hits,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

const SECRET = 'whsec-romashka-7f1c';
const ORG_NAME = 'ООО "Ромашка"';

describe('archive e-mail', () => {
  it('arrives at a real SMTP server when archiving is switched on and off', async () => {
    const mailer = new ArchiveMailer({ host: '127.0.0.1', port: smtp.port, from: '"EDO hub" <archive@hub.test>' });
    const errors: Error[] = [];
    const notifier = new ArchiveNotifier({
      mailer,
      recipients: { recipient: () => ({ orgName: ORG_NAME, email: 'clerk@romashka.test' }) },
      onError: (e) => errors.push(e),
    });
    const before = smtp.letters.length;
    notifier.notify({
      type: 'archive.switched',
      orgId: 'org-romashka',
      on: true,
      scope: 'organization',
      by: 'ivanova',
    });
    notifier.notify({
      type: 'archive.switched',
      orgId: 'org-romashka',
      on: false,
      scope: 'user',
      userId: 'petrov',
      by: 'ivanova',
    });
    await notifier.idle();
    mailer.close();
    expect(errors).toEqual([]);
    const letters = smtp.letters.slice(before).map((m) => ({ ...m, ...readMessage(m.raw) }));
    expect(letters.map((l) => [l.from, l.to, l.subject])).toEqual([
      ['archive@hub.test', ['clerk@romashka.test'], `Signed-data archive switched on: ${ORG_NAME}`],
      ['archive@hub.test', ['clerk@romashka.test'], `Signed-data archive switched off: ${ORG_NAME}`],
    ]);
    expect(letters[0]!.body).toMatch(
      /switched on by ivanova\. From now on every document signed by the employees of ООО "Ромашка" is archived/,
    );
    expect(letters[1]!.body).toMatch(/documents signed by user petrov of ООО "Ромашка" from now on are not archived/);
  });

  it('says clearly when the SMTP server cannot be reached', async () => {
    const mailer = new ArchiveMailer({ host: '127.0.0.1', port: 1, from: 'archive@hub.test' });
    await expect(mailer.send('clerk@romashka.test', { subject: 'x', text: 'y' })).rejects.toThrow(
      /archive notice "x" to clerk@romashka.test was not sent through 127.0.0.1:1/,
    );
    mailer.close();
  });
});

describe('archive webhooks', () => {
  it('POSTs the event with a valid HMAC signature, and retries after a 500', async () => {
    const hook = await receiver([500, 200]);
    const slept: number[] = [];
    const dispatcher = new WebhookDispatcher({
      db,
      registry: { endpoints: (orgId) => (orgId === 'org-romashka' ? [{ url: hook.url, secret: SECRET }] : []) },
      retryDelaysMs: [40, 80, 160],
      sleep: (ms) => {
        slept.push(ms);
        return new Promise((r) => setTimeout(r, ms));
      },
    });
    const event: ArchiveEvent = {
      type: 'archive.quota-threshold',
      orgId: 'org-romashka',
      percent: 80,
      usedBytes: 8,
      quotaBytes: 10,
      usage: 'used 0 MB of 0 GB',
    };
    const outcomes = await dispatcher.dispatch('org-romashka', event.type, event);
    await hook.close();

    expect(outcomes).toEqual([{ url: hook.url, delivered: true, attempts: 2 }]);
    expect(slept).toEqual([40]);
    expect(hook.hits).toHaveLength(2);
    for (const hit of hook.hits) {
      expect(hit.headers['x-edo-signature']).toBe(webhookSignature(hit.body, SECRET));
      expect(hit.headers['x-edo-signature']).toMatch(/^sha256=[0-9a-f]{64}$/);
      expect(hit.headers['content-type']).toBe('application/json');
    }
    expect(hook.hits[0]!.body).toBe(hook.hits[1]!.body);
    const envelope = JSON.parse(hook.hits[0]!.body) as WebhookEnvelope;
    expect(envelope).toMatchObject({ type: 'archive.quota-threshold', orgId: 'org-romashka', data: event });
    expect(hook.hits[0]!.headers['x-edo-delivery']).toBe(envelope.id);
    // A receiver checking with another secret would refuse it.
    expect(webhookSignature(hook.hits[0]!.body, 'another secret')).not.toBe(hook.hits[0]!.headers['x-edo-signature']);

    const log = (await dispatcher.deliveries('org-romashka')).filter((d) => d.eventId === envelope.id);
    expect(log.map((d) => [d.attempt, d.status, d.error, d.delivered])).toEqual([
      [1, 500, 'HTTP 500 Internal Server Error', false],
      [2, 200, null, true],
    ]);
    expect(await dispatcher.deliveries('org-other')).toEqual([]);
  });

  it('gives up after the last retry when nobody answers, and at once on a 404, logging every attempt', async () => {
    const gone = await receiver([404]);
    const dead = await receiver([]);
    await dead.close(); // its port now refuses connections
    const slept: number[] = [];
    const dispatcher = new WebhookDispatcher({
      db,
      registry: {
        endpoints: () => [
          { url: gone.url, secret: SECRET },
          { url: dead.url, secret: SECRET },
        ],
      },
      retryDelaysMs: [1, 2, 4],
      sleep: async (ms) => void slept.push(ms),
    });
    const outcomes = await dispatcher.dispatch('org-vasilek', 'archive.entry-archived', { index: 1 });
    await gone.close();
    expect(outcomes).toEqual([
      { url: gone.url, delivered: false, attempts: 1 },
      { url: dead.url, delivered: false, attempts: 4 },
    ]);
    expect(slept).toEqual([1, 2, 4]);
    const log = await dispatcher.deliveries('org-vasilek');
    expect(log.filter((d) => d.url === dead.url).map((d) => [d.attempt, d.status])).toEqual([
      [1, null],
      [2, null],
      [3, null],
      [4, null],
    ]);
    expect(log.find((d) => d.url === dead.url)!.error).toMatch(/ECONNREFUSED/);
  });
});

describe('the archive notifies as it fills', () => {
  it('sends the 80% e-mail once and every event to the webhook', async () => {
    const hook = await receiver([]);
    const mailer = new ArchiveMailer({ host: '127.0.0.1', port: smtp.port, from: 'archive@hub.test' });
    const webhooks = new WebhookDispatcher({
      db,
      registry: { endpoints: () => [{ url: hook.url, secret: SECRET }] },
      retryDelaysMs: [],
    });
    const errors: Error[] = [];
    const notifier = new ArchiveNotifier({
      mailer,
      webhooks,
      recipients: { recipient: () => ({ orgName: ORG_NAME, email: 'archive-notices@romashka.test' }) },
      onError: (e) => errors.push(e),
    });
    const blobs = new DirectoryBlobStore(join(dir, 'blobs'));
    const log = new ArchiveLog({
      db,
      signer: createTestOperator().signer,
      blobs,
      defaultQuotaBytes: 10 * MB,
      onEvent: (e) => notifier.notify(e),
    });
    const before = smtp.letters.length;
    for (const size of [5, 4, 0.5]) await log.append(sampleEntry(blobs.put(Buffer.alloc(size * MB, 1 + size))));
    await notifier.idle();
    await hook.close();
    mailer.close();

    expect(errors).toEqual([]);
    const letters = smtp.letters.slice(before).map((m) => ({ to: m.to, ...readMessage(m.raw) }));
    expect(letters).toHaveLength(1);
    expect(letters[0]!.to).toEqual(['archive-notices@romashka.test']);
    expect(letters[0]!.subject).toBe(`Signed-data archive at 80%: ${ORG_NAME}`);
    expect(letters[0]!.body).toMatch(/The archive of ООО "Ромашка" has used 9 MB of 0.01 GB, 80% of its quota/);
    const types = hook.hits.map((h) => (JSON.parse(h.body) as WebhookEnvelope).type).sort();
    expect(types).toEqual([
      'archive.entry-archived',
      'archive.entry-archived',
      'archive.entry-archived',
      'archive.quota-threshold',
    ]);
    for (const hit of hook.hits) expect(hit.headers['x-edo-signature']).toBe(webhookSignature(hit.body, SECRET));
  });
});
