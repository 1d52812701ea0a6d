// Exchange sessions as the clerk's log shows them: each run's summary (from what the session
// stored when it finished) and its log lines.
import type { SessionProgress, SessionRun, SessionSummary } from '../ipc/contract';
import type {
  ClerkNeeded,
  SessionItems,
  SessionProgress as CoreProgress,
  SessionResult,
  SessionSummary as SessionCounts,
} from '../exchange/session';
import type { ClerkStore, SessionRunRow } from '../store';
import { SessionStep, type SessionTrigger } from '../vocabulary';

/** What one exchange session reports back to the app: its summary, and what it did item by item. */
export interface SessionReport {
  summary: SessionSummary;
  items: SessionItems;
  /** Titles of documents received in this session, for the notification. */
  receivedTitles: string[];
}

/** What a finished session stores as its summary (src/exchange/session's run()). */
type StoredSummary = Partial<SessionCounts> & { clerkNeeded?: ClerkNeeded; error?: string };

function summaryOf(r: SessionRunRow): SessionSummary {
  const s = r.summary as StoredSummary;
  return {
    id: r.id,
    trigger: r.trigger,
    startedAt: r.startedAt,
    finishedAt: r.finishedAt,
    outcome: r.outcome,
    received: s.documentsReceived ?? 0,
    sent: s.documentsSent ?? 0,
    signed: s.serviceDocumentsSigned ?? 0,
    pending: s.pending ?? 0,
    clerkNeeded: s.clerkNeeded?.code ?? null,
    ...(s.error || s.clerkNeeded ? { error: s.error ?? s.clerkNeeded?.message } : {}),
  };
}

export function sessionLog(store: ClerkStore, limit: number): SessionRun[] {
  return store.runs(limit).map((r) => ({ ...summaryOf(r), entries: store.runLog(r.id) }));
}

export function lastSession(store: ClerkStore): SessionSummary | null {
  const last = store.runs(1)[0];
  return last ? summaryOf(last) : null;
}

/** A session's result as its summary; a run the operating mode refused before it began has no stored run. */
export function summaryOfResult(
  store: ClerkStore,
  trigger: SessionTrigger,
  startedAt: string,
  result: SessionResult,
): SessionSummary {
  const stored = result.runId === undefined ? undefined : store.run(result.runId);
  if (stored) return summaryOf(stored);
  return {
    id: null,
    trigger,
    startedAt,
    finishedAt: new Date().toISOString(),
    outcome: result.outcome,
    received: 0,
    sent: 0,
    signed: 0,
    pending: result.summary.pending,
    clerkNeeded: null,
    ...(result.error ? { error: result.error } : {}),
  };
}

/** A step's progress as a share of the whole session: the steps in their order, each an equal part. */
export function progressOf(p: CoreProgress): SessionProgress {
  const steps = SessionStep.options;
  const within = p.total > 0 ? Math.min(1, p.done / p.total) : 0;
  const percent = Math.min(100, ((steps.indexOf(p.step) + within) / steps.length) * 100);
  return { step: p.step, done: p.done, total: p.total > 0 ? p.total : null, percent };
}
