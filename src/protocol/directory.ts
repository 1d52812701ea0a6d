// Who is on the hub: subscribers (организации-абоненты), their users, and the contacts between
// subscribers; plus authentication, whose answer names the user and the subscriber.
import { z } from 'zod';
import { Base64, CertificateSummary, Cursor, Id, Inn, Kpp, Ogrn, PageLimit, Timestamp } from './common';

/** The organization's policy on who runs sessions and signs service documents (docs/architecture.md §1). */
export const OperatingMode = z.enum(['server', 'workstation', 'manual']);
export type OperatingMode = z.infer<typeof OperatingMode>;

/** A subscriber as the directory shows it to everyone. */
export const Subscriber = z.object({
  id: Id,
  name: z.string(),
  inn: Inn,
  kpp: Kpp.optional(),
  /** The state registration number, where the operator registered the organization with it. */
  ogrn: Ogrn.optional(),
  /** Feed position: increases with every change of this entry. */
  revision: z.number().int(),
  updatedAt: Timestamp,
});
export type Subscriber = z.infer<typeof Subscriber>;

/** The caller's own organization: the directory entry plus the settings clients honour. */
export const OwnSubscriber = Subscriber.extend({
  operatingMode: OperatingMode,
});
export type OwnSubscriber = z.infer<typeof OwnSubscriber>;

export const User = z.object({
  id: Id,
  subscriberId: Id,
  /** Person: a clerk with a certificate on a token. Service: a service user or information system. */
  kind: z.enum(['person', 'service']),
  name: z.string(),
  login: z.string().optional(),
  certificate: CertificateSummary.optional(),
});
export type User = z.infer<typeof User>;

// ---- auth

export const ChallengeResponse = z.object({
  challengeId: Id,
  /**
   * Random bytes, base64. The client signs loginSignedContent({origin, challengeId, nonce}) (this
   * base64 text in it) with a detached CMS (CAdES-BES) on its token. Single use; dies at expiresAt.
   */
  nonce: Base64,
  expiresAt: Timestamp,
});
export type ChallengeResponse = z.infer<typeof ChallengeResponse>;

export const CertificateLoginRequest = z.object({
  challengeId: Id,
  /** Detached CMS SignedData (DER, base64) over loginSignedContent(...), carrying the signer's certificate. */
  signature: Base64,
});
export type CertificateLoginRequest = z.infer<typeof CertificateLoginRequest>;

/**
 * The origin of a hub as it appears in the login content: scheme, host and always the port
 * (`https://hub.example:443`), so that both sides write the same string for the same hub.
 */
export function loginOrigin(url: string | URL): string {
  const u = new URL(url);
  const port = u.port || { 'https:': '443', 'http:': '80' }[u.protocol];
  if (!port) throw new Error(`${u.href}: a hub is reached over http or https, not ${u.protocol}`);
  return `${u.protocol}//${u.hostname}:${port}`;
}

/**
 * What the clerk's key signs at certificate login (a detached CMS over these bytes): the UTF-8 of
 * `EDO Clerk login v1\n<hub origin>\n<challengeId>\n<nonce base64>`. The client builds it itself,
 * so the hub never picks the bytes the key signs (they cannot be a document or a receipt), and the
 * origin binds the signature to the hub the client meant: another server relaying the challenge
 * gets a signature the real hub refuses.
 */
export function loginSignedContent(o: { origin: string; challengeId: string; nonce: string }): Uint8Array {
  return new TextEncoder().encode(`EDO Clerk login v1\n${loginOrigin(o.origin)}\n${o.challengeId}\n${o.nonce}`);
}

export const PasswordLoginRequest = z.object({
  login: z.string().min(1).max(200),
  password: z.string().min(1).max(1000),
});
export type PasswordLoginRequest = z.infer<typeof PasswordLoginRequest>;

export const LoginResponse = z.object({
  /** Send as `Authorization: Bearer <accessToken>`; a 401 means authenticate again. */
  accessToken: z.string(),
  expiresAt: Timestamp,
  user: User,
  subscriber: OwnSubscriber,
});
export type LoginResponse = z.infer<typeof LoginResponse>;

/** GET /v1/me: who the token belongs to (the login response without the token). */
export const MeResponse = LoginResponse.omit({ accessToken: true });
export type MeResponse = z.infer<typeof MeResponse>;

// ---- subscribers

export const SubscribersQuery = z.object({
  /** Change feed: entries with revision > after, oldest change first. Ignored with `query`. */
  after: Cursor.default(0),
  limit: PageLimit.default(100),
  /** Search by a part of the name (case-insensitive) or by INN/BIN prefix. */
  query: z.string().min(1).max(200).optional(),
});
export type SubscribersQuery = z.input<typeof SubscribersQuery>;

export const SubscribersPage = z.object({
  subscribers: z.array(Subscriber),
  /** Cursor for the next call (`after`); equal to the request's `after` when nothing changed. */
  next: z.number().int(),
  hasMore: z.boolean(),
});
export type SubscribersPage = z.infer<typeof SubscribersPage>;

export const SubscriberParams = z.object({ subscriberId: Id });

// ---- contacts

/** The relation as the caller sees it. */
export const ContactState = z.enum(['invited-by-me', 'invites-me', 'connected', 'rejected']);
export type ContactState = z.infer<typeof ContactState>;

export const Contact = z.object({
  /** The other subscriber. */
  subscriber: Subscriber.pick({ id: true, name: true, inn: true, kpp: true }),
  state: ContactState,
  /** The invitation's note, if the inviter wrote one. */
  message: z.string().optional(),
  /** Feed position: increases with every change of this relation. */
  revision: z.number().int(),
  updatedAt: Timestamp,
});
export type Contact = z.infer<typeof Contact>;

export const ContactsQuery = z.object({
  after: Cursor.default(0),
  limit: PageLimit.default(100),
});
export type ContactsQuery = z.input<typeof ContactsQuery>;

export const ContactsPage = z.object({
  contacts: z.array(Contact),
  next: z.number().int(),
  hasMore: z.boolean(),
});
export type ContactsPage = z.infer<typeof ContactsPage>;

export const InviteRequest = z.object({
  subscriberId: Id,
  message: z.string().max(1000).optional(),
});
export type InviteRequest = z.infer<typeof InviteRequest>;

/** Operator identity: clients verify the operator's confirmations with this certificate. */
export const OperatorInfo = z.object({
  name: z.string(),
  inn: Inn,
  kpp: Kpp.optional(),
  /** ИдОперЭДО: 3 characters; subscriber ids (ИдУчастЭДО) start with "2" and this id. */
  edoId: z.string().regex(/^[A-Za-z0-9@.-]{3}$/),
  /** The operator's signing certificate, DER base64. */
  certificate: Base64,
});
export type OperatorInfo = z.infer<typeof OperatorInfo>;

export const HealthResponse = z.object({
  status: z.literal('ok'),
  version: z.string(),
});
export type HealthResponse = z.infer<typeof HealthResponse>;
