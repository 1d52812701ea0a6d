// Runs in: the renderer, in the agent's web client for its organization's staff. The login
// form (the hub login and password, checked by the agent against the hub) and, once in, who is
// logged in with a way out. Both talk to the web client's server itself, not to the registry.
import { useState, type FormEvent } from 'react';
import type { StaffLoginRefusal, StaffUser } from '../../../src/ipc/staff-contract';
import { useFormat, useT } from '../i18n/use-t';
import { useClerk } from '../store';

export function StaffLogin() {
  const t = useT();
  const f = useFormat();
  const language = useClerk((s) => s.language);
  const [login, setLogin] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [refusal, setRefusal] = useState<StaffLoginRefusal | null>(null);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setRefusal(null);
    try {
      const r = await fetch('/login', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ login, password }),
        credentials: 'same-origin',
      });
      // In: the page starts over with the session cookie, as the app.
      if (r.ok) return location.reload();
      setRefusal((await r.json()) as StaffLoginRefusal);
    } catch (e) {
      setRefusal({ error: 'hub-unreachable', message: e instanceof Error ? e.message : String(e) });
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="staff-login">
      <form onSubmit={(e) => void submit(e)} aria-labelledby="staff-login-title">
        <h1 id="staff-login-title">{t('staff.title')}</h1>
        <p>{t('staff.hint')}</p>
        <label>
          {t('staff.login')}
          <input
            name="login"
            autoComplete="username"
            value={login}
            onChange={(e) => setLogin(e.target.value)}
            required
          />
        </label>
        <label>
          {t('staff.password')}
          <input
            name="password"
            type="password"
            autoComplete="current-password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            required
          />
        </label>
        {refusal && (
          <p role="alert" className="error">
            {t(`staff.problem.${refusal.error}`, {
              time: refusal.retryAt ? f.time(refusal.retryAt) : '',
              message: refusal.message,
            })}
          </p>
        )}
        <div className="actions">
          <button type="submit" disabled={busy}>
            {t(busy ? 'staff.submitting' : 'staff.submit')}
          </button>
          <button
            type="button"
            className="link"
            onClick={() => useClerk.getState().setLanguage(language === 'ru' ? 'en' : 'ru')}
          >
            {t('lang.switch')}
          </button>
        </div>
      </form>
    </div>
  );
}

/** The top bar's part for a logged-in staff user: who, and the way out. */
export function StaffBar({ user }: { user: StaffUser }) {
  const t = useT();
  const logout = async () => {
    await fetch('/logout', { method: 'POST', credentials: 'same-origin' }).catch(() => {});
    location.reload();
  };
  return (
    <div className="session">
      <span>{t('staff.user', { name: user.name, organization: user.organization })}</span>
      <button type="button" className="secondary" onClick={() => void logout()}>
        {t('staff.logout')}
      </button>
    </div>
  );
}
