import { describe, expect, it } from 'vitest';
import { workflowTransition, type WorkflowFacts } from './workflow';

const requested: WorkflowFacts = { workflow: { signatureState: 'signature-requested' }, actor: 'recipient' };

describe('the document workflow (docs/architecture.md §5a)', () => {
  it('lets the recipient sign or refuse once, and only when asked', () => {
    expect(workflowTransition('sign', requested)).toEqual({ ok: true, workflow: { signatureState: 'signed-by-both' } });
    expect(workflowTransition('refuse-signature', requested)).toEqual({
      ok: true,
      workflow: { signatureState: 'signature-refused' },
    });
    expect(workflowTransition('sign', { ...requested, actor: 'sender' })).toMatchObject({
      ok: false,
      error: 'not-your-turn',
    });
    expect(workflowTransition('sign', { workflow: {}, actor: 'recipient' })).toMatchObject({
      ok: false,
      error: 'signature-not-requested',
    });
    expect(
      workflowTransition('sign', { workflow: { signatureState: 'signed-by-both' }, actor: 'recipient' }),
    ).toMatchObject({ ok: false, error: 'document-already-signed' });
    expect(
      workflowTransition('refuse-signature', { workflow: { signatureState: 'signed-by-both' }, actor: 'recipient' }),
    ).toMatchObject({ error: 'document-already-signed' });
    expect(
      workflowTransition('sign', { workflow: { signatureState: 'signature-refused' }, actor: 'recipient' }),
    ).toMatchObject({ error: 'signature-already-refused' });
  });

  it('annuls by proposal and answer from the other side; a rejected proposal may be made again; annulled is final', () => {
    const proposed = workflowTransition('propose-annulment', {
      workflow: { signatureState: 'signed-by-both' },
      actor: 'sender',
    });
    expect(proposed).toEqual({
      ok: true,
      workflow: { signatureState: 'signed-by-both', annulmentState: 'annulment-proposed' },
    });
    const pending: WorkflowFacts = {
      workflow: { annulmentState: 'annulment-proposed' },
      actor: 'recipient',
      annulmentProposedBy: 'sender',
    };
    expect(workflowTransition('accept-annulment', pending)).toEqual({
      ok: true,
      workflow: { annulmentState: 'annulled' },
    });
    expect(workflowTransition('reject-annulment', pending)).toEqual({
      ok: true,
      workflow: { annulmentState: 'annulment-rejected' },
    });
    expect(workflowTransition('accept-annulment', { ...pending, actor: 'sender' })).toMatchObject({
      error: 'not-your-turn',
    });
    expect(workflowTransition('propose-annulment', pending)).toMatchObject({ error: 'annulment-pending' });
    expect(
      workflowTransition('sign', {
        ...pending,
        workflow: { ...pending.workflow, signatureState: 'signature-requested' },
      }),
    ).toMatchObject({ error: 'annulment-pending' });
    expect(
      workflowTransition('propose-annulment', {
        workflow: { annulmentState: 'annulment-rejected' },
        actor: 'recipient',
      }),
    ).toMatchObject({ ok: true });
    expect(workflowTransition('accept-annulment', { workflow: {}, actor: 'recipient' })).toMatchObject({
      error: 'annulment-not-pending',
    });
    const annulled: WorkflowFacts = {
      workflow: { signatureState: 'signature-requested', annulmentState: 'annulled' },
      actor: 'recipient',
    };
    for (const step of [
      'sign',
      'refuse-signature',
      'propose-annulment',
      'accept-annulment',
      'reject-annulment',
    ] as const) {
      expect(workflowTransition(step, annulled)).toMatchObject({ ok: false, error: 'document-annulled' });
    }
  });
});
