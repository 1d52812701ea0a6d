// Documents brought to each list status the way the exchange session does, through the store's
// own operations (not SQL): the Inbox and Outbox tests and bench/ui fill real profiles with it.
import { createHash } from 'node:crypto';
import type { Direction, ListStatus } from '../../src/vocabulary';
import type { ClerkStore } from '../../src/store';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

export interface SeededDocument {
  direction: Direction;
  status: ListStatus;
  title: string;
  counterparty: { id: string; name: string };
  /** The hub's send time: the lists' order. */
  sentAt: string;
}

/** Brings one document to its list status; `n` makes its hub id and file name unique. */
export function seedDocument(store: ClerkStore, f: SeededDocument, n: number): void {
  const base = {
    counterpartyId: f.counterparty.id,
    counterpartyName: f.counterparty.name,
    title: f.title,
    fileName: `${n}.pdf`,
    blobHash: sha(f.title),
    size: 10,
  };
  if (f.direction === 'in') {
    const valid = f.status === 'signature-invalid' ? false : f.status === 'signature-unchecked' ? null : true;
    const signature = {
      cms: Buffer.from('cms'),
      valid,
      verdict: valid === null ? ('undetermined' as const) : undefined,
      problems: valid === false ? [{ code: 'digest-mismatch' as const, message: 'the content changed' }] : [],
    };
    const { documentId } = store.transaction(() =>
      store.recordIncomingDocument({
        ...base,
        hubId: `h-${n}`,
        needsReceipt: f.status !== 'received' && f.status !== 'signature-unchecked',
        sentAt: f.sentAt,
        signatures: [signature],
      }),
    );
    if (f.status === 'receipt-sent' || f.status === 'clarification-sent') {
      const receipt = store.serviceDocumentsOf(documentId).find((s) => s.type === 'receipt')!;
      store.markServiceDocumentSigned(receipt.id, {
        fileName: `DP_IZVPOL_${n}.xml`,
        xmlHash: sha(`x${n}`),
        signature: Buffer.from('s'),
      });
      const item = store.waitingOutbox().find((o) => o.itemType === 'service-document' && o.itemId === receipt.id)!;
      store.completeServiceDocumentSend(item.id, receipt.id, `sd-${n}`);
      if (f.status === 'clarification-sent') store.setDocumentStatus(documentId, 'clarification-sent');
    }
    return;
  }
  const { documentId } = store.queueOutgoingDocument({ ...base, signature: { cms: Buffer.from('cms'), valid: null } });
  if (f.status === 'queued') return;
  const item = store.waitingOutbox().find((o) => o.itemType === 'document' && o.itemId === documentId)!;
  if (f.status === 'rejected') return store.failOutbox(item.id, 'forbidden', 'the recipient is not a contact');
  store.completeDocumentSend(item.id, documentId, { hubId: `h-${n}`, sentAt: f.sentAt });
  if (f.status !== 'sent')
    store.setDocumentStatus(
      documentId,
      f.status as Exclude<ListStatus, 'receipt-pending' | 'signature-invalid' | 'signature-unchecked'>,
    );
}
