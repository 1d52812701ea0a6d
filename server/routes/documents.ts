// Documents between connected contacts: the hub checks the sender's signature over the blob,
// the signer's membership of the sending organization and the certificate's validity, then
// confirms the send date with its own signed ПДОТПР to both sides. Service documents (ИОП,
// УОУ) from the recipient are checked against the format, their signature and their parent.
import { createHash, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { extendToLongTerm } from '../../src/crypto/cades';
import { certificateFingerprint } from '../../src/crypto/certificates';
import { readSignedData } from '../../src/crypto/signed-data';
import { signDetached, verifyDetached, type ContentSource, type VerificationResult } from '../../src/crypto/cms';
import {
  buildSendConfirmation,
  FormatError,
  parseServiceDocument,
  type Participant,
  type SignerOfDocument,
  type ReferencedFile,
} from '../../src/formats';
import type {
  ArchiveReceipt,
  Document,
  DocumentStatus,
  PowerOfAttorneyReference,
  ServiceDocument,
  SignedUnderPowerOfAttorney,
  SigningAction,
} from '../../src/protocol';
import { checkRepresentative } from '../powers-of-attorney/checks';
import { PowerOfAttorneyError } from '../powers-of-attorney/registry';
import type { HubContext } from '../hub';
import { HubError, registerRoute, sha256Hex, type RouteOutput } from '../http';
import {
  IdempotencyClaimLost,
  type DocumentRecord,
  type EventToAppend,
  type IdempotencyScope,
  type IdempotentResult,
  type SubscriberRecord,
  type UserRecord,
} from '../storage/storage';
import { certificateSummary, documentView, partyOf } from '../views';
import { archiveAccepted } from './archiving';
import { trustedRoots } from './auth';

const inProgress = (scope: IdempotencyScope) =>
  new HubError(
    'request-in-progress',
    `A request with the Idempotency-Key "${scope.key}" is still being processed; retry shortly`,
    { headers: { 'retry-after': '1' } },
  );

/**
 * Runs `create` once per (subscriber, route, Idempotency-Key): a repeat gets the first answer,
 * the same key with another body is a conflict, a repeat while the first still runs must wait
 * (however long it runs: pending claims are cleared only when the hub starts). A failed attempt
 * releases its claim, so the client may correct its request and retry.
 */
export async function idempotent(
  ctx: HubContext,
  scope: IdempotencyScope,
  body: unknown,
  create: (finish: (status: number, response: unknown) => IdempotentResult) => Promise<RouteOutput>,
): Promise<RouteOutput> {
  const claim = await ctx.storage.claimIdempotencyKey(scope, sha256Hex(JSON.stringify(body)), ctx.now().toISOString());
  switch (claim.kind) {
    case 'replay':
      return { status: claim.status, body: claim.response, headers: { 'idempotent-replayed': 'true' } };
    case 'conflict':
      throw new HubError(
        'idempotency-conflict',
        `The Idempotency-Key "${scope.key}" was already used with a different body`,
      );
    case 'in-progress':
      throw inProgress(scope);
  }
  try {
    return await create((status, response) => ({ ...scope, claimId: claim.claimId, status, response }));
  } catch (e) {
    await ctx.storage.releaseIdempotencyKey(scope, claim.claimId);
    // Nothing was stored; whoever holds the key now answers a retry.
    if (e instanceof IdempotencyClaimLost) throw inProgress(scope);
    throw e;
  }
}

/** The subscriber as an EDO participant of the FNS formats (ИдУчастЭДО = subscriber id). */
export function participantOf(s: SubscriberRecord): Participant {
  if (s.inn.length === 12 && !s.kpp) {
    // A 12-digit INN without KPP is an individual entrepreneur, named "Surname Name Patronymic".
    const [surname = s.name, name = '-', ...rest] = s.name.split(/\s+/);
    return {
      id: s.id,
      person: { surname, name, ...(rest.length ? { patronymic: rest.join(' ') } : {}), inn: s.inn, entrepreneur: true },
    };
  }
  return { id: s.id, organization: { name: s.name, inn: s.inn, ...(s.kpp ? { kpp: s.kpp } : {}) } };
}

/** What a signature is for, and the МЧД it says it is made under. */
export interface SignatureAuthority {
  action: SigningAction;
  powerOfAttorney: PowerOfAttorneyReference | undefined;
}

/** A service document (ИОП, УОУ) signed under an МЧД must say so: СтатПодп 2, СвДоверЭл with that number (§7). */
export function checkStatedAuthority(
  stated: SignerOfDocument | undefined,
  signedUnder: SignedUnderPowerOfAttorney | undefined,
  fileName: string,
): void {
  const poa = stated?.powerOfAttorney;
  if (
    signedUnder &&
    (stated?.authority !== 'electronic-poa' ||
      poa?.kind !== 'electronic' ||
      poa.number.toLowerCase() !== signedUnder.number)
  ) {
    throw new HubError(
      'service-document-invalid',
      `${fileName}: it is signed under the МЧД ${signedUnder.number}, but its Подписант does not say so (СтатПодп 2 with СвДоверЭл НомДовер ${signedUnder.number})`,
    );
  }
}

/**
 * The one acceptance path of every signature the hub takes (documents, service documents): it
 * verifies the signature, that its signer is a registered user of `subscriber`, and, for a
 * personal certificate, the МЧД it is made under at this moment (§7). Returns the signer, that
 * user and the МЧД found.
 */
export async function checkSignature(
  ctx: HubContext,
  signature: Buffer,
  content: ContentSource,
  subscriber: SubscriberRecord,
  what: string,
  authority: SignatureAuthority,
): Promise<{
  signer: NonNullable<VerificationResult['signer']>;
  user: UserRecord;
  chain: Buffer[];
  powerOfAttorney?: SignedUnderPowerOfAttorney;
}> {
  const result = await verifyDetached(signature, content, { trustedRoots: await trustedRoots(ctx), at: ctx.now() });
  if (!result.valid || !result.signer) {
    throw new HubError(
      'document-signature-invalid',
      `The signature of ${what} is not valid: ${result.problems.map((p) => p.message).join('; ') || 'it does not verify'}`,
    );
  }
  const user = await ctx.storage.findUserByCertificate(certificateFingerprint(result.signer.certificate));
  if (user?.subscriberId !== subscriber.id) {
    throw new HubError(
      'signer-not-member',
      `${result.signer.commonName} (certificate ${result.signer.serialNumber}) who signed ${what} is not a registered user of ${subscriber.name}`,
    );
  }
  let powerOfAttorney: SignedUnderPowerOfAttorney | undefined;
  try {
    powerOfAttorney = await checkRepresentative(
      ctx.signingUnderPowerOfAttorney,
      result.signer,
      subscriber,
      authority.powerOfAttorney,
      authority.action,
      ctx.now(),
    );
  } catch (e) {
    if (e instanceof PowerOfAttorneyError) throw new HubError(e.code, `${what}: ${e.message}`);
    throw e;
  }
  return { signer: result.signer, user, chain: result.chain ?? [], ...(powerOfAttorney ? { powerOfAttorney } : {}) };
}

const sha256Oid = '2.16.840.1.101.3.4.2.1';

/** The same signature, whatever unsigned attributes (time-stamps, evidence) the hub added: same signed attributes, same value. */
export function sameSignature(a: Buffer, b: Buffer): boolean {
  if (a.equals(b)) return true;
  try {
    const [x, y] = [readSignedData(a), readSignedData(b)];
    return x.signedAttributes.equals(y.signedAttributes) && x.signerInfo.signature.equals(y.signerInfo.signature);
  } catch {
    return false;
  }
}

/**
 * The accepted signature as the hub stores and delivers it: stamped by the operator's TSA
 * (CAdES-T) and, with every certificate's status good at that time, CAdES-X Long Type 1. A
 * signer revoked by then is refused; a status that cannot be established leaves CAdES-T,
 * logged, for the recipients' sessions to check again.
 */
export async function longTermSignature(
  ctx: HubContext,
  signature: Buffer,
  chain: Buffer[],
  what: string,
  log: FastifyBaseLogger,
): Promise<Buffer> {
  if (!ctx.longTermSignatures) return signature;
  const { authority } = ctx.operator.tsa;
  const result = await extendToLongTerm(signature, chain, {
    timestamp: async (data) => authority.stamp(createHash('sha256').update(data).digest(), sha256Oid),
    revocation: ctx.revocation,
    trustedRoots: await trustedRoots(ctx),
    tsaRoots: [ctx.operator.certificate],
  }).catch((e: unknown) => {
    throw new HubError(
      'document-signature-invalid',
      `The signature of ${what} cannot be time-stamped: ${e instanceof Error ? e.message : String(e)}`,
    );
  });
  const revoked = result.status.certificates.find((c) => c.status === 'revoked');
  if (revoked) {
    throw new HubError(
      'signer-certificate-revoked',
      `The certificate "${revoked.subject}" (serial ${revoked.serialNumber}) in the signature of ${what} was revoked on ` +
        `${revoked.revocation!.at.toISOString()} (${revoked.revocation!.reason}, by ${revoked.evidence!.by}), before the signature's time ${result.time.toISOString()}`,
    );
  }
  if (result.status.status === 'unknown') {
    log.warn(
      { problems: result.status.certificates.flatMap((c) => c.problems) },
      `the certificate status of ${what} could not be established: kept as CAdES-T`,
    );
  }
  return result.cms;
}

/** The recipient fetched the document: the first time, the sender learns it (and both see the status). */
export async function recordDelivery(ctx: HubContext, document: DocumentRecord): Promise<void> {
  const at = ctx.now().toISOString();
  const appended = await ctx.storage.markDelivered(document.id, at, (status) => [
    {
      subscriberId: document.senderId,
      payload: { type: 'document.delivered', documentId: document.id, deliveredAt: at },
    },
    ...(status === 'delivered' ? statusEvents(document, status) : []),
  ]);
  if (appended) ctx.notifier.notify(appended);
}

function statusEvents(document: DocumentRecord, status: DocumentStatus): EventToAppend[] {
  return [document.senderId, document.recipientId].map((subscriberId) => ({
    subscriberId,
    payload: { type: 'document.status-changed', documentId: document.id, status },
  }));
}

/** The flow rule: a clarification request outranks a receipt notice, whichever came first (the sender has something to correct). */
function statusAfterServiceDocument(before: DocumentStatus, type: ServiceDocument['type']): DocumentStatus {
  return type === 'clarification' || before === 'clarification-requested'
    ? 'clarification-requested'
    : 'receipt-confirmed';
}

/**
 * The size of a blob the caller may reference in a document it sends: one it uploaded itself.
 * HEAD answers by the same rule, so a client that skips an upload after HEAD is never refused
 * for it; a file received from someone else is uploaded again (knowing a hash proves nothing).
 */
export async function referableBlobSize(
  ctx: HubContext,
  sha256: string,
  subscriberId: string,
): Promise<number | undefined> {
  const size = await ctx.storage.getBlobSize(sha256);
  return size !== undefined && (await ctx.storage.uploadedBy(sha256, subscriberId)) ? size : undefined;
}

/** A document the caller sent or received; anything else does not exist for it. */
export async function partyDocument(ctx: HubContext, id: string, me: string): Promise<DocumentRecord> {
  const document = await ctx.storage.getDocument(id);
  if (!document || (document.senderId !== me && document.recipientId !== me))
    throw new HubError('not-found', `No document ${id} sent or received by you`);
  return document;
}

/** A sent document in its sender's archive, where the organization archives what this signer sends. */
function archiveDocument(
  ctx: HubContext,
  record: DocumentRecord,
  userId: string,
  log: FastifyBaseLogger,
  o?: { missingOnly?: boolean },
): Promise<void> {
  const entry = {
    orgId: record.senderId,
    userId,
    documentId: record.id,
    kind: 'document' as const,
    fileName: record.fileName,
    blobSha256: record.blob.sha256,
    size: record.blob.size,
    signatures: [record.signature],
  };
  return archiveAccepted(ctx, entry, log, o);
}

/** The item with the caller's archive receipt, when its organization archived it (another organization's archive stays unseen). */
export async function withReceipt<T extends { id: string }>(
  ctx: HubContext,
  orgId: string,
  item: T,
): Promise<T & { archive?: ArchiveReceipt }> {
  const entry = (await ctx.archive.entriesOfDocument(orgId, item.id))[0];
  return entry ? { ...item, archive: { index: entry.index, leafHash: entry.leafHash } } : item;
}

/** A service document travels as XML in JSON; the archive keeps originals in the blob store, so it is put there first. */
export async function archiveServiceDocument(
  ctx: HubContext,
  sd: ServiceDocument,
  xml: Buffer,
  signer: UserRecord,
  log: FastifyBaseLogger,
): Promise<void> {
  if (!(await ctx.settings.archivingApplies(sd.fromSubscriberId, signer.id))) return;
  const sha256 = sha256Hex(xml);
  const stored = await ctx.blobs.write(sha256, Readable.from(xml));
  if (stored.kind !== 'stored') {
    log.error(
      { serviceDocumentId: sd.id, stored },
      'the service document could not be put into the blob store for archiving',
    );
    return;
  }
  const kind =
    sd.type === 'receipt' ? 'receipt-notice' : sd.type === 'clarification' ? 'clarification-request' : sd.type;
  await archiveAccepted(
    ctx,
    {
      orgId: sd.fromSubscriberId,
      userId: signer.id,
      documentId: sd.id,
      kind,
      fileName: sd.fileName,
      blobSha256: sha256,
      size: xml.length,
      signatures: [sd.signature],
    },
    log,
  );
}

/** An FNS XML file as read, or the format's complaint as the hub's service-document-invalid. */
export function readAnswer<T>(read: () => T, fileName: string): T {
  try {
    return read();
  } catch (e) {
    if (e instanceof FormatError) throw new HubError('service-document-invalid', `${fileName}: ${e.message}`);
    throw e;
  }
}

/**
 * A service document answers its parent: issued by the poster, addressed to the parent's other
 * side (when `addressee` is given), naming the parent's file and carrying its signature as received.
 */
export function checkAnswer(
  parsed: { sender: Participant; receiver?: Participant | undefined; referencedFile: ReferencedFile },
  fileName: string,
  expected: { issuer: string; addressee: string | undefined; parent: ReferencedFile },
): void {
  const mismatch = (what: string) => new HubError('service-document-invalid', `${fileName}: ${what}`);
  const { parent } = expected;
  if (parsed.sender.id !== expected.issuer)
    throw mismatch(`it is issued by participant ${parsed.sender.id}, not by you (${expected.issuer})`);
  if (expected.addressee !== undefined && parsed.receiver?.id !== expected.addressee) {
    throw mismatch(
      `it answers participant ${parsed.receiver?.id ?? 'the operator'}, but the file came from ${expected.addressee}`,
    );
  }
  if (parsed.referencedFile.name !== parent.name)
    throw mismatch(`it names the received file "${parsed.referencedFile.name}", not "${parent.name}"`);
  if (!parent.signatures.some((s) => parsed.referencedFile.signatures.some((r) => sameSignature(r, s)))) {
    throw mismatch(`it does not carry the signature of "${parent.name}" as received`);
  }
}

export function registerDocumentRoutes(app: FastifyInstance, ctx: HubContext): void {
  const { storage } = ctx;

  registerRoute(app, ctx, 'sendDocument', async ({ headers, body, caller, req }) => {
    const me = caller.subscriber;
    const out = await idempotent(
      ctx,
      { subscriberId: me.id, scope: 'send-document', key: headers['idempotency-key'] },
      body,
      async (finish) => {
        const recipient = body.recipientId === me.id ? undefined : await storage.getSubscriber(body.recipientId);
        if (!recipient)
          throw new HubError(
            'not-found',
            body.recipientId === me.id
              ? 'A document cannot be sent to its own sender'
              : `No subscriber ${body.recipientId}`,
          );
        const contact = await storage.getContact(me.id, recipient.id);
        if (contact?.state !== 'connected')
          throw new HubError(
            'forbidden',
            `${recipient.name} is not a connected contact; documents flow only between connected contacts`,
          );
        const size = await referableBlobSize(ctx, body.sha256, me.id);
        if (size === undefined)
          throw new HubError(
            'blob-missing',
            `The blob ${body.sha256} was not uploaded by you; PUT /v1/blobs/${body.sha256} first`,
          );
        const received = Buffer.from(body.signature, 'base64');
        const authority = { action: 'send-document' as const, powerOfAttorney: body.powerOfAttorney };
        const checked = await checkSignature(
          ctx,
          received,
          ctx.blobs.content(body.sha256),
          me,
          `"${body.fileName}"`,
          authority,
        );
        const { signer, user: signerUser } = checked;
        const signature = await longTermSignature(ctx, received, checked.chain, `"${body.fileName}"`, req.log);

        const sentAt = ctx.now();
        const { identity } = ctx.operator;
        const confirmation = buildSendConfirmation({
          operator: { name: identity.name, inn: identity.inn, id: identity.edoId },
          sender: participantOf(me),
          receiver: participantOf(recipient),
          // The signature as the sender sent it: what its own records hold.
          document: { fileName: body.fileName, signatures: [received] },
          signer: identity.signer,
          sentAt,
          now: sentAt,
        });
        const confirmationSignature = await signDetached(confirmation.xml, ctx.operator.signer, {
          signingTime: sentAt,
        });
        const id = randomUUID();
        const record: DocumentRecord = {
          id,
          senderId: me.id,
          recipientId: recipient.id,
          sender: partyOf(me),
          recipient: partyOf(recipient),
          title: body.title,
          kind: body.kind,
          fileName: body.fileName,
          blob: { sha256: body.sha256, size },
          signature: signature.toString('base64'),
          signer: certificateSummary(signer),
          ...(checked.powerOfAttorney ? { signerPowerOfAttorney: checked.powerOfAttorney } : {}),
          needsReceipt: body.needsReceipt,
          signatureRequested: body.signatureRequested,
          ...(body.signatureRequested ? { signatureState: 'signature-requested' as const } : {}),
          sentAt: sentAt.toISOString(),
          status: 'sent',
          confirmation: {
            id: randomUUID(),
            type: 'send-confirmation',
            parentId: id,
            fileName: confirmation.fileName,
            xml: confirmation.xml.toString('base64'),
            signature: confirmationSignature.toString('base64'),
            issuedAt: sentAt.toISOString(),
          },
        };
        const view = documentView(record, []);
        const appended = await storage.recordDocument(
          record,
          [
            { subscriberId: recipient.id, payload: { type: 'document.received', document: view } },
            { subscriberId: me.id, payload: { type: 'document.sent', document: view } },
          ],
          finish(201, view),
        );
        ctx.notifier.notify(appended);
        await archiveDocument(ctx, record, signerUser.id, req.log);
        return { status: 201, body: view };
      },
    );
    if (out === 'sent' || out.status !== 201) return out;
    // Also on a replay: the receipt is looked up, not remembered with the first answer.
    const sent = out.body as Document;
    const answer = await withReceipt(ctx, me.id, sent);
    if (answer.archive || !out.headers?.['idempotent-replayed']) return { ...out, body: answer };
    // A replay without a receipt: an instance killed between the document's commit and its archive
    // entry may have left it unarchived, and the client's retry finishes it.
    const record = await storage.getDocument(sent.id);
    const user = record && (await storage.findUserByCertificate(record.signer.fingerprint));
    if (record && user) await archiveDocument(ctx, record, user.id, req.log, { missingOnly: true });
    return { ...out, body: await withReceipt(ctx, me.id, sent) };
  });

  registerRoute(app, ctx, 'getDocument', async ({ params, caller }) => {
    const me = caller.subscriber.id;
    let document = await partyDocument(ctx, params.documentId, me);
    if (document.recipientId === me && !document.deliveredAt) {
      await recordDelivery(ctx, document);
      document = await partyDocument(ctx, params.documentId, me);
    }
    const serviceDocuments = await Promise.all(
      (await storage.listServiceDocuments(document.id)).map((sd) => withReceipt(ctx, me, sd)),
    );
    return { status: 200, body: await withReceipt(ctx, me, documentView(document, serviceDocuments)) };
  });

  registerRoute(app, ctx, 'postServiceDocument', async ({ params, headers, body, caller, req }) => {
    const me = caller.subscriber;
    const document = await partyDocument(ctx, params.documentId, me.id);
    if (document.recipientId !== me.id)
      throw new HubError(
        'forbidden',
        'Only the recipient of a document posts its receipt notice or clarification request',
      );
    const scope = { subscriberId: me.id, scope: `service-document:${document.id}`, key: headers['idempotency-key'] };
    const out = await idempotent(ctx, scope, body, async (finish) => {
      const parentId = body.parentId ?? document.id;
      const parent: ReferencedFile | undefined =
        parentId === document.id
          ? { name: document.fileName, signatures: [Buffer.from(document.signature, 'base64')] }
          : parentId === document.confirmation.id
            ? {
                name: document.confirmation.fileName,
                signatures: [Buffer.from(document.confirmation.signature, 'base64')],
              }
            : undefined;
      if (!parent)
        throw new HubError(
          'service-document-invalid',
          `The parent ${parentId} is not the document or its operator confirmation`,
        );
      const xml = Buffer.from(body.xml, 'base64');
      const expectedKind = body.type === 'receipt' ? 'receipt-notice' : 'clarification-request';
      const parsed = readAnswer(() => parseServiceDocument(xml, body.fileName, { expectedKind }), body.fileName);
      checkAnswer(parsed, body.fileName, {
        issuer: me.id,
        addressee: parentId === document.id ? document.senderId : undefined,
        parent,
      });
      const authority = { action: 'sign-service-document' as const, powerOfAttorney: body.powerOfAttorney };
      const checked = await checkSignature(
        ctx,
        Buffer.from(body.signature, 'base64'),
        xml,
        me,
        body.fileName,
        authority,
      );
      const { signer, user: signerUser } = checked;
      checkStatedAuthority(parsed.signer, checked.powerOfAttorney, body.fileName);
      const signature = await longTermSignature(
        ctx,
        Buffer.from(body.signature, 'base64'),
        checked.chain,
        body.fileName,
        req.log,
      );

      const postedAt = ctx.now().toISOString();
      const serviceDocument: ServiceDocument = {
        id: randomUUID(),
        documentId: document.id,
        type: body.type,
        parentId,
        fromSubscriberId: me.id,
        fileName: body.fileName,
        xml: body.xml,
        signature: signature.toString('base64'),
        signer: certificateSummary(signer),
        ...(checked.powerOfAttorney ? { signerPowerOfAttorney: checked.powerOfAttorney } : {}),
        postedAt,
      };
      // The status read above may be stale by now (another service document posted at once): the
      // storage works the new one out from the status as its write transaction reads it.
      const recorded = await storage.recordServiceDocument(
        serviceDocument,
        {
          next: (before) => statusAfterServiceDocument(before, body.type),
          events: (before, after) => [
            {
              subscriberId: document.senderId,
              payload: { type: 'service-document.received', documentId: document.id, serviceDocument },
            },
            ...(after !== before ? statusEvents(document, after) : []),
          ],
        },
        finish(201, serviceDocument),
      );
      if (recorded.kind === 'receipt-exists') {
        throw new HubError(
          'conflict',
          `A receipt notice for ${parentId === document.id ? `"${document.fileName}"` : parent.name} was already posted`,
        );
      }
      ctx.notifier.notify(recorded.appended);
      await archiveServiceDocument(ctx, serviceDocument, xml, signerUser, req.log);
      return { status: 201, body: serviceDocument };
    });
    return out === 'sent' || out.status !== 201
      ? out
      : { ...out, body: await withReceipt(ctx, me.id, out.body as ServiceDocument) };
  });
}
