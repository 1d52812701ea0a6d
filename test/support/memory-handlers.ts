// Main's handler registry over any ClerkServices (the in-memory ones of
// test/e2e/support/memory-services.ts, or the real ones over a profile), for the tests that call
// handlers directly. Its scheduler is never started: a test runs sessions by invoking the channels.
import { createHandlers, EventHub, type Handlers, type Platform } from '../../main/handlers';
import { ExchangeScheduler } from '../../src/exchange/scheduler';
import type { ClerkServices } from '../../main/services';
import type { MemoryClerk } from '../e2e/support/memory-services';

export function handlersOver(
  services: ClerkServices,
  options: { platform: Platform; externalOrigins: string[] },
): Handlers {
  const scheduler = new ExchangeScheduler({
    runSession: (t, p, signOnly) => services.sessions.run(t, p, signOnly),
    mode: () => services.settings.mode(),
    intervalMinutes: async () => 15,
    onChange: () => {},
    onProgress: () => {},
    onReport: () => {},
  });
  return createHandlers({
    services,
    scheduler,
    platform: options.platform,
    events: new EventHub(),
    externalOrigins: options.externalOrigins,
  });
}

export function memoryHandlers(
  clerk: MemoryClerk,
  options: { platform: Platform; externalOrigins: string[] },
): Handlers {
  return handlersOver(clerk.services(), options);
}
