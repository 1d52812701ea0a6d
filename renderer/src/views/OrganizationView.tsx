// Runs in: the renderer. The organization's settings at the hub, for users with the right to
// change them (change-organization-settings): plan, operating mode, archiving on/off and its
// e-mail, access control per user, information systems, webhooks, and the journal of every
// change and refused attempt (who, when, what, old → new), and issuing an employee's МЧД
// (./PowerOfAttorneyIssue.tsx; only the director's signature makes one). Others see the hub's refusal.
import { useEffect, useState, type FormEvent } from 'react';
import type {
  JournalRow,
  OrganizationPatch,
  OrganizationSettingsView,
  OrganizationState,
  OrgPermission,
  Plan,
  UserAccessRow,
} from '../../../src/ipc/contract';
import { errorText, invoke } from '../clerk';
import { useFormat, useT } from '../i18n/use-t';
import { useClerk } from '../store';
import { PowerOfAttorneyIssue } from './PowerOfAttorneyIssue';

const plans: Plan[] = ['basic', 'standard', 'premium'];
const modes = ['server', 'workstation', 'manual'] as const;
const permissions: OrgPermission[] = [
  'read-restricted',
  'list-restricted',
  'change-document-settings',
  'change-organization-settings',
];
/** The journal is read whole (it grows by settings changes, not by documents), page by page. */
const journalPage = 200;

interface Form {
  plan: Plan;
  operatingMode: OrganizationSettingsView['operatingMode'];
  enabled: boolean;
  email: string;
}

const formOf = (s: OrganizationSettingsView): Form => ({
  plan: s.plan,
  operatingMode: s.operatingMode,
  enabled: s.archiving.enabled,
  email: s.archiving.notifyEmail ?? '',
});

/** Only what the clerk changed goes to the hub: each change is one line of the journal. */
function patchOf(form: Form, s: OrganizationSettingsView): OrganizationPatch | null {
  const email = form.email.trim() === '' ? null : form.email.trim();
  const archiving = {
    ...(form.enabled !== s.archiving.enabled ? { enabled: form.enabled } : {}),
    ...(email !== s.archiving.notifyEmail ? { notifyEmail: email } : {}),
  };
  const patch = {
    ...(form.plan !== s.plan ? { plan: form.plan } : {}),
    ...(form.operatingMode !== s.operatingMode ? { operatingMode: form.operatingMode } : {}),
    ...(Object.keys(archiving).length > 0 ? { archiving } : {}),
  };
  return Object.keys(patch).length > 0 ? patch : null;
}

async function wholeJournal(): Promise<JournalRow[]> {
  const rows: JournalRow[] = [];
  for (let after = 0; ;) {
    const page = await invoke('organization:journal', { after, limit: journalPage });
    rows.push(...page.entries);
    if (!page.hasMore || page.entries.length === 0) return rows;
    after = page.next;
  }
}

export function OrganizationView() {
  const t = useT();
  const f = useFormat();
  const setNotice = useClerk((s) => s.setNotice);
  const [state, setState] = useState<OrganizationState | null>(null);
  const [form, setForm] = useState<Form | null>(null);
  const [access, setAccess] = useState<UserAccessRow[]>([]);
  const [journal, setJournal] = useState<JournalRow[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  const fail = (e: unknown) => setNotice({ kind: 'error', text: t('common.error', { message: errorText(e) }) });
  const show = async (next: OrganizationState) => {
    setState(next);
    if (!next.allowed) return;
    setForm(formOf(next.settings));
    setAccess(next.settings.access);
    setJournal((await wholeJournal()).reverse());
  };

  useEffect(() => {
    invoke('organization:get', undefined).then(show, (e: unknown) => setError(errorText(e)));
  }, []);

  if (error)
    return (
      <p role="alert" className="error">
        {t('common.error', { message: error })}
      </p>
    );
  if (!state) return <p>{t('common.loading')}</p>;
  if (!state.allowed) {
    return (
      <section aria-labelledby="org-title" className="organization">
        <h2 id="org-title">{t('org.title')}</h2>
        <p role="alert" className="error">
          {t('org.refused')}
        </p>
        <p className="muted">{state.message}</p>
      </section>
    );
  }
  const settings = state.settings;
  const you = (userId: string) => (userId === state.me ? `${state.meName} ${t('org.access.you')}` : userId);

  const save = async (e: FormEvent) => {
    e.preventDefault();
    if (!form) return;
    const patch = patchOf(form, settings);
    if (!patch) return;
    try {
      const next = await invoke('organization:patch', patch);
      await show(next);
      setNotice(next.allowed ? { kind: 'info', text: t('org.saved') } : { kind: 'error', text: next.message });
    } catch (error) {
      fail(error);
    }
  };
  const saveAccess = async () => {
    try {
      const next = await invoke('organization:setAccess', { users: access });
      await show(next);
      setNotice(next.allowed ? { kind: 'info', text: t('org.saved') } : { kind: 'error', text: next.message });
    } catch (error) {
      fail(error);
    }
  };
  const toggle = (userId: string, permission: OrgPermission, on: boolean) =>
    setAccess(
      access.map((u) =>
        u.userId !== userId
          ? u
          : { ...u, permissions: on ? [...u.permissions, permission] : u.permissions.filter((p) => p !== permission) },
      ),
    );
  const perUser = Object.entries(settings.archiving.perUser)
    .filter(([, on]) => on)
    .map(([id]) => you(id));

  return (
    <section aria-labelledby="org-title" className="organization">
      <h2 id="org-title">{t('org.title')}</h2>
      {settings.updatedAt && <p className="muted">{t('org.updatedAt', { time: f.dateTime(settings.updatedAt) })}</p>}
      {form && (
        <form onSubmit={save} aria-label={t('org.title')}>
          <label>
            {t('org.plan')}
            <select value={form.plan} onChange={(e) => setForm({ ...form, plan: e.target.value as Plan })}>
              {plans.map((p) => (
                <option key={p} value={p}>
                  {t(`org.plan.${p}`)}
                </option>
              ))}
            </select>
          </label>
          <label>
            {t('org.mode')}
            <select
              value={form.operatingMode}
              onChange={(e) => setForm({ ...form, operatingMode: e.target.value as Form['operatingMode'] })}
            >
              {modes.map((m) => (
                <option key={m} value={m}>
                  {t(`org.mode.${m}`)}
                </option>
              ))}
            </select>
          </label>
          <fieldset>
            <legend>{t('org.archiving')}</legend>
            <label className="check">
              <input
                type="checkbox"
                checked={form.enabled}
                onChange={(e) => setForm({ ...form, enabled: e.target.checked })}
              />
              {t('org.archiving.enabled')}
            </label>
            <label>
              {t('org.archiving.email')}
              <input
                type="email"
                value={form.email}
                onChange={(e) => setForm({ ...form, email: e.target.value })}
                placeholder="archive@example.ru"
              />
            </label>
            {perUser.length > 0 && <p className="muted">{t('org.archiving.perUser', { users: perUser.join(', ') })}</p>}
          </fieldset>
          <button type="submit" disabled={!patchOf(form, settings)}>
            {t('common.save')}
          </button>
        </form>
      )}

      <PowerOfAttorneyIssue />

      <h3 id="org-access">{t('org.access')}</h3>
      <table className="plain access-table" aria-labelledby="org-access">
        <thead>
          <tr>
            <th>{t('org.access.user')}</th>
            {permissions.map((p) => (
              <th key={p} className="perm center">
                {t(`org.perm.${p}`)}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {access.map((u) => (
            <tr key={u.userId}>
              <td>{you(u.userId)}</td>
              {permissions.map((p) => (
                <td key={p} className="center">
                  <input
                    type="checkbox"
                    aria-label={`${u.userId}: ${t(`org.perm.${p}`)}`}
                    checked={u.permissions.includes(p)}
                    onChange={(e) => toggle(u.userId, p, e.target.checked)}
                  />
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      <p>
        <button
          type="button"
          className="secondary"
          onClick={() => void saveAccess()}
          disabled={JSON.stringify(access) === JSON.stringify(settings.access)}
        >
          {t('org.access.save')}
        </button>
      </p>

      <h3 id="org-systems">{t('org.systems')}</h3>
      {settings.informationSystems.length === 0 ? (
        <p className="empty">{t('org.none')}</p>
      ) : (
        <table className="plain" aria-labelledby="org-systems">
          <thead>
            <tr>
              <th>{t('org.systems.name')}</th>
              <th>{t('org.systems.certificate')}</th>
              <th>{t('org.systems.validTo')}</th>
              <th>{t('org.systems.state')}</th>
            </tr>
          </thead>
          <tbody>
            {settings.informationSystems.map((s) => (
              <tr key={s.id}>
                <td>{s.name}</td>
                <td>
                  {s.subject} <small className="muted">({t(`org.systems.${s.origin}`)})</small>
                </td>
                <td>{f.date(s.validTo)}</td>
                <td className={s.revoked ? 'error' : 'ok'}>
                  {t(s.revoked ? 'org.systems.revoked' : 'org.systems.active')}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}

      <h3>{t('org.webhooks')}</h3>
      {settings.webhooks.length === 0 ? (
        <p className="empty">{t('org.none')}</p>
      ) : (
        <ul>
          {settings.webhooks.map((w) => (
            <li key={w.id}>
              {w.url} <small className="muted">{f.dateTime(w.createdAt)}</small>
            </li>
          ))}
        </ul>
      )}

      <h3 id="org-journal">{t('org.journal')}</h3>
      {journal?.length === 0 && <p className="empty">{t('org.journal.empty')}</p>}
      {journal && journal.length > 0 && (
        <table className="plain journal" aria-labelledby="org-journal">
          <thead>
            <tr>
              <th>{t('org.journal.at')}</th>
              <th>{t('org.journal.actor')}</th>
              <th>{t('org.journal.action')}</th>
              <th>{t('org.journal.change')}</th>
              <th>{t('org.journal.outcome')}</th>
            </tr>
          </thead>
          <tbody>
            {journal.map((j) => (
              <tr key={j.seq}>
                <td>{f.dateTime(j.at)}</td>
                <td>{you(j.actor)}</td>
                <td>
                  {j.action}
                  {j.target && <small className="muted"> · {j.target}</small>}
                </td>
                <td className="change">
                  {j.outcome === 'refused'
                    ? (j.reason ?? '')
                    : `${j.oldValue ?? t('common.none')} → ${j.newValue ?? t('common.none')}`}
                </td>
                <td className={`outcome-${j.outcome}`}>{t(`org.journal.${j.outcome}`)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
