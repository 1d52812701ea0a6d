// The clerk's vocabulary, once: every status, step, outcome, reason and mode the store keeps,
// the session reports, the IPC contract carries and the renderer labels (its i18n keys are
// these values). The ideas the hub shares come from src/protocol as they are. Pure zod, no
// Node: the renderer's bundle takes it through src/ipc.
import { z } from 'zod';
import { ContactState, OperatingMode } from '../protocol/directory';
import {
  AnnulmentState,
  DocumentStatus as HubDocumentStatus,
  RecipientSignatureState,
  ServiceDocumentType as HubServiceDocumentType,
} from '../protocol/documents';
import { stepNeedsReason, WorkflowStep } from '../protocol/workflow';
import { PowerOfAttorneyRefusal } from '../protocol/powers-of-attorney';

export { ContactState, OperatingMode };

/** The document's own workflow (docs/architecture.md §5a): the hub's states and steps, as they are. */
export { AnnulmentState, RecipientSignatureState, stepNeedsReason, WorkflowStep };

/** Why a signature under an МЧД is refused: the hub's codes, also the client's own before signing (§7). */
export { PowerOfAttorneyRefusal };

/** A document we sent (out) or received (in). */
export const Direction = z.enum(['in', 'out']);
export type Direction = z.infer<typeof Direction>;

/**
 * Where a document stands, as the store keeps it. Outgoing: queued → the hub's statuses (sent,
 * delivered, receipt-confirmed, clarification-requested), or rejected by the hub. Incoming:
 * received → receipt-sent (→ clarification-sent).
 */
export const DocumentStatus = z.enum([
  'queued',
  'rejected',
  ...HubDocumentStatus.options,
  'received',
  'receipt-sent',
  'clarification-sent',
]);
export type DocumentStatus = z.infer<typeof DocumentStatus>;

/**
 * A document's status as the lists show and filter it: the stored one, or, for a received
 * document, what its signature or service documents say (its signature does not verify; its
 * signer's certificate status could not be established yet, so it is checked again by later
 * sessions; its receipt notice waits). The store's query computes it, so filters, counts and
 * pages agree.
 */
export const ListStatus = z.enum([
  ...DocumentStatus.options,
  'receipt-pending',
  'signature-invalid',
  'signature-unchecked',
]);
export type ListStatus = z.infer<typeof ListStatus>;

/** The statuses a list of each direction can show: the order of its filter. */
export const listStatusesOf: Record<Direction, readonly ListStatus[]> = {
  in: ['received', 'receipt-pending', 'receipt-sent', 'clarification-sent', 'signature-invalid', 'signature-unchecked'],
  out: ['queued', 'sent', 'delivered', 'receipt-confirmed', 'clarification-requested', 'rejected'],
};

/**
 * What a signature check found wrong: the codes of src/crypto's verification, and of the
 * long-term one (the signer's certificate revoked at or before the signature's trusted time; a
 * time-stamp in it that does not verify).
 */
export const SignatureProblem = z.enum([
  'malformed',
  'digest-mismatch',
  'bad-signature',
  'no-signer-certificate',
  'untrusted-chain',
  'expired',
  'not-yet-valid',
  'unsupported-algorithm',
  'certificate-revoked',
  'timestamp-invalid',
]);
export type SignatureProblem = z.infer<typeof SignatureProblem>;

/**
 * A document's (or service document's) signatures as a whole. unverified: our own, made a
 * moment ago, or a received one whose long-term verdict is "undetermined" (a certificate's
 * status could not be established: responder down, CRL stale), which is never "valid" and is
 * checked again by the session's recheck step until it is determined.
 */
export const SignatureState = z.enum(['unverified', 'valid', 'invalid']);
export type SignatureState = z.infer<typeof SignatureState>;

/** The hub's service documents plus the operator's confirmation of the send date (ПДОТПР). */
export const ServiceDocumentType = z.enum([...HubServiceDocumentType.options, 'send-confirmation']);
export type ServiceDocumentType = z.infer<typeof ServiceDocumentType>;

/** Ours: pending (to sign) → signed (to send) → sent; theirs: received. */
export const ServiceDocumentStatus = z.enum(['pending', 'signed', 'sent', 'received']);
export type ServiceDocumentStatus = z.infer<typeof ServiceDocumentStatus>;

/** The steps of an exchange session, in their order. */
export const SessionStep = z.enum([
  'authenticate',
  'subscribers',
  'contacts',
  'outbox',
  'events',
  'recheck',
  'service-documents',
  'finish',
]);
export type SessionStep = z.infer<typeof SessionStep>;

/**
 * Why a session runs. agent: the unattended agent on a server; manual and send: the clerk asked
 * (a button, `edo-clerk session`); the rest are the desktop's background reasons.
 */
export const SessionTrigger = z.enum(['manual', 'send', 'schedule', 'resume', 'online', 'token-inserted', 'agent']);
export type SessionTrigger = z.infer<typeof SessionTrigger>;

/** running (or its process died: interrupted), done, needs the clerk, failed, or refused by the operating mode. */
export const SessionOutcome = z.enum(['running', 'done', 'needs-clerk', 'error', 'not-allowed', 'interrupted']);
export type SessionOutcome = z.infer<typeof SessionOutcome>;

export const LogLevel = z.enum(['info', 'warn', 'error']);
export type LogLevel = z.infer<typeof LogLevel>;

/** Ids the local store gives documents, service documents and session runs. */
export const LocalId = z.number().int().positive();
export type LocalId = z.infer<typeof LocalId>;

/** What went wrong at a PKCS#11 token or its module (src/token's TokenError codes). */
export const TokenProblem = z.enum([
  'module-not-found',
  'module-wrong-architecture',
  'module-failed',
  'token-not-present',
  'token-removed',
  'pin-incorrect',
  'pin-locked',
  'pin-required',
  'key-not-found',
  'certificate-not-found',
  'token-failed',
]);
export type TokenProblem = z.infer<typeof TokenProblem>;

/**
 * Why the clerk is needed: the signing key or the login cannot be used without them (the codes
 * of src/token's errors and the software key's). Background runs stop signing on these and
 * never retry a PIN.
 */
export const ClerkNeededReason = z.enum([
  'password-missing',
  'password-incorrect',
  'key-file-not-found',
  ...TokenProblem.extract([
    'token-not-present',
    'token-removed',
    'pin-incorrect',
    'pin-locked',
    'pin-required',
    'key-not-found',
    'certificate-not-found',
  ]).options,
  'pin-cancelled',
]);
export type ClerkNeededReason = z.infer<typeof ClerkNeededReason>;

/** The reasons the clerk answers at the token (plug it in, log in): the app opens its prompt. */
const tokenReasons: ReadonlySet<string> = new Set<ClerkNeededReason>([
  'token-not-present',
  'token-removed',
  'pin-incorrect',
  'pin-locked',
  'pin-required',
  'pin-cancelled',
]);

/** Why a PIN typed at the token prompt did not log in: the token's own codes, shown as they are. */
export const TokenLoginProblem = TokenProblem.extract([
  'token-not-present',
  'token-removed',
  'pin-incorrect',
  'pin-locked',
  'pin-required',
]);
export type TokenLoginProblem = z.infer<typeof TokenLoginProblem>;

export function isTokenReason(reason: string): boolean {
  return tokenReasons.has(reason);
}

/**
 * Why a service document of ours waits, stored beside it: for a signature (nothing wrong), for
 * the agent (operating mode "server" signs there), for a signing key this profile lacks, for
 * the clerk (a ClerkNeededReason), because its file could not be made, because the hub refused
 * the signed one, because it cannot be sent from here, or because the signer's МЧД does not let
 * them sign it (a PowerOfAttorneyRefusal, found before signing).
 */
export const PendingReason = z.enum([
  'awaiting-signature',
  'agent-signs',
  'no-signing-key',
  'cannot-make',
  'refused-by-hub',
  'unsendable',
  ...ClerkNeededReason.options,
  ...PowerOfAttorneyRefusal.options,
]);
export type PendingReason = z.infer<typeof PendingReason>;

/**
 * The МЧД the day's certificate signs under, as the token prompt shows it (docs/architecture.md
 * §7): in force; in force but ending within two weeks; not begun; expired; revoked at the hub;
 * not registered at the hub; none attached to a personal certificate. The dates are the profile's
 * until the hub has answered, then the hub's.
 */
export const DayPowerOfAttorneyState = z.enum([
  'in-force',
  'expiring',
  'not-begun',
  'expired',
  'revoked',
  'unregistered',
  'missing',
]);
export type DayPowerOfAttorneyState = z.infer<typeof DayPowerOfAttorneyState>;

/** The states in which the day's signatures would be refused. */
export const dayPowerOfAttorneyRefused: ReadonlySet<DayPowerOfAttorneyState> = new Set([
  'not-begun',
  'expired',
  'revoked',
  'unregistered',
  'missing',
]);

/** The outcomes the clerk sees as a failed session. */
export const failedOutcomes: ReadonlySet<SessionOutcome> = new Set(['error', 'interrupted', 'not-allowed']);

/**
 * Why the agent's staff web client refused a login: the hub's own codes as they are (a wrong
 * login or password, too many failures), or the agent's (a user of another organization, the
 * hub out of reach, a malformed request).
 */
export const StaffLoginProblem = z.enum([
  'login-failed',
  'too-many-attempts',
  'other-organization',
  'hub-unreachable',
  'invalid-request',
]);
export type StaffLoginProblem = z.infer<typeof StaffLoginProblem>;

/** The workflow's states in words (ru, en), for the desktop and the card alike. */
export { workflowStateWords } from './workflow-words';
export { listStatusWords } from './list-status-words';
export { contactStateWords } from './contact-words';
export { pendingReasonWords, sessionStepWords } from './session-words';

/**
 * Why a document's card or evidence package cannot be made (src/evidence): no such document in
 * the profile, not sent through the hub yet, its file missing from the blob store or changed there.
 */
/**
 * Why the director's МЧД was not issued (src/exchange/power-of-attorney.ts): the signer is not
 * the organization's director (another INNLE, no OGRN), an unknown power code, the
 * representative's certificate missing or naming no INN or SNILS, the hub knowing no KPP.
 * Worded by src/vocabulary/power-of-attorney.ts `issue.<problem>`.
 */
export const PowerOfAttorneyIssueProblem = z.enum([
  'other-organization',
  'no-ogrn',
  'unknown-power',
  'no-person-id',
  'no-certificate',
  'no-kpp',
]);
export type PowerOfAttorneyIssueProblem = z.infer<typeof PowerOfAttorneyIssueProblem>;

export const EvidenceProblem = z.enum(['not-found', 'not-sent', 'missing-original', 'original-changed']);
export type EvidenceProblem = z.infer<typeof EvidenceProblem>;
