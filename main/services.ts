// Runs in: the Electron main process (and, in end-to-end tests, the Playwright process).
// The narrow face of the core (src/) that main's handlers need. Main is a thin shell: it only
// validates, routes and schedules; everything the clerk's work means lives behind this.
import type {
  Contact,
  DocumentDetail,
  DocumentPage,
  DocumentQuery,
  OperatingMode,
  OutboxAddArgs,
  OutboxAddResult,
  PendingItem,
  PendingSignArgs,
  SecretName,
  SessionProgress,
  SessionRun,
  SessionSummary,
  SessionTrigger,
  Settings,
  SettingsPatch,
  SignOutcome,
  Subscriber,
  TokenLoginResult,
  TokenStatus,
} from '../src/ipc/contract';
import type { SessionReport } from '../src/workplace/sessions';
export type { SessionReport };
import type { ArchiveService, OrganizationService } from './archive-services';
import type { Awaiting, EvidenceKind, WorkflowStepArgs, WorkflowStepOutcome } from '../src/ipc/contract';
import type { PowerOfAttorneyIssueArgs } from '../src/ipc/contract';
import type { IssuedAtHub } from '../src/workplace/power-of-attorney';

export interface TokenService {
  status(): Promise<TokenStatus>;
  /** One login attempt; never repeated on its own after the token refused it. */
  login(pin: string): Promise<TokenLoginResult>;
  /** The clerk's Cancel: stays in force until the clerk logs in on purpose. */
  cancel(): Promise<TokenStatus>;
  /** Insertions, removals, logins; returns the unsubscribe function. */
  onChange(listener: (status: TokenStatus) => void): () => void;
}

export interface DocumentService {
  list(query: DocumentQuery): Promise<DocumentPage>;
  /** The document, a preview of its content and its signatures checked now. */
  open(id: number): Promise<DocumentDetail>;
}

export interface OutboxService {
  /** Signs each file with the day's token and queues it; a failure queues nothing. */
  add(args: OutboxAddArgs): Promise<OutboxAddResult>;
}

export interface PendingService {
  list(): Promise<PendingItem[]>;
  /**
   * Signs them. The core signs service documents only inside an exchange session, which
   * `session` runs: main passes the scheduler's run for the clerk, so it never overlaps another
   * session and the tray and progress show it. Services that sign without a session ignore it.
   */
  sign(
    which: PendingSignArgs,
    session?: (signOnly?: number[]) => Promise<SessionReport | undefined>,
  ): Promise<SignOutcome>;
}

export interface ContactService {
  list(): Promise<Contact[]>;
  invite(subscriberId: string): Promise<Contact>;
  accept(contactId: string): Promise<Contact>;
  reject(contactId: string): Promise<Contact>;
  searchSubscribers(query: string): Promise<Subscriber[]>;
}

export interface SessionService {
  /** Runs one exchange session; the core itself refuses a second one per profile. `signOnly`: sign exactly these pending service documents (the clerk's selection), no others. */
  run(
    trigger: SessionTrigger,
    onProgress: (progress: SessionProgress) => void,
    signOnly?: number[],
  ): Promise<SessionReport>;
  log(limit: number): Promise<SessionRun[]>;
  last(): Promise<SessionSummary | null>;
}

export interface SettingsService {
  get(): Promise<Settings>;
  set(patch: SettingsPatch): Promise<Settings>;
  /** The organization's operating mode (docs/architecture.md §1), as last mirrored from the service. */
  mode(): Promise<OperatingMode>;
  /** Stores a secret in the OS keychain only. */
  setSecret(name: SecretName, value: string): Promise<void>;
}

export interface ClerkServices {
  token: TokenService;
  documents: DocumentService;
  outbox: OutboxService;
  pending: PendingService;
  contacts: ContactService;
  sessions: SessionService;
  settings: SettingsService;
  /** The organization's signed-data archive at the hub, verified here (docs/architecture.md §11). */
  archive: ArchiveService;
  /** The organization's settings and their journal, for users with change-organization-settings. */
  organization: OrganizationService;
  /** The document's own workflow: the clerk's steps and what awaits them (docs/architecture.md §5a). */
  workflow: WorkflowService;
  /** The card and the evidence package of a document (docs/architecture.md §7); absent where the services have no hub (the UI double). */
  evidence?: EvidenceService;
  /** The director's МЧД for an employee, issued from the Organization view (docs/architecture.md §7). */
  powersOfAttorney: PowerOfAttorneyService;
}

export interface PowerOfAttorneyService {
  /**
   * Signs it with the day's token (or the profile's key) as the director and registers it at the
   * hub; a refusal signs nothing.
   */
  issue(args: PowerOfAttorneyIssueArgs): Promise<IssuedAtHub>;
}

export interface EvidenceService {
  /** The PDF card or the ZIP package of `document` (its local number or hub id), written to `file`. */
  write(document: string, kind: EvidenceKind, file: string): Promise<void>;
  /** The file name the save dialog proposes. */
  suggestedName(document: string, kind: EvidenceKind): string;
}

export interface WorkflowService {
  /** Signs the step with the day's token (or the profile's key) and stores it for the next session; a token problem signs nothing. */
  step(args: WorkflowStepArgs): Promise<WorkflowStepOutcome>;
  awaiting(): Promise<Awaiting>;
}
