// Runs in: the renderer. The Organization view's "Выдать МЧД" (docs/architecture.md §7): the
// director, a settings administrator, issues an employee a machine-readable power of attorney
// as `edo-clerk poa create` does — the representative's certificate (pasted PEM or a file read
// here), powers from the FNS classifier (the CLI's defaults ticked), the last day, no
// redelegation. Main signs it with the day's token, registers it at the hub and saves its files
// where the clerk chooses; a refusal comes back by code and is worded here, with the core's words.
import { useState, type FormEvent } from 'react';
import {
  DEFAULT_POWER_CODES,
  hubPowerOfAttorneyRefusal,
  isHubPowerOfAttorneyCode,
  isTokenReason,
  KnownPowerCode,
  POWER_CLASSIFIER,
  powerOfAttorneyText,
  type PowerOfAttorneyIssued,
} from '../../../src/ipc/contract';
import { errorText, invoke, startDownloads } from '../clerk';
import { useT } from '../i18n/use-t';
import { useClerk } from '../store';
import { DateField, shownDate } from './DateField';

/** The file's bytes as base64, for the contract (a PEM's text or a DER alike). */
async function fileBase64(file: File): Promise<string> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

const textBase64 = (text: string) => btoa(String.fromCharCode(...new TextEncoder().encode(text)));

export function PowerOfAttorneyIssue() {
  const t = useT();
  const language = useClerk((s) => s.language);
  const [pem, setPem] = useState('');
  const [picked, setPicked] = useState<{ name: string; base64: string } | null>(null);
  const [powers, setPowers] = useState<KnownPowerCode[]>([...DEFAULT_POWER_CODES]);
  const [validUntil, setValidUntil] = useState<string | undefined>(undefined);
  const [noRedelegation, setNoRedelegation] = useState(false);
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState<{ error: boolean; lines: string[] } | null>(null);

  /** Why nothing was issued, in the clerk's language. */
  const refusal = (r: PowerOfAttorneyIssued): string => {
    const facts = r.facts ?? {};
    if (r.problem) return powerOfAttorneyText(`issue.${r.problem}`, facts, language);
    if (r.hubRefusal && isHubPowerOfAttorneyCode(r.hubRefusal.code))
      return hubPowerOfAttorneyRefusal(r.hubRefusal.code, r.hubRefusal.message, facts.organization, language);
    if (r.hubRefusal) return r.hubRefusal.message;
    if (r.tokenReason) return t('poa.issue.token', { reason: t(`reason.${r.tokenReason}`) });
    return t('poa.issue.unavailable');
  };

  const issue = async (e: FormEvent) => {
    e.preventDefault();
    if (!validUntil) return;
    setBusy(true);
    setNotice(null);
    try {
      const r = await invoke('poa:issue', {
        representativeCertificate: picked?.base64 ?? textBase64(pem.trim()),
        powerCodes: powers,
        validUntil,
        noRedelegation,
      });
      if (r.issued && r.number) {
        const status = r.status ? t(`poa.status.${r.status}`) : '';
        const lines = [
          t('poa.issue.done', { number: r.number, validUntil: shownDate(r.validUntil, language), status }),
        ];
        if (r.files) lines.push(t('poa.issue.saved', { files: r.files.join(', ') }));
        if (r.downloads) {
          startDownloads(r.downloads);
          lines.push(t('poa.issue.downloaded', { files: r.downloads.map((d) => d.name).join(', ') }));
        }
        setNotice({ error: false, lines });
      } else if (!r.issued && (r.problem || r.hubRefusal || r.tokenReason || r.unavailable)) {
        setNotice({ error: true, lines: [refusal(r)] });
        if (r.tokenReason && isTokenReason(r.tokenReason)) useClerk.getState().openTokenPrompt(true);
      }
    } catch (error) {
      setNotice({ error: true, lines: [t('common.error', { message: errorText(error) })] });
    } finally {
      setBusy(false);
    }
  };

  const ready = (picked !== null || pem.trim() !== '') && powers.length > 0 && validUntil !== undefined && !busy;
  return (
    <section aria-labelledby="poa-issue-title" className="poa-issue">
      <h3 id="poa-issue-title">{t('poa.issue.title')}</h3>
      <p className="muted">{t('poa.issue.intro')}</p>
      <form onSubmit={(e) => void issue(e)} aria-labelledby="poa-issue-title">
        <label>
          {t('poa.issue.certificate')}
          <textarea
            rows={4}
            value={pem}
            disabled={picked !== null}
            onChange={(e) => setPem(e.target.value)}
            placeholder="-----BEGIN CERTIFICATE-----"
          />
        </label>
        <label>
          {t('poa.issue.certificateFile')}
          <input
            type="file"
            accept=".pem,.cer,.crt,.der"
            onChange={(e) => {
              const file = e.target.files?.[0];
              if (!file) return setPicked(null);
              void fileBase64(file).then((base64) => setPicked({ name: file.name, base64 }));
            }}
          />
        </label>
        {picked && <p className="muted">{t('poa.issue.certificateChosen', { file: picked.name })}</p>}
        <fieldset>
          <legend>{t('poa.issue.powers')}</legend>
          {KnownPowerCode.options.map((code) => (
            <label key={code} className="check">
              <input
                type="checkbox"
                checked={powers.includes(code)}
                onChange={(e) => setPowers(e.target.checked ? [...powers, code] : powers.filter((p) => p !== code))}
              />
              {POWER_CLASSIFIER[code]} <small className="muted">{code}</small>
            </label>
          ))}
        </fieldset>
        <label htmlFor="poa-valid-until">{t('poa.issue.validUntil')}</label>
        <DateField id="poa-valid-until" value={validUntil} onChange={setValidUntil} />
        <label className="check">
          <input type="checkbox" checked={noRedelegation} onChange={(e) => setNoRedelegation(e.target.checked)} />
          {t('poa.issue.noRedelegation')}
        </label>
        <button type="submit" disabled={!ready}>
          {busy ? t('poa.issue.signing') : t('poa.issue.submit')}
        </button>
      </form>
      {notice && (
        <div role={notice.error ? 'alert' : 'status'} className={notice.error ? 'error' : 'ok'}>
          {notice.lines.map((line) => (
            <p key={line}>{line}</p>
          ))}
        </div>
      )}
    </section>
  );
}
