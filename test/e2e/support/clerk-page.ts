// Installs window.clerk in a Chromium page the way the preload does in Electron, but backed by
// Playwright bindings that call main's very handler registry (createClerkMain) in the test
// process. Like main's sender check, only the page's top frame is answered.
import type { Page } from '@playwright/test';
import { createClerkMain, type ClerkMain, type ClerkNotification } from '../../../main/clerk-main';
import type { Platform } from '../../../main/handlers';
import type { ClerkServices } from '../../../main/services';

/**
 * The page side, as plain JavaScript: a function handed to addInitScript would carry the
 * transpiler's helpers (tsx adds __name) that do not exist in the page.
 */
const bridgeScript = `(() => {
  const listeners = new Map();
  window.__clerkEmit = (event, payload) => listeners.get(event)?.forEach((l) => l(payload));
  const bridge = {
    invoke: (channel, args) => window.__clerkInvoke(channel, args),
    on: (event, callback) => {
      const set = listeners.get(event) ?? new Set();
      listeners.set(event, set);
      set.add(callback);
      return () => set.delete(callback);
    },
  };
  Object.defineProperty(window, 'clerk', { value: Object.freeze(bridge) });
})();`;

export interface ClerkHarness {
  main: ClerkMain;
  notifications: ClerkNotification[];
  opened: string[];
  startAtLogin: boolean[];
  stop(): Promise<void>;
}

/** `platform` replaces parts of the test platform (a folder dialog that answers a temporary folder). */
export async function installClerk(
  page: Page,
  services: ClerkServices,
  platformParts: Partial<Platform> = {},
): Promise<ClerkHarness> {
  const notifications: ClerkNotification[] = [];
  const opened: string[] = [];
  const startAtLogin: boolean[] = [];
  const platform: Platform = {
    appInfo: () => ({ name: 'EDO Clerk', version: '0.1.0' }),
    openExternal: async (url) => void opened.push(url),
    setStartAtLogin: (enabled) => void startAtLogin.push(enabled),
    ...platformParts,
  };
  const main = await createClerkMain({
    services,
    platform,
    externalOrigins: [],
    notify: (n) => notifications.push(n),
    onTrayState: () => {},
  });

  await page.exposeBinding('__clerkInvoke', async (source, channel: unknown, args: unknown) => {
    if (source.frame !== source.page.mainFrame())
      throw new Error(`Refused ${String(channel)}: not from the app's window`);
    return main.dispatch(channel, args);
  });
  await page.addInitScript({ content: bridgeScript });
  const unsubscribe = main.events.subscribe((event, payload) => {
    // A page that is closing or navigating misses the event, as a closed window would.
    page.evaluate(`window.__clerkEmit(${JSON.stringify(event)}, ${JSON.stringify(payload)})`).catch(() => {});
  });
  return {
    main,
    notifications,
    opened,
    startAtLogin,
    async stop() {
      unsubscribe();
      await main.stop();
    },
  };
}
