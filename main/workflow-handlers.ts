// Runs in: the Electron main process (and, in end-to-end tests, the Playwright process). The
// clerk's own workflow steps (docs/architecture.md §5a): signed now with the day's token, then
// posted by a session main starts at once; what awaits the clerk, whose count the sidebar shows.
import type { ExchangeScheduler } from '../src/exchange/scheduler';
import type { EventHub, Handlers } from './handlers';
import type { ClerkServices } from './services';

export const awaitingCount = async (services: Pick<ClerkServices, 'workflow'>): Promise<number> => {
  const { signature, annulment } = await services.workflow.awaiting();
  return signature.length + annulment.length;
};

export function createWorkflowHandlers(
  services: Pick<ClerkServices, 'workflow'>,
  scheduler: ExchangeScheduler,
  events: EventHub,
): Pick<Handlers, 'workflow:step' | 'workflow:awaiting'> {
  return {
    'workflow:step': async (args) => {
      const outcome = await services.workflow.step(args);
      if (outcome.queued) {
        events.emit('awaiting:changed', { count: await awaitingCount(services) });
        events.emit('documents:changed', { direction: 'in' });
        events.emit('documents:changed', { direction: 'out' });
        void scheduler.trigger('send');
      }
      return outcome;
    },
    'workflow:awaiting': () => services.workflow.awaiting(),
  };
}
