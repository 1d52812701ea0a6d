// The contract between the renderer and main: every channel, its argument and its result, as
// zod schemas. Main validates every message against it; the renderer's types come from it.
// Runs in: main (validation) and renderer (types only).
import { z } from 'zod';
import { ServiceDocumentType as HubServiceDocumentType } from '../protocol/documents';
import { Language } from '../protocol/language';
import { SignedUnderPowerOfAttorney } from '../protocol/powers-of-attorney';
import {
  ClerkNeededReason,
  ContactState,
  DayPowerOfAttorneyState,
  Direction,
  ListStatus,
  LocalId,
  LogLevel,
  OperatingMode,
  PowerOfAttorneyRefusal,
  PendingReason,
  ServiceDocumentStatus,
  ServiceDocumentType,
  SessionOutcome,
  SessionStep,
  SessionTrigger,
  SignatureProblem,
  TokenLoginProblem,
} from '../vocabulary';
import { LongTermVerdict, SignatureStatusLine } from '../vocabulary/signature-status';
import { archiveInvokeContract } from './archive-contract';
import { evidenceInvokeContract } from './evidence-contract';
import { powerOfAttorneyInvokeContract } from './power-of-attorney-contract';
import { DocumentWorkflowView, workflowInvokeContract } from './workflow-contract';
import type { EventName, InvokeChannel } from './channels';

export * from './channels';
export * from './archive-contract';
export * from './download-contract';
export * from './evidence-contract';
export * from './power-of-attorney-contract';
export * from './workflow-contract';
// The renderer takes the vocabulary from here (it imports nothing else of src/).
export * from '../vocabulary';
export { LongTermVerdict, SignatureStatusLine, signatureStatusText } from '../vocabulary/signature-status';
export {
  hubPowerOfAttorneyRefusal,
  isHubPowerOfAttorneyCode,
  powerOfAttorneyText,
} from '../vocabulary/power-of-attorney';

const isoDateTime = z.iso.datetime({ offset: true });
/** A calendar day as the date inputs give it: YYYY-MM-DD. */
const day = z.iso.date();
const id = z.string().min(1).max(200);

export const AppInfo = z.object({
  name: z.string(),
  version: z.string(),
});
export type AppInfo = z.infer<typeof AppInfo>;

export const View = z.enum(['inbox', 'outbox', 'pending', 'contacts', 'log', 'archive', 'organization', 'settings']);
export type View = z.infer<typeof View>;

// ---- Token -------------------------------------------------------------------------------

export const TokenInfo = z.object({
  label: z.string(),
  serial: z.string(),
  model: z.string(),
  /** A PIN-pad token logs in on its own keypad: no PIN field. */
  pinPad: z.boolean(),
});
export type TokenInfo = z.infer<typeof TokenInfo>;

export const CertificateOwner = z.object({
  name: z.string(),
  position: z.string().optional(),
  organization: z.string(),
  inn: z.string().optional(),
  validTo: isoDateTime,
  /** SHA-256 (hex) of the certificate's DER: the profile names the МЧД per certificate by it. */
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});
export type CertificateOwner = z.infer<typeof CertificateOwner>;

export const DayPowerOfAttorney = z.object({
  state: DayPowerOfAttorneyState,
  /** НомДовер; absent when none is attached (`missing`). */
  number: z.string().optional(),
  /** The principal's name, else its INN. */
  principal: z.string().optional(),
  validUntil: day.optional(),
  /** Whole days from today (Moscow's calendar) to its last day; 0 on the last day. */
  daysLeft: z.number().int().optional(),
  /** Whether the hub answered for it this day (else the profile's dates only). */
  checkedAtHub: z.boolean(),
});
export type DayPowerOfAttorney = z.infer<typeof DayPowerOfAttorney>;

export const TokenState = z.enum([
  /** No PKCS#11 module could be loaded (the message names the path). */
  'no-module',
  'absent',
  'present',
  'logged-in',
  /** The clerk pressed Cancel: nothing asks again until the clerk asks. */
  'cancelled',
  'locked',
]);
export type TokenState = z.infer<typeof TokenState>;

export const TokenStatus = z.object({
  state: TokenState,
  token: TokenInfo.optional(),
  owner: CertificateOwner.optional(),
  /** The МЧД the owner's personal certificate signs under; absent when the certificate names the organization. */
  powerOfAttorney: DayPowerOfAttorney.optional(),
  /** PKCS#11 reports no count of tries left, only these flags. */
  pinFlags: z.object({ countLow: z.boolean(), finalTry: z.boolean(), locked: z.boolean() }),
  /** A problem worth showing as it is (a module path that failed to load). */
  message: z.string().optional(),
});
export type TokenStatus = z.infer<typeof TokenStatus>;

export const TokenLoginArgs = z.object({ pin: z.string().max(64) });
export const TokenLoginResult = z.object({
  ok: z.boolean(),
  error: TokenLoginProblem.optional(),
  status: TokenStatus,
});
export type TokenLoginResult = z.infer<typeof TokenLoginResult>;

// ---- Documents ---------------------------------------------------------------------------

export const Subscriber = z.object({
  id,
  name: z.string(),
  inn: z.string(),
  kpp: z.string().optional(),
});
export type Subscriber = z.infer<typeof Subscriber>;

export const DocumentRow = z.object({
  id: LocalId,
  direction: Direction,
  title: z.string(),
  fileName: z.string(),
  counterparty: Subscriber,
  status: ListStatus,
  date: isoDateTime,
  size: z.number().int().nonnegative(),
});
export type DocumentRow = z.infer<typeof DocumentRow>;

export const DocumentQuery = z.object({
  direction: Direction,
  /** Free text over title, file name and counterparty. */
  search: z.string().max(200).optional(),
  counterpartyId: id.optional(),
  status: ListStatus.optional(),
  from: day.optional(),
  to: day.optional(),
  offset: z.number().int().nonnegative(),
  limit: z.number().int().min(1).max(1000),
});
export type DocumentQuery = z.infer<typeof DocumentQuery>;

export const DocumentPage = z.object({
  total: z.number().int().nonnegative(),
  offset: z.number().int().nonnegative(),
  rows: z.array(DocumentRow),
});
export type DocumentPage = z.infer<typeof DocumentPage>;

export const SignatureCheck = z.object({
  signer: z.string(),
  position: z.string().optional(),
  organization: z.string(),
  inn: z.string().optional(),
  certificateSerial: z.string(),
  issuer: z.string(),
  signedAt: isoDateTime.nullable(),
  algorithm: z.string(),
  valid: z.boolean(),
  problems: z.array(SignatureProblem),
  /**
   * A received signature's long-term verdict (undetermined: the certificate status could not be
   * established yet; the next session checks again), its status line and when it was last checked.
   */
  verdict: LongTermVerdict.optional(),
  statusLine: SignatureStatusLine.optional(),
  checkedAt: isoDateTime.optional(),
  /** The МЧД the signer signed under (a personal certificate), with its status at the signing time, as the hub accounted for it. */
  powerOfAttorney: SignedUnderPowerOfAttorney.optional(),
});
export type SignatureCheck = z.infer<typeof SignatureCheck>;

export const ServiceDocument = z.object({
  id: LocalId,
  type: ServiceDocumentType,
  direction: Direction,
  status: ServiceDocumentStatus,
  date: isoDateTime.nullable(),
  signer: z.string().optional(),
  /** The free text of a clarification request, a signature refusal, an annulment proposal or its rejection. */
  text: z.string().optional(),
  /** A received one's signature judged the long-term way (docs/architecture.md §5): its verdict and status line. */
  statusLine: SignatureStatusLine.optional(),
  /** The МЧД its signer signed under, with its status at the signing time. */
  powerOfAttorney: SignedUnderPowerOfAttorney.optional(),
});
export type ServiceDocument = z.infer<typeof ServiceDocument>;

export const PreviewKind = z.enum(['pdf', 'image', 'xml', 'text', 'none']);
export type PreviewKind = z.infer<typeof PreviewKind>;

export const DocumentDetail = z.object({
  document: DocumentRow,
  mediaType: z.string(),
  preview: z.object({
    kind: PreviewKind,
    /** Base64: travels the same way through Electron IPC and test bindings. Absent when too large. */
    contentBase64: z.string().optional(),
    tooLarge: z.boolean(),
  }),
  signatures: z.array(SignatureCheck),
  serviceDocuments: z.array(ServiceDocument),
  workflow: DocumentWorkflowView,
});
export type DocumentDetail = z.infer<typeof DocumentDetail>;

// ---- Outbox and signing ------------------------------------------------------------------

export const OutboxFile = z.object({
  name: z.string().min(1).max(255),
  contentBase64: z.string(),
});

export const OutboxAddArgs = z.object({
  title: z.string().trim().min(1).max(500),
  counterpartyId: id,
  files: z.array(OutboxFile).min(1).max(100),
  /** Ask the recipient to sign the document too (docs/architecture.md §5a). */
  signatureRequested: z.boolean().optional(),
});
export type OutboxAddArgs = z.infer<typeof OutboxAddArgs>;

/** What became of the files handed to the outbox: each is signed and queued, or none is. */
export const OutboxAddResult = z.object({
  queued: z.array(LocalId),
  /** Why nothing was queued: the token or its PIN is needed, or the signer's МЧД does not let them sign. */
  failed: z
    .object({
      reason: z.enum([...ClerkNeededReason.options, ...PowerOfAttorneyRefusal.options]),
      message: z.string().optional(),
    })
    .optional(),
});
export type OutboxAddResult = z.infer<typeof OutboxAddResult>;

/** Why a service document the clerk chose was not signed: it waits (and why), or is not waiting at all. */
export const SignFailure = z.enum([...PendingReason.options, 'not-pending']);
export type SignFailure = z.infer<typeof SignFailure>;

export const SignOutcome = z.object({
  signed: z.array(LocalId),
  failed: z.array(z.object({ id: LocalId, reason: SignFailure, message: z.string().optional() })),
});
export type SignOutcome = z.infer<typeof SignOutcome>;

export const PendingItem = z.object({
  id: LocalId,
  documentId: LocalId,
  documentTitle: z.string(),
  counterparty: z.string(),
  type: HubServiceDocumentType,
  reason: PendingReason,
  /** The reason in the core's words (a hub's refusal, a file that could not be made). */
  message: z.string().optional(),
  since: isoDateTime,
});
export type PendingItem = z.infer<typeof PendingItem>;

export const PendingSignArgs = z.union([
  z.object({ ids: z.array(LocalId).min(1) }),
  z.object({ all: z.literal(true) }),
]);
export type PendingSignArgs = z.infer<typeof PendingSignArgs>;

// ---- Contacts ----------------------------------------------------------------------------

export const Contact = z.object({
  id,
  subscriber: Subscriber,
  state: ContactState,
  /** When the relation last changed, as the hub said. */
  since: isoDateTime,
});
export type Contact = z.infer<typeof Contact>;

// ---- Exchange sessions -------------------------------------------------------------------

export const SessionProgress = z.object({
  step: SessionStep,
  done: z.number().int().nonnegative(),
  total: z.number().int().nonnegative().nullable(),
  /** The whole session, 0..100. */
  percent: z.number().min(0).max(100),
});
export type SessionProgress = z.infer<typeof SessionProgress>;

export const SessionSummary = z.object({
  /** The store's run; null for a run the operating mode refused before it started. */
  id: LocalId.nullable(),
  trigger: SessionTrigger,
  startedAt: isoDateTime,
  finishedAt: isoDateTime.nullable(),
  outcome: SessionOutcome,
  received: z.number().int().nonnegative(),
  sent: z.number().int().nonnegative(),
  signed: z.number().int().nonnegative(),
  /** Service documents still waiting for a signature after the session. */
  pending: z.number().int().nonnegative(),
  /** Why the session needs the clerk. */
  clerkNeeded: ClerkNeededReason.nullable(),
  /** Why the session needs the clerk or failed, as the core said it. */
  error: z.string().optional(),
});
export type SessionSummary = z.infer<typeof SessionSummary>;

export const SessionLogEntry = z.object({
  at: isoDateTime,
  level: LogLevel,
  step: SessionStep,
  message: z.string(),
});
export type SessionLogEntry = z.infer<typeof SessionLogEntry>;

export const SessionRun = SessionSummary.extend({ entries: z.array(SessionLogEntry) });
export type SessionRun = z.infer<typeof SessionRun>;

export const SessionState = z.object({
  running: z.boolean(),
  paused: z.boolean(),
  mode: OperatingMode,
  progress: SessionProgress.nullable(),
  last: SessionSummary.nullable(),
  nextRunAt: isoDateTime.nullable(),
});
export type SessionState = z.infer<typeof SessionState>;

export const SessionStart = z.object({
  started: z.boolean(),
  /** queued: the clerk's request runs right after the session that is running now. */
  reason: z.enum(['alreadyRunning', 'queued']).optional(),
});
export type SessionStart = z.infer<typeof SessionStart>;

// ---- Settings ----------------------------------------------------------------------------

// The languages are the project's one pair (src/protocol/language.ts), the CLIs' too.
export { Language };

export const SecretName = z.enum(['servicePassword', 'tokenPin', 'pfxPassword']);
export type SecretName = z.infer<typeof SecretName>;

export const Settings = z.object({
  serverUrl: z.string(),
  /** The organization's setting, mirrored from the exchange service: shown, never edited here. */
  mode: OperatingMode,
  /** 0: no scheduled sessions. */
  scheduleMinutes: z.number().int().min(0).max(1440),
  modulePaths: z.array(z.string()),
  language: Language,
  startAtLogin: z.boolean(),
  login: z.string(),
  /**
   * The profile's signatureChecks as they are (docs/architecture.md §7): a TSA for our own
   * signatures (absent: the hub's), a folder of CRLs and an OCSP proxy for closed networks, and
   * offline mode (only the evidence a signature carries and the CRL folder).
   */
  signatureChecks: z.object({
    tsaUrl: z.string().optional(),
    crlFolder: z.string().optional(),
    ocspProxy: z.string().optional(),
    offline: z.boolean(),
  }),
  /** Which secrets the OS keychain holds (never their values). */
  secrets: z.record(SecretName, z.boolean()),
});
export type Settings = z.infer<typeof Settings>;

/** The only hosts a server URL may reach over plain http: this machine (the local sandbox's hub). */
const loopbackHosts: ReadonlySet<string> = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** https, or http to this machine: the service password never travels in clear over a network. */
export function isSecureServerUrl(url: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  return parsed.protocol === 'https:' || (parsed.protocol === 'http:' && loopbackHosts.has(parsed.hostname));
}

/**
 * /… or C:\…: main's working directory is not the clerk's, so a relative path names nothing
 * known; a //server share would have main read (a token module: load) whatever lies there.
 */
export function isAbsoluteLocalPath(path: string): boolean {
  return (path.startsWith('/') && !path.startsWith('//')) || /^[A-Za-z]:[\\/]/.test(path);
}

/** An RFC 3161 service or an OCSP responder: plain http is their usual form, their answers being signed. */
const serviceUrl = z.url({ protocol: /^https?$/ });

/** The Settings view's signatureChecks, written over the profile's as a whole (a field left out: not set). */
export const SignatureChecksPatch = z
  .object({
    tsaUrl: serviceUrl.optional(),
    crlFolder: z.string().max(1000).refine(isAbsoluteLocalPath, 'The CRL folder must be an absolute path').optional(),
    ocspProxy: serviceUrl.optional(),
    offline: z.boolean(),
  })
  .strict();
export type SignatureChecksPatch = z.infer<typeof SignatureChecksPatch>;

export const SettingsPatch = z
  .object({
    serverUrl: z.union([
      z.literal(''),
      z
        .url({ protocol: /^https?$/ })
        .refine(
          isSecureServerUrl,
          'The server URL must use https (plain http only to this machine: 127.0.0.1, localhost, [::1])',
        ),
    ]),
    scheduleMinutes: z.number().int().min(0).max(1440),
    /** Each path is loaded as a native library by main: main also asks the clerk about unusual ones. */
    modulePaths: z
      .array(z.string().trim().min(1).refine(isAbsoluteLocalPath, 'A token module path must be absolute'))
      .max(20),
    language: Language,
    startAtLogin: z.boolean(),
    login: z.string().max(200),
    signatureChecks: SignatureChecksPatch,
  })
  .partial()
  .strict();
export type SettingsPatch = z.infer<typeof SettingsPatch>;

// ---- The channels ------------------------------------------------------------------------

const none = z.void();
const ok = z.object({ ok: z.literal(true) });

/** invoke(channel, args) → result; one entry per channel, nothing else is answered. */
export const invokeContract = {
  'app:info': { args: none, result: AppInfo },
  'app:openExternal': { args: z.object({ url: z.string().max(2000) }), result: z.object({ opened: z.boolean() }) },
  'token:status': { args: none, result: TokenStatus },
  'token:login': { args: TokenLoginArgs, result: TokenLoginResult },
  'token:cancel': { args: none, result: TokenStatus },
  'documents:list': { args: DocumentQuery, result: DocumentPage },
  'documents:open': { args: z.object({ id: LocalId }), result: DocumentDetail },
  'outbox:add': { args: OutboxAddArgs, result: OutboxAddResult },
  'outbox:send': { args: none, result: SessionStart },
  'pending:list': { args: none, result: z.array(PendingItem) },
  'pending:sign': { args: PendingSignArgs, result: SignOutcome },
  'contacts:list': { args: none, result: z.array(Contact) },
  'contacts:invite': { args: z.object({ subscriberId: id }), result: Contact },
  'contacts:accept': { args: z.object({ contactId: id }), result: Contact },
  'contacts:reject': { args: z.object({ contactId: id }), result: Contact },
  'subscribers:search': { args: z.object({ query: z.string().trim().min(1).max(200) }), result: z.array(Subscriber) },
  'session:state': { args: none, result: SessionState },
  'session:run': { args: none, result: SessionStart },
  'session:pause': { args: z.object({ paused: z.boolean() }), result: SessionState },
  'session:log': { args: z.object({ limit: z.number().int().min(1).max(200) }), result: z.array(SessionRun) },
  'settings:get': { args: none, result: Settings },
  'settings:set': { args: SettingsPatch, result: Settings },
  'secrets:set': { args: z.object({ name: SecretName, value: z.string().min(1).max(4096) }), result: ok },
  /** First start without a server: the local sandbox (a hub and a demo counterparty on this machine); the settings it made. */
  'sandbox:start': { args: none, result: Settings },
  ...archiveInvokeContract,
  ...evidenceInvokeContract,
  ...powerOfAttorneyInvokeContract,
  ...workflowInvokeContract,
} as const satisfies Record<InvokeChannel, { args: z.ZodType; result: z.ZodType }>;

/** Events main pushes to the renderer with on(event, callback): their payloads. */
export const eventContract = {
  'token:changed': TokenStatus,
  'session:changed': SessionState,
  'session:progress': SessionProgress,
  'documents:changed': z.object({ direction: Direction }),
  'pending:changed': z.object({ count: z.number().int().nonnegative() }),
  /** Documents and annulment proposals waiting for the clerk's own signature or answer. */
  'awaiting:changed': z.object({ count: z.number().int().nonnegative() }),
  'contacts:changed': z.object({}),
  'settings:changed': Settings,
  'app:navigate': z.object({ view: View }),
} as const satisfies Record<EventName, z.ZodType>;

export type InvokeArgs<C extends InvokeChannel> = z.input<(typeof invokeContract)[C]['args']>;
export type InvokeResult<C extends InvokeChannel> = z.output<(typeof invokeContract)[C]['result']>;
export type EventPayload<E extends EventName> = z.output<(typeof eventContract)[E]>;

/** What the preload exposes as window.clerk; the renderer's only door to the world. */
export interface ClerkBridge {
  invoke<C extends InvokeChannel>(channel: C, args: InvokeArgs<C>): Promise<InvokeResult<C>>;
  /** Subscribes to an event from main; returns the unsubscribe function. */
  on<E extends EventName>(event: E, callback: (payload: EventPayload<E>) => void): () => void;
}
