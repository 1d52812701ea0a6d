// Runs in: the renderer. The exchange session log, with a live progress bar of the session
// that is running now.
import { useEffect, useState } from 'react';
import type { SessionRun } from '../../../src/ipc/contract';
import { errorText, invoke } from '../clerk';
import { useFormat, useT } from '../i18n/use-t';
import { useClerk } from '../store';

export function SessionLogView() {
  const t = useT();
  const f = useFormat();
  const session = useClerk((s) => s.session);
  const progress = useClerk((s) => s.progress);
  const [runs, setRuns] = useState<SessionRun[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const lastId = session?.last?.id;
  const running = session?.running ?? false;

  useEffect(() => {
    invoke('session:log', { limit: 50 }).then(setRuns, (e: unknown) => setError(errorText(e)));
  }, [lastId, running]);

  return (
    <section aria-labelledby="log-title">
      <h2 id="log-title">{t('log.title')}</h2>
      {running && progress && (
        <div className="live-progress">
          <p>{t('session.running', { step: t(`step.${progress.step}`), percent: Math.round(progress.percent) })}</p>
          <progress aria-label={t('session.progress')} max={100} value={progress.percent} />
        </div>
      )}
      {error && (
        <p role="alert" className="error">
          {t('common.error', { message: error })}
        </p>
      )}
      {runs?.length === 0 && <p className="empty">{t('log.empty')}</p>}
      <ol className="runs">
        {runs?.map((run) => (
          <li key={run.id} className={`run outcome-${run.outcome}`}>
            <details open={run === runs[0]}>
              <summary>
                {t('log.run', {
                  time: f.dateTime(run.startedAt),
                  trigger: t(`trigger.${run.trigger}`),
                  outcome: t(`outcome.${run.outcome}`),
                })}
              </summary>
              <p>
                {t('log.counts', { received: run.received, sent: run.sent, signed: run.signed, pending: run.pending })}
              </p>
              {run.error && <p className="error">{run.error}</p>}
              <ul className="entries">
                {run.entries.map((entry, i) => (
                  <li key={i} className={`level-${entry.level}`}>
                    <time>{f.time(entry.at)}</time>{' '}
                    {entry.step && <span className="step">{t(`step.${entry.step}`)}</span>} {entry.message}
                  </li>
                ))}
              </ul>
            </details>
          </li>
        ))}
      </ol>
    </section>
  );
}
