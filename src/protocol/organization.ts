// Organization settings and the signed-data archive as the organization reaches them
// (docs/architecture.md §11): plan, operating mode, archiving switches, access control,
// information-system certificates, webhooks, the settings journal; archive usage, signed tree
// heads, proofs, the organization's own entries and their original bytes.
import { z } from 'zod';
import { archivedEntrySchema } from '../archive/entry';
import { signedTreeHeadJsonSchema } from '../archive/tree-head';
import { consistencyProofJsonSchema, inclusionProofJsonSchema } from '../archive/verify';
import { CertificateSummary, Cursor, Id, PageLimit, Sha256, Timestamp } from './common';
import { OperatingMode } from './directory';
import { RequiredPowers } from './powers-of-attorney';
import type { RouteSpec } from './routes';

// ---- settings

/** The subscription plan (тариф) the organization is on. */
export const SubscriptionPlan = z.enum(['basic', 'standard', 'premium']);
export type SubscriptionPlan = z.infer<typeof SubscriptionPlan>;

export const Email = z.email('an e-mail address').max(254);

export const ArchivingSettings = z.object({
  /** Everything the organization's employees sign is archived. */
  enabled: z.boolean(),
  /** Where archive notices go (switched on/off, 80% and 100% of the quota); null: nowhere. */
  notifyEmail: Email.nullable(),
  /** Per user: everything this user signs as a person is archived (on top of `enabled`). */
  perUser: z.record(Id, z.boolean()),
});
export type ArchivingSettings = z.infer<typeof ArchivingSettings>;

/** A registered webhook as listed: its secret was shown once, at registration. */
export const Webhook = z.object({
  id: Id,
  url: z.url(),
  createdAt: Timestamp,
});
export type Webhook = z.infer<typeof Webhook>;

export const OrganizationSettings = z.object({
  orgId: Id,
  plan: SubscriptionPlan,
  operatingMode: OperatingMode,
  archiving: ArchivingSettings,
  webhooks: z.array(Webhook),
  /** Which power codes of an МЧД grant sending documents and signing service documents. */
  requiredPowers: RequiredPowers,
  /** When a setting last changed; null while the organization has the defaults. */
  updatedAt: Timestamp.nullable(),
});
export type OrganizationSettings = z.infer<typeof OrganizationSettings>;

/**
 * PATCH /v1/organization/settings: only the fields given change. Webhooks are added and removed
 * through their own routes, because each new URL gets a secret that is shown once.
 */
export const SettingsPatch = z
  .object({
    plan: SubscriptionPlan.optional(),
    operatingMode: OperatingMode.optional(),
    archiving: z
      .object({
        enabled: z.boolean().optional(),
        notifyEmail: Email.nullable().optional(),
        /** Sets the users named; users not named keep their switch. */
        perUser: z.record(Id, z.boolean()).optional(),
      })
      .strict()
      .optional(),
    /** Replaces the codes of the actions named. */
    requiredPowers: RequiredPowers.partial().strict().optional(),
  })
  .strict()
  .refine((p) => Object.keys(p).length > 0, 'name at least one setting to change');
export type SettingsPatch = z.input<typeof SettingsPatch>;

// ---- access control

/**
 * read-restricted: open documents marked restricted; list-restricted: see them in lists;
 * change-document-settings: change how documents are handled; change-organization-settings:
 * everything under /v1/organization (reading it included).
 */
export const Permission = z.enum([
  'read-restricted',
  'list-restricted',
  'change-document-settings',
  'change-organization-settings',
]);
export type Permission = z.infer<typeof Permission>;

export const UserAccess = z.object({
  userId: Id,
  permissions: z.array(Permission),
});
export type UserAccess = z.infer<typeof UserAccess>;

/** GET answer and PUT body: the whole table; a user not listed has no permission. */
export const AccessTable = z.object({
  users: z
    .array(UserAccess)
    .refine((users) => new Set(users.map((u) => u.userId)).size === users.length, 'each user at most once'),
});
export type AccessTable = z.infer<typeof AccessTable>;

// ---- information systems

export const InformationSystem = z.object({
  id: Id,
  name: z.string(),
  certificate: CertificateSummary,
  /** added: the organization brought the certificate; generated: the hub made key and certificate. */
  origin: z.enum(['added', 'generated']),
  addedAt: Timestamp,
  addedBy: Id,
  /** A revoked certificate no longer logs in. */
  revokedAt: Timestamp.optional(),
});
export type InformationSystem = z.infer<typeof InformationSystem>;

export const InformationSystemsList = z.object({ informationSystems: z.array(InformationSystem) });
export type InformationSystemsList = z.infer<typeof InformationSystemsList>;

const InformationSystemName = z.string().trim().min(1).max(200);

export const AddInformationSystemRequest = z.object({
  name: InformationSystemName,
  /** The system's X.509 certificate, PEM. */
  certificatePem: z
    .string()
    .min(1)
    .max(64 * 1024)
    .includes('-----BEGIN CERTIFICATE-----', { message: 'a PEM certificate (-----BEGIN CERTIFICATE-----)' }),
});
export type AddInformationSystemRequest = z.infer<typeof AddInformationSystemRequest>;

export const GenerateInformationSystemRequest = z.object({ name: InformationSystemName });
export type GenerateInformationSystemRequest = z.infer<typeof GenerateInformationSystemRequest>;

/** The private key is in this answer only: the hub keeps no copy. */
export const GeneratedInformationSystem = z.object({
  informationSystem: InformationSystem,
  /** PKCS#8, PEM. */
  privateKeyPem: z.string().startsWith('-----BEGIN PRIVATE KEY-----'),
  certificatePem: z.string().startsWith('-----BEGIN CERTIFICATE-----'),
  /** The operator certificate the system's certificate is issued by, PEM. */
  issuerCertificatePem: z.string().startsWith('-----BEGIN CERTIFICATE-----'),
});
export type GeneratedInformationSystem = z.infer<typeof GeneratedInformationSystem>;

export const InformationSystemParams = z.object({ informationSystemId: Id });

// ---- webhooks

export const AddWebhookRequest = z.object({
  url: z.url({ protocol: /^https?$/, error: 'an http(s) URL' }).max(2000),
});
export type AddWebhookRequest = z.infer<typeof AddWebhookRequest>;

/** The secret keys the HMAC-SHA256 in X-EDO-Signature; shown in this answer only. */
export const RegisteredWebhook = Webhook.extend({ secret: z.string().min(32) });
export type RegisteredWebhook = z.infer<typeof RegisteredWebhook>;

export const WebhookParams = z.object({ webhookId: Id });

// ---- journal

export const JournalEntry = z.object({
  /** Position in the organization's journal: 1, 2, 3, ... */
  seq: z.number().int().min(1),
  at: Timestamp,
  /** Who: the user, or "operator" for the hub's administration. */
  actor: z.string(),
  /** What: "plan", "operatingMode", "archiving.enabled", "access", "webhook.add", "settings.read", ... */
  action: z.string(),
  /** The user, webhook or information system the change is about, when there is one. */
  target: z.string().optional(),
  oldValue: z.unknown(),
  newValue: z.unknown(),
  outcome: z.enum(['applied', 'refused']),
  /** Why a refused attempt was refused. */
  reason: z.string().optional(),
});
export type JournalEntry = z.infer<typeof JournalEntry>;

export const JournalQuery = z.object({
  after: Cursor.default(0),
  limit: PageLimit.default(100),
});
export type JournalQuery = z.input<typeof JournalQuery>;

export const JournalPage = z.object({
  entries: z.array(JournalEntry),
  next: z.number().int(),
  hasMore: z.boolean(),
});
export type JournalPage = z.infer<typeof JournalPage>;

// ---- archive

export const ArchiveUsage = z.object({
  usedBytes: z.number().int().min(0),
  quotaBytes: z.number().int().min(1),
  /** "used 209.59 MB of 5 GB" */
  usage: z.string(),
});
export type ArchiveUsage = z.infer<typeof ArchiveUsage>;

export const SignedTreeHead = signedTreeHeadJsonSchema;
export const InclusionProof = inclusionProofJsonSchema;
export const ConsistencyProof = consistencyProofJsonSchema;
export const ArchivedEntry = archivedEntrySchema;
export type ArchivedEntry = z.infer<typeof ArchivedEntry>;

const EntryIndex = z.coerce.number().int().min(0);

export const InclusionProofQuery = z.object({ index: EntryIndex, treeSize: z.coerce.number().int().min(1) });
export const ConsistencyProofQuery = z.object({
  from: z.coerce.number().int().min(0),
  to: z.coerce.number().int().min(0),
});
export const ArchiveEntryParams = z.object({ index: EntryIndex });

export const ArchiveEntriesQuery = z.object({
  /** Entry index: entries with a greater index come next. Omit for the first page. */
  after: EntryIndex.optional(),
  limit: PageLimit.default(100),
});
export type ArchiveEntriesQuery = z.input<typeof ArchiveEntriesQuery>;

export const ArchiveEntriesPage = z.object({
  entries: z.array(ArchivedEntry),
  /** Pass as `after` for the next page; null after the last page. */
  next: z.number().int().nullable(),
});
export type ArchiveEntriesPage = z.infer<typeof ArchiveEntriesPage>;

/** A signed document that did not fit the quota: listed, never silently dropped. */
export const NotArchivedEntry = z.object({
  id: z.number().int(),
  userId: z.string(),
  documentId: z.string(),
  kind: z.string(),
  fileName: z.string(),
  blobSha256: Sha256,
  size: z.number().int().min(0),
  refusedAt: Timestamp,
  reason: z.string(),
});
export type NotArchivedEntry = z.infer<typeof NotArchivedEntry>;

export const NotArchivedQuery = z.object({
  after: Cursor.default(0),
  limit: PageLimit.default(100),
});

export const NotArchivedPage = z.object({
  entries: z.array(NotArchivedEntry),
  next: z.number().int().nullable(),
});
export type NotArchivedPage = z.infer<typeof NotArchivedPage>;

// ---- routes (part of the one route table in ./routes)

export const organizationRoutes = {
  getOrganizationSettings: {
    method: 'GET',
    path: '/v1/organization/settings',
    summary: "The organization's settings (needs change-organization-settings)",
    auth: true,
    responses: { 200: OrganizationSettings },
  },
  patchOrganizationSettings: {
    method: 'PATCH',
    path: '/v1/organization/settings',
    summary: 'Change plan, operating mode or archiving; every change is journaled old → new',
    auth: true,
    body: SettingsPatch,
    responses: { 200: OrganizationSettings },
  },
  getOrganizationAccess: {
    method: 'GET',
    path: '/v1/organization/access',
    summary: 'Who may read and list restricted documents, change document settings, change organization settings',
    auth: true,
    responses: { 200: AccessTable },
  },
  putOrganizationAccess: {
    method: 'PUT',
    path: '/v1/organization/access',
    summary: 'Replace the access table (someone must keep change-organization-settings)',
    auth: true,
    body: AccessTable,
    responses: { 200: AccessTable },
  },
  listInformationSystems: {
    method: 'GET',
    path: '/v1/organization/information-systems',
    summary: 'Information systems that log in as the organization with their certificates',
    auth: true,
    responses: { 200: InformationSystemsList },
  },
  addInformationSystem: {
    method: 'POST',
    path: '/v1/organization/information-systems',
    summary: "Register an information system's certificate",
    auth: true,
    body: AddInformationSystemRequest,
    responses: { 201: InformationSystem },
    repeatable: false,
  },
  generateInformationSystem: {
    method: 'POST',
    path: '/v1/organization/information-systems/generate',
    summary: 'Generate a key pair and a certificate issued by the operator; the private key is returned once',
    auth: true,
    body: GenerateInformationSystemRequest,
    responses: { 201: GeneratedInformationSystem },
    repeatable: false,
  },
  revokeInformationSystem: {
    method: 'DELETE',
    path: '/v1/organization/information-systems/:informationSystemId',
    summary: "Revoke an information system's certificate: it no longer logs in",
    auth: true,
    params: InformationSystemParams,
    responses: { 200: InformationSystem },
  },
  addWebhook: {
    method: 'POST',
    path: '/v1/organization/webhooks',
    summary: 'Register a webhook URL; the answer carries its HMAC secret, shown once',
    auth: true,
    body: AddWebhookRequest,
    responses: { 201: RegisteredWebhook },
    repeatable: false,
  },
  deleteWebhook: {
    method: 'DELETE',
    path: '/v1/organization/webhooks/:webhookId',
    summary: 'Remove a webhook',
    auth: true,
    params: WebhookParams,
    responses: { 204: null },
  },
  listJournal: {
    method: 'GET',
    path: '/v1/organization/journal',
    summary: 'Every settings change and refused attempt: who, when, what, old → new',
    auth: true,
    query: JournalQuery,
    responses: { 200: JournalPage },
  },

  archiveUsage: {
    method: 'GET',
    path: '/v1/archive/usage',
    summary: 'Archive usage of the organization against its quota',
    auth: true,
    responses: { 200: ArchiveUsage },
  },
  archiveTreeHead: {
    method: 'GET',
    path: '/v1/archive/tree-head',
    summary: 'The current tree head of the archive, signed by the operator key',
    auth: true,
    responses: { 200: SignedTreeHead },
  },
  archiveInclusionProof: {
    method: 'GET',
    path: '/v1/archive/proofs/inclusion',
    summary: "Inclusion proof of one of the organization's entries in the tree of treeSize entries",
    auth: true,
    query: InclusionProofQuery,
    responses: { 200: InclusionProof },
  },
  archiveConsistencyProof: {
    method: 'GET',
    path: '/v1/archive/proofs/consistency',
    summary: 'Consistency proof: the tree of `to` entries extends the tree of `from` entries',
    auth: true,
    query: ConsistencyProofQuery,
    responses: { 200: ConsistencyProof },
  },
  listArchiveEntries: {
    method: 'GET',
    path: '/v1/archive/entries',
    summary: "The organization's archived entries in log order, with a cursor",
    auth: true,
    query: ArchiveEntriesQuery,
    responses: { 200: ArchiveEntriesPage },
  },
  getArchiveEntry: {
    method: 'GET',
    path: '/v1/archive/entries/:index',
    summary: "One of the organization's archived entries",
    auth: true,
    params: ArchiveEntryParams,
    responses: { 200: ArchivedEntry },
  },
  getArchiveEntryData: {
    method: 'GET',
    path: '/v1/archive/entries/:index/data',
    summary: 'The original bytes of an archived entry (its signatures are in the entry)',
    auth: true,
    params: ArchiveEntryParams,
    responses: { 200: 'binary' },
  },
  listNotArchived: {
    method: 'GET',
    path: '/v1/archive/not-archived',
    summary: 'Signed documents of the organization that did not fit the quota',
    auth: true,
    query: NotArchivedQuery,
    responses: { 200: NotArchivedPage },
  },
} as const satisfies Record<string, RouteSpec>;
