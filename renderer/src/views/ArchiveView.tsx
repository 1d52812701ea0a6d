// Runs in: the renderer. The organization's signed-data archive at the hub: usage against the
// quota ("used X MB of Y GB"), what did not fit, each entry with what this computer's audit
// says of it (proven in the operator-signed tree, or failed and why), and the original with its
// signatures saved to a folder the clerk picks in main's dialog.
import { useEffect, useState } from 'react';
import type { ArchiveEntryRow, ArchiveOverview, ArchiveVerification } from '../../../src/ipc/contract';
import { errorText, invoke, startDownloads } from '../clerk';
import type { MessageKey } from '../i18n';
import { useFormat, useT } from '../i18n/use-t';
import { useClerk } from '../store';
import { EvidenceButtons } from './EvidenceButtons';

const kinds: Record<string, MessageKey> = {
  document: 'archive.kind.document',
  'receipt-notice': 'archive.kind.receipt-notice',
  'clarification-request': 'archive.kind.clarification-request',
  'operator-confirmation': 'archive.kind.operator-confirmation',
  missing: 'archive.kind.missing',
};

/** Binary units, as the hub counts the quota: 1 MB = 1024² bytes, 1 GB = 1024³. */
function useAmount(): (value: number) => string {
  const language = useClerk((s) => s.language);
  const format = new Intl.NumberFormat(language === 'ru' ? 'ru-RU' : 'en-GB', { maximumFractionDigits: 2 });
  return (value) => format.format(value);
}

export function ArchiveView() {
  const t = useT();
  const f = useFormat();
  const amount = useAmount();
  const setNotice = useClerk((s) => s.setNotice);
  const [overview, setOverview] = useState<ArchiveOverview | null>(null);
  const [rows, setRows] = useState<ArchiveEntryRow[] | null>(null);
  const [audit, setAudit] = useState<ArchiveVerification | null>(null);
  const [verifying, setVerifying] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const verify = async () => {
    setVerifying(true);
    try {
      const result = await invoke('archive:verify', undefined);
      setAudit(result);
      setRows(result.entries);
      setOverview(await invoke('archive:status', undefined));
    } catch (e) {
      setError(errorText(e));
    } finally {
      setVerifying(false);
    }
  };

  useEffect(() => {
    let live = true;
    Promise.all([invoke('archive:status', undefined), invoke('archive:list', undefined)]).then(
      ([status, list]) => {
        if (!live) return;
        setOverview(status);
        setRows(list);
        // Opening the archive checks it: each entry's state is what this computer verified now.
        if (list.length > 0) void verify();
      },
      (e: unknown) => live && setError(errorText(e)),
    );
    return () => {
      live = false;
    };
  }, []);

  const download = async (row: ArchiveEntryRow) => {
    try {
      const saved = await invoke('archive:download', { index: row.index });
      if (saved.downloads) {
        startDownloads(saved.downloads);
        const [original, ...signatures] = saved.downloads;
        setNotice({
          kind: 'info',
          text: t('archive.downloading', { file: original?.name ?? '', count: signatures.length }),
        });
      } else if (saved.saved && saved.file)
        setNotice({
          kind: 'info',
          text: t('archive.downloaded', { file: saved.file, count: saved.signatures.length }),
        });
      else if (saved.unavailable) setNotice({ kind: 'error', text: t('evidence.unavailable') });
    } catch (e) {
      setNotice({ kind: 'error', text: t('common.error', { message: errorText(e) }) });
    }
  };

  const failed = audit?.entries.filter((e) => e.verification === 'failed').length ?? 0;

  return (
    <section aria-labelledby="archive-title" className="archive">
      <h2 id="archive-title">{t('archive.title')}</h2>
      {error && (
        <p role="alert" className="error">
          {t('common.error', { message: error })}
        </p>
      )}
      {!overview && !error && <p>{t('common.loading')}</p>}
      {overview && (
        <div className="usage">
          <span>
            {t('archive.usage', {
              used: amount(overview.usedBytes / 1024 ** 2),
              quota: amount(overview.quotaBytes / 1024 ** 3),
            })}
          </span>
          <progress
            aria-label={t('archive.usageBar')}
            max={overview.quotaBytes}
            value={overview.usedBytes}
            className={overview.usedBytes >= overview.quotaBytes * 0.8 ? 'near-full' : undefined}
          />
          <button type="button" onClick={() => void verify()} disabled={verifying}>
            {t(verifying ? 'archive.verifying' : 'archive.verify')}
          </button>
        </div>
      )}
      {overview && (
        <p className={overview.consistency.ok ? 'muted' : 'error'} role={overview.consistency.ok ? undefined : 'alert'}>
          {!overview.consistency.ok
            ? t('archive.treeFailed', { message: overview.consistency.message ?? '' })
            : overview.lastTreeHead
              ? t('archive.consistent', {
                  treeSize: overview.lastTreeHead.treeSize,
                  time: f.dateTime(overview.lastTreeHead.signedAt),
                })
              : t('archive.notSeen')}
        </p>
      )}
      {audit && !audit.tree.ok && (
        <p role="alert" className="error">
          {t('archive.treeFailed', { message: audit.tree.message ?? '' })}
        </p>
      )}
      {audit?.tree.ok && (
        <p role={failed > 0 ? 'alert' : 'status'} className={failed > 0 ? 'error' : 'ok'}>
          {failed > 0
            ? t('archive.someFailed', { failed, count: audit.entries.length })
            : t('archive.allVerified', { count: audit.entries.length, treeSize: audit.treeSize })}
        </p>
      )}
      {overview && overview.notArchived.length > 0 && (
        <div role="alert" className="not-archived">
          <h3>{t('archive.notArchived')}</h3>
          <ul>
            {overview.notArchived.map((n, i) => (
              <li key={i}>
                {t('archive.notArchived.row', {
                  file: n.fileName,
                  size: f.size(n.size),
                  time: f.dateTime(n.refusedAt),
                  reason: n.reason,
                })}
              </li>
            ))}
          </ul>
        </div>
      )}
      {rows?.length === 0 && <p className="empty">{t('archive.empty')}</p>}
      {rows && rows.length > 0 && (
        <table className="plain" aria-labelledby="archive-title">
          <thead>
            <tr>
              <th>{t('archive.col.index')}</th>
              <th>{t('archive.col.file')}</th>
              <th>{t('archive.col.kind')}</th>
              <th>{t('archive.col.size')}</th>
              <th>{t('archive.col.archivedAt')}</th>
              <th>{t('archive.col.signatures')}</th>
              <th>{t('archive.col.state')}</th>
              <th>{t('archive.col.actions')}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={row.index} className={`verification-${row.verification}`}>
                <td>{row.index}</td>
                <td>{row.fileName || t('archive.missing', { index: row.index })}</td>
                <td>{kinds[row.kind] ? t(kinds[row.kind]!) : row.kind}</td>
                <td>{f.size(row.size)}</td>
                <td>{row.archivedAt ? f.dateTime(row.archivedAt) : t('common.none')}</td>
                <td>{row.signatures}</td>
                <td>
                  <span className={`state-${row.verification}`}>{t(`archive.state.${row.verification}`)}</span>
                  {row.message && <small className="problem">{row.message}</small>}
                </td>
                <td>
                  {row.archivedAt && (
                    <button
                      type="button"
                      className="secondary"
                      onClick={() => void download(row)}
                      aria-label={`${t('archive.download')}: ${row.fileName}`}
                    >
                      {t('archive.download')}
                    </button>
                  )}
                  {row.archivedAt && row.kind === 'document' && row.documentId && (
                    <EvidenceButtons document={row.documentId} name={row.fileName} />
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
