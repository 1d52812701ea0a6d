// The route table of protocol v1: every route's method, path, auth, and the schemas of its
// parameters, query, headers, body and answers, the exchange's here and the organization's
// and archive's from ./organization. The hub registers and validates every route from it and
// serves it as OpenAPI; the client builds its calls and types from it.
import { z } from 'zod';
import { ErrorBody } from './errors';
import {
  CertificateLoginRequest,
  ChallengeResponse,
  Contact,
  ContactsPage,
  ContactsQuery,
  HealthResponse,
  InviteRequest,
  LoginResponse,
  MeResponse,
  OperatorInfo,
  PasswordLoginRequest,
  Subscriber,
  SubscriberParams,
  SubscribersPage,
  SubscribersQuery,
} from './directory';
import {
  AnnulmentAcceptanceRequest,
  AnnulmentProposalParams,
  AnnulmentProposalRequest,
  AnnulmentRejectionRequest,
  BlobParams,
  BlobStored,
  Document,
  DocumentParams,
  IdempotentHeaders,
  PostServiceDocumentRequest,
  RecipientSignatureRequest,
  SendDocumentRequest,
  ServiceDocument,
  SignatureRefusalRequest,
  WorkflowStepResult,
} from './documents';
import { EventsPage, EventsQuery } from './events';
import { organizationRoutes } from './organization';
import {
  DocumentPowerOfAttorneyParams,
  PowerOfAttorneyFiles,
  PowerOfAttorneyList,
  PowerOfAttorneyParams,
  PowerOfAttorneyRecord,
  PrevalidatePowerOfAttorneyRequest,
  PrevalidatePowerOfAttorneyResult,
  RegisterPowerOfAttorneyRequest,
  RevokePowerOfAttorneyRequest,
} from './powers-of-attorney';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD';

export interface RouteSpec {
  method: HttpMethod;
  /** Fastify-style path: `/v1/documents/:documentId`. */
  path: string;
  summary: string;
  /** false only for health, the OpenAPI document and the login routes. */
  auth: boolean;
  params?: z.ZodObject;
  query?: z.ZodObject;
  headers?: z.ZodObject;
  /** A JSON body's schema, or 'binary' for a streamed application/octet-stream body. */
  body?: z.ZodType | 'binary';
  /** The media types of a 'binary' body and answer when not application/octet-stream (RFC 3161's). */
  media?: { request: string; response: string };
  /** Success answers by status: a JSON schema, 'binary' for a byte stream, null for no body. */
  responses: Record<number, z.ZodType | 'binary' | null>;
  /**
   * false: sending the request again after its answer was lost does not get that answer (the
   * challenge is used up, a second key is made), so a client must not repeat it blindly.
   */
  repeatable?: false;
}

const empty = z.object({}).strict();

const exchangeRoutes = {
  health: {
    method: 'GET',
    path: '/v1/health',
    summary: 'Liveness of the hub',
    auth: false,
    responses: { 200: HealthResponse },
  },
  openapi: {
    method: 'GET',
    path: '/v1/openapi.json',
    summary: 'This protocol as an OpenAPI 3.1 document',
    auth: false,
    responses: { 200: z.record(z.string(), z.unknown()) },
  },

  challenge: {
    method: 'POST',
    path: '/v1/auth/challenge',
    summary: 'A single-use nonce to sign for certificate login',
    auth: false,
    body: empty.optional(),
    responses: { 200: ChallengeResponse },
  },
  loginWithCertificate: {
    method: 'POST',
    path: '/v1/auth/certificate',
    summary:
      'Log in with a detached CMS over loginSignedContent (origin, challenge id, nonce), made by a registered certificate',
    auth: false,
    body: CertificateLoginRequest,
    responses: { 200: LoginResponse },
    repeatable: false,
  },
  loginWithPassword: {
    method: 'POST',
    path: '/v1/auth/password',
    summary: 'Log in as a service user with login and password',
    auth: false,
    body: PasswordLoginRequest,
    responses: { 200: LoginResponse },
  },
  me: {
    method: 'GET',
    path: '/v1/me',
    summary: 'The user and organization of the bearer token',
    auth: true,
    responses: { 200: MeResponse },
  },
  operator: {
    method: 'GET',
    path: '/v1/operator',
    summary: "The operator's identity and signing certificate",
    auth: true,
    responses: { 200: OperatorInfo },
  },

  listSubscribers: {
    method: 'GET',
    path: '/v1/subscribers',
    summary: 'The subscribers directory: change feed (after, limit) or search (query)',
    auth: true,
    query: SubscribersQuery,
    responses: { 200: SubscribersPage },
  },
  getSubscriber: {
    method: 'GET',
    path: '/v1/subscribers/:subscriberId',
    summary: 'One directory entry',
    auth: true,
    params: SubscriberParams,
    responses: { 200: Subscriber },
  },

  listContacts: {
    method: 'GET',
    path: '/v1/contacts',
    summary: "The caller's contacts as a change feed",
    auth: true,
    query: ContactsQuery,
    responses: { 200: ContactsPage },
  },
  inviteContact: {
    method: 'POST',
    path: '/v1/contacts',
    summary: 'Invite a subscriber to exchange documents (accepts when they invited us first)',
    auth: true,
    body: InviteRequest,
    responses: { 200: Contact },
  },
  acceptContact: {
    method: 'POST',
    path: '/v1/contacts/:subscriberId/accept',
    summary: "Accept a subscriber's invitation",
    auth: true,
    params: SubscriberParams,
    body: empty.optional(),
    responses: { 200: Contact },
  },
  rejectContact: {
    method: 'POST',
    path: '/v1/contacts/:subscriberId/reject',
    summary: "Reject a subscriber's invitation, or end a connection",
    auth: true,
    params: SubscriberParams,
    body: empty.optional(),
    responses: { 200: Contact },
  },

  putBlob: {
    method: 'PUT',
    path: '/v1/blobs/:sha256',
    summary: 'Upload content under its SHA-256 (streamed; hash checked while writing; size limited)',
    auth: true,
    params: BlobParams,
    body: 'binary',
    responses: { 200: BlobStored, 201: BlobStored },
  },
  headBlob: {
    method: 'HEAD',
    path: '/v1/blobs/:sha256',
    summary:
      'Whether the caller uploaded this blob, so that a document it sends may reference it (200 with Content-Length, or 404: PUT it, even if it was received from someone)',
    auth: true,
    params: BlobParams,
    responses: { 200: null },
  },
  getBlob: {
    method: 'GET',
    path: '/v1/blobs/:sha256',
    summary: 'Download a blob; only for a party to a document that references it',
    auth: true,
    params: BlobParams,
    responses: { 200: 'binary' },
  },

  sendDocument: {
    method: 'POST',
    path: '/v1/documents',
    summary: 'Send a signed document to a connected contact (Idempotency-Key required)',
    auth: true,
    headers: IdempotentHeaders,
    body: SendDocumentRequest,
    responses: { 201: Document },
  },
  getDocument: {
    method: 'GET',
    path: '/v1/documents/:documentId',
    summary: 'A document the caller sent or received, with its status and chain of service documents',
    auth: true,
    params: DocumentParams,
    responses: { 200: Document },
  },
  postServiceDocument: {
    method: 'POST',
    path: '/v1/documents/:documentId/service-documents',
    summary:
      'Post a signed receipt notice (ИОП) or clarification request (УОУ) on a received document (Idempotency-Key required)',
    auth: true,
    params: DocumentParams,
    headers: IdempotentHeaders,
    body: PostServiceDocumentRequest,
    responses: { 201: ServiceDocument },
  },

  // The document's own workflow (docs/architecture.md §5a): each step is idempotent and sent to both sides.
  signDocument: {
    method: 'POST',
    path: '/v1/documents/:documentId/recipient-signature',
    summary:
      "The recipient's signature over the same content, on a document sent with a signature request (Idempotency-Key required)",
    auth: true,
    params: DocumentParams,
    headers: IdempotentHeaders,
    body: RecipientSignatureRequest,
    responses: { 201: WorkflowStepResult },
  },
  refuseSignature: {
    method: 'POST',
    path: '/v1/documents/:documentId/signature-refusal',
    summary: 'The recipient refuses to sign: a signed УОУ stating the reason (Idempotency-Key required)',
    auth: true,
    params: DocumentParams,
    headers: IdempotentHeaders,
    body: SignatureRefusalRequest,
    responses: { 201: WorkflowStepResult },
  },
  proposeAnnulment: {
    method: 'POST',
    path: '/v1/documents/:documentId/annulment-proposals',
    summary:
      'Either side proposes to annul the document: a signed ПРА (DP_PRANNUL 1.02) stating the reason (Idempotency-Key required)',
    auth: true,
    params: DocumentParams,
    headers: IdempotentHeaders,
    body: AnnulmentProposalRequest,
    responses: { 201: WorkflowStepResult },
  },
  acceptAnnulment: {
    method: 'POST',
    path: '/v1/documents/:documentId/annulment-proposals/:proposalId/acceptance',
    summary:
      'The other side signs the ПРА: the document is annulled on both sides and in the archive (Idempotency-Key required)',
    auth: true,
    params: AnnulmentProposalParams,
    headers: IdempotentHeaders,
    body: AnnulmentAcceptanceRequest,
    responses: { 201: WorkflowStepResult },
  },
  rejectAnnulment: {
    method: 'POST',
    path: '/v1/documents/:documentId/annulment-proposals/:proposalId/rejection',
    summary: 'The other side rejects the ПРА: a signed УОУ over it stating why (Idempotency-Key required)',
    auth: true,
    params: AnnulmentProposalParams,
    headers: IdempotentHeaders,
    body: AnnulmentRejectionRequest,
    responses: { 201: WorkflowStepResult },
  },

  timestamp: {
    method: 'POST',
    path: '/v1/tsp',
    summary:
      "RFC 3161 time-stamp by the operator's TSA: a DER TimeStampReq in, a TimeStampResp out (the TSA certificate is issued by the operator's)",
    auth: false,
    body: 'binary',
    media: { request: 'application/timestamp-query', response: 'application/timestamp-reply' },
    responses: { 200: 'binary' },
  },

  listEvents: {
    method: 'GET',
    path: '/v1/events',
    summary: "The caller's event feed: ordered, gap-free, long poll with `wait`",
    auth: true,
    query: EventsQuery,
    responses: { 200: EventsPage },
  },
} as const satisfies Record<string, RouteSpec>;

/** The organization's registry of powers of attorney (МЧД), docs/architecture.md §7. */
export const powerOfAttorneyRoutes = {
  registerPowerOfAttorney: {
    method: 'POST',
    path: '/v1/powers-of-attorney',
    summary:
      "Register an МЧД of the caller's organization: the XML and the director's detached CMS, checked (format, principal, director's signature, dates, representative)",
    auth: true,
    body: RegisterPowerOfAttorneyRequest,
    responses: { 201: PowerOfAttorneyRecord },
  },
  listPowersOfAttorney: {
    method: 'GET',
    path: '/v1/powers-of-attorney',
    summary: "The caller's organization's МЧД, with their statuses now",
    auth: true,
    responses: { 200: PowerOfAttorneyList },
  },
  checkPowerOfAttorney: {
    method: 'POST',
    path: '/v1/powers-of-attorney/check',
    summary:
      'Pre-check before signing: whether a signature by this certificate under this МЧД would be accepted now, and if not the refusal',
    auth: true,
    body: PrevalidatePowerOfAttorneyRequest,
    responses: { 200: PrevalidatePowerOfAttorneyResult },
  },
  getPowerOfAttorney: {
    method: 'GET',
    path: '/v1/powers-of-attorney/:number',
    summary: "One МЧД of the caller's organization with its status and files",
    auth: true,
    params: PowerOfAttorneyParams,
    responses: { 200: PowerOfAttorneyFiles },
  },
  getDocumentPowerOfAttorney: {
    method: 'GET',
    path: '/v1/documents/:documentId/powers-of-attorney/:number',
    summary:
      "An МЧД a signature of the document's chain was made under, with its files, for either party: what proves the representative's authority beside the document",
    auth: true,
    params: DocumentPowerOfAttorneyParams,
    responses: { 200: PowerOfAttorneyFiles },
  },
  revokePowerOfAttorney: {
    method: 'POST',
    path: '/v1/powers-of-attorney/:number/revoke',
    summary: 'Revoke an МЧД early, by the principal (its director, or a settings administrator); journaled',
    auth: true,
    params: PowerOfAttorneyParams,
    body: RevokePowerOfAttorneyRequest,
    responses: { 200: PowerOfAttorneyRecord },
  },
} as const satisfies Record<string, RouteSpec>;

export const routes = { ...exchangeRoutes, ...organizationRoutes, ...powerOfAttorneyRoutes } as const satisfies Record<
  string,
  RouteSpec
>;

export type RouteName = keyof typeof routes;
type Routes = typeof routes;

type SchemaOf<T> = T extends z.ZodType ? T : never;
type JsonResponse<R> = R extends Record<number, infer V> ? SchemaOf<V> : never;

/** What a route answers on success (the union of its JSON answers). */
export type RouteResponse<N extends RouteName> = z.output<JsonResponse<Routes[N]['responses']>>;
/** The JSON body a route takes, as the client writes it (defaults may be left out). */
export type RouteBody<N extends RouteName> = Routes[N] extends { body: infer B }
  ? B extends z.ZodType
    ? z.input<B>
    : never
  : never;
export type RouteParams<N extends RouteName> = Routes[N] extends { params: infer P }
  ? P extends z.ZodType
    ? z.input<P>
    : never
  : never;
export type RouteQuery<N extends RouteName> = Routes[N] extends { query: infer Q }
  ? Q extends z.ZodType
    ? z.input<Q>
    : never
  : never;

/** Fills a route's path parameters: routePath('getDocument', {documentId: 'd1'}) → '/v1/documents/d1'. */
export function routePath(name: RouteName, params: Record<string, string> = {}): string {
  return routes[name].path.replace(/:([A-Za-z0-9_]+)/g, (_, key: string) => {
    const value = params[key];
    if (value === undefined) throw new Error(`routePath(${name}): parameter "${key}" is missing`);
    return encodeURIComponent(value);
  });
}

export { ErrorBody };
