// Runs in: the renderer. One document: a preview of its content (PDF, image, XML, text), its
// signatures with the verification results, and the chain of its service documents.
import { useEffect, useMemo, useState } from 'react';
import {
  signatureStatusText,
  type DocumentDetail,
  type LongTermVerdict,
  type SignatureCheck,
} from '../../../src/ipc/contract';
import { base64ToBytes, errorText, invoke } from '../clerk';
import { useFormat, useT } from '../i18n/use-t';
import { EvidenceButtons } from './EvidenceButtons';
import { WorkflowPanel } from './WorkflowPanel';
import { isMessageKey } from '../i18n';
import { useClerk } from '../store';

/** XML declares its encoding (FNS documents: windows-1251); text files are taken as UTF-8. */
export function decodeText(bytes: Uint8Array): string {
  const head = new TextDecoder('latin1').decode(bytes.subarray(0, 200));
  const declared = /encoding=["']([\w-]+)["']/i.exec(head)?.[1];
  try {
    return new TextDecoder(declared ?? 'utf-8').decode(bytes);
  } catch {
    return new TextDecoder('utf-8').decode(bytes);
  }
}

function Preview({ detail }: { detail: DocumentDetail }) {
  const t = useT();
  const { preview, mediaType } = detail;
  const bytes = useMemo(
    () => (preview.contentBase64 ? base64ToBytes(preview.contentBase64) : null),
    [preview.contentBase64],
  );
  const url = useMemo(
    () =>
      bytes && (preview.kind === 'pdf' || preview.kind === 'image')
        ? URL.createObjectURL(new Blob([bytes], { type: mediaType }))
        : null,
    [bytes, preview.kind, mediaType],
  );
  useEffect(() => () => (url ? URL.revokeObjectURL(url) : undefined), [url]);

  if (preview.tooLarge) return <p className="muted">{t('doc.tooLarge')}</p>;
  if (!bytes || preview.kind === 'none') return <p className="muted">{t('doc.noPreview')}</p>;
  // No sandbox attribute: Chromium shows no PDF in a sandboxed frame. The blob is typed
  // application/pdf, so it opens in the PDF viewer, never as a page of our origin.
  if (preview.kind === 'pdf' && url)
    return <iframe className="preview-pdf" title={detail.document.fileName} src={url} />;
  if (preview.kind === 'image' && url)
    return <img className="preview-image" alt={detail.document.fileName} src={url} />;
  return <pre className={`preview-text preview-${preview.kind}`}>{decodeText(bytes)}</pre>;
}

/** "✓ Подпись действительна", "✗ …", "? …": a signature's verdict, a document's or a service document's. */
function Verdict({ verdict }: { verdict: LongTermVerdict }) {
  const t = useT();
  return (
    <p className="verdict">
      {verdict === 'undetermined'
        ? `? ${t('doc.undetermined')}`
        : verdict === 'valid'
          ? `✓ ${t('doc.valid')}`
          : `✗ ${t('doc.invalid')}`}
    </p>
  );
}

/** The МЧД a signature was made under, with its status at the signing time as the hub accounted for it. */
function PowerOfAttorneyLine({ poa }: { poa: NonNullable<SignatureCheck['powerOfAttorney']> }) {
  const t = useT();
  const f = useFormat();
  const day = (d: string) => f.date(`${d}T12:00:00+03:00`);
  return (
    <p className="power-of-attorney">
      {t('doc.poa', {
        number: poa.number,
        inn: poa.principalInn,
        from: day(poa.issuedOn),
        until: day(poa.validUntil),
        status: t(`poa-status.${poa.status}`),
      })}
    </p>
  );
}

function Signature({ s }: { s: SignatureCheck }) {
  const t = useT();
  const language = useClerk((state) => state.language);
  const f = useFormat();
  // "ГОСТ Р 34.10-2012, 256 бит": the table's names are messages; an unknown name shows as it is.
  const algorithmKey = `algorithm.${s.algorithm}`;
  const algorithmName = isMessageKey(algorithmKey) ? t(algorithmKey) : s.algorithm;
  return (
    <li className={`signature ${s.verdict === 'undetermined' ? 'undetermined' : s.valid ? 'valid' : 'invalid'}`}>
      <Verdict verdict={s.verdict === 'undetermined' ? 'undetermined' : s.valid ? 'valid' : 'invalid'} />
      {s.statusLine && <p className="status-line">{signatureStatusText(s.statusLine, language)}</p>}
      {s.checkedAt && <p className="muted">{t('doc.checkedAt', { time: f.dateTime(s.checkedAt) })}</p>}
      <p>
        {t('doc.signer', { name: s.signer })}
        {s.position ? `, ${s.position}` : ''}
      </p>
      <p>
        {s.organization}
        {s.inn ? ` · ${t('doc.inn', { inn: s.inn })}` : ''}
      </p>
      {s.signedAt && <p>{t('doc.signedAt', { time: f.dateTime(s.signedAt) })}</p>}
      {s.powerOfAttorney && <PowerOfAttorneyLine poa={s.powerOfAttorney} />}
      <p className="muted">{t('doc.certificate', { serial: s.certificateSerial, issuer: s.issuer })}</p>
      <p className="muted">{t('doc.algorithm', { algorithm: algorithmName })}</p>
      {s.problems.length > 0 && (
        <ul className="problems">
          {s.problems.map((p) => (
            <li key={p}>{t(`problem.${p}`)}</li>
          ))}
        </ul>
      )}
    </li>
  );
}

export function DocumentView({ id }: { id: number }) {
  const t = useT();
  const f = useFormat();
  const [detail, setDetail] = useState<DocumentDetail | null>(null);
  const [error, setError] = useState<string | null>(null);
  const language = useClerk((state) => state.language);
  const close = () => useClerk.getState().openDocument(null);
  // A session changes the workflow's state under an open document: it is read again.
  const revision = useClerk((s) => s.revision.in + s.revision.out);

  useEffect(() => setDetail(null), [id]);
  useEffect(() => {
    invoke('documents:open', { id }).then(setDetail, (e: unknown) => setError(errorText(e)));
  }, [id, revision]);

  return (
    <div className="overlay" onKeyDown={(e) => e.key === 'Escape' && close()}>
      <section role="dialog" aria-modal="true" aria-labelledby="doc-title" className="dialog document-view">
        <div className="view-head">
          <h2 id="doc-title">{detail?.document.title ?? t('doc.title')}</h2>
          <button type="button" className="secondary" onClick={close} autoFocus>
            {t('common.close')}
          </button>
        </div>
        {error && (
          <p role="alert" className="error">
            {t('common.error', { message: error })}
          </p>
        )}
        {!detail && !error && <p>{t('common.loading')}</p>}
        {detail && (
          <div className="document-body">
            <div className="preview">
              <p className="meta">
                {detail.document.counterparty.name} · {f.dateTime(detail.document.date)} ·{' '}
                <span className={`status status-${detail.document.status}`}>
                  {t(`status.${detail.document.status}`)}
                </span>
              </p>
              <p className="meta">
                {t('doc.file', { name: detail.document.fileName, size: f.size(detail.document.size) })}
              </p>
              <WorkflowPanel documentId={detail.document.id} title={detail.document.title} workflow={detail.workflow} />
              <EvidenceButtons document={String(detail.document.id)} name={detail.document.title} />
              <h3>{t('doc.preview')}</h3>
              <Preview detail={detail} />
            </div>
            <aside>
              <h3>{t('doc.signatures')}</h3>
              {detail.signatures.length === 0 ? (
                <p className="muted">{t('doc.noSignatures')}</p>
              ) : (
                <ul className="signatures">
                  {detail.signatures.map((s, i) => (
                    <Signature key={`${s.certificateSerial}-${i}`} s={s} />
                  ))}
                </ul>
              )}
              <h3>{t('doc.serviceDocuments')}</h3>
              {detail.serviceDocuments.length === 0 ? (
                <p className="muted">{t('doc.noServiceDocuments')}</p>
              ) : (
                <ol className="service-documents">
                  {detail.serviceDocuments.map((d) => (
                    <li key={d.id}>
                      <strong>{t(`service.${d.type}`)}</strong>
                      <span>
                        {' '}
                        · {t(`service.${d.direction}`)} · {t(`service.status.${d.status}`)}
                        {d.date ? ` · ${f.dateTime(d.date)}` : ''}
                      </span>
                      {d.signer && <p className="muted">{d.signer}</p>}
                      {d.powerOfAttorney && <PowerOfAttorneyLine poa={d.powerOfAttorney} />}
                      {d.statusLine && (
                        <div className={`signature ${d.statusLine.verdict}`}>
                          <Verdict verdict={d.statusLine.verdict} />
                          <p className="status-line">{signatureStatusText(d.statusLine, language)}</p>
                        </div>
                      )}
                      {d.text && <blockquote>{d.text}</blockquote>}
                    </li>
                  ))}
                </ol>
              )}
            </aside>
          </div>
        )}
      </section>
    </div>
  );
}
