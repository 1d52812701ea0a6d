// The hub as the session engine sees it: an interface (so the engine is tested and reasoned
// about apart from HTTP) with the protocol's own types.
import type { Readable } from 'node:stream';
import type {
  Contact,
  ContactsPage,
  Document,
  EventsPage,
  LoginResponse,
  OperatorInfo,
  PostServiceDocumentRequest,
  PowerOfAttorneyFiles,
  PowerOfAttorneyReference,
  PrevalidatePowerOfAttorneyResult,
  SendDocumentRequest,
  ServiceDocument,
  SigningAction,
  SubscribersPage,
  WorkflowStep,
  WorkflowStepBody,
  WorkflowStepResult,
} from '../protocol';

/** How the client proves who it is; called again when the hub answers 401. */
export type Authenticator =
  /** Signs the login content (src/protocol loginSignedContent: context, hub origin, challenge, nonce) with the certificate's key. */
  | { method: 'certificate'; signLogin: (content: Buffer) => Promise<Buffer> }
  | { method: 'password'; login: string; password: string };

export interface ExchangeClient {
  /** Logs in and keeps the access token for every later call. */
  authenticate(how: Authenticator): Promise<LoginResponse>;
  operator(): Promise<OperatorInfo>;
  subscribers(after: number, limit?: number): Promise<SubscribersPage>;
  contacts(after: number, limit?: number): Promise<ContactsPage>;
  /** Invites a subscriber to exchange documents (accepts, when they invited us first). */
  invite(subscriberId: string, message?: string): Promise<Contact>;
  accept(subscriberId: string): Promise<Contact>;
  reject(subscriberId: string): Promise<Contact>;
  hasBlob(sha256: string): Promise<boolean>;
  putBlob(sha256: string, size: number, body: () => Readable): Promise<void>;
  /** The blob's bytes as a stream (the caller checks the hash while storing). */
  getBlob(sha256: string): Promise<Readable>;
  sendDocument(idempotencyKey: string, request: SendDocumentRequest): Promise<Document>;
  document(documentId: string): Promise<Document>;
  postServiceDocument(
    documentId: string,
    idempotencyKey: string,
    request: PostServiceDocumentRequest,
  ): Promise<ServiceDocument>;
  events(after: number, limit?: number, waitSeconds?: number): Promise<EventsPage>;
  /** Posts one step of a document's own workflow (docs/architecture.md §5a); answers are numbered by proposalId. */
  workflowStep(
    step: WorkflowStep,
    target: { documentId: string; proposalId?: string | undefined },
    idempotencyKey: string,
    body: WorkflowStepBody,
  ): Promise<WorkflowStepResult>;
  /** Whether a signature by this certificate under this МЧД would be accepted now (docs/architecture.md §7). */
  checkPowerOfAttorney(request: {
    reference: PowerOfAttorneyReference;
    certificate: string;
    action: SigningAction;
  }): Promise<PrevalidatePowerOfAttorneyResult>;
  /** The files of an МЧД a signature of the document's chain was made under. */
  documentPowerOfAttorney(documentId: string, number: string): Promise<PowerOfAttorneyFiles>;
}
