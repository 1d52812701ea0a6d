// The contract of the Archive and Organization settings views (docs/architecture.md §11): what
// main answers about the organization's signed-data archive at the hub and its settings.
// Runs in: main (validation) and renderer (types only).
import { z } from 'zod';
import { BrowserDownload } from './download-contract';

const isoDateTime = z.iso.datetime({ offset: true });
const count = z.number().int().nonnegative();

// ---- Archive -----------------------------------------------------------------------------

/** What the client's audit says of one entry: proven in the operator-signed tree, failed, or not checked yet. */
export const EntryVerification = z.enum(['verified', 'failed', 'unchecked']);
export type EntryVerification = z.infer<typeof EntryVerification>;

export const ArchiveEntryRow = z.object({
  index: count,
  /** document | receipt-notice | clarification-request | ... as the hub archived it. */
  kind: z.string(),
  fileName: z.string(),
  /** The hub's id of the archived document (its card and evidence package are made from it). */
  documentId: z.string().optional(),
  size: count,
  /** null for an entry seen before that the hub no longer lists. */
  archivedAt: isoDateTime.nullable(),
  signatures: count,
  verification: EntryVerification,
  /** What broke, in the core's words, when verification failed. */
  problem: z.string().optional(),
  message: z.string().optional(),
});
export type ArchiveEntryRow = z.infer<typeof ArchiveEntryRow>;

export const TreeCheck = z.object({
  ok: z.boolean(),
  problem: z.string().optional(),
  message: z.string().optional(),
});
export type TreeCheck = z.infer<typeof TreeCheck>;

export const ArchiveOverview = z.object({
  usedBytes: count,
  quotaBytes: z.number().int().min(1),
  /** Signed documents that did not fit the quota: listed, never silently dropped. */
  notArchived: z.array(z.object({ fileName: z.string(), size: count, refusedAt: isoDateTime, reason: z.string() })),
  /** The last operator-signed tree head this computer accepted. */
  lastTreeHead: z.object({ treeSize: count, signedAt: isoDateTime }).nullable(),
  /** Whether the hub's current tree extends every tree head seen before. */
  consistency: TreeCheck,
});
export type ArchiveOverview = z.infer<typeof ArchiveOverview>;

export const ArchiveVerification = z.object({
  /** The size of the signed tree the entries were checked against (0 when the tree itself failed). */
  treeSize: count,
  tree: TreeCheck,
  entries: z.array(ArchiveEntryRow),
});
export type ArchiveVerification = z.infer<typeof ArchiveVerification>;

export const ArchiveDownload = z.object({
  /** false: the clerk closed the folder dialog (or `unavailable`); nothing was written. */
  saved: z.boolean(),
  /** Where the original and its signatures went in the folder main's dialog chose (the desktop). */
  file: z.string().optional(),
  signatures: z.array(z.string()),
  /** The original, then each signature, for the browser to fetch and save (the web client). */
  downloads: z.array(BrowserDownload).optional(),
  /** This build can neither ask for a folder nor hand downloads. */
  unavailable: z.literal(true).optional(),
});
export type ArchiveDownload = z.infer<typeof ArchiveDownload>;

// ---- Organization settings ---------------------------------------------------------------

export const Plan = z.enum(['basic', 'standard', 'premium']);
export type Plan = z.infer<typeof Plan>;

export const OrgPermission = z.enum([
  'read-restricted',
  'list-restricted',
  'change-document-settings',
  'change-organization-settings',
]);
export type OrgPermission = z.infer<typeof OrgPermission>;

const OrgMode = z.enum(['server', 'workstation', 'manual']);

export const UserAccessRow = z.object({ userId: z.string().min(1).max(200), permissions: z.array(OrgPermission) });
export type UserAccessRow = z.infer<typeof UserAccessRow>;

export const OrganizationSettingsView = z.object({
  plan: Plan,
  operatingMode: OrgMode,
  archiving: z.object({
    enabled: z.boolean(),
    notifyEmail: z.string().nullable(),
    perUser: z.record(z.string(), z.boolean()),
  }),
  webhooks: z.array(z.object({ id: z.string(), url: z.string(), createdAt: isoDateTime })),
  updatedAt: isoDateTime.nullable(),
  access: z.array(UserAccessRow),
  informationSystems: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      subject: z.string(),
      validTo: isoDateTime,
      origin: z.enum(['added', 'generated']),
      addedAt: isoDateTime,
      revoked: z.boolean(),
    }),
  ),
});
export type OrganizationSettingsView = z.infer<typeof OrganizationSettingsView>;

/** Only a user with change-organization-settings sees the settings; for others, the hub's refusal. */
export const OrganizationState = z.discriminatedUnion('allowed', [
  z.object({
    allowed: z.literal(true),
    /** The logged-in user's id and name (other users are known by id only). */ me: z.string(),
    meName: z.string(),
    settings: OrganizationSettingsView,
  }),
  z.object({ allowed: z.literal(false), message: z.string() }),
]);
export type OrganizationState = z.infer<typeof OrganizationState>;

export const OrganizationPatch = z
  .object({
    plan: Plan.optional(),
    operatingMode: OrgMode.optional(),
    archiving: z
      .object({
        enabled: z.boolean().optional(),
        notifyEmail: z.email('an e-mail address').max(254).nullable().optional(),
      })
      .strict()
      .optional(),
  })
  .strict()
  .refine((p) => Object.keys(p).length > 0, 'name at least one setting to change');
export type OrganizationPatch = z.infer<typeof OrganizationPatch>;

export const OrganizationAccessArgs = z.object({
  users: z
    .array(UserAccessRow)
    .max(1000)
    .refine((users) => new Set(users.map((u) => u.userId)).size === users.length, 'each user at most once'),
});
export type OrganizationAccessArgs = z.infer<typeof OrganizationAccessArgs>;

export const JournalRow = z.object({
  seq: z.number().int().min(1),
  at: isoDateTime,
  actor: z.string(),
  action: z.string(),
  target: z.string().optional(),
  /** JSON text of the value before and after; null when there was none. */
  oldValue: z.string().nullable(),
  newValue: z.string().nullable(),
  outcome: z.enum(['applied', 'refused']),
  reason: z.string().optional(),
});
export type JournalRow = z.infer<typeof JournalRow>;

export const JournalArgs = z.object({ after: z.number().int().nonnegative(), limit: z.number().int().min(1).max(500) });
export const OrganizationJournal = z.object({
  entries: z.array(JournalRow),
  next: z.number().int(),
  hasMore: z.boolean(),
});
export type OrganizationJournal = z.infer<typeof OrganizationJournal>;

/** The channels of these views, merged into invokeContract. */
export const archiveInvokeContract = {
  'archive:status': { args: z.void(), result: ArchiveOverview },
  'archive:list': { args: z.void(), result: z.array(ArchiveEntryRow) },
  'archive:verify': { args: z.void(), result: ArchiveVerification },
  /** The folder is the one the clerk picks in main's dialog, never a path from the renderer. */
  'archive:download': { args: z.object({ index: count }).strict(), result: ArchiveDownload },
  'organization:get': { args: z.void(), result: OrganizationState },
  'organization:patch': { args: OrganizationPatch, result: OrganizationState },
  'organization:setAccess': { args: OrganizationAccessArgs, result: OrganizationState },
  'organization:journal': { args: JournalArgs, result: OrganizationJournal },
} as const;
