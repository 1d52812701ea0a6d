// Runs in: the renderer. The clerk's window: navigation, the session bar, the current view,
// and the token prompt and document view above it.
import { useEffect, useState, type JSX } from 'react';
import type { View } from '../../src/ipc/contract';
import { errorText, invoke } from './clerk';
import { useFormat, useT } from './i18n/use-t';
import { connectStore, useClerk } from './store';
import { TokenChip, TokenPrompt } from './views/TokenPrompt';
import { DocumentsView } from './views/DocumentsView';
import { DocumentView } from './views/DocumentView';
import { PendingView } from './views/PendingView';
import { ContactsView } from './views/ContactsView';
import { SessionLogView } from './views/SessionLogView';
import { SettingsView } from './views/SettingsView';
import { ArchiveView } from './views/ArchiveView';
import { OrganizationView } from './views/OrganizationView';
import { StaffBar } from './views/StaffLogin';
import type { MessageKey } from './i18n';

const views: { view: View; label: MessageKey }[] = [
  { view: 'inbox', label: 'nav.inbox' },
  { view: 'outbox', label: 'nav.outbox' },
  { view: 'pending', label: 'nav.pending' },
  { view: 'contacts', label: 'nav.contacts' },
  { view: 'log', label: 'nav.log' },
  { view: 'archive', label: 'nav.archive' },
  { view: 'organization', label: 'nav.organization' },
  { view: 'settings', label: 'nav.settings' },
];

/** What the agent's staff see: the read views (docs/architecture.md §6). */
const staffViews: ReadonlySet<View> = new Set(['inbox', 'outbox', 'archive']);

const screens: Record<View, () => JSX.Element> = {
  inbox: () => <DocumentsView direction="in" />,
  outbox: () => <DocumentsView direction="out" />,
  pending: () => <PendingView />,
  contacts: () => <ContactsView />,
  log: () => <SessionLogView />,
  archive: () => <ArchiveView />,
  organization: () => <OrganizationView />,
  settings: () => <SettingsView />,
};

export function App() {
  const t = useT();
  const view = useClerk((s) => s.view);
  const setView = useClerk((s) => s.setView);
  const pendingCount = useClerk((s) => s.pendingCount);
  const awaitingCount = useClerk((s) => s.awaitingCount);
  const language = useClerk((s) => s.language);
  const openDocumentId = useClerk((s) => s.openDocumentId);
  const tokenPromptOpen = useClerk((s) => s.tokenPromptOpen);
  const staff = useClerk((s) => s.staff);
  const [failure, setFailure] = useState<string | null>(null);

  useEffect(() => {
    let unsubscribe: (() => void) | undefined;
    connectStore().then(
      (u) => (unsubscribe = u),
      (e: unknown) => setFailure(errorText(e)),
    );
    return () => unsubscribe?.();
  }, []);

  useEffect(() => {
    document.documentElement.lang = language;
  }, [language]);

  return (
    <div className="app">
      <header className="topbar">
        <h1>{t('app.name')}</h1>
        {staff ? <StaffBar user={staff} /> : <SessionBar />}
        {!staff && <TokenChip />}
        <button
          type="button"
          className="link"
          onClick={() => {
            const next = language === 'ru' ? 'en' : 'ru';
            useClerk.getState().setLanguage(next);
            // The agent's settings are not the staff's to change: their choice lasts for the page.
            if (!staff) void invoke('settings:set', { language: next }).catch(() => {});
          }}
        >
          {t('lang.switch')}
        </button>
      </header>
      <nav className="sidebar" aria-label={t('app.tagline')}>
        {views
          .filter((v) => !staff || staffViews.has(v.view))
          .map((v) => (
            <button
              key={v.view}
              type="button"
              aria-current={view === v.view ? 'page' : undefined}
              onClick={() => setView(v.view)}
            >
              {t(v.label)}
              {v.view === 'pending' && pendingCount > 0 && <span className="badge">{pendingCount}</span>}
              {v.view === 'pending' && awaitingCount > 0 && (
                <span
                  className="badge awaiting"
                  title={t('awaiting.badge', { count: awaitingCount })}
                  data-testid="awaiting-count"
                >
                  {awaitingCount}
                </span>
              )}
            </button>
          ))}
      </nav>
      <main className="content">
        <Notice />
        {!staff && <FirstStart />}
        {failure && (
          <p role="alert" className="error">
            {t('common.error', { message: failure })}
          </p>
        )}
        {(!staff || staffViews.has(view)) && screens[view]()}
      </main>
      {openDocumentId !== null && <DocumentView id={openDocumentId} />}
      {tokenPromptOpen && !staff && <TokenPrompt />}
    </div>
  );
}

/** A profile without an exchange server can do nothing yet: say where to set it, or offer the local sandbox. */
function FirstStart() {
  const t = useT();
  const settings = useClerk((s) => s.settings);
  const view = useClerk((s) => s.view);
  const [starting, setStarting] = useState(false);
  if (!settings || settings.serverUrl !== '' || view === 'settings') return null;
  const trySandbox = async () => {
    setStarting(true);
    try {
      useClerk.getState().setSettings(await invoke('sandbox:start', undefined));
      useClerk.getState().setNotice({ kind: 'info', text: t('firstStart.sandboxStarted') });
    } catch (e) {
      useClerk.getState().setNotice({ kind: 'error', text: t('common.error', { message: errorText(e) }) });
    } finally {
      setStarting(false);
    }
  };
  return (
    <div role="status" className="notice first-start">
      <div>
        <span>{t('firstStart.noServer')}</span>{' '}
        <button type="button" className="link" onClick={() => useClerk.getState().setView('settings')}>
          {t('firstStart.openSettings')}
        </button>
      </div>
      <div className="sandbox-offer">
        <button type="button" onClick={() => void trySandbox()} disabled={starting}>
          {t(starting ? 'firstStart.sandboxStarting' : 'firstStart.sandbox')}
        </button>
        <small>{t('firstStart.sandboxHint')}</small>
      </div>
    </div>
  );
}

function Notice() {
  const notice = useClerk((s) => s.notice);
  const t = useT();
  if (!notice) return null;
  return (
    <div role={notice.kind === 'error' ? 'alert' : 'status'} className={`notice ${notice.kind}`}>
      <span>{notice.text}</span>
      <button type="button" className="link" onClick={() => useClerk.getState().setNotice(null)}>
        {t('common.close')}
      </button>
    </div>
  );
}

function SessionBar() {
  const t = useT();
  const f = useFormat();
  const session = useClerk((s) => s.session);
  const progress = useClerk((s) => s.progress);
  const setNotice = useClerk((s) => s.setNotice);
  if (!session) return <div className="session" />;
  const run = async () => {
    try {
      const r = await invoke('session:run', undefined);
      setNotice({
        kind: 'info',
        text: t(r.started ? 'session.started' : r.reason === 'queued' ? 'session.queued' : 'session.alreadyRunning'),
      });
    } catch (e) {
      setNotice({ kind: 'error', text: t('common.error', { message: errorText(e) }) });
    }
  };
  const togglePause = async () => {
    useClerk.getState().setSession(await invoke('session:pause', { paused: !session.paused }));
  };
  let text: string;
  if (session.running && progress)
    text = t('session.running', { step: t(`step.${progress.step}`), percent: Math.round(progress.percent) });
  else if (session.last)
    text = t('session.idle', {
      time: f.dateTime(session.last.finishedAt ?? session.last.startedAt),
      outcome: t(`outcome.${session.last.outcome}`),
    });
  else text = t('session.never');
  return (
    <div className="session">
      <div className="session-text" aria-live="polite">
        <span>{text}</span>
        {session.paused ? (
          <small>{t('session.paused')}</small>
        ) : (
          session.nextRunAt && <small>{t('session.next', { time: f.time(session.nextRunAt) })}</small>
        )}
      </div>
      {session.running && <progress aria-label={t('session.progress')} max={100} value={progress?.percent ?? 0} />}
      <button type="button" onClick={run} disabled={session.running}>
        {t('session.run')}
      </button>
      {session.mode === 'workstation' && (
        <button type="button" className="secondary" onClick={togglePause}>
          {t(session.paused ? 'session.resume' : 'session.pause')}
        </button>
      )}
    </div>
  );
}
