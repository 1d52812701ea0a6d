// Runs in: Node (vitest); no electron involved. The workflow channels over main's registry:
// the contract refuses a refusal without its reason; a step is signed only with the day's token
// and then posted by a session main starts; the clerk hears of a signature requested and an
// annulment proposed once each, and the sidebar's count follows.
import { describe, expect, it } from 'vitest';
import { counterparties, MemoryClerk } from '../test/e2e/support/memory-services';
import type { EventName } from '../src/ipc/contract';
import { createClerkMain, type ClerkNotification } from './clerk-main';

async function start() {
  const clerk = new MemoryClerk({ tokenPresent: true });
  const notifications: ClerkNotification[] = [];
  const main = await createClerkMain({
    services: clerk.services(),
    platform: {
      appInfo: () => ({ name: 'EDO Clerk', version: '1' }),
      openExternal: async () => {},
      setStartAtLogin: () => {},
    },
    externalOrigins: [],
    notify: (n) => notifications.push(n),
    onTrayState: () => {},
  });
  const counts: number[] = [];
  main.events.subscribe((event: EventName, payload) => {
    if (event === 'awaiting:changed') counts.push((payload as { count: number }).count);
  });
  const session = async () => {
    await main.dispatch('session:run', undefined);
    await main.scheduler.idle();
    await new Promise((ok) => setTimeout(ok, 0));
  };
  return { clerk, main, notifications, counts, session };
}

describe('workflow channels', () => {
  it('a received document with a signature request is counted and told once; the clerk signs it with the token and a session posts it', async () => {
    const { clerk, main, notifications, counts, session } = await start();
    clerk.incoming.push({
      title: 'Договор № 5',
      fileName: 'd.txt',
      content: 'Договор',
      from: counterparties[0]!,
      signatureRequested: true,
    });
    await session();
    expect(notifications.filter((n) => n.kind === 'awaiting').map((n) => [n.title, n.body, n.view])).toEqual([
      ['Контрагент просит подписать: 1', 'Договор № 5', 'pending'],
    ]);
    expect(counts.at(-1)).toBe(1);
    const awaiting = (await main.dispatch('workflow:awaiting', undefined)) as {
      signature: { documentId: number; title: string }[];
    };
    expect(awaiting.signature.map((a) => a.title)).toEqual(['Договор № 5']);
    const documentId = awaiting.signature[0]!.documentId;
    expect(
      ((await main.dispatch('documents:open', { id: documentId })) as { workflow: { allowed: string[] } }).workflow
        .allowed,
    ).toEqual(['sign', 'refuse-signature', 'propose-annulment']);

    // The token is not logged in: nothing is signed, the clerk is asked for it.
    expect(await main.dispatch('workflow:step', { documentId, step: 'sign' })).toEqual({
      queued: false,
      failed: { reason: 'pin-required' },
    });
    await main.dispatch('token:login', { pin: '12345678' });
    const runsBefore = clerk.runs.length;
    expect(await main.dispatch('workflow:step', { documentId, step: 'sign' })).toEqual({ queued: true });
    // Signed and waiting: off the list at once, no second step offered.
    expect(counts.at(-1)).toBe(0);
    await main.scheduler.idle();
    expect(clerk.runs.length).toBe(runsBefore + 1);
    expect(clerk.runs[0]!.trigger).toBe('send');
    const after = (await main.dispatch('documents:open', { id: documentId })) as {
      workflow: { signatureState: string; allowed: string[] };
    };
    expect(after.workflow).toMatchObject({ signatureState: 'signed-by-both', allowed: ['propose-annulment'] });
    await session();
    expect(notifications.filter((n) => n.kind === 'awaiting')).toHaveLength(1);
    await main.stop();
  });

  it('refuses a refusal, a proposal or a rejection without its reason, and a step the state does not allow, before anything is signed', async () => {
    const { clerk, main, session } = await start();
    await main.dispatch('token:login', { pin: '12345678' });
    clerk.incoming.push({ title: 'Акт № 9', fileName: 'a.txt', content: 'Акт', from: counterparties[1]! });
    await session();
    const documentId = (
      (await main.dispatch('documents:list', { direction: 'in', offset: 0, limit: 10 })) as { rows: { id: number }[] }
    ).rows[0]!.id;
    for (const step of ['refuse-signature', 'propose-annulment', 'reject-annulment'] as const) {
      await expect(main.dispatch('workflow:step', { documentId, step })).rejects.toThrow(
        /Invalid arguments for workflow:step[\s\S]*reason/,
      );
      await expect(main.dispatch('workflow:step', { documentId, step, reason: '   ' })).rejects.toThrow(/reason/);
    }
    await expect(main.dispatch('workflow:step', { documentId, step: 'delete' })).rejects.toThrow(/Invalid arguments/);
    // Sent without a signature request: there is nothing to sign.
    await expect(main.dispatch('workflow:step', { documentId, step: 'sign' })).rejects.toThrow(
      /without a request for the recipient's signature/,
    );

    clerk.proposeAnnulmentByCounterparty(documentId, 'Отправлен по ошибке');
    await session();
    const proposed = (await main.dispatch('documents:open', { id: documentId })) as {
      workflow: { annulmentState: string; allowed: string[] };
    };
    expect(proposed.workflow).toMatchObject({
      annulmentState: 'annulment-proposed',
      allowed: ['accept-annulment', 'reject-annulment'],
    });
    expect(await main.dispatch('workflow:step', { documentId, step: 'accept-annulment' })).toEqual({ queued: true });
    await main.scheduler.idle();
    expect(
      ((await main.dispatch('documents:open', { id: documentId })) as { workflow: unknown }).workflow,
    ).toMatchObject({ annulmentState: 'annulled', allowed: [] });
    await main.stop();
  });
});
