// The in-memory archive and organization settings of MemoryClerk: the rules the Archive and
// Organization views rely on (usage against the quota, entries verified or failed, a download
// that writes the original and its signatures, settings only for a user with the right, every
// change and refusal journaled old → new) without a hub.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ArchiveService, OrganizationService } from '../../../main/archive-services';
import type {
  ArchiveEntryRow,
  JournalRow,
  OrganizationSettingsView,
  OrganizationState,
} from '../../../src/ipc/contract';

const GB = 1024 ** 3;

interface MemoryEntry {
  row: ArchiveEntryRow;
  content: Buffer;
  signatures: Buffer[];
}

export class MemoryArchive {
  usedBytes = 219_770_000;
  quotaBytes = 5 * GB;
  entries: MemoryEntry[] = [];
  notArchived: { fileName: string; size: number; refusedAt: string; reason: string }[] = [];
  /** Indexes whose audit fails (as an edited archive would). */
  tampered = new Set<number>();
  /** The user has change-organization-settings. */
  allowed = true;
  readonly me = 'user-ivanova';
  settings: OrganizationSettingsView;
  journal: JournalRow[] = [];
  private verified = new Set<number>();

  constructor() {
    const files = [
      ['document', 'Договор поставки № 12.pdf', 182_344],
      ['receipt-notice', 'DP_IZVPOL_2BE_2BM_20261102.xml', 2_910],
      ['document', 'Счёт-фактура № 501.pdf', 96_512],
      ['document', 'Акт сверки за октябрь.xlsx', 41_208],
      ['clarification-request', 'DP_UVUTOCH_2BE_2BM_20261105.xml', 3_404],
    ] as const;
    files.forEach(([kind, fileName, size], index) => {
      this.entries.push({
        row: {
          index,
          kind,
          fileName,
          size,
          archivedAt: new Date(Date.UTC(2026, 10, 2 + index, 9, 30)).toISOString(),
          signatures: kind === 'document' ? 2 : 1,
          verification: 'unchecked',
        },
        content: Buffer.from(`${fileName}\n`),
        signatures: Array.from({ length: kind === 'document' ? 2 : 1 }, (_, i) => Buffer.from(`CMS ${index}.${i}`)),
      });
    });
    this.settings = {
      plan: 'standard',
      operatingMode: 'workstation',
      archiving: { enabled: true, notifyEmail: 'archive@romashka.ru', perUser: {} },
      webhooks: [{ id: 'wh-1', url: 'https://erp.romashka.ru/edo/events', createdAt: '2026-11-01T08:00:00.000Z' }],
      updatedAt: '2026-11-01T08:00:00.000Z',
      access: [
        { userId: this.me, permissions: ['change-organization-settings', 'read-restricted', 'list-restricted'] },
        { userId: 'user-sidorov', permissions: ['list-restricted'] },
      ],
      informationSystems: [
        {
          id: 'is-1',
          name: '1С:Бухгалтерия',
          subject: 'ООО "Ромашка" 1С',
          validTo: '2027-11-01T00:00:00.000Z',
          origin: 'generated',
          addedAt: '2026-11-01T08:10:00.000Z',
          revoked: false,
        },
      ],
    };
    this.journalChange('operator', 'archiving.enabled', false, true, '2026-11-01T08:00:00.000Z');
  }

  private journalChange(
    actor: string,
    action: string,
    oldValue: unknown,
    newValue: unknown,
    at = new Date().toISOString(),
    outcome: JournalRow['outcome'] = 'applied',
    reason?: string,
    target?: string,
  ): void {
    const json = (v: unknown) => (v === undefined || v === null ? null : JSON.stringify(v));
    this.journal.push({
      seq: this.journal.length + 1,
      at,
      actor,
      action,
      ...(target ? { target } : {}),
      oldValue: json(oldValue),
      newValue: json(newValue),
      outcome,
      ...(reason ? { reason } : {}),
    });
  }

  private refusal(action: string): OrganizationState {
    const message = `User ${this.me} does not have the permission change-organization-settings: ${action} refused (the attempt is journaled)`;
    this.journalChange(this.me, action, undefined, undefined, undefined, 'refused', message);
    return { allowed: false, message };
  }

  private state(): OrganizationState {
    return { allowed: true, me: this.me, meName: 'Иванова Мария Петровна', settings: structuredClone(this.settings) };
  }

  archiveService(): ArchiveService {
    const row = (e: MemoryEntry): ArchiveEntryRow => ({
      ...e.row,
      ...(this.verified.has(e.row.index) ? { verification: 'verified' as const } : {}),
    });
    return {
      status: async () => ({
        usedBytes: this.usedBytes,
        quotaBytes: this.quotaBytes,
        notArchived: [...this.notArchived],
        lastTreeHead: this.verified.size > 0 ? { treeSize: 1288, signedAt: '2026-11-22T09:00:00.000Z' } : null,
        consistency: { ok: true },
      }),
      list: async () => this.entries.map(row),
      verify: async () => {
        const entries = this.entries.map((e): ArchiveEntryRow => {
          if (!this.tampered.has(e.row.index)) {
            this.verified.add(e.row.index);
            return row(e);
          }
          this.verified.delete(e.row.index);
          const message = `archive verification failed (entry-changed): entry ${e.row.index} (${e.row.fileName}) does not hash to the leaf hash recorded when it was archived`;
          return { ...e.row, verification: 'failed', problem: 'entry-changed', message };
        });
        return { treeSize: 1288, tree: { ok: true }, entries };
      },
      download: async (index, dir) => {
        const entry = this.entries[index];
        if (!entry) throw new Error(`The organization has no archive entry ${index}`);
        mkdirSync(dir, { recursive: true });
        const file = join(dir, entry.row.fileName);
        writeFileSync(file, entry.content);
        const signatures = entry.signatures.map((s, i) => {
          const path = `${file}${entry.signatures.length > 1 ? `.${i + 1}` : ''}.sig`;
          writeFileSync(path, s);
          return path;
        });
        return { file, signatures };
      },
    };
  }

  organizationService(): OrganizationService {
    return {
      get: async () => (this.allowed ? this.state() : this.refusal('settings.read')),
      patch: async (patch) => {
        if (!this.allowed) return this.refusal('settings.change');
        const s = this.settings;
        if (patch.plan !== undefined && patch.plan !== s.plan)
          this.journalChange(this.me, 'plan', s.plan, (s.plan = patch.plan));
        if (patch.operatingMode !== undefined && patch.operatingMode !== s.operatingMode)
          this.journalChange(this.me, 'operatingMode', s.operatingMode, (s.operatingMode = patch.operatingMode));
        const a = patch.archiving;
        if (a?.enabled !== undefined && a.enabled !== s.archiving.enabled)
          this.journalChange(this.me, 'archiving.enabled', s.archiving.enabled, (s.archiving.enabled = a.enabled));
        if (a?.notifyEmail !== undefined && a.notifyEmail !== s.archiving.notifyEmail)
          this.journalChange(
            this.me,
            'archiving.notifyEmail',
            s.archiving.notifyEmail,
            (s.archiving.notifyEmail = a.notifyEmail),
          );
        s.updatedAt = new Date().toISOString();
        return this.state();
      },
      setAccess: async ({ users }) => {
        if (!this.allowed) return this.refusal('access');
        if (!users.some((u) => u.permissions.includes('change-organization-settings')))
          throw new Error('Someone must keep the permission change-organization-settings');
        this.journalChange(this.me, 'access', this.settings.access, users);
        this.settings.access = users;
        return this.state();
      },
      journal: async (after, limit) => {
        if (!this.allowed) {
          const refused = this.refusal('journal.read');
          throw new Error(refused.allowed ? 'unreachable' : refused.message);
        }
        const entries = this.journal.filter((e) => e.seq > after).slice(0, limit);
        const next = entries.at(-1)?.seq ?? after;
        return { entries, next, hasMore: this.journal.some((e) => e.seq > next) };
      },
    };
  }
}
