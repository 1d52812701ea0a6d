// Contacts as the clerk's Contacts view shows them.
import type { Contact } from '../ipc/contract';
import type { ClerkStore, Contact as StoredContact } from '../store';
import { subscriberOf } from './documents';

export function contactOf(store: ClerkStore, c: StoredContact): Contact {
  return { id: c.id, subscriber: subscriberOf(store, c.counterpartyId), state: c.state, since: c.updatedAt };
}
