// Service documents waiting for our signature, and what became of the ones the clerk chose to
// sign: both read from what the store and the session recorded, never guessed.
import type { PendingItem, SignOutcome } from '../ipc/contract';
import type { SessionItems } from '../exchange/session';
import type { ClerkStore } from '../store';
import { subscriberOf } from './documents';

export function pendingItems(store: ClerkStore): PendingItem[] {
  return store
    .pendingServiceDocuments()
    .filter((p) => p.status === 'pending')
    .map((p) => ({
      id: p.id,
      documentId: p.document.id,
      documentTitle: p.document.title,
      counterparty: subscriberOf(store, p.document.counterpartyId, p.document.counterpartyName).name,
      type: p.type === 'clarification' ? 'clarification' : 'receipt',
      reason: p.pendingCode ?? 'awaiting-signature',
      ...(p.pendingReason ? { message: p.pendingReason } : {}),
      since: p.createdAt,
    }));
}

/**
 * What became of `wanted` in the session that signed them (`items`, its result): signed; left
 * waiting, with the session's reason; or, when the session did not get to them (it stopped
 * before signing), with the reason stored beside them; not pending at all when they are not.
 */
export function signOutcomeOf(
  store: ClerkStore,
  wanted: readonly number[],
  items: SessionItems | undefined,
): SignOutcome {
  const signed = new Set(items?.signed ?? []);
  const notSigned = new Map((items?.notSigned ?? []).map((n) => [n.id, n]));
  const outcome: SignOutcome = { signed: [], failed: [] };
  for (const id of wanted) {
    if (signed.has(id)) {
      outcome.signed.push(id);
      continue;
    }
    const why = notSigned.get(id);
    const stored = store.serviceDocument(id);
    if (why) outcome.failed.push({ id, reason: why.reason, ...(why.message ? { message: why.message } : {}) });
    else if (stored?.status === 'pending' && stored.direction === 'out') {
      outcome.failed.push({
        id,
        reason: stored.pendingCode ?? 'awaiting-signature',
        ...(stored.pendingReason ? { message: stored.pendingReason } : {}),
      });
    } else outcome.failed.push({ id, reason: 'not-pending' });
  }
  return outcome;
}
