// The event feed: per subscriber, strictly ordered, without gaps (seq = 1, 2, 3, ...). A client
// stores its cursor only after storing what the events carry; replays are harmless because
// every event names its entity.
import { z } from 'zod';
import { Cursor, Id, PageLimit, Timestamp } from './common';
import { Contact } from './directory';
import { Document, DocumentStatus, DocumentWorkflow, ServiceDocument } from './documents';

const base = {
  /** Position in this subscriber's feed: 1, 2, 3, ... */
  seq: z.number().int().min(1),
  at: Timestamp,
};

export const DocumentReceivedEvent = z.object({
  ...base,
  /** A document arrived in our box (with the operator's confirmation of its send date). */
  type: z.literal('document.received'),
  document: Document,
});

export const DocumentSentEvent = z.object({
  ...base,
  /** Our document was accepted and put into the recipient's box (also seen by our other workplaces). */
  type: z.literal('document.sent'),
  document: Document,
});

export const DocumentDeliveredEvent = z.object({
  ...base,
  /** The recipient fetched our document. */
  type: z.literal('document.delivered'),
  documentId: Id,
  deliveredAt: Timestamp,
});

export const ServiceDocumentReceivedEvent = z.object({
  ...base,
  /** The other party posted a service document (receipt notice, clarification request) on a document. */
  type: z.literal('service-document.received'),
  documentId: Id,
  serviceDocument: ServiceDocument,
});

export const DocumentStatusChangedEvent = z.object({
  ...base,
  /** A document we sent or received changed status; sent to both parties. */
  type: z.literal('document.status-changed'),
  documentId: Id,
  status: DocumentStatus,
});

export const DocumentWorkflowChangedEvent = z.object({
  ...base,
  /**
   * The document's own workflow moved (docs/architecture.md §5a): the recipient signed or refused,
   * an annulment was proposed, accepted or rejected. Sent to both sides, with the workflow whole
   * and the service document of the step (none for the recipient's signature).
   */
  type: z.literal('document.workflow-changed'),
  documentId: Id,
  workflow: DocumentWorkflow,
  serviceDocument: ServiceDocument.optional(),
});

export const ContactChangedEvent = z.object({
  ...base,
  /** A contact relation changed (invite, accept, reject), as we see it. */
  type: z.literal('contact.changed'),
  contact: Contact,
});

export const ArchiveRefusedEvent = z.object({
  ...base,
  /**
   * A document our user signed was not archived (the organization's archive quota is used up).
   * The exchange itself went on; the entry is listed by GET /v1/archive/not-archived.
   */
  type: z.literal('archive.refused'),
  documentId: Id,
  /** What was not archived: document, receipt-notice, clarification-request. */
  kind: z.string(),
  fileName: z.string(),
  /** The user whose signature asked for archiving. */
  userId: Id,
  /** Its id in GET /v1/archive/not-archived. */
  refusedId: z.number().int(),
  message: z.string(),
});

export const HubEvent = z.discriminatedUnion('type', [
  DocumentReceivedEvent,
  DocumentSentEvent,
  DocumentDeliveredEvent,
  ServiceDocumentReceivedEvent,
  DocumentStatusChangedEvent,
  DocumentWorkflowChangedEvent,
  ContactChangedEvent,
  ArchiveRefusedEvent,
]);
export type HubEvent = z.infer<typeof HubEvent>;
export type HubEventType = HubEvent['type'];

/** What an event carries besides its position; the hub builds these. */
export type HubEventPayload = HubEvent extends infer E ? (E extends HubEvent ? Omit<E, 'seq' | 'at'> : never) : never;

export const EventsQuery = z.object({
  after: Cursor.default(0),
  limit: PageLimit.default(100),
  /** Long poll: when nothing is after the cursor, wait up to this many seconds for an event. */
  wait: z.coerce.number().min(0).max(60).default(0),
});
export type EventsQuery = z.input<typeof EventsQuery>;

export const EventsPage = z.object({
  events: z.array(HubEvent),
  /** Cursor for the next call: the last event's seq, or the request's `after` when empty. */
  next: z.number().int(),
  hasMore: z.boolean(),
});
export type EventsPage = z.infer<typeof EventsPage>;
