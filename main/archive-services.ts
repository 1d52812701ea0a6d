// Runs in: the Electron main process (and, in end-to-end tests, the Playwright process). The
// Archive and Organization settings views over the hub's routes with the profile's login: the
// archive is audited here, on the clerk's computer, with the same building blocks as
// `edo-clerk archive` (src/archive/profile-archive.ts), so the memory of tree heads and entries
// seen is shared by the app and the CLI of one profile.
import { ArchiveVerificationError } from '../src/archive/errors';
import type { ArchivedEntry } from '../src/archive/entry';
import { HttpArchiveSource } from '../src/exchange/archive-client';
import { HubError, type HttpExchangeClient } from '../src/exchange/http-client';
import { HttpOrganizationClient } from '../src/exchange/organization-client';
import {
  archivePaths,
  archiveStatusOf,
  pinnedOperatorCertificate,
  ReceiptFile,
  saveOriginal,
  verifyArchive,
} from '../src/archive/profile-archive';
import type {
  ArchiveEntryRow,
  ArchiveOverview,
  ArchiveVerification,
  EntryVerification,
  JournalRow,
  OrganizationAccessArgs,
  OrganizationJournal,
  OrganizationPatch,
  OrganizationState,
} from '../src/ipc/contract';

export interface ArchiveService {
  /** Usage against the quota, what did not fit, and whether the hub's tree extends the one seen before. */
  status(): Promise<ArchiveOverview>;
  /** The organization's entries, with what the last audit on this computer said of each. */
  list(): Promise<ArchiveEntryRow[]>;
  /** Audits the archive now: every entry's inclusion proof against the operator-signed tree head. */
  verify(): Promise<ArchiveVerification>;
  /** Writes the original (hash-checked) and its signatures into `dir`, a folder the clerk picked. */
  download(index: number, dir: string): Promise<{ file: string; signatures: string[] }>;
}

export interface OrganizationService {
  /** The settings for a user with change-organization-settings; the hub's refusal (journaled there) for others. */
  get(): Promise<OrganizationState>;
  patch(patch: OrganizationPatch): Promise<OrganizationState>;
  setAccess(args: OrganizationAccessArgs): Promise<OrganizationState>;
  journal(after: number, limit: number): Promise<OrganizationJournal>;
}

/** The profile logged in at the hub, and who it is. */
export interface HubLogin {
  /** Logged in as the profile; it logs in again by itself when the hub no longer takes its token. */
  client: HttpExchangeClient;
  userId: string;
  userName: string;
}

type Verdict = Pick<ArchiveEntryRow, 'verification' | 'problem' | 'message'>;

function rowOf(entry: ArchivedEntry, verdict: Verdict): ArchiveEntryRow {
  return {
    index: entry.index,
    kind: entry.kind,
    fileName: entry.fileName,
    documentId: entry.documentId,
    size: entry.size,
    archivedAt: entry.archivedAt,
    signatures: entry.signatures.length,
    ...verdict,
  };
}

const isRefusal = (e: unknown): e is HubError => e instanceof HubError && (e.status === 403 || e.code === 'forbidden');

const jsonText = (value: unknown): string | null =>
  value === undefined || value === null ? null : JSON.stringify(value);

export function createArchiveServices(
  profileDir: string,
  login: () => Promise<HubLogin>,
): { archive: ArchiveService; organization: OrganizationService } {
  let current: Promise<HubLogin> | undefined;
  /** One login for every call (the client renews it on 401); a failed login is tried again next time. */
  const withHub = async <T>(call: (hub: HubLogin) => Promise<T>): Promise<T> => {
    current ??= login().catch((e: unknown) => {
      current = undefined;
      throw e;
    });
    return call(await current);
  };
  const source = (hub: HubLogin) => new HttpArchiveSource(hub.client);
  const operatorCertificate = (hub: HubLogin) =>
    pinnedOperatorCertificate(profileDir, async () => Buffer.from((await hub.client.operator()).certificate, 'base64'));

  /** What the last audit in this process said; entries verified in earlier runs are in the receipts file. */
  const verdicts = new Map<number, Verdict>();
  const verdictOf = (entry: ArchivedEntry, receipts: Map<number, string>): Verdict =>
    verdicts.get(entry.index) ?? {
      verification: (receipts.get(entry.index) === entry.leafHash
        ? 'verified'
        : 'unchecked') satisfies EntryVerification,
    };

  const listRows = async (hub: HubLogin): Promise<ArchiveEntryRow[]> => {
    const receipts = new ReceiptFile(archivePaths(profileDir).receipts).load();
    const rows: ArchiveEntryRow[] = [];
    for await (const entry of source(hub).allEntries()) rows.push(rowOf(entry, verdictOf(entry, receipts)));
    return rows;
  };

  const archive: ArchiveService = {
    status: () =>
      withHub(async (hub) => {
        const s = await archiveStatusOf(source(hub), profileDir, await operatorCertificate(hub));
        return {
          usedBytes: s.usage.usedBytes,
          quotaBytes: s.usage.quotaBytes,
          notArchived: s.notArchived.map((n) => ({
            fileName: n.fileName,
            size: n.size,
            refusedAt: n.refusedAt,
            reason: n.reason,
          })),
          lastTreeHead: s.lastTreeHead
            ? { treeSize: s.lastTreeHead.treeSize, signedAt: s.lastTreeHead.signedAt }
            : null,
          consistency: s.consistency,
        };
      }),
    list: () => withHub(listRows),
    verify: () =>
      withHub(async (hub) => {
        let outcome;
        try {
          outcome = await verifyArchive(source(hub), profileDir, await operatorCertificate(hub));
        } catch (e) {
          // The tree itself was rewritten or truncated: no entry can be vouched for against it.
          if (!(e instanceof ArchiveVerificationError)) throw e;
          verdicts.clear();
          const tree = { ok: false, problem: e.problem, message: e.message };
          return {
            treeSize: 0,
            tree,
            entries: (await listRows(hub)).map((r) => ({
              ...r,
              verification: 'failed' as const,
              problem: e.problem,
              message: e.message,
            })),
          };
        }
        const listed = new Map<number, ArchivedEntry>();
        for await (const entry of source(hub).allEntries()) listed.set(entry.index, entry);
        const entries = outcome.report.entries.map((v): ArchiveEntryRow => {
          const verdict: Verdict = v.verified
            ? { verification: 'verified' }
            : { verification: 'failed', problem: v.problem, message: v.message };
          verdicts.set(v.index, verdict);
          const entry = v.verified ? v.entry : listed.get(v.index);
          return entry
            ? rowOf(entry, verdict)
            : { index: v.index, kind: 'missing', fileName: '', size: 0, archivedAt: null, signatures: 0, ...verdict };
        });
        return { treeSize: outcome.report.head.treeSize, tree: { ok: true }, entries };
      }),
    download: (index, dir) =>
      withHub(async (hub) => {
        const entry = await source(hub).entry(index);
        if (!entry) throw new Error(`The organization has no archive entry ${index}`);
        return saveOriginal(source(hub), entry, dir);
      }),
  };

  const stateOf = async (hub: HubLogin, client: HttpOrganizationClient): Promise<OrganizationState> => {
    try {
      // The settings first: a user without the right is refused (and journaled) once, not once per table.
      const settings = await client.settings();
      const [access, systems] = await Promise.all([client.access(), client.informationSystems()]);
      return {
        allowed: true,
        me: hub.userId,
        meName: hub.userName,
        settings: {
          plan: settings.plan,
          operatingMode: settings.operatingMode,
          archiving: settings.archiving,
          webhooks: settings.webhooks,
          updatedAt: settings.updatedAt,
          access: access.users,
          informationSystems: systems.informationSystems.map((s) => ({
            id: s.id,
            name: s.name,
            subject: s.certificate.commonName ?? s.certificate.subject,
            validTo: s.certificate.notAfter,
            origin: s.origin,
            addedAt: s.addedAt,
            revoked: s.revokedAt !== undefined,
          })),
        },
      };
    } catch (e) {
      if (isRefusal(e)) return { allowed: false, message: e.message };
      throw e;
    }
  };
  /** A change, then the settings as they are now; a refusal (journaled by the hub) is answered, not thrown. */
  const change = (act: (client: HttpOrganizationClient) => Promise<unknown>) =>
    withHub(async (hub) => {
      const client = new HttpOrganizationClient(hub.client);
      try {
        await act(client);
      } catch (e) {
        if (isRefusal(e)) return { allowed: false as const, message: e.message };
        throw e;
      }
      return stateOf(hub, client);
    });

  const organization: OrganizationService = {
    get: () => change(async () => undefined),
    patch: (patch) => change((client) => client.updateSettings(patch)),
    setAccess: ({ users }) => change((client) => client.setAccess({ users })),
    journal: (after, limit) =>
      withHub(async (hub) => {
        const page = await new HttpOrganizationClient(hub.client).journal(after, limit);
        return {
          next: page.next,
          hasMore: page.hasMore,
          entries: page.entries.map((e): JournalRow => ({
            seq: e.seq,
            at: e.at,
            actor: e.actor,
            action: e.action,
            ...(e.target !== undefined ? { target: e.target } : {}),
            oldValue: jsonText(e.oldValue),
            newValue: jsonText(e.newValue),
            outcome: e.outcome,
            ...(e.reason !== undefined ? { reason: e.reason } : {}),
          })),
        };
      }),
  };

  return { archive, organization };
}
