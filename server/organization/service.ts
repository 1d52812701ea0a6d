// The organization's settings (DESIGN.md §6): plan, operating mode, archiving switches, access
// control, information-system certificates and webhooks, each change checked against the
// actor's permissions and journaled (who, when, what, old → new) in the same transaction;
// refused attempts are journaled too. Every query is scoped by the actor's organization.
import { randomBytes, randomUUID, X509Certificate } from 'node:crypto';
import type Database from 'better-sqlite3';
import { algorithmForKey } from '../../src/crypto/algorithms';
import { certificateFingerprint, derToPem, describeCertificate, pemToDer } from '../../src/crypto/certificates';
import type {
  AccessTable,
  GeneratedInformationSystem,
  InformationSystem,
  JournalEntry,
  JournalPage,
  OrganizationSettings,
  Permission,
  RegisteredWebhook,
  SettingsPatch,
  SubscriptionPlan,
  UserAccess,
} from '../../src/protocol/organization';
import { SettingsPatch as SettingsPatchSchema } from '../../src/protocol/organization';
import type { OperatingMode } from '../../src/protocol/directory';
import type { ArchiveEventListener } from '../archive/events';
import type { ArchiveRecipients, WebhookEndpoint, WebhookRegistry } from '../archive/notify';
import { certificateSummary } from '../views';
import { issueInformationSystemCertificate, type CertificateIssuer } from './certificates';
import { migrateOrganizationSettings } from './schema';

/** Who acts: a user of an organization (from the bearer token), or the operator's administration. */
export interface Actor {
  orgId: string;
  userId: string;
}

/** The failures a caller can act on; the codes are the protocol's error codes. */
export class OrganizationSettingsError extends Error {
  override readonly name = 'OrganizationSettingsError';
  constructor(
    readonly code: 'forbidden' | 'not-found' | 'conflict' | 'invalid-request',
    message: string,
  ) {
    super(message);
  }
}

export interface OrganizationSettingsOptions {
  db: Database.Database;
  /** The operator key and certificate that issue generated information-system certificates. */
  issuer: CertificateIssuer;
  clock?: () => Date;
  /** Hears archiving switched on or off (org-wide or per user), after the change is committed. */
  onArchiveEvent?: ArchiveEventListener;
  /** Whether a user belongs to the organization (the hub's users); unchecked when absent. */
  isMember?: (orgId: string, userId: string) => boolean | Promise<boolean>;
  /**
   * The organization's name and INN: generated certificates name them, and a certificate an
   * organization brings must name its INN (INNLE), so no organization claims another's system.
   */
  organizationOf: (orgId: string) => { name: string; inn?: string } | undefined | Promise<{ name: string; inn?: string } | undefined>;
  /** Whether a certificate (SHA-256 fingerprint) is registered to a user of the hub: it cannot be an information system's too. */
  isUserCertificate: (fingerprint: string) => boolean | Promise<boolean>;
  /** Settings of an organization that never changed them. */
  defaults?: { plan?: SubscriptionPlan; operatingMode?: OperatingMode };
}

/** The actor of changes the operator makes from its administration (edo-hub commands). */
export const OPERATOR_ACTOR = 'operator';

const ADMIN: Permission = 'change-organization-settings';

interface SettingsRow {
  plan: string;
  operating_mode: string;
  archiving_enabled: number;
  notify_email: string | null;
  updated_at: string | null;
}

interface InformationSystemRow {
  id: string;
  org_id: string;
  name: string;
  certificate: Buffer;
  origin: string;
  added_at: string;
  added_by: string;
  revoked_at: string | null;
}

interface JournalRow {
  seq: number;
  at: string;
  actor: string;
  action: string;
  target: string | null;
  old_value: string | null;
  new_value: string | null;
  outcome: string;
  reason: string | null;
}

/** One line of the journal as a change produces it. */
interface Change {
  action: string;
  target?: string;
  oldValue: unknown;
  newValue: unknown;
}

const json = (value: unknown): string | null => (value === undefined ? null : JSON.stringify(value));
const sameValue = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
const sortedPermissions = (permissions: readonly Permission[]): Permission[] => [...new Set(permissions)].sort();

const informationSystemView = (r: InformationSystemRow): InformationSystem => ({
  id: r.id,
  name: r.name,
  certificate: certificateSummary(describeCertificate(r.certificate)),
  origin: r.origin as InformationSystem['origin'],
  addedAt: r.added_at,
  addedBy: r.added_by,
  ...(r.revoked_at ? { revokedAt: r.revoked_at } : {}),
});

export class OrganizationSettingsService implements WebhookRegistry {
  private readonly db: Database.Database;
  private readonly clock: () => Date;
  private readonly onArchiveEvent: ArchiveEventListener;
  private readonly defaults: { plan: SubscriptionPlan; operatingMode: OperatingMode };

  constructor(private readonly options: OrganizationSettingsOptions) {
    this.db = options.db;
    this.clock = options.clock ?? (() => new Date());
    this.onArchiveEvent = options.onArchiveEvent ?? (() => undefined);
    this.defaults = { plan: options.defaults?.plan ?? 'basic', operatingMode: options.defaults?.operatingMode ?? 'server' };
    migrateOrganizationSettings(this.db);
  }

  // ---- for the hub's enforcement (no actor: the hub asks about a request it already authenticated)

  permissionsOf(orgId: string, userId: string): Permission[] {
    const row = this.db.prepare<[string, string], { permissions: string }>('SELECT permissions FROM org_access WHERE org_id = ? AND user_id = ?').get(orgId, userId);
    return row ? (JSON.parse(row.permissions) as Permission[]) : [];
  }

  hasPermission(orgId: string, userId: string, permission: Permission): boolean {
    return this.permissionsOf(orgId, userId).includes(permission);
  }

  operatingMode(orgId: string): OperatingMode {
    return (this.settingsRow(orgId)?.operating_mode as OperatingMode | undefined) ?? this.defaults.operatingMode;
  }

  /** Whether what this user signs is archived: the organization's switch or the user's own. */
  archivingApplies(orgId: string, userId: string): boolean {
    if (this.settingsRow(orgId)?.archiving_enabled === 1) return true;
    const row = this.db.prepare<[string, string], { enabled: number }>('SELECT enabled FROM org_archiving_users WHERE org_id = ? AND user_id = ?').get(orgId, userId);
    return row?.enabled === 1;
  }

  /** Where the organization's archive notices go, if it set an address. */
  notifyEmail(orgId: string): string | undefined {
    return this.settingsRow(orgId)?.notify_email ?? undefined;
  }

  /** server/archive's ArchiveRecipients: the organization's name (the hub knows it) and its notice address. */
  archiveRecipients(orgName: (orgId: string) => string | undefined | Promise<string | undefined>): ArchiveRecipients {
    return {
      recipient: async (orgId) => {
        const name = await orgName(orgId);
        if (name === undefined) return undefined;
        const email = this.notifyEmail(orgId);
        return { orgName: name, ...(email ? { email } : {}) };
      },
    };
  }

  /** The webhooks of the organization with their secrets (server/archive's WebhookDispatcher reads these). */
  endpoints(orgId: string): WebhookEndpoint[] {
    return this.db.prepare<[string], WebhookEndpoint>('SELECT url, secret FROM org_webhooks WHERE org_id = ? ORDER BY created_at, id').all(orgId);
  }

  /** For certificate login: the active (not revoked) information system holding this certificate. */
  informationSystemByCertificate(fingerprint: string): { id: string; orgId: string; name: string } | undefined {
    const row = this.db
      .prepare<[string], { id: string; org_id: string; name: string }>('SELECT id, org_id, name FROM org_information_systems WHERE fingerprint = ? AND revoked_at IS NULL')
      .get(fingerprint);
    return row && { id: row.id, orgId: row.org_id, name: row.name };
  }

  /** When an information system was revoked: null while active, undefined when there is no such system. */
  informationSystemRevokedAt(id: string): string | null | undefined {
    return this.db.prepare<[string], { revoked_at: string | null }>('SELECT revoked_at FROM org_information_systems WHERE id = ?').get(id)?.revoked_at;
  }

  /** The information system (active or revoked) registered with this certificate, if any. */
  informationSystemHolding(fingerprint: string): { id: string; orgId: string; name: string } | undefined {
    const row = this.db.prepare<[string], { id: string; org_id: string; name: string }>('SELECT id, org_id, name FROM org_information_systems WHERE fingerprint = ?').get(fingerprint);
    return row && { id: row.id, orgId: row.org_id, name: row.name };
  }

  // ---- the operator's administration

  /**
   * Sets up a new organization: who administers its settings, and its first operating mode and
   * plan, once. Journaled as done by the operator.
   */
  initializeOrganization(orgId: string, setup: { administrators: string[]; operatingMode?: OperatingMode; plan?: SubscriptionPlan }): void {
    const actor = { orgId, userId: OPERATOR_ACTOR };
    this.applyChange(actor, 'initialize', () => {
      if (this.settingsRow(orgId) || this.accessTable(orgId).users.length > 0) {
        throw new OrganizationSettingsError('conflict', `Organization ${orgId} has its settings already; change them through the settings API`);
      }
      const changes: Change[] = [];
      changes.push(...this.writeSettings(orgId, { ...(setup.operatingMode ? { operatingMode: setup.operatingMode } : {}), ...(setup.plan ? { plan: setup.plan } : {}) }));
      for (const userId of setup.administrators) {
        changes.push(...this.writeAccess(orgId, userId, [], [ADMIN]));
      }
      return { result: undefined, changes };
    }, undefined, 'operator');
  }

  /** The operator gives a user permissions (e.g. a new administrator when the last one left the company). */
  grantAsOperator(orgId: string, userId: string, permissions: Permission[]): void {
    this.applyChange({ orgId, userId: OPERATOR_ACTOR }, 'access.grant', () => {
      const old = this.permissionsOf(orgId, userId);
      return { result: undefined, changes: this.writeAccess(orgId, userId, old, sortedPermissions([...old, ...permissions])) };
    }, userId, 'operator');
  }

  // ---- what an administrator of the organization reads

  settings(actor: Actor): OrganizationSettings {
    this.authorize(actor, 'settings.read');
    return this.settingsView(actor.orgId);
  }

  access(actor: Actor): AccessTable {
    this.authorize(actor, 'access.read');
    return this.accessTable(actor.orgId);
  }

  informationSystems(actor: Actor): InformationSystem[] {
    this.authorize(actor, 'information-systems.read');
    return this.db
      .prepare<[string], InformationSystemRow>('SELECT * FROM org_information_systems WHERE org_id = ? ORDER BY added_at, id')
      .all(actor.orgId)
      .map(informationSystemView);
  }

  journal(actor: Actor, page: { after: number; limit: number }): JournalPage {
    this.authorize(actor, 'journal.read');
    const rows = this.db
      .prepare<[string, number, number], JournalRow>('SELECT * FROM org_journal WHERE org_id = ? AND seq > ? ORDER BY seq LIMIT ?')
      .all(actor.orgId, page.after, page.limit + 1);
    const entries = rows.slice(0, page.limit).map(
      (r): JournalEntry => ({
        seq: r.seq,
        at: r.at,
        actor: r.actor,
        action: r.action,
        ...(r.target !== null ? { target: r.target } : {}),
        oldValue: r.old_value === null ? null : JSON.parse(r.old_value),
        newValue: r.new_value === null ? null : JSON.parse(r.new_value),
        outcome: r.outcome as JournalEntry['outcome'],
        ...(r.reason !== null ? { reason: r.reason } : {}),
      }),
    );
    return { entries, next: entries.at(-1)?.seq ?? page.after, hasMore: rows.length > page.limit };
  }

  // ---- what an administrator of the organization changes

  async updateSettings(actor: Actor, patch: SettingsPatch): Promise<OrganizationSettings> {
    this.authorize(actor, 'settings.change');
    const parsed = SettingsPatchSchema.safeParse(patch);
    if (!parsed.success) throw new OrganizationSettingsError('invalid-request', `Invalid settings: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ')}`);
    const p = parsed.data;
    await this.requireMembers(actor, Object.keys(p.archiving?.perUser ?? {}), 'settings.change');
    const events = this.applyChange(actor, 'settings.change', () => {
      const changes = this.writeSettings(actor.orgId, {
        ...(p.plan ? { plan: p.plan } : {}),
        ...(p.operatingMode ? { operatingMode: p.operatingMode } : {}),
        ...(p.archiving?.enabled !== undefined ? { archivingEnabled: p.archiving.enabled } : {}),
        ...(p.archiving?.notifyEmail !== undefined ? { notifyEmail: p.archiving.notifyEmail } : {}),
      });
      for (const [userId, enabled] of Object.entries(p.archiving?.perUser ?? {})) {
        const old = this.db.prepare<[string, string], { enabled: number }>('SELECT enabled FROM org_archiving_users WHERE org_id = ? AND user_id = ?').get(actor.orgId, userId);
        if ((old?.enabled === 1) === enabled) continue;
        this.db
          .prepare('INSERT INTO org_archiving_users (org_id, user_id, enabled) VALUES (?, ?, ?) ON CONFLICT (org_id, user_id) DO UPDATE SET enabled = excluded.enabled')
          .run(actor.orgId, userId, enabled ? 1 : 0);
        changes.push({ action: 'archiving.perUser', target: userId, oldValue: old?.enabled === 1, newValue: enabled });
      }
      return { result: changes, changes };
    });
    for (const change of events) {
      if (change.action === 'archiving.enabled') {
        this.onArchiveEvent({ type: 'archive.switched', orgId: actor.orgId, on: change.newValue === true, scope: 'organization', by: actor.userId });
      } else if (change.action === 'archiving.perUser') {
        this.onArchiveEvent({ type: 'archive.switched', orgId: actor.orgId, on: change.newValue === true, scope: 'user', userId: change.target!, by: actor.userId });
      }
    }
    return this.settingsView(actor.orgId);
  }

  /** Replaces the access table; refuses a table that leaves nobody able to change the settings. */
  async setAccess(actor: Actor, table: AccessTable): Promise<AccessTable> {
    this.authorize(actor, 'access.change');
    await this.requireMembers(actor, table.users.map((u) => u.userId), 'access.change');
    this.applyChange(actor, 'access.change', () => {
      if (!table.users.some((u) => u.permissions.includes(ADMIN))) {
        throw new OrganizationSettingsError('conflict', `Nobody would keep the permission ${ADMIN}: give it to at least one user, or the organization could never change its settings again`);
      }
      const wanted = new Map(table.users.map((u) => [u.userId, sortedPermissions(u.permissions)]));
      const current = new Map(this.accessTable(actor.orgId).users.map((u) => [u.userId, u.permissions]));
      const changes: Change[] = [];
      for (const userId of [...new Set([...current.keys(), ...wanted.keys()])].sort()) {
        changes.push(...this.writeAccess(actor.orgId, userId, current.get(userId) ?? [], wanted.get(userId) ?? []));
      }
      return { result: undefined, changes };
    });
    return this.accessTable(actor.orgId);
  }

  async addInformationSystem(actor: Actor, request: { name: string; certificatePem: string }): Promise<InformationSystem> {
    this.authorize(actor, 'information-system.add');
    const ders = pemToDer(request.certificatePem);
    const refuse = (message: string): never => this.refuse(actor, 'information-system.add', 'invalid-request', message);
    if (ders.length !== 1) refuse(`certificatePem must hold exactly one certificate, it holds ${ders.length}`);
    const der = ders[0]!;
    let certificate: X509Certificate;
    try {
      certificate = new X509Certificate(der);
    } catch (e) {
      return refuse(`certificatePem is not a readable X.509 certificate: ${(e as Error).message}`);
    }
    const now = this.clock();
    if (certificate.validToDate <= now) refuse(`the certificate expired on ${certificate.validToDate.toISOString()}`);
    if (certificate.validFromDate > now) refuse(`the certificate is valid only from ${certificate.validFromDate.toISOString()}`);
    if (!algorithmForKey(certificate.publicKey)) refuse(`the certificate's ${certificate.publicKey.asymmetricKeyType} key is not supported (RSA, ECDSA P-256/P-384 are)`);
    // Any certificate chaining to a trusted root would log in: it must name this organization, or
    // an administrator could claim another organization's system (its logins would land here).
    const organization = await this.organizationWithInn(actor, 'information-system.add');
    const named = describeCertificate(der).orgInn;
    if (named !== organization.inn) {
      refuse(`the certificate names ${named ? `the organization with INN ${named}` : 'no organization (no INNLE 1.2.643.100.4)'}, not ${organization.name} (INN ${organization.inn}): an information system's certificate must be issued to its organization`);
    }
    const fingerprint = certificateFingerprint(der);
    if (await this.options.isUserCertificate(fingerprint)) {
      this.refuse(actor, 'information-system.add', 'conflict', `This certificate (SHA-256 ${fingerprint}) is registered to a user of the hub: it cannot be an information system's too`);
    }
    return this.registerInformationSystem(actor, 'information-system.add', request.name, der, 'added');
  }

  async generateInformationSystem(actor: Actor, request: { name: string }): Promise<GeneratedInformationSystem> {
    this.authorize(actor, 'information-system.generate');
    const organization = await this.organizationWithInn(actor, 'information-system.generate');
    const issued = await issueInformationSystemCertificate({ name: request.name, organization }, this.options.issuer, { now: this.clock() });
    const informationSystem = this.registerInformationSystem(actor, 'information-system.generate', request.name, issued.certificate, 'generated');
    return {
      informationSystem,
      privateKeyPem: issued.privateKeyPem,
      certificatePem: derToPem(issued.certificate),
      issuerCertificatePem: derToPem(this.options.issuer.certificate),
    };
  }

  revokeInformationSystem(actor: Actor, id: string): InformationSystem {
    this.authorize(actor, 'information-system.revoke', id);
    return this.applyChange(actor, 'information-system.revoke', () => {
      const row = this.informationSystemRow(actor.orgId, id);
      if (row.revoked_at) throw new OrganizationSettingsError('conflict', `Information system ${id} (${row.name}) was revoked on ${row.revoked_at}`);
      const at = this.clock().toISOString();
      this.db.prepare('UPDATE org_information_systems SET revoked_at = ?, revoked_by = ? WHERE id = ?').run(at, actor.userId, id);
      const summary = { name: row.name, fingerprint: certificateFingerprint(row.certificate) };
      return { result: informationSystemView({ ...row, revoked_at: at }), changes: [{ action: 'information-system.revoke', target: id, oldValue: { ...summary, revoked: false }, newValue: { ...summary, revoked: true } }] };
    }, id);
  }

  addWebhook(actor: Actor, url: string): RegisteredWebhook {
    this.authorize(actor, 'webhook.add');
    return this.applyChange(actor, 'webhook.add', () => {
      if (this.db.prepare('SELECT 1 FROM org_webhooks WHERE org_id = ? AND url = ?').get(actor.orgId, url)) {
        throw new OrganizationSettingsError('conflict', `The webhook ${url} is registered already; remove it first to get a new secret`);
      }
      const webhook = { id: randomUUID(), url, createdAt: this.clock().toISOString() };
      const secret = randomBytes(32).toString('base64url');
      this.db.prepare('INSERT INTO org_webhooks (id, org_id, url, secret, created_at) VALUES (?, ?, ?, ?, ?)').run(webhook.id, actor.orgId, url, secret, webhook.createdAt);
      // The secret never enters the journal: the journal is readable by every administrator, forever.
      return { result: { ...webhook, secret }, changes: [{ action: 'webhook.add', target: webhook.id, oldValue: null, newValue: { url } }] };
    });
  }

  removeWebhook(actor: Actor, id: string): void {
    this.authorize(actor, 'webhook.remove', id);
    this.applyChange(actor, 'webhook.remove', () => {
      const row = this.db.prepare<[string, string], { url: string }>('SELECT url FROM org_webhooks WHERE org_id = ? AND id = ?').get(actor.orgId, id);
      if (!row) throw new OrganizationSettingsError('not-found', `The organization has no webhook ${id}`);
      this.db.prepare('DELETE FROM org_webhooks WHERE org_id = ? AND id = ?').run(actor.orgId, id);
      return { result: undefined, changes: [{ action: 'webhook.remove', target: id, oldValue: { url: row.url }, newValue: null }] };
    }, id);
  }

  // ---- inside

  /** The actor's organization with its INN, which information-system certificates must name. */
  private async organizationWithInn(actor: Actor, action: string): Promise<{ name: string; inn: string }> {
    const organization = await this.options.organizationOf(actor.orgId);
    if (!organization?.inn) this.refuse(actor, action, 'conflict', `The hub does not know the INN of organization ${actor.orgId}: its information-system certificates could not name it`);
    return { name: organization.name, inn: organization.inn };
  }

  /** Refuses (and journals the refusal of) an actor without change-organization-settings. */
  private authorize(actor: Actor, action: string, target?: string): void {
    if (this.hasPermission(actor.orgId, actor.userId, ADMIN)) return;
    this.refuse(actor, action, 'forbidden', `User ${actor.userId} does not have the permission ${ADMIN}: ${action} refused (the attempt is journaled)`, target);
  }

  private refuse(actor: Actor, action: string, code: OrganizationSettingsError['code'], message: string, target?: string): never {
    this.db.transaction(() => this.appendJournal(actor, { action, target, oldValue: undefined, newValue: undefined }, 'refused', message)).immediate();
    throw new OrganizationSettingsError(code, message);
  }

  /**
   * Runs `change` in one write transaction and journals what it reports in the same one. The
   * permission is checked again inside it (it may have been taken away while the request
   * awaited something). A change refused on its merits (conflict, not found) is journaled as
   * refused after the rollback.
   */
  private applyChange<T>(actor: Actor, action: string, change: () => { result: T; changes: Change[] }, target?: string, by: 'user' | 'operator' = 'user'): T {
    try {
      return this.db
        .transaction(() => {
          if (by === 'user' && !this.hasPermission(actor.orgId, actor.userId, ADMIN)) {
            throw new OrganizationSettingsError('forbidden', `User ${actor.userId} does not have the permission ${ADMIN} (any more): ${action} refused (the attempt is journaled)`);
          }
          const { result, changes } = change();
          for (const c of changes) this.appendJournal(actor, c, 'applied');
          if (changes.length > 0) this.touchSettings(actor.orgId);
          return result;
        })
        .immediate();
    } catch (e) {
      if (e instanceof OrganizationSettingsError) this.refuse(actor, action, e.code, e.message, target);
      throw e;
    }
  }

  private appendJournal(actor: Actor, c: Change, outcome: 'applied' | 'refused', reason?: string): void {
    const seq =
      (this.db.prepare<[string], { seq: number | null }>('SELECT MAX(seq) AS seq FROM org_journal WHERE org_id = ?').get(actor.orgId)?.seq ?? 0) + 1;
    this.db
      .prepare(
        `INSERT INTO org_journal (org_id, seq, at, actor, action, target, old_value, new_value, outcome, reason)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(actor.orgId, seq, this.clock().toISOString(), actor.userId, c.action, c.target ?? null, json(c.oldValue), json(c.newValue), outcome, reason ?? null);
  }

  private async requireMembers(actor: Actor, userIds: string[], action: string): Promise<void> {
    if (!this.options.isMember) return;
    for (const userId of userIds) {
      if (!(await this.options.isMember(actor.orgId, userId))) {
        this.refuse(actor, action, 'invalid-request', `User ${userId} is not a user of this organization`, userId);
      }
    }
  }

  private settingsRow(orgId: string): SettingsRow | undefined {
    return this.db.prepare<[string], SettingsRow>('SELECT * FROM org_settings WHERE org_id = ?').get(orgId);
  }

  private ensureSettingsRow(orgId: string): SettingsRow {
    this.db
      .prepare('INSERT OR IGNORE INTO org_settings (org_id, plan, operating_mode, archiving_enabled, notify_email, updated_at) VALUES (?, ?, ?, 0, NULL, NULL)')
      .run(orgId, this.defaults.plan, this.defaults.operatingMode);
    return this.settingsRow(orgId)!;
  }

  private touchSettings(orgId: string): void {
    this.ensureSettingsRow(orgId);
    this.db.prepare('UPDATE org_settings SET updated_at = ? WHERE org_id = ?').run(this.clock().toISOString(), orgId);
  }

  /** Writes the scalar settings that differ; returns one journal line per changed setting. */
  private writeSettings(
    orgId: string,
    next: { plan?: SubscriptionPlan; operatingMode?: OperatingMode; archivingEnabled?: boolean; notifyEmail?: string | null },
  ): Change[] {
    const row = this.ensureSettingsRow(orgId);
    const fields = [
      { action: 'plan', column: 'plan', old: row.plan, value: next.plan },
      { action: 'operatingMode', column: 'operating_mode', old: row.operating_mode, value: next.operatingMode },
      { action: 'archiving.enabled', column: 'archiving_enabled', old: row.archiving_enabled === 1, value: next.archivingEnabled },
      { action: 'archiving.notifyEmail', column: 'notify_email', old: row.notify_email, value: next.notifyEmail },
    ] as const;
    const changes: Change[] = [];
    for (const f of fields) {
      if (f.value === undefined || sameValue(f.old, f.value)) continue;
      const stored = typeof f.value === 'boolean' ? Number(f.value) : f.value;
      this.db.prepare(`UPDATE org_settings SET ${f.column} = ? WHERE org_id = ?`).run(stored, orgId);
      changes.push({ action: f.action, oldValue: f.old, newValue: f.value });
    }
    return changes;
  }

  private writeAccess(orgId: string, userId: string, old: Permission[], next: Permission[]): Change[] {
    if (sameValue(old, next)) return [];
    if (next.length === 0) this.db.prepare('DELETE FROM org_access WHERE org_id = ? AND user_id = ?').run(orgId, userId);
    else {
      this.db
        .prepare('INSERT INTO org_access (org_id, user_id, permissions) VALUES (?, ?, ?) ON CONFLICT (org_id, user_id) DO UPDATE SET permissions = excluded.permissions')
        .run(orgId, userId, JSON.stringify(next));
    }
    return [{ action: 'access', target: userId, oldValue: old, newValue: next }];
  }

  private accessTable(orgId: string): AccessTable {
    const rows = this.db.prepare<[string], { user_id: string; permissions: string }>('SELECT user_id, permissions FROM org_access WHERE org_id = ? ORDER BY user_id').all(orgId);
    return { users: rows.map((r): UserAccess => ({ userId: r.user_id, permissions: JSON.parse(r.permissions) as Permission[] })) };
  }

  private settingsView(orgId: string): OrganizationSettings {
    const row = this.settingsRow(orgId);
    const perUser = Object.fromEntries(
      this.db
        .prepare<[string], { user_id: string; enabled: number }>('SELECT user_id, enabled FROM org_archiving_users WHERE org_id = ? ORDER BY user_id')
        .all(orgId)
        .map((r) => [r.user_id, r.enabled === 1]),
    );
    const webhooks = this.db
      .prepare<[string], { id: string; url: string; createdAt: string }>('SELECT id, url, created_at AS createdAt FROM org_webhooks WHERE org_id = ? ORDER BY created_at, id')
      .all(orgId);
    return {
      orgId,
      plan: (row?.plan as SubscriptionPlan | undefined) ?? this.defaults.plan,
      operatingMode: (row?.operating_mode as OperatingMode | undefined) ?? this.defaults.operatingMode,
      archiving: { enabled: row?.archiving_enabled === 1, notifyEmail: row?.notify_email ?? null, perUser },
      webhooks,
      updatedAt: row?.updated_at ?? null,
    };
  }

  private informationSystemRow(orgId: string, id: string): InformationSystemRow {
    const row = this.db.prepare<[string, string], InformationSystemRow>('SELECT * FROM org_information_systems WHERE org_id = ? AND id = ?').get(orgId, id);
    if (!row) throw new OrganizationSettingsError('not-found', `The organization has no information system ${id}`);
    return row;
  }

  private registerInformationSystem(actor: Actor, action: string, name: string, der: Buffer, origin: InformationSystem['origin']): InformationSystem {
    return this.applyChange(actor, action, () => {
      const fingerprint = certificateFingerprint(der);
      if (this.db.prepare('SELECT 1 FROM org_information_systems WHERE fingerprint = ?').get(fingerprint)) {
        throw new OrganizationSettingsError('conflict', `This certificate (SHA-256 ${fingerprint}) is registered already`);
      }
      const row: InformationSystemRow = { id: randomUUID(), org_id: actor.orgId, name, certificate: der, origin, added_at: this.clock().toISOString(), added_by: actor.userId, revoked_at: null };
      this.db
        .prepare('INSERT INTO org_information_systems (id, org_id, name, certificate, fingerprint, origin, added_at, added_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
        .run(row.id, row.org_id, row.name, der, fingerprint, origin, row.added_at, row.added_by);
      const view = informationSystemView(row);
      return { result: view, changes: [{ action, target: row.id, oldValue: null, newValue: { name, origin, fingerprint, subject: view.certificate.subject, notAfter: view.certificate.notAfter } }] };
    });
  }
}
