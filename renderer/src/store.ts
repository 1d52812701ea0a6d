// Runs in: the renderer. The app's state (zustand): what main last told us, and where the
// clerk is. Views read it; main's events and the views' actions write it.
import { create } from 'zustand';
import type { Language, SessionProgress, SessionState, Settings, TokenStatus, View } from '../../src/ipc/contract';
import type { StaffUser } from '../../src/ipc/staff-contract';
import { invoke, on } from './clerk';

export interface ClerkState {
  language: Language;
  view: View;
  token: TokenStatus | null;
  /** The token prompt is open. It opens by itself once, at the start of the day. */
  tokenPromptOpen: boolean;
  session: SessionState | null;
  progress: SessionProgress | null;
  pendingCount: number;
  /** Documents and annulment proposals waiting for the clerk's own signature or answer. */
  awaitingCount: number;
  settings: Settings | null;
  /** The document open in the document view. */
  openDocumentId: number | null;
  /** Bumped per direction of documents (and per list) when main says it changed: tables refetch. */
  revision: { in: number; out: number; pending: number; contacts: number };
  notice: { kind: 'info' | 'error'; text: string } | null;
  /** A staff user of the agent's web client: read views only, no token, no sessions of their own. */
  staff: StaffUser | null;

  setView(view: View): void;
  setLanguage(language: Language): void;
  openTokenPrompt(open: boolean): void;
  openDocument(id: number | null): void;
  setNotice(notice: ClerkState['notice']): void;
  setToken(token: TokenStatus): void;
  setSettings(settings: Settings): void;
  setSession(session: SessionState): void;
}

export const useClerk = create<ClerkState>((set) => ({
  language: 'ru',
  view: 'inbox',
  token: null,
  tokenPromptOpen: false,
  session: null,
  progress: null,
  pendingCount: 0,
  awaitingCount: 0,
  settings: null,
  openDocumentId: null,
  revision: { in: 0, out: 0, pending: 0, contacts: 0 },
  notice: null,
  staff: null,

  setView: (view) => set({ view, openDocumentId: null }),
  setLanguage: (language) => set({ language }),
  openTokenPrompt: (tokenPromptOpen) => set({ tokenPromptOpen }),
  openDocument: (openDocumentId) => set({ openDocumentId }),
  setNotice: (notice) => set({ notice }),
  setToken: (token) => set({ token }),
  setSettings: (settings) => set({ settings, language: settings.language }),
  setSession: (session) => set({ session, progress: session.running ? (session.progress ?? null) : null }),
}));

const bump = (key: keyof ClerkState['revision']) =>
  useClerk.setState((s) => ({ revision: { ...s.revision, [key]: s.revision[key] + 1 } }));

/** The prompt asks at the start of the day only where the clerk's token signs (docs/architecture.md §1), and once there is a server to sign for. */
function needsPromptAtStart(token: TokenStatus, settings: Settings): boolean {
  return (
    settings.serverUrl !== '' &&
    settings.mode !== 'server' &&
    token.state !== 'logged-in' &&
    token.state !== 'cancelled'
  );
}

/** Loads the first state from main and follows its events; returns the unsubscribe. */
export async function connectStore(): Promise<() => void> {
  const s = useClerk.getState();
  const unsubscribe = [
    on('token:changed', (token) => useClerk.getState().setToken(token)),
    on('session:changed', (session) => useClerk.getState().setSession(session)),
    on('session:progress', (progress) => useClerk.setState({ progress })),
    on('documents:changed', ({ direction }) => bump(direction)),
    on('pending:changed', ({ count }) => {
      useClerk.setState({ pendingCount: count });
      bump('pending');
    }),
    on('awaiting:changed', ({ count }) => {
      useClerk.setState({ awaitingCount: count });
      bump('pending');
    }),
    on('contacts:changed', () => bump('contacts')),
    on('settings:changed', (settings) => useClerk.getState().setSettings(settings)),
    on('app:navigate', ({ view }) => useClerk.getState().setView(view)),
  ];
  if (s.staff) {
    // The agent signs and runs its sessions itself: the staff's page reads only.
    s.setSettings(await invoke('settings:get', undefined));
    return () => unsubscribe.forEach((u) => u());
  }
  const [settings, token, session, pending, awaiting] = await Promise.all([
    invoke('settings:get', undefined),
    invoke('token:status', undefined),
    invoke('session:state', undefined),
    invoke('pending:list', undefined),
    invoke('workflow:awaiting', undefined),
  ]);
  s.setSettings(settings);
  s.setToken(token);
  s.setSession(session);
  useClerk.setState({
    pendingCount: pending.length,
    awaitingCount: awaiting.signature.length + awaiting.annulment.length,
    tokenPromptOpen: needsPromptAtStart(token, settings),
  });
  return () => unsubscribe.forEach((u) => u());
}
