// The session engine in this process against the real hub, with the faults a session meets:
// an operator certificate that changed, a backdated signature over an expired certificate, a
// disk that cannot read a file just stored, outbox items that cannot be sent, a service
// document that cannot be built, and one the hub refused that the clerk chooses to sign again.
// The hub answers for real; where a fault needs a hub that misbehaves, a subclass of the real
// client changes exactly that one answer.
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signDetached } from '../../src/crypto/cms';
import { KeySigner } from '../../src/crypto/key-signer';
import { HttpExchangeClient, HubError } from '../../src/exchange/http-client';
import { operatorPinFileName, pinOperatorCertificate, readOperatorPin } from '../../src/exchange/operator-pin';
import type { SessionDeps } from '../../src/exchange/session';
import type { EventsPage, PostServiceDocumentRequest } from '../../src/protocol';
import { softhsm } from '../support/system';
import { samplePeople, type TestPki } from '../support/test-pki';
import { inProcessExchange, type InProcessClerk, type InProcessExchange } from './session-in-process';

const hsm = softhsm();
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** The real client; tests set the hooks to make the hub misbehave in one precise way. */
class Client extends HttpExchangeClient {
  eventsHook?: (page: EventsPage) => Promise<EventsPage>;
  postServiceDocumentHook?: (request: PostServiceDocumentRequest) => void;
  sendDocumentHook?: (title: string) => void;

  override async events(after: number, limit?: number, wait?: number) {
    const page = await super.events(after, limit, wait);
    return this.eventsHook ? this.eventsHook(page) : page;
  }

  override async postServiceDocument(documentId: string, key: string, request: PostServiceDocumentRequest) {
    this.postServiceDocumentHook?.(request);
    return super.postServiceDocument(documentId, key, request);
  }

  override async sendDocument(key: string, request: Parameters<HttpExchangeClient['sendDocument']>[1]) {
    this.sendDocumentHook?.(request.title);
    return super.sendDocument(key, request);
  }
}

type Side = InProcessClerk<Client>;

describe.skipIf(!hsm.ok)(`the exchange session meets faults ${hsm.reason ?? ''}`, () => {
  let pki: TestPki;
  let world: InProcessExchange<Client>;
  const a = () => world.a;
  const b = () => world.b;

  const session = (side: Side, extra: Partial<SessionDeps> = {}) => side.session(extra);

  /** Signs and queues a document from `from` to `to`; its file stays in the sender's blob store. */
  async function queue(from: Side, to: Side, title: string): Promise<{ documentId: number; content: Buffer }> {
    const content = Buffer.concat([Buffer.from(`${title}\n`), randomBytes(1000)]);
    const blob = await from.store.blobs.write(content);
    const cms = await signDetached(content, from.signer);
    const { documentId } = from.store.queueOutgoingDocument({
      counterpartyId: to.id,
      title,
      fileName: `${title}.txt`,
      blobHash: blob.hash,
      size: blob.size,
      signature: { cms, valid: null },
    });
    return { documentId, content };
  }

  const inbox = (side: Side, title: string) =>
    side.store.listDocuments({ direction: 'in', search: title }).items.find((d) => d.title === title);

  beforeAll(async () => {
    world = await inProcessExchange('clerk-faults-', (url) => new Client(url, { retries: 1, backoffMs: 10 }));
    pki = world.pki;
  }, 120_000);

  afterAll(() => world?.stop());

  it('pins the operator certificate on first use; a changed one is an error naming it, and confirmations it signs are invalid', async () => {
    expect(readOperatorPin(a().dir)).toBeDefined();
    const pinned = readOperatorPin(b().dir)!;
    // B's profile knew another operator certificate: the hub now presents (and signs with) a different one.
    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    pinOperatorCertificate(b().dir, Buffer.from((await pki.issue(other.publicKey, samplePeople.petrov)).rawData));
    await queue(a(), b(), 'Письмо о смене оператора');
    expect(await session(a())).toMatchObject({ outcome: 'done', summary: { documentsSent: 1 } });
    const changed = await session(b());
    expect(changed.outcome).toBe('error');
    expect(changed.error).toMatch(new RegExp(`different operator certificate.*SHA-256 ${pinned.sha256}`));
    expect(changed.summary.documentsReceived).toBe(1); // everything else goes on
    const doc = inbox(b(), 'Письмо о смене оператора')!;
    const confirmation = b()
      .store.serviceDocumentsOf(doc.id)
      .find((d) => d.type === 'send-confirmation')!;
    expect(confirmation.signatureState).toBe('invalid');
    expect(confirmation.signatureProblem).toMatch(/not trusted|other than the one pinned/);
    // The clerk checked with the operator and accepts the hub's certificate: the error is gone.
    unlinkSync(join(b().dir, operatorPinFileName));
    expect(await session(b())).toMatchObject({ outcome: 'done' });
    expect(readOperatorPin(b().dir)!.sha256).toBe(pinned.sha256);
  });

  it("verifies a received document at the operator's send time: a backdated signature over an expired certificate is invalid", async () => {
    const { content } = await queue(a(), b(), 'Задним числом');
    expect(await session(a())).toMatchObject({ outcome: 'done' });
    // A's old certificate, expired a year ago; the signature claims a time when it was still valid.
    const old = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const year = 365 * 24 * 3600_000;
    const expired = Buffer.from(
      (
        await pki.issue(old.publicKey, samplePeople.ivanova, {
          notBefore: new Date(Date.now() - 3 * year),
          notAfter: new Date(Date.now() - year),
        })
      ).rawData,
    );
    const backdated = (
      await signDetached(content, new KeySigner(old.privateKey, expired), {
        signingTime: new Date(Date.now() - 2 * year),
      })
    ).toString('base64');
    b().client.eventsHook = async (page) => ({
      ...page,
      events: page.events.map((e) =>
        e.type === 'document.received' && e.document.title === 'Задним числом'
          ? { ...e, document: { ...e.document, signature: backdated } }
          : e,
      ),
    });
    try {
      expect(await session(b())).toMatchObject({
        outcome: 'done',
        summary: { documentsReceived: 1, invalidSignatures: 1 },
      });
    } finally {
      b().client.eventsHook = undefined;
    }
    const doc = inbox(b(), 'Задним числом')!;
    expect(doc.signatureState).toBe('invalid');
    expect(doc.signatureProblem).toMatch(/expired/);
  });

  it('a file that cannot be read while verifying is not a bad signature: the page is received again next time', async () => {
    const { content } = await queue(a(), b(), 'Нечитаемый диск');
    expect(await session(a())).toMatchObject({ outcome: 'done' });
    const hash = sha(content);
    const blobs = b().store.blobs;
    const { has, pathOf } = blobs;
    // The disk fails on that one file: present by its name, unreadable when read.
    blobs.has = (h) => h === hash || has.call(blobs, h);
    blobs.pathOf = (h) => (h === hash ? join(b().dir, 'unreadable', h) : pathOf.call(blobs, h));
    let failed;
    try {
      failed = await session(b());
    } finally {
      blobs.has = has;
      blobs.pathOf = pathOf;
    }
    expect(failed.outcome).toBe('error');
    expect(failed.error).toMatch(/ENOENT/);
    expect(inbox(b(), 'Нечитаемый диск')).toBeUndefined();
    expect(await session(b())).toMatchObject({
      outcome: 'done',
      summary: { documentsReceived: 1, invalidSignatures: 0 },
    });
    expect(inbox(b(), 'Нечитаемый диск')!.signatureState).toBe('valid');
  });

  it('outbox items that cannot be sent are recorded each with its reason, and the session still receives', async () => {
    await queue(b(), a(), 'Входящее для А');
    expect(await session(b())).toMatchObject({ outcome: 'done' });
    const missing = await queue(a(), b(), 'Файл пропал');
    unlinkSync(a().store.blobs.pathOf(a().store.document(missing.documentId)!.blobHash));
    await queue(a(), b(), 'Сбой на хабе');
    await queue(a(), b(), 'Обычное письмо');
    a().client.sendDocumentHook = (title) => {
      if (title === 'Сбой на хабе') throw new HubError(500, 'internal', 'POST /v1/documents: internal error');
    };
    let result;
    try {
      result = await session(a());
    } finally {
      a().client.sendDocumentHook = undefined;
    }
    expect(result.outcome).toBe('error');
    expect(result.error).toMatch(/internal error/);
    expect(result.summary).toMatchObject({ documentsSent: 1, documentsReceived: 1, outboxFailed: 1 });
    expect(inbox(a(), 'Входящее для А')).toBeDefined();
    expect(a().store.document(missing.documentId)).toMatchObject({
      status: 'rejected',
      statusReason: expect.stringMatching(/missing from the profile's blob store/),
    });
    expect(a().store.waitingOutbox()).toEqual([
      expect.objectContaining({ lastError: expect.stringMatching(/internal error/) }),
    ]);
    expect(await session(a())).toMatchObject({ outcome: 'done', summary: { documentsSent: 1 } }); // the hub works again
    expect(await session(b())).toMatchObject({ outcome: 'done', summary: { documentsReceived: 2 } });
  });

  it('a service document that cannot be built waits with its reason; the others are signed and sent', async () => {
    await queue(a(), b(), 'Не собирается');
    await queue(a(), b(), 'Собирается');
    expect(await session(a())).toMatchObject({ outcome: 'done' });
    const factory = b().factory;
    b().factory = {
      ...factory,
      receipt: (ctx) => {
        if (ctx.document.title === 'Не собирается') throw new Error('the counterparty has no INN in the directory');
        return factory.receipt(ctx);
      },
    };
    let result;
    try {
      result = await session(b());
    } finally {
      b().factory = factory;
    }
    expect(result).toMatchObject({
      outcome: 'done',
      summary: { documentsReceived: 2, serviceDocumentsSigned: 1, serviceDocumentsSent: 1, pending: 1 },
    });
    const [waiting] = b().store.pendingServiceDocuments();
    expect(waiting).toMatchObject({ status: 'pending', document: { title: 'Не собирается' } });
    expect(waiting).toMatchObject({
      pendingCode: 'cannot-make',
      pendingReason: expect.stringMatching(
        /cannot make the receipt notice for "Не собирается": the counterparty has no INN/,
      ),
    });
    // The session's result names it with its reason: nothing compares lists before and after.
    expect(result.items.notSigned).toEqual([
      { id: waiting!.id, reason: 'cannot-make', message: waiting!.pendingReason },
    ]);
    expect(inbox(b(), 'Собирается')!.status).toBe('receipt-sent');
  });

  it('"Sign selected" signs again exactly the chosen service documents, one the hub refused included', async () => {
    await queue(a(), b(), 'Отклонённое извещение');
    expect(await session(a())).toMatchObject({ outcome: 'done' });
    b().client.postServiceDocumentHook = () => {
      throw new HubError(
        422,
        'service-document-invalid',
        'POST /v1/documents/:documentId/service-documents: the XML does not match its parent',
      );
    };
    const holds = b()
      .store.pendingServiceDocuments()
      .map((p) => p.id); // 'Не собирается' from the test before, now buildable
    try {
      expect(await session(b(), { signOnly: [] })).toMatchObject({
        outcome: 'done',
        summary: { serviceDocumentsSigned: 0 },
      });
      const refusedRun = await session(b(), {
        signOnly: b()
          .store.pendingServiceDocuments()
          .filter((p) => !holds.includes(p.id))
          .map((p) => p.id),
      });
      expect(refusedRun.summary).toMatchObject({ serviceDocumentsSigned: 1, serviceDocumentsSent: 0, outboxFailed: 1 });
      expect(refusedRun.items.refused).toEqual([
        expect.objectContaining({ itemType: 'service-document', refusal: 'service-document-invalid' }),
      ]);
    } finally {
      b().client.postServiceDocumentHook = undefined;
    }
    const refused = b()
      .store.pendingServiceDocuments()
      .find((p) => p.document.title === 'Отклонённое извещение')!;
    expect(refused).toMatchObject({
      refused: 'service-document-invalid',
      pendingCode: 'refused-by-hub',
      pendingReason: expect.stringMatching(/does not match its parent/),
    });
    // A plain session does not sign a refused one again on its own (it signs the other, now buildable).
    expect(await session(b())).toMatchObject({ summary: { serviceDocumentsSigned: 1, serviceDocumentsSent: 1 } });
    expect(
      b()
        .store.pendingServiceDocuments()
        .map((p) => p.id),
    ).toEqual([refused.id]);
    // The clerk selects it, with an id that is no longer pending: exactly the refused one is signed and sent.
    const selected = await session(b(), { signOnly: [refused.id, holds[0]!] });
    expect(selected).toMatchObject({
      outcome: 'done',
      summary: { serviceDocumentsSigned: 1, serviceDocumentsSent: 1, pending: 0 },
    });
    expect(b().store.serviceDocument(refused.id)).toMatchObject({ status: 'sent' });
    expect(
      b()
        .store.runLog(selected.runId!)
        .map((l) => l.message),
    ).toContain(`not waiting for a signature, left as they are: service document(s) ${holds[0]}`);
    expect(existsSync(join(b().dir, operatorPinFileName))).toBe(true);
  });
});
