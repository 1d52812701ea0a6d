// Runs in: the renderer. The day-start token prompt: connect the token, see it appear, enter
// the PIN (the prompt names the token and the certificate owner and shows the tries left).
// Cancel is final: nothing asks again until the clerk opens it from the token button.
import { useEffect, useRef, useState, type FormEvent } from 'react';
import {
  dayPowerOfAttorneyRefused,
  type DayPowerOfAttorney,
  type TokenLoginResult,
  type TokenStatus,
} from '../../../src/ipc/contract';
import { errorText, invoke } from '../clerk';
import { useFormat, useT, type T } from '../i18n/use-t';
import { useClerk } from '../store';

/** The МЧД the day's certificate signs under, and what would stop its signatures, in the clerk's words. */
function DayPowerOfAttorneyNote({ poa, t }: { poa: DayPowerOfAttorney; t: T }) {
  const f = useFormat();
  const date = poa.validUntil ? f.date(`${poa.validUntil}T12:00:00+03:00`) : '';
  const note = t(`token.poa.${poa.state}`, { date, days: String(poa.daysLeft ?? '') });
  return (
    <div className="token-poa">
      {poa.number && <p>{t('token.poa.line', { number: poa.number, principal: poa.principal ?? '', date })}</p>}
      {dayPowerOfAttorneyRefused.has(poa.state) ? (
        <p role="alert" className="error">
          {note}
        </p>
      ) : poa.state === 'expiring' ? (
        <p role="alert" className="warning">
          {note}
        </p>
      ) : (
        <p className="muted">{poa.checkedAtHub ? note : t('token.poa.unchecked')}</p>
      )}
    </div>
  );
}

/** An МЧД the hub has not answered for yet, or one the clerk should see, keeps the prompt open after the login. */
const poaToSee = ({ powerOfAttorney: poa }: TokenStatus) =>
  poa !== undefined && (!poa.checkedAtHub || poa.state !== 'in-force');

function TriesLeft({ token, t }: { token: TokenStatus; t: T }) {
  if (token.pinFlags.finalTry) return <p className="warning">{t('token.finalTry')}</p>;
  if (token.pinFlags.countLow) return <p className="warning">{t('token.countLow')}</p>;
  return null;
}

export function TokenPrompt() {
  const t = useT();
  const f = useFormat();
  const token = useClerk((s) => s.token);
  const close = () => useClerk.getState().openTokenPrompt(false);
  const [pin, setPin] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const pinField = useRef<HTMLInputElement>(null);

  useEffect(() => {
    pinField.current?.focus();
  }, [token?.state]);
  useEffect(() => {
    // Quiet once logged in: the prompt closes by itself a moment after saying so.
    if (token?.state !== 'logged-in' || poaToSee(token)) return;
    const timer = setTimeout(close, 1500);
    return () => clearTimeout(timer);
  }, [token?.state, token?.powerOfAttorney?.state, token?.powerOfAttorney?.checkedAtHub]);

  if (!token) return null;
  // After Cancel the prompt opens only by the clerk's hand, and then it asks as usual.
  const asking = token.state === 'present' || (token.state === 'cancelled' && token.token !== undefined);
  const waiting = token.state === 'absent' || (token.state === 'cancelled' && token.token === undefined);

  const cancel = async () => {
    useClerk.getState().setToken(await invoke('token:cancel', undefined));
    close();
  };
  const login = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const result: TokenLoginResult = await invoke('token:login', { pin });
      useClerk.getState().setToken(result.status);
      setPin('');
      if (!result.ok) setError(t(`token-problem.${result.error ?? 'pin-incorrect'}`));
    } catch (e) {
      setError(t('common.error', { message: errorText(e) }));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="overlay">
      <section role="dialog" aria-modal="true" aria-labelledby="token-title" className="dialog token-prompt">
        <h2 id="token-title">{t('token.title')}</h2>
        {token.state === 'no-module' && (
          <p role="alert" className="error">
            {t('token.noModule', { message: token.message ?? '' })}
          </p>
        )}
        {waiting && (
          <>
            <p className="big">{t('token.connect')}</p>
            <p>{t('token.connectHint')}</p>
            <p className="muted" aria-live="polite">
              <span className="spinner" aria-hidden="true" /> {t('token.waiting')}
            </p>
          </>
        )}
        {token.token && !waiting && (
          <div className="token-identity">
            <p>{t('token.found', { label: token.token.label, serial: token.token.serial })}</p>
            {token.owner && (
              <>
                <p className="big">{t('token.owner', { name: token.owner.name })}</p>
                <p>
                  {token.owner.position
                    ? t('token.ownerPosition', {
                        position: token.owner.position,
                        organization: token.owner.organization,
                      })
                    : token.owner.organization}
                </p>
                <p className="muted">{t('token.validTo', { date: f.date(token.owner.validTo) })}</p>
              </>
            )}
            {token.powerOfAttorney && <DayPowerOfAttorneyNote poa={token.powerOfAttorney} t={t} />}
          </div>
        )}
        {token.state === 'locked' && (
          <p role="alert" className="error">
            {t('token-problem.pin-locked')}
          </p>
        )}
        {token.state === 'logged-in' && (
          <p role="status" className="ok">
            {t('token.ready')}
          </p>
        )}
        {asking && (
          <form onSubmit={login}>
            {token.token?.pinPad ? (
              <p>{t('token.pinPad')}</p>
            ) : (
              <label>
                {t('token.pin')}
                <input
                  ref={pinField}
                  type="password"
                  autoComplete="off"
                  value={pin}
                  onChange={(e) => setPin(e.target.value)}
                />
              </label>
            )}
            <TriesLeft token={token} t={t} />
            {error && (
              <p role="alert" className="error">
                {error}
              </p>
            )}
            <div className="actions">
              <button type="submit" disabled={busy || (!token.token?.pinPad && pin === '')}>
                {t('token.login')}
              </button>
              <button type="button" className="secondary" onClick={cancel}>
                {t('common.cancel')}
              </button>
            </div>
          </form>
        )}
        {!asking && (
          <div className="actions">
            <button type="button" className="secondary" onClick={waiting ? cancel : close}>
              {t(waiting ? 'common.cancel' : 'common.close')}
            </button>
          </div>
        )}
      </section>
    </div>
  );
}

/** The token's state in the top bar; a click opens the prompt (the only way after Cancel). */
export function TokenChip() {
  const t = useT();
  const token = useClerk((s) => s.token);
  if (!token) return null;
  const text =
    token.state === 'logged-in'
      ? t('token.chip.logged-in', { label: token.token?.label ?? '' })
      : t(`token.chip.${token.state}`);
  return (
    <button
      type="button"
      className={`chip token-${token.state}`}
      onClick={() => useClerk.getState().openTokenPrompt(true)}
    >
      {text}
    </button>
  );
}
