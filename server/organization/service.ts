// The organization's settings (docs/architecture.md §11): plan, operating mode, archiving switches, access
// control, information-system certificates and webhooks, each change checked against the
// actor's permissions and journaled (who, when, what, old → new) in the same transaction;
// refused attempts are journaled too. Every query is scoped by the actor's organization.
import { randomBytes, randomUUID, X509Certificate } from 'node:crypto';
import { algorithmForKey } from '../../src/crypto/algorithms';
import { spkiOfCertificate } from '../../src/crypto/gost-keys';
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
import {
  DEFAULT_REQUIRED_POWERS,
  type RequiredPowers,
  type SigningAction,
} from '../../src/protocol/powers-of-attorney';
import type { ArchiveEventListener } from '../archive/events';
import type { ArchiveRecipients, WebhookEndpoint, WebhookRegistry } from '../archive/notify';
import { certificateSummary } from '../views';
import { issueInformationSystemCertificate, type CertificateIssuer } from './certificates';
import type { Sql, SqlDatabase, SqlTransaction } from '../storage/sql';

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
  db: SqlDatabase;
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
  organizationOf: (
    orgId: string,
  ) => { name: string; inn?: string } | undefined | Promise<{ name: string; inn?: string } | undefined>;
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
  required_powers: string | null;
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
  private readonly db: SqlDatabase;
  private readonly clock: () => Date;
  private readonly onArchiveEvent: ArchiveEventListener;
  private readonly defaults: { plan: SubscriptionPlan; operatingMode: OperatingMode };

  constructor(private readonly options: OrganizationSettingsOptions) {
    this.db = options.db;
    this.clock = options.clock ?? (() => new Date());
    this.onArchiveEvent = options.onArchiveEvent ?? (() => undefined);
    this.defaults = {
      plan: options.defaults?.plan ?? 'basic',
      operatingMode: options.defaults?.operatingMode ?? 'server',
    };
  }

  // ---- for the hub's enforcement (no actor: the hub asks about a request it already authenticated)

  async permissionsOf(orgId: string, userId: string, q: Sql = this.db): Promise<Permission[]> {
    const row = await q.get<{ permissions: string }>(
      'SELECT permissions FROM org_access WHERE org_id = ? AND user_id = ?',
      [orgId, userId],
    );
    return row ? (JSON.parse(row.permissions) as Permission[]) : [];
  }

  async hasPermission(orgId: string, userId: string, permission: Permission, q: Sql = this.db): Promise<boolean> {
    return (await this.permissionsOf(orgId, userId, q)).includes(permission);
  }

  async operatingMode(orgId: string): Promise<OperatingMode> {
    return (
      ((await this.settingsRow(this.db, orgId))?.operating_mode as OperatingMode | undefined) ??
      this.defaults.operatingMode
    );
  }

  /** The power codes of an МЧД, any one of which grants the action in this organization. */
  async requiredPowers(orgId: string, action: SigningAction): Promise<readonly string[]> {
    return this.requiredPowersOf(await this.settingsRow(this.db, orgId))[action];
  }

  /** Whether what this user signs is archived: the organization's switch or the user's own. */
  async archivingApplies(orgId: string, userId: string): Promise<boolean> {
    if ((await this.settingsRow(this.db, orgId))?.archiving_enabled === 1) return true;
    const row = await this.db.get<{ enabled: number }>(
      'SELECT enabled FROM org_archiving_users WHERE org_id = ? AND user_id = ?',
      [orgId, userId],
    );
    return row?.enabled === 1;
  }

  /** Where the organization's archive notices go, if it set an address. */
  async notifyEmail(orgId: string): Promise<string | undefined> {
    return (await this.settingsRow(this.db, orgId))?.notify_email ?? undefined;
  }

  /** server/archive's ArchiveRecipients: the organization's name (the hub knows it) and its notice address. */
  archiveRecipients(orgName: (orgId: string) => string | undefined | Promise<string | undefined>): ArchiveRecipients {
    return {
      recipient: async (orgId) => {
        const name = await orgName(orgId);
        if (name === undefined) return undefined;
        const email = await this.notifyEmail(orgId);
        return { orgName: name, ...(email ? { email } : {}) };
      },
    };
  }

  /** The webhooks of the organization with their secrets (server/archive's WebhookDispatcher reads these). */
  endpoints(orgId: string): Promise<WebhookEndpoint[]> {
    return this.db.all<WebhookEndpoint>(
      'SELECT url, secret FROM org_webhooks WHERE org_id = ? ORDER BY created_at, id',
      [orgId],
    );
  }

  /** For certificate login: the active (not revoked) information system holding this certificate. */
  async informationSystemByCertificate(
    fingerprint: string,
  ): Promise<{ id: string; orgId: string; name: string } | undefined> {
    const row = await this.db.get<{ id: string; org_id: string; name: string }>(
      'SELECT id, org_id, name FROM org_information_systems WHERE fingerprint = ? AND revoked_at IS NULL',
      [fingerprint],
    );
    return row && { id: row.id, orgId: row.org_id, name: row.name };
  }

  /** When an information system was revoked: null while active, undefined when there is no such system. */
  async informationSystemRevokedAt(id: string): Promise<string | null | undefined> {
    return (
      await this.db.get<{ revoked_at: string | null }>('SELECT revoked_at FROM org_information_systems WHERE id = ?', [
        id,
      ])
    )?.revoked_at;
  }

  /** The information system (active or revoked) registered with this certificate, if any. */
  async informationSystemHolding(
    fingerprint: string,
  ): Promise<{ id: string; orgId: string; name: string } | undefined> {
    const row = await this.db.get<{ id: string; org_id: string; name: string }>(
      'SELECT id, org_id, name FROM org_information_systems WHERE fingerprint = ?',
      [fingerprint],
    );
    return row && { id: row.id, orgId: row.org_id, name: row.name };
  }

  // ---- the operator's administration

  /**
   * Sets up a new organization: who administers its settings, and its first operating mode and
   * plan, once. Journaled as done by the operator.
   */
  async initializeOrganization(
    orgId: string,
    setup: { administrators: string[]; operatingMode?: OperatingMode; plan?: SubscriptionPlan },
  ): Promise<void> {
    const actor = { orgId, userId: OPERATOR_ACTOR };
    await this.applyChange(
      actor,
      'initialize',
      async (tx) => {
        if ((await this.settingsRow(tx, orgId)) || (await this.accessTable(tx, orgId)).users.length > 0) {
          throw new OrganizationSettingsError(
            'conflict',
            `Organization ${orgId} has its settings already; change them through the settings API`,
          );
        }
        const changes: Change[] = [];
        changes.push(
          ...(await this.writeSettings(tx, orgId, {
            ...(setup.operatingMode ? { operatingMode: setup.operatingMode } : {}),
            ...(setup.plan ? { plan: setup.plan } : {}),
          })),
        );
        for (const userId of setup.administrators) {
          changes.push(...(await this.writeAccess(tx, orgId, userId, [], [ADMIN])));
        }
        return { result: undefined, changes };
      },
      undefined,
      'operator',
    );
  }

  /** The operator gives a user permissions (e.g. a new administrator when the last one left the company). */
  async grantAsOperator(orgId: string, userId: string, permissions: Permission[]): Promise<void> {
    await this.applyChange(
      { orgId, userId: OPERATOR_ACTOR },
      'access.grant',
      async (tx) => {
        const old = await this.permissionsOf(orgId, userId, tx);
        return {
          result: undefined,
          changes: await this.writeAccess(tx, orgId, userId, old, sortedPermissions([...old, ...permissions])),
        };
      },
      userId,
      'operator',
    );
  }

  // ---- what an administrator of the organization reads

  async settings(actor: Actor): Promise<OrganizationSettings> {
    await this.authorize(actor, 'settings.read');
    return this.settingsView(actor.orgId);
  }

  async access(actor: Actor): Promise<AccessTable> {
    await this.authorize(actor, 'access.read');
    return this.accessTable(this.db, actor.orgId);
  }

  async informationSystems(actor: Actor): Promise<InformationSystem[]> {
    await this.authorize(actor, 'information-systems.read');
    const rows = await this.db.all<InformationSystemRow>(
      'SELECT * FROM org_information_systems WHERE org_id = ? ORDER BY added_at, id',
      [actor.orgId],
    );
    return rows.map(informationSystemView);
  }

  async journal(actor: Actor, page: { after: number; limit: number }): Promise<JournalPage> {
    await this.authorize(actor, 'journal.read');
    const rows = await this.db.all<JournalRow>(
      'SELECT * FROM org_journal WHERE org_id = ? AND seq > ? ORDER BY seq LIMIT ?',
      [actor.orgId, page.after, page.limit + 1],
    );
    const entries = rows.slice(0, page.limit).map((r): JournalEntry => ({
      seq: r.seq,
      at: r.at,
      actor: r.actor,
      action: r.action,
      ...(r.target !== null ? { target: r.target } : {}),
      oldValue: r.old_value === null ? null : JSON.parse(r.old_value),
      newValue: r.new_value === null ? null : JSON.parse(r.new_value),
      outcome: r.outcome as JournalEntry['outcome'],
      ...(r.reason !== null ? { reason: r.reason } : {}),
    }));
    return { entries, next: entries.at(-1)?.seq ?? page.after, hasMore: rows.length > page.limit };
  }

  // ---- what an administrator of the organization changes

  async updateSettings(actor: Actor, patch: SettingsPatch): Promise<OrganizationSettings> {
    await this.authorize(actor, 'settings.change');
    const parsed = SettingsPatchSchema.safeParse(patch);
    if (!parsed.success)
      throw new OrganizationSettingsError(
        'invalid-request',
        `Invalid settings: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ')}`,
      );
    const p = parsed.data;
    await this.requireMembers(actor, Object.keys(p.archiving?.perUser ?? {}), 'settings.change');
    const events = await this.applyChange(actor, 'settings.change', async (tx) => {
      const changes = await this.writeSettings(tx, actor.orgId, {
        ...(p.plan ? { plan: p.plan } : {}),
        ...(p.operatingMode ? { operatingMode: p.operatingMode } : {}),
        ...(p.archiving?.enabled !== undefined ? { archivingEnabled: p.archiving.enabled } : {}),
        ...(p.archiving?.notifyEmail !== undefined ? { notifyEmail: p.archiving.notifyEmail } : {}),
        ...(p.requiredPowers ? { requiredPowers: p.requiredPowers } : {}),
      });
      for (const [userId, enabled] of Object.entries(p.archiving?.perUser ?? {})) {
        const old = await tx.get<{ enabled: number }>(
          'SELECT enabled FROM org_archiving_users WHERE org_id = ? AND user_id = ?',
          [actor.orgId, userId],
        );
        if ((old?.enabled === 1) === enabled) continue;
        await tx.run(
          'INSERT INTO org_archiving_users (org_id, user_id, enabled) VALUES (?, ?, ?) ON CONFLICT (org_id, user_id) DO UPDATE SET enabled = excluded.enabled',
          [actor.orgId, userId, enabled ? 1 : 0],
        );
        changes.push({ action: 'archiving.perUser', target: userId, oldValue: old?.enabled === 1, newValue: enabled });
      }
      return { result: changes, changes };
    });
    for (const change of events) {
      if (change.action === 'archiving.enabled') {
        this.onArchiveEvent({
          type: 'archive.switched',
          orgId: actor.orgId,
          on: change.newValue === true,
          scope: 'organization',
          by: actor.userId,
        });
      } else if (change.action === 'archiving.perUser') {
        this.onArchiveEvent({
          type: 'archive.switched',
          orgId: actor.orgId,
          on: change.newValue === true,
          scope: 'user',
          userId: change.target!,
          by: actor.userId,
        });
      }
    }
    return this.settingsView(actor.orgId);
  }

  /** Replaces the access table; refuses a table that leaves nobody able to change the settings. */
  async setAccess(actor: Actor, table: AccessTable): Promise<AccessTable> {
    await this.authorize(actor, 'access.change');
    await this.requireMembers(
      actor,
      table.users.map((u) => u.userId),
      'access.change',
    );
    await this.applyChange(actor, 'access.change', async (tx) => {
      if (!table.users.some((u) => u.permissions.includes(ADMIN))) {
        throw new OrganizationSettingsError(
          'conflict',
          `Nobody would keep the permission ${ADMIN}: give it to at least one user, or the organization could never change its settings again`,
        );
      }
      const wanted = new Map(table.users.map((u) => [u.userId, sortedPermissions(u.permissions)]));
      const current = new Map((await this.accessTable(tx, actor.orgId)).users.map((u) => [u.userId, u.permissions]));
      const changes: Change[] = [];
      for (const userId of [...new Set([...current.keys(), ...wanted.keys()])].sort()) {
        changes.push(
          ...(await this.writeAccess(tx, actor.orgId, userId, current.get(userId) ?? [], wanted.get(userId) ?? [])),
        );
      }
      return { result: undefined, changes };
    });
    return this.accessTable(this.db, actor.orgId);
  }

  async addInformationSystem(
    actor: Actor,
    request: { name: string; certificatePem: string },
  ): Promise<InformationSystem> {
    await this.authorize(actor, 'information-system.add');
    const ders = pemToDer(request.certificatePem);
    const refusal = (message: string) => this.refusal(actor, 'information-system.add', 'invalid-request', message);
    if (ders.length !== 1)
      throw await refusal(`certificatePem must hold exactly one certificate, it holds ${ders.length}`);
    const der = ders[0]!;
    let certificate: X509Certificate;
    try {
      certificate = new X509Certificate(der);
    } catch (e) {
      throw await refusal(`certificatePem is not a readable X.509 certificate: ${(e as Error).message}`);
    }
    const now = this.clock();
    if (certificate.validToDate <= now)
      throw await refusal(`the certificate expired on ${certificate.validToDate.toISOString()}`);
    if (certificate.validFromDate > now)
      throw await refusal(`the certificate is valid only from ${certificate.validFromDate.toISOString()}`);
    // From the SPKI bytes: node:crypto cannot load a GOST key, which the table supports.
    let supported: boolean;
    try {
      supported = algorithmForKey(spkiOfCertificate(der)) !== undefined;
    } catch {
      supported = false;
    }
    if (!supported)
      throw await refusal(
        "the certificate's key is not supported (RSA, ECDSA P-256/P-384, GOST R 34.10-2012 256/512 are)",
      );
    // Any certificate chaining to a trusted root would log in: it must name this organization, or
    // an administrator could claim another organization's system (its logins would land here).
    const organization = await this.organizationWithInn(actor, 'information-system.add');
    const named = describeCertificate(der).orgInn;
    if (named !== organization.inn) {
      throw await refusal(
        `the certificate names ${named ? `the organization with INN ${named}` : 'no organization (no INNLE 1.2.643.100.4)'}, not ${organization.name} (INN ${organization.inn}): an information system's certificate must be issued to its organization`,
      );
    }
    const fingerprint = certificateFingerprint(der);
    if (await this.options.isUserCertificate(fingerprint)) {
      throw await this.refusal(
        actor,
        'information-system.add',
        'conflict',
        `This certificate (SHA-256 ${fingerprint}) is registered to a user of the hub: it cannot be an information system's too`,
      );
    }
    return this.registerInformationSystem(actor, 'information-system.add', request.name, der, 'added');
  }

  async generateInformationSystem(actor: Actor, request: { name: string }): Promise<GeneratedInformationSystem> {
    await this.authorize(actor, 'information-system.generate');
    const organization = await this.organizationWithInn(actor, 'information-system.generate');
    const issued = await issueInformationSystemCertificate({ name: request.name, organization }, this.options.issuer, {
      now: this.clock(),
    });
    const informationSystem = await this.registerInformationSystem(
      actor,
      'information-system.generate',
      request.name,
      issued.certificate,
      'generated',
    );
    return {
      informationSystem,
      privateKeyPem: issued.privateKeyPem,
      certificatePem: derToPem(issued.certificate),
      issuerCertificatePem: derToPem(this.options.issuer.certificate),
    };
  }

  async revokeInformationSystem(actor: Actor, id: string): Promise<InformationSystem> {
    await this.authorize(actor, 'information-system.revoke', id);
    return this.applyChange(
      actor,
      'information-system.revoke',
      async (tx) => {
        const row = await this.informationSystemRow(tx, actor.orgId, id);
        if (row.revoked_at)
          throw new OrganizationSettingsError(
            'conflict',
            `Information system ${id} (${row.name}) was revoked on ${row.revoked_at}`,
          );
        const at = this.clock().toISOString();
        await tx.run('UPDATE org_information_systems SET revoked_at = ?, revoked_by = ? WHERE id = ?', [
          at,
          actor.userId,
          id,
        ]);
        const summary = { name: row.name, fingerprint: certificateFingerprint(row.certificate) };
        return {
          result: informationSystemView({ ...row, revoked_at: at }),
          changes: [
            {
              action: 'information-system.revoke',
              target: id,
              oldValue: { ...summary, revoked: false },
              newValue: { ...summary, revoked: true },
            },
          ],
        };
      },
      id,
    );
  }

  async addWebhook(actor: Actor, url: string): Promise<RegisteredWebhook> {
    await this.authorize(actor, 'webhook.add');
    return this.applyChange(actor, 'webhook.add', async (tx) => {
      if (await tx.get('SELECT 1 AS one FROM org_webhooks WHERE org_id = ? AND url = ?', [actor.orgId, url])) {
        throw new OrganizationSettingsError(
          'conflict',
          `The webhook ${url} is registered already; remove it first to get a new secret`,
        );
      }
      const webhook = { id: randomUUID(), url, createdAt: this.clock().toISOString() };
      const secret = randomBytes(32).toString('base64url');
      await tx.run('INSERT INTO org_webhooks (id, org_id, url, secret, created_at) VALUES (?, ?, ?, ?, ?)', [
        webhook.id,
        actor.orgId,
        url,
        secret,
        webhook.createdAt,
      ]);
      // The secret never enters the journal: the journal is readable by every administrator, forever.
      return {
        result: { ...webhook, secret },
        changes: [{ action: 'webhook.add', target: webhook.id, oldValue: null, newValue: { url } }],
      };
    });
  }

  async removeWebhook(actor: Actor, id: string): Promise<void> {
    await this.authorize(actor, 'webhook.remove', id);
    await this.applyChange(
      actor,
      'webhook.remove',
      async (tx) => {
        const row = await tx.get<{ url: string }>('SELECT url FROM org_webhooks WHERE org_id = ? AND id = ?', [
          actor.orgId,
          id,
        ]);
        if (!row) throw new OrganizationSettingsError('not-found', `The organization has no webhook ${id}`);
        await tx.run('DELETE FROM org_webhooks WHERE org_id = ? AND id = ?', [actor.orgId, id]);
        return {
          result: undefined,
          changes: [{ action: 'webhook.remove', target: id, oldValue: { url: row.url }, newValue: null }],
        };
      },
      id,
    );
  }

  // ---- inside

  /** The actor's organization with its INN, which information-system certificates must name. */
  private async organizationWithInn(actor: Actor, action: string): Promise<{ name: string; inn: string }> {
    const organization = await this.options.organizationOf(actor.orgId);
    if (!organization?.inn)
      throw await this.refusal(
        actor,
        action,
        'conflict',
        `The hub does not know the INN of organization ${actor.orgId}: its information-system certificates could not name it`,
      );
    return { name: organization.name, inn: organization.inn };
  }

  /** Refuses (and journals the refusal of) an actor without change-organization-settings. */
  private async authorize(actor: Actor, action: string, target?: string): Promise<void> {
    if (await this.hasPermission(actor.orgId, actor.userId, ADMIN)) return;
    throw await this.refusal(
      actor,
      action,
      'forbidden',
      `User ${actor.userId} does not have the permission ${ADMIN}: ${action} refused (the attempt is journaled)`,
      target,
    );
  }

  /** Journals a refused attempt; returns the error to throw. */
  private async refusal(
    actor: Actor,
    action: string,
    code: OrganizationSettingsError['code'],
    message: string,
    target?: string,
  ): Promise<OrganizationSettingsError> {
    await this.db.transaction((tx) =>
      this.appendJournal(tx, actor, { action, target, oldValue: undefined, newValue: undefined }, 'refused', message),
    );
    return new OrganizationSettingsError(code, message);
  }

  /**
   * Runs `change` in one write transaction and journals what it reports in the same one. The
   * permission is checked again inside it (it may have been taken away while the request
   * awaited something). A change refused on its merits (conflict, not found) is journaled as
   * refused after the rollback.
   */
  private async applyChange<T>(
    actor: Actor,
    action: string,
    change: (tx: SqlTransaction) => Promise<{ result: T; changes: Change[] }>,
    target?: string,
    by: 'user' | 'operator' = 'user',
  ): Promise<T> {
    try {
      return await this.db.transaction(async (tx) => {
        // One organization's changes take turns on every instance (its journal's numbering, its rows).
        await tx.lock(`organization:${actor.orgId}`);
        if (by === 'user' && !(await this.hasPermission(actor.orgId, actor.userId, ADMIN, tx))) {
          throw new OrganizationSettingsError(
            'forbidden',
            `User ${actor.userId} does not have the permission ${ADMIN} (any more): ${action} refused (the attempt is journaled)`,
          );
        }
        const { result, changes } = await change(tx);
        for (const c of changes) await this.appendJournal(tx, actor, c, 'applied');
        if (changes.length > 0) await this.touchSettings(tx, actor.orgId);
        return result;
      });
    } catch (e) {
      if (e instanceof OrganizationSettingsError) throw await this.refusal(actor, action, e.code, e.message, target);
      throw e;
    }
  }

  private async appendJournal(
    tx: SqlTransaction,
    actor: Actor,
    c: Change,
    outcome: 'applied' | 'refused',
    reason?: string,
  ): Promise<void> {
    await tx.lock(`organization:${actor.orgId}`);
    const seq =
      ((await tx.get<{ seq: number | null }>('SELECT MAX(seq) AS seq FROM org_journal WHERE org_id = ?', [actor.orgId]))
        ?.seq ?? 0) + 1;
    await tx.run(
      `INSERT INTO org_journal (org_id, seq, at, actor, action, target, old_value, new_value, outcome, reason)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        actor.orgId,
        seq,
        this.clock().toISOString(),
        actor.userId,
        c.action,
        c.target ?? null,
        json(c.oldValue),
        json(c.newValue),
        outcome,
        reason ?? null,
      ],
    );
  }

  private async requireMembers(actor: Actor, userIds: string[], action: string): Promise<void> {
    if (!this.options.isMember) return;
    for (const userId of userIds) {
      if (!(await this.options.isMember(actor.orgId, userId))) {
        throw await this.refusal(
          actor,
          action,
          'invalid-request',
          `User ${userId} is not a user of this organization`,
          userId,
        );
      }
    }
  }

  private settingsRow(q: Sql, orgId: string): Promise<SettingsRow | undefined> {
    return q.get<SettingsRow>('SELECT * FROM org_settings WHERE org_id = ?', [orgId]);
  }

  private async ensureSettingsRow(q: Sql, orgId: string): Promise<SettingsRow> {
    await q.run(
      'INSERT INTO org_settings (org_id, plan, operating_mode, archiving_enabled, notify_email, updated_at) VALUES (?, ?, ?, 0, NULL, NULL) ON CONFLICT DO NOTHING',
      [orgId, this.defaults.plan, this.defaults.operatingMode],
    );
    return (await this.settingsRow(q, orgId))!;
  }

  private async touchSettings(q: Sql, orgId: string): Promise<void> {
    await this.ensureSettingsRow(q, orgId);
    await q.run('UPDATE org_settings SET updated_at = ? WHERE org_id = ?', [this.clock().toISOString(), orgId]);
  }

  /** Writes the scalar settings that differ; returns one journal line per changed setting. */
  private async writeSettings(
    q: Sql,
    orgId: string,
    next: {
      plan?: SubscriptionPlan;
      operatingMode?: OperatingMode;
      archivingEnabled?: boolean;
      notifyEmail?: string | null;
      requiredPowers?: Partial<RequiredPowers>;
    },
  ): Promise<Change[]> {
    const row = await this.ensureSettingsRow(q, orgId);
    const powers = this.requiredPowersOf(row);
    const fields = [
      { action: 'plan', column: 'plan', old: row.plan, value: next.plan },
      { action: 'operatingMode', column: 'operating_mode', old: row.operating_mode, value: next.operatingMode },
      {
        action: 'archiving.enabled',
        column: 'archiving_enabled',
        old: row.archiving_enabled === 1,
        value: next.archivingEnabled,
      },
      { action: 'archiving.notifyEmail', column: 'notify_email', old: row.notify_email, value: next.notifyEmail },
      {
        action: 'requiredPowers',
        column: 'required_powers',
        old: powers,
        value: next.requiredPowers && { ...powers, ...next.requiredPowers },
      },
    ] as const;
    const changes: Change[] = [];
    for (const f of fields) {
      if (f.value === undefined || sameValue(f.old, f.value)) continue;
      const stored =
        typeof f.value === 'boolean'
          ? Number(f.value)
          : typeof f.value === 'object' && f.value !== null
            ? JSON.stringify(f.value)
            : f.value;
      await q.run(`UPDATE org_settings SET ${f.column} = ? WHERE org_id = ?`, [stored, orgId]);
      changes.push({ action: f.action, oldValue: f.old, newValue: f.value });
    }
    return changes;
  }

  private async writeAccess(
    q: Sql,
    orgId: string,
    userId: string,
    old: Permission[],
    next: Permission[],
  ): Promise<Change[]> {
    if (sameValue(old, next)) return [];
    if (next.length === 0) await q.run('DELETE FROM org_access WHERE org_id = ? AND user_id = ?', [orgId, userId]);
    else {
      await q.run(
        'INSERT INTO org_access (org_id, user_id, permissions) VALUES (?, ?, ?) ON CONFLICT (org_id, user_id) DO UPDATE SET permissions = excluded.permissions',
        [orgId, userId, JSON.stringify(next)],
      );
    }
    return [{ action: 'access', target: userId, oldValue: old, newValue: next }];
  }

  private async accessTable(q: Sql, orgId: string): Promise<AccessTable> {
    const rows = await q.all<{ user_id: string; permissions: string }>(
      'SELECT user_id, permissions FROM org_access WHERE org_id = ? ORDER BY user_id',
      [orgId],
    );
    return {
      users: rows.map((r): UserAccess => ({
        userId: r.user_id,
        permissions: JSON.parse(r.permissions) as Permission[],
      })),
    };
  }

  private async settingsView(orgId: string): Promise<OrganizationSettings> {
    const row = await this.settingsRow(this.db, orgId);
    const perUser = Object.fromEntries(
      (
        await this.db.all<{ user_id: string; enabled: number }>(
          'SELECT user_id, enabled FROM org_archiving_users WHERE org_id = ? ORDER BY user_id',
          [orgId],
        )
      ).map((r) => [r.user_id, r.enabled === 1]),
    );
    const webhooks = await this.db.all<{ id: string; url: string; createdAt: string }>(
      'SELECT id, url, created_at AS "createdAt" FROM org_webhooks WHERE org_id = ? ORDER BY created_at, id',
      [orgId],
    );
    return {
      orgId,
      plan: (row?.plan as SubscriptionPlan | undefined) ?? this.defaults.plan,
      operatingMode: (row?.operating_mode as OperatingMode | undefined) ?? this.defaults.operatingMode,
      archiving: { enabled: row?.archiving_enabled === 1, notifyEmail: row?.notify_email ?? null, perUser },
      webhooks,
      requiredPowers: this.requiredPowersOf(row),
      updatedAt: row?.updated_at ?? null,
    };
  }

  private requiredPowersOf(row: SettingsRow | undefined): RequiredPowers {
    return row?.required_powers
      ? { ...DEFAULT_REQUIRED_POWERS, ...(JSON.parse(row.required_powers) as Partial<RequiredPowers>) }
      : DEFAULT_REQUIRED_POWERS;
  }

  private async informationSystemRow(q: Sql, orgId: string, id: string): Promise<InformationSystemRow> {
    const row = await q.get<InformationSystemRow>('SELECT * FROM org_information_systems WHERE org_id = ? AND id = ?', [
      orgId,
      id,
    ]);
    if (!row) throw new OrganizationSettingsError('not-found', `The organization has no information system ${id}`);
    return row;
  }

  private registerInformationSystem(
    actor: Actor,
    action: string,
    name: string,
    der: Buffer,
    origin: InformationSystem['origin'],
  ): Promise<InformationSystem> {
    return this.applyChange(actor, action, async (tx) => {
      const fingerprint = certificateFingerprint(der);
      if (await tx.get('SELECT 1 AS one FROM org_information_systems WHERE fingerprint = ?', [fingerprint])) {
        throw new OrganizationSettingsError(
          'conflict',
          `This certificate (SHA-256 ${fingerprint}) is registered already`,
        );
      }
      const row: InformationSystemRow = {
        id: randomUUID(),
        org_id: actor.orgId,
        name,
        certificate: der,
        origin,
        added_at: this.clock().toISOString(),
        added_by: actor.userId,
        revoked_at: null,
      };
      await tx.run(
        'INSERT INTO org_information_systems (id, org_id, name, certificate, fingerprint, origin, added_at, added_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
        [row.id, row.org_id, row.name, der, fingerprint, origin, row.added_at, row.added_by],
      );
      const view = informationSystemView(row);
      return {
        result: view,
        changes: [
          {
            action,
            target: row.id,
            oldValue: null,
            newValue: {
              name,
              origin,
              fingerprint,
              subject: view.certificate.subject,
              notAfter: view.certificate.notAfter,
            },
          },
        ],
      };
    });
  }
}
