// Inbox and Outbox as the clerk sees them: pages of documents (the store's query computes the
// list status, so filters, counts and pages agree), and one document opened with its preview,
// its signatures checked now and its service documents.
import { verifyDetached } from '../crypto/cms';
import type { DocumentDetail, DocumentPage, DocumentQuery, DocumentRow, Subscriber } from '../ipc/contract';
import type { ClerkStore, DocumentRow as StoredDocument } from '../store';
import { workflowOf } from './workflow';
import { signatureStatusText } from '../vocabulary/signature-status';

/** Largest file shown in the document view; bigger ones are opened from the archive instead. */
const previewLimit = 20 * 1024 * 1024;

export function subscriberOf(store: ClerkStore, id: string, name?: string): Subscriber {
  const found = store.subscriber(id);
  return { id, name: found?.name ?? name ?? id, inn: found?.inn ?? '', ...(found?.kpp ? { kpp: found.kpp } : {}) };
}

export function rowOf(store: ClerkStore, d: StoredDocument): DocumentRow {
  return {
    id: d.id,
    direction: d.direction,
    title: d.title,
    fileName: d.fileName,
    counterparty: subscriberOf(store, d.counterpartyId, d.counterpartyName),
    status: d.listStatus,
    date: d.sentAt ?? d.receivedAt ?? d.createdAt,
    size: d.size,
  };
}

/**
 * Each stored signature of a document with its long-term verdict as the clerk reads it
 * (docs/architecture.md §7): the status line's facts, its words, and when it was last checked.
 * Our own signatures, and ones stored before certificate status was checked, have no line.
 */
export function signatureEvidence(store: ClerkStore, documentId: number, language: 'ru' | 'en' | 'kk') {
  return store.signatures(documentId).map((s) => ({
    signer: s.signer ?? null,
    verdict: s.verdict ?? null,
    checkedAt: s.verifiedAt,
    statusLine: s.statusLine ?? null,
    text: s.statusLine ? signatureStatusText(s.statusLine, language) : null,
  }));
}

/**
 * The service documents of a document with their signatures' verdicts (a received one's is
 * long-term, as a document's: undetermined until its certificate status is known), the codes of
 * what failed and the status line in the clerk's language.
 */
export function serviceDocumentEvidence(store: ClerkStore, documentId: number, language: 'ru' | 'en' | 'kk') {
  return store.serviceDocumentsOf(documentId).map((sd) => ({
    id: sd.id,
    type: sd.type,
    direction: sd.direction,
    status: sd.status,
    signatureState: sd.signatureState,
    problems: sd.signatureProblems.map((p) => p.code),
    checkedAt: sd.verifiedAt,
    statusLine: sd.statusLine,
    text: sd.statusLine ? signatureStatusText(sd.statusLine, language) : null,
  }));
}

export function listDocuments(store: ClerkStore, q: DocumentQuery): DocumentPage {
  const page = store.listDocuments({
    direction: q.direction,
    search: q.search,
    counterpartyId: q.counterpartyId,
    status: q.status,
    from: q.from ? `${q.from}T00:00:00.000Z` : undefined,
    to: q.to ? `${q.to}T23:59:59.999Z` : undefined,
    limit: q.limit,
    offset: q.offset,
  });
  return { total: page.total, offset: q.offset, rows: page.items.map((d) => rowOf(store, d)) };
}

function previewKind(fileName: string): { kind: DocumentDetail['preview']['kind']; mediaType: string } {
  const ext = fileName.toLowerCase().split('.').pop() ?? '';
  if (ext === 'pdf') return { kind: 'pdf', mediaType: 'application/pdf' };
  if (['png', 'jpg', 'jpeg', 'gif', 'webp'].includes(ext))
    return { kind: 'image', mediaType: `image/${ext === 'jpg' ? 'jpeg' : ext}` };
  if (ext === 'xml') return { kind: 'xml', mediaType: 'application/xml' };
  if (['txt', 'csv', 'json'].includes(ext)) return { kind: 'text', mediaType: 'text/plain' };
  return { kind: 'none', mediaType: 'application/octet-stream' };
}

export async function openDocument(store: ClerkStore, id: number, trustedRoots: Buffer[]): Promise<DocumentDetail> {
  const d = store.document(id);
  if (!d) throw new Error(`No document ${id}`);
  const { kind, mediaType } = previewKind(d.fileName);
  const size = store.blobs.has(d.blobHash) ? store.blobs.size(d.blobHash) : 0;
  const tooLarge = size > previewLimit;
  const content = { path: store.blobs.pathOf(d.blobHash) };
  // As the session does: at the operator's send time, so a backdated signingTime cannot
  // revive an expired certificate; a document not sent yet is judged now.
  const at = d.sentAt ? new Date(d.sentAt) : new Date();
  // The sender's signature, then the recipient's over the same bytes once given (docs/architecture.md §5a).
  const recipient = d.recipientSignature
    ? [
        {
          cms: d.recipientSignature,
          powerOfAttorney: d.recipientSignerPowerOfAttorney,
          signer: null,
          signingTime: null,
          problems: [],
          verdict: null,
          statusLine: null,
          verifiedAt: null,
        },
      ]
    : [];
  // A document carries one signature of its sender's, made under the document's МЧД if any.
  const own = store.signatures(d.id).map((s) => ({ ...s, powerOfAttorney: d.signerPowerOfAttorney }));
  const stored = [...own, ...recipient];
  const signatures = await Promise.all(
    stored.map(async (stored) => {
      const r = await verifyDetached(stored.cms, content, { trustedRoots, at });
      // A received signature's verdict is the session's long-term one (certificate status at its
      // trusted time, checked again while undetermined); the check here is the bytes and the chain.
      const verdict = stored.verdict ?? undefined;
      return {
        signer: r.signer?.commonName ?? stored.signer ?? '',
        position: r.signer?.position,
        organization: r.signer?.organization ?? '',
        inn: r.signer?.orgInn,
        certificateSerial: r.signer?.serialNumber ?? '',
        issuer: r.signer?.issuer ?? '',
        signedAt: r.signingTime?.toISOString() ?? stored.signingTime ?? null,
        algorithm: r.algorithm ?? '',
        valid: r.valid && (verdict === undefined || verdict === 'valid'),
        problems: [...new Set([...r.problems, ...(stored.problems ?? [])].map((p) => p.code))],
        ...(verdict ? { verdict } : {}),
        ...(stored.statusLine ? { statusLine: stored.statusLine } : {}),
        ...(stored.verdict && stored.verifiedAt ? { checkedAt: stored.verifiedAt } : {}),
        ...(stored.powerOfAttorney ? { powerOfAttorney: stored.powerOfAttorney } : {}),
      };
    }),
  );
  return {
    document: rowOf(store, d),
    mediaType,
    preview: {
      kind,
      tooLarge,
      ...(kind !== 'none' && !tooLarge && size > 0
        ? { contentBase64: store.blobs.read(d.blobHash).toString('base64') }
        : {}),
    },
    signatures,
    serviceDocuments: store.serviceDocumentsOf(d.id).map((sd) => ({
      id: sd.id,
      type: sd.type,
      direction: sd.direction,
      status: sd.status,
      date: sd.updatedAt,
      ...(sd.text ? { text: sd.text } : {}),
      ...(sd.statusLine ? { statusLine: sd.statusLine } : {}),
      ...(sd.signerPowerOfAttorney ? { powerOfAttorney: sd.signerPowerOfAttorney } : {}),
    })),
    workflow: workflowOf(store, d),
  };
}
