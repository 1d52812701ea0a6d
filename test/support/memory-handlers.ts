// Main's handler registry over the in-memory services (test/e2e/support/memory-services.ts),
// for the main/ tests that call handlers directly. Its scheduler is never started: a test runs
// sessions by invoking the channels.
import { createHandlers, EventHub, type Handlers, type Platform } from '../../main/handlers';
import { ExchangeScheduler } from '../../main/scheduler';
import type { MemoryClerk } from '../e2e/support/memory-services';

export function memoryHandlers(clerk: MemoryClerk, options: { platform: Platform; externalOrigins: string[] }): Handlers {
  const services = clerk.services();
  const scheduler = new ExchangeScheduler({
    runSession: (t, p) => services.sessions.run(t, p),
    mode: () => services.settings.mode(),
    intervalMinutes: async () => 15,
    onChange: () => {},
    onProgress: () => {},
    onReport: () => {},
  });
  return createHandlers({ services, scheduler, platform: options.platform, events: new EventHub(), externalOrigins: options.externalOrigins });
}
