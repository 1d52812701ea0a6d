// Runs in: the renderer. Adding to the outbox: drop or pick files, choose the counterparty
// from the connected contacts, sign on the token, and send now or with the next session.
import { useState, type DragEvent, type FormEvent } from 'react';
import { isTokenReason, type Contact } from '../../../src/ipc/contract';
import { errorText, fileToBase64, invoke } from '../clerk';
import { useFormat, useT } from '../i18n/use-t';
import { useClerk } from '../store';

export function OutboxAdd({ contacts, onClose }: { contacts: Contact[]; onClose: () => void }) {
  const t = useT();
  const f = useFormat();
  const connected = contacts.filter((c) => c.state === 'connected');
  const [files, setFiles] = useState<File[]>([]);
  const [title, setTitle] = useState('');
  const [counterpartyId, setCounterpartyId] = useState('');
  const [signatureRequested, setSignatureRequested] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [dragging, setDragging] = useState(false);

  const addFiles = (list: FileList | null) => {
    if (!list) return;
    const added = [...list];
    setFiles((current) => [...current, ...added]);
    if (!title && added[0]) setTitle(added[0].name.replace(/\.[^.]+$/, ''));
  };
  const drop = (e: DragEvent) => {
    e.preventDefault();
    setDragging(false);
    addFiles(e.dataTransfer.files);
  };

  const submit = async (sendNow: boolean, event?: FormEvent) => {
    event?.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const payload = await Promise.all(
        files.map(async (file) => ({ name: file.name, contentBase64: await fileToBase64(file) })),
      );
      const result = await invoke('outbox:add', { title, counterpartyId, files: payload, signatureRequested });
      if (result.failed) {
        // Nothing was queued: the dialog stays open with the files, and the token is asked for.
        setError(t('outbox.add.notSigned', { count: files.length, reason: t(`reason.${result.failed.reason}`) }));
        if (isTokenReason(result.failed.reason)) useClerk.getState().openTokenPrompt(true);
        return;
      }
      const lines = [t('outbox.add.added', { count: result.queued.length })];
      if (sendNow) {
        const start = await invoke('outbox:send', undefined);
        lines.push(
          t(
            start.started ? 'session.started' : start.reason === 'queued' ? 'session.queued' : 'session.alreadyRunning',
          ),
        );
      } else lines.push(t('outbox.add.willSend'));
      useClerk.getState().setNotice({ kind: 'info', text: lines.join(' ') });
      onClose();
    } catch (e) {
      setError(t('common.error', { message: errorText(e) }));
    } finally {
      setBusy(false);
    }
  };

  const ready = files.length > 0 && title.trim() !== '' && counterpartyId !== '' && !busy;
  return (
    <div className="overlay">
      <form
        role="dialog"
        aria-modal="true"
        aria-labelledby="outbox-add-title"
        className="dialog outbox-add"
        onSubmit={(e) => submit(true, e)}
      >
        <h2 id="outbox-add-title">{t('outbox.add.title')}</h2>
        <div
          className={`dropzone${dragging ? ' dragging' : ''}`}
          onDragOver={(e) => {
            e.preventDefault();
            setDragging(true);
          }}
          onDragLeave={() => setDragging(false)}
          onDrop={drop}
        >
          {t('outbox.add.drop')}{' '}
          <label className="link">
            {t('outbox.add.pick')}
            <input type="file" multiple hidden onChange={(e) => addFiles(e.target.files)} data-testid="outbox-files" />
          </label>
        </div>
        {files.length > 0 && (
          <>
            <p>{t('outbox.add.files', { count: files.length })}</p>
            <ul className="files">
              {files.map((file, i) => (
                <li key={`${file.name}-${i}`}>
                  {file.name} · {f.size(file.size)}
                </li>
              ))}
            </ul>
          </>
        )}
        <label>
          {t('outbox.add.docTitle')}
          <input value={title} onChange={(e) => setTitle(e.target.value)} />
        </label>
        <label>
          {t('outbox.add.counterparty')}
          <select value={counterpartyId} onChange={(e) => setCounterpartyId(e.target.value)}>
            <option value="">{t('outbox.add.choose')}</option>
            {connected.map((c) => (
              <option key={c.subscriber.id} value={c.subscriber.id}>
                {c.subscriber.name} · {c.subscriber.inn}
              </option>
            ))}
          </select>
        </label>
        <label className="check">
          <input
            type="checkbox"
            checked={signatureRequested}
            onChange={(e) => setSignatureRequested(e.target.checked)}
          />
          {t('outbox.add.requestSignature')}
        </label>
        {connected.length === 0 && <p className="warning">{t('outbox.add.noContacts')}</p>}
        {error && (
          <p role="alert" className="error">
            {error}
          </p>
        )}
        <div className="actions">
          <button type="submit" disabled={!ready}>
            {t('outbox.add.sendNow')}
          </button>
          <button type="button" disabled={!ready} onClick={() => submit(false)}>
            {t('outbox.add.later')}
          </button>
          <button type="button" className="secondary" onClick={onClose}>
            {t('common.cancel')}
          </button>
        </div>
      </form>
    </div>
  );
}
