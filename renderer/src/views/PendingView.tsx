// Runs in: the renderer. What the document flow still needs from us: documents and annulment
// proposals waiting for the clerk's own answer (opened one by one: "Sign all" never signs them),
// then service documents to sign, why each waits, with Sign selected and Sign all.
import { useEffect, useState } from 'react';
import { isTokenReason, type Awaiting, type PendingItem, type PendingSignArgs } from '../../../src/ipc/contract';
import { errorText, invoke } from '../clerk';
import { useFormat, useT } from '../i18n/use-t';
import { useClerk } from '../store';

/** Each is the clerk's explicit act in the document view (docs/architecture.md §5a). */
function AwaitingList() {
  const t = useT();
  const revision = useClerk((s) => s.revision.pending);
  const [awaiting, setAwaiting] = useState<Awaiting | null>(null);
  useEffect(() => {
    invoke('workflow:awaiting', undefined).then(
      (a) => {
        setAwaiting(a);
        useClerk.setState({ awaitingCount: a.signature.length + a.annulment.length });
      },
      () => setAwaiting(null),
    );
  }, [revision]);
  const rows = awaiting
    ? [
        ...awaiting.signature.map((a) => ({ ...a, what: 'awaiting.signature' as const })),
        ...awaiting.annulment.map((a) => ({ ...a, what: 'awaiting.annulment' as const })),
      ]
    : [];
  if (rows.length === 0) return null;
  return (
    <section aria-labelledby="awaiting-title">
      <h2 id="awaiting-title">{t('awaiting.title')}</h2>
      <table className="plain" aria-labelledby="awaiting-title">
        <tbody>
          {rows.map((a) => (
            <tr key={`${a.what}-${a.documentId}`}>
              <td>
                <button type="button" className="link" onClick={() => useClerk.getState().openDocument(a.documentId)}>
                  {a.title}
                </button>
              </td>
              <td>{a.counterparty}</td>
              <td>{t(a.what)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

export function PendingView() {
  const t = useT();
  const f = useFormat();
  const revision = useClerk((s) => s.revision.pending);
  const setNotice = useClerk((s) => s.setNotice);
  const [items, setItems] = useState<PendingItem[] | null>(null);
  const [selected, setSelected] = useState<Set<number>>(new Set());
  const [busy, setBusy] = useState(false);

  const reload = () =>
    invoke('pending:list', undefined).then(
      (list) => {
        setItems(list);
        useClerk.setState({ pendingCount: list.length });
        setSelected((s) => new Set([...s].filter((id) => list.some((i) => i.id === id))));
      },
      (e: unknown) => setNotice({ kind: 'error', text: t('common.error', { message: errorText(e) }) }),
    );
  useEffect(() => {
    void reload();
  }, [revision]);

  const sign = async (which: PendingSignArgs) => {
    setBusy(true);
    try {
      const outcome = await invoke('pending:sign', which);
      const failure = outcome.failed[0];
      setNotice({
        kind: failure ? 'error' : 'info',
        text:
          t('pending.done', { signed: outcome.signed.length, failed: outcome.failed.length }) +
          (failure ? ` (${t(`reason.${failure.reason}`)})` : ''),
      });
      if (failure && isTokenReason(failure.reason)) useClerk.getState().openTokenPrompt(true);
      await reload();
    } catch (e) {
      setNotice({ kind: 'error', text: t('common.error', { message: errorText(e) }) });
    } finally {
      setBusy(false);
    }
  };

  const toggle = (id: number) =>
    setSelected((s) => {
      const next = new Set(s);
      if (!next.delete(id)) next.add(id);
      return next;
    });

  return (
    <>
      <AwaitingList />
      <section aria-labelledby="pending-title">
        <div className="view-head">
          <h2 id="pending-title">{t('pending.title')}</h2>
          <div className="actions">
            <button type="button" disabled={busy || selected.size === 0} onClick={() => sign({ ids: [...selected] })}>
              {t('pending.signSelected', { count: selected.size })}
            </button>
            <button type="button" disabled={busy || !items?.length} onClick={() => sign({ all: true })}>
              {t('pending.signAll')}
            </button>
          </div>
        </div>
        {items === null && <p>{t('common.loading')}</p>}
        {items?.length === 0 && <p className="empty">{t('pending.empty')}</p>}
        {items && items.length > 0 && (
          <table className="plain">
            <thead>
              <tr>
                <th>
                  <input
                    type="checkbox"
                    aria-label={t('pending.selectAll')}
                    checked={selected.size === items.length}
                    onChange={(e) => setSelected(new Set(e.target.checked ? items.map((i) => i.id) : []))}
                  />
                </th>
                <th>{t('pending.col.document')}</th>
                <th>{t('pending.col.counterparty')}</th>
                <th>{t('pending.col.type')}</th>
                <th>{t('pending.col.reason')}</th>
                <th>{t('pending.col.since')}</th>
              </tr>
            </thead>
            <tbody>
              {items.map((item) => (
                <tr key={item.id}>
                  <td>
                    <input
                      type="checkbox"
                      aria-label={t('pending.select', { title: item.documentTitle })}
                      checked={selected.has(item.id)}
                      onChange={() => toggle(item.id)}
                    />
                  </td>
                  <td>
                    <button
                      type="button"
                      className="link"
                      onClick={() => useClerk.getState().openDocument(item.documentId)}
                    >
                      {item.documentTitle}
                    </button>
                  </td>
                  <td>{item.counterparty}</td>
                  <td>{t(`pending.type.${item.type}`)}</td>
                  <td>{t(`reason.${item.reason}`)}</td>
                  <td>{f.dateTime(item.since)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </>
  );
}
