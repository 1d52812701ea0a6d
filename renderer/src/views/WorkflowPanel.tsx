// Runs in: the renderer. The document's own workflow in the document view (docs/architecture.md
// §5a): its state line, a button per step main says the workflow allows now (main judges them
// with the one transition function), and the reason dialog of a refusal, a proposal or a
// rejection. A step is signed in main with the day's token; a session posts it.
import { useState, type FormEvent } from 'react';
import {
  isTokenReason,
  stepNeedsReason,
  type DocumentWorkflowView,
  type WorkflowStep,
} from '../../../src/ipc/contract';
import { errorText, invoke } from '../clerk';
import { useT } from '../i18n/use-t';
import { useClerk } from '../store';

function StateLine({ workflow }: { workflow: DocumentWorkflowView }) {
  const t = useT();
  const parts: string[] = [];
  if (workflow.signatureState) parts.push(t(`signatureState.${workflow.signatureState}`));
  if (workflow.annulmentState) {
    // Whose proposal matters while it waits for its answer.
    const who =
      workflow.annulmentState !== 'annulment-proposed' || workflow.annulmentProposedByUs === null
        ? ''
        : ` (${t(workflow.annulmentProposedByUs ? 'workflow.proposedByUs' : 'workflow.proposedByThem')})`;
    parts.push(t(`annulmentState.${workflow.annulmentState}`) + who);
  }
  if (workflow.waiting) parts.push(t('workflow.waiting', { step: t(`workflowStep.${workflow.waiting}`) }));
  if (parts.length === 0) return null;
  return (
    <p className="meta workflow-state" aria-label={t('workflow.state')}>
      {parts.join(' · ')}
    </p>
  );
}

function ReasonDialog({
  step,
  title,
  onSubmit,
  onClose,
}: {
  step: WorkflowStep;
  title: string;
  onSubmit: (reason: string) => void;
  onClose: () => void;
}) {
  const t = useT();
  const [reason, setReason] = useState('');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    onSubmit(reason.trim());
  };
  return (
    <div className="overlay">
      <form
        role="dialog"
        aria-modal="true"
        aria-labelledby="reason-title"
        className="dialog reason-dialog"
        onSubmit={submit}
      >
        <h2 id="reason-title">{t(`workflowStep.${step}`)}</h2>
        <p>{title}</p>
        <label>
          {t('workflow.reason')}
          <textarea value={reason} onChange={(e) => setReason(e.target.value)} rows={4} maxLength={1000} autoFocus />
        </label>
        <div className="actions">
          <button type="submit" disabled={reason.trim() === ''}>
            {t('workflow.signAndSend')}
          </button>
          <button type="button" className="secondary" onClick={onClose}>
            {t('common.cancel')}
          </button>
        </div>
      </form>
    </div>
  );
}

/** After a step main says the documents changed, and the document view reads the document again. */
export function WorkflowPanel({
  documentId,
  title,
  workflow,
}: {
  documentId: number;
  title: string;
  workflow: DocumentWorkflowView;
}) {
  const t = useT();
  const [asking, setAsking] = useState<WorkflowStep | null>(null);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ error: boolean; text: string } | null>(null);

  const take = async (step: WorkflowStep, reason?: string) => {
    setAsking(null);
    setBusy(true);
    setMessage(null);
    try {
      const outcome = await invoke('workflow:step', { documentId, step, ...(reason ? { reason } : {}) });
      if (outcome.failed) {
        setMessage({ error: true, text: t('workflow.notSigned', { reason: t(`reason.${outcome.failed.reason}`) }) });
        if (isTokenReason(outcome.failed.reason)) useClerk.getState().openTokenPrompt(true);
      } else setMessage({ error: false, text: t('workflow.queued', { step: t(`workflowStep.${step}`) }) });
    } catch (e) {
      setMessage({ error: true, text: t('common.error', { message: errorText(e) }) });
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="workflow">
      <StateLine workflow={workflow} />
      {workflow.allowed.length > 0 && (
        <div className="actions">
          {workflow.allowed.map((step) => (
            <button
              key={step}
              type="button"
              className={step === 'sign' || step === 'accept-annulment' ? undefined : 'secondary'}
              disabled={busy}
              onClick={() => (stepNeedsReason(step) ? setAsking(step) : void take(step))}
            >
              {t(`workflowStep.${step}`)}
            </button>
          ))}
        </div>
      )}
      {message && (
        <p role={message.error ? 'alert' : 'status'} className={message.error ? 'error' : 'ok'}>
          {message.text}
        </p>
      )}
      {asking && (
        <ReasonDialog
          step={asking}
          title={title}
          onSubmit={(reason) => void take(asking, reason)}
          onClose={() => setAsking(null)}
        />
      )}
    </div>
  );
}
