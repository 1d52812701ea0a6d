// Runs in: the renderer. The profile's settings: exchange server, the organization's mode
// (shown, not edited), schedule, token module paths, the service login with its password in
// the OS keychain, language, start at login, and how signatures are checked (a time-stamp
// service, a CRL folder, an OCSP proxy, offline mode).
import { useEffect, useState, type FormEvent } from 'react';
import { SignatureChecksPatch, type Language, type Settings } from '../../../src/ipc/contract';
import { errorText, invoke } from '../clerk';
import { translate } from '../i18n';
import { useT } from '../i18n/use-t';
import { useClerk } from '../store';

/** The text fields of the signature checks; an empty one is a setting not made. */
const checkFields = ['tsaUrl', 'crlFolder', 'ocspProxy'] as const;
type CheckField = (typeof checkFields)[number];

/** What the view sends: the fields as typed, trimmed, the empty ones left out. */
function checksPatch(checks: Settings['signatureChecks']) {
  return SignatureChecksPatch.safeParse({
    offline: checks.offline,
    ...Object.fromEntries(
      checkFields.flatMap((f) => {
        const value = checks[f]?.trim();
        return value ? [[f, value]] : [];
      }),
    ),
  });
}

export function SettingsView() {
  const t = useT();
  const settings = useClerk((s) => s.settings);
  const setNotice = useClerk((s) => s.setNotice);
  const [form, setForm] = useState<Settings | null>(settings);
  const [modules, setModules] = useState('');
  const [password, setPassword] = useState('');
  /** The signature-check fields main would refuse, each said at its field. */
  const [badChecks, setBadChecks] = useState<ReadonlySet<CheckField>>(new Set());

  useEffect(() => {
    setForm(settings);
    setModules(settings?.modulePaths.join('\n') ?? '');
  }, [settings]);

  if (!form) return <p>{t('common.loading')}</p>;
  const fail = (e: unknown) => setNotice({ kind: 'error', text: t('common.error', { message: errorText(e) }) });

  const save = async (e: FormEvent) => {
    e.preventDefault();
    const checks = checksPatch(form.signatureChecks);
    setBadChecks(new Set(checks.error?.issues.map((i) => i.path[0] as CheckField)));
    if (!checks.success) return;
    try {
      const saved = await invoke('settings:set', {
        serverUrl: form.serverUrl.trim(),
        scheduleMinutes: form.scheduleMinutes,
        modulePaths: modules
          .split('\n')
          .map((m) => m.trim())
          .filter(Boolean),
        login: form.login,
        language: form.language,
        startAtLogin: form.startAtLogin,
        signatureChecks: checks.data,
      });
      useClerk.getState().setSettings(saved);
      // Said in the language just chosen.
      setNotice({ kind: 'info', text: translate(saved.language, 'common.saved') });
    } catch (error) {
      fail(error);
    }
  };
  const storePassword = async () => {
    try {
      await invoke('secrets:set', { name: 'servicePassword', value: password });
      setPassword('');
      useClerk.getState().setSettings(await invoke('settings:get', undefined));
      setNotice({ kind: 'info', text: t('settings.passwordStored') });
    } catch (error) {
      fail(error);
    }
  };

  return (
    <section aria-labelledby="settings-title">
      <h2 id="settings-title">{t('settings.title')}</h2>
      <form className="settings" onSubmit={save}>
        <label>
          {t('settings.server')}
          <input
            type="url"
            value={form.serverUrl}
            onChange={(e) => setForm({ ...form, serverUrl: e.target.value })}
            placeholder="https://"
          />
        </label>
        <div className="field">
          <span>{t('settings.mode')}</span>
          <output>{t(`settings.mode.${form.mode}`)}</output>
        </div>
        <label>
          {t('settings.schedule')}
          <input
            type="number"
            min={0}
            max={1440}
            value={form.scheduleMinutes}
            onChange={(e) => setForm({ ...form, scheduleMinutes: Number(e.target.value) })}
          />
        </label>
        <label>
          {t('settings.modules')}
          <textarea rows={3} value={modules} onChange={(e) => setModules(e.target.value)} />
        </label>
        <label>
          {t('settings.login')}
          <input value={form.login} onChange={(e) => setForm({ ...form, login: e.target.value })} autoComplete="off" />
        </label>
        <div className="field">
          <label>
            {t('settings.password')}
            <input
              type="password"
              value={password}
              onChange={(e) => setPassword(e.target.value)}
              autoComplete="new-password"
            />
          </label>
          <button type="button" disabled={password === ''} onClick={storePassword}>
            {t('settings.storePassword')}
          </button>
          <small className={form.secrets.servicePassword ? 'ok' : 'muted'}>
            {t(form.secrets.servicePassword ? 'settings.passwordStored' : 'settings.passwordMissing')}
          </small>
        </div>
        <label>
          {t('settings.language')}
          <select value={form.language} onChange={(e) => setForm({ ...form, language: e.target.value as Language })}>
            <option value="ru">{t('settings.lang.ru')}</option>
            <option value="en">{t('settings.lang.en')}</option>
          </select>
        </label>
        <label className="check">
          <input
            type="checkbox"
            checked={form.startAtLogin}
            onChange={(e) => setForm({ ...form, startAtLogin: e.target.checked })}
          />
          {t('settings.startAtLogin')}
        </label>
        <fieldset>
          <legend>{t('settings.checks')}</legend>
          {checkFields.map((field) => (
            <div className="field" key={field}>
              <label>
                {t(`settings.checks.${field}`)}
                <input
                  value={form.signatureChecks[field] ?? ''}
                  onChange={(e) => {
                    setForm({ ...form, signatureChecks: { ...form.signatureChecks, [field]: e.target.value } });
                    setBadChecks(new Set([...badChecks].filter((f) => f !== field)));
                  }}
                  placeholder={field === 'tsaUrl' ? t('settings.checks.tsaUrl.default') : undefined}
                  aria-invalid={badChecks.has(field)}
                  aria-describedby={badChecks.has(field) ? `checks-${field}-error` : undefined}
                />
              </label>
              {badChecks.has(field) && (
                <small id={`checks-${field}-error`} role="alert" className="error">
                  {t(`settings.checks.${field}.invalid`)}
                </small>
              )}
            </div>
          ))}
          <label className="check">
            <input
              type="checkbox"
              checked={form.signatureChecks.offline}
              onChange={(e) =>
                setForm({ ...form, signatureChecks: { ...form.signatureChecks, offline: e.target.checked } })
              }
            />
            {t('settings.checks.offline')}
          </label>
        </fieldset>
        <div className="actions">
          <button type="submit">{t('common.save')}</button>
        </div>
      </form>
    </section>
  );
}
