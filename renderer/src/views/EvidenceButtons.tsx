// Runs in: the renderer. "Карточка документа (PDF)" and "Пакет доказательств (ZIP)" for one
// document (docs/architecture.md §7): main asks where to save in its own dialog and writes the
// file, or, in the web client, makes it and the browser downloads it; the renderer names only
// the document.
import { useState } from 'react';
import type { EvidenceKind } from '../../../src/ipc/contract';
import { errorText, invoke, startDownloads } from '../clerk';
import { useT } from '../i18n/use-t';

export function EvidenceButtons({ document, name }: { document: string; name: string }) {
  const t = useT();
  const [busy, setBusy] = useState<EvidenceKind | null>(null);
  const [notice, setNotice] = useState<{ error: boolean; text: string } | null>(null);
  const save = async (kind: EvidenceKind) => {
    setBusy(kind);
    setNotice(null);
    try {
      const saved = await invoke('evidence:save', { document, kind });
      if (saved.downloads) {
        startDownloads(saved.downloads);
        setNotice({ error: false, text: t('evidence.downloaded', { file: saved.downloads[0]?.name ?? '' }) });
      } else if (saved.saved && saved.file)
        setNotice({ error: false, text: t('evidence.saved', { file: saved.file }) });
      else if (saved.problem) setNotice({ error: true, text: t(`evidence.problem.${saved.problem}`) });
      else if (saved.unavailable) setNotice({ error: true, text: t('evidence.unavailable') });
    } catch (e) {
      setNotice({ error: true, text: t('common.error', { message: errorText(e) }) });
    } finally {
      setBusy(null);
    }
  };
  return (
    <span className="evidence-buttons">
      {(['card', 'package'] as const).map((kind) => (
        <button
          key={kind}
          type="button"
          className="secondary"
          disabled={busy !== null}
          onClick={() => void save(kind)}
          aria-label={`${t(`evidence.${kind}`)}: ${name}`}
        >
          {busy === kind ? t('evidence.making') : t(`evidence.${kind}`)}
        </button>
      ))}
      {notice && (
        <small role={notice.error ? 'alert' : 'status'} className={notice.error ? 'error' : 'ok'}>
          {notice.text}
        </small>
      )}
    </span>
  );
}
