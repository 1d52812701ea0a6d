// Runs in: the renderer (vitest with jsdom); main's handlers run in the same process.
// The clerk window in jsdom with window.clerk bound straight to main's handler registry over
// in-memory services (the same registry the Electron preload and the e2e bindings reach).
// It lives here, not under renderer/src, because it imports main/: only renderer test files may.
//
//   const { calls } = await mountApp(new MemoryClerk({ mode: 'server' }));
//   afterEach(unmountApp);
import { act, cleanup, render } from '@testing-library/react';
import { createElement } from 'react';
import { createClerkMain, type ClerkMain } from '../../../main/clerk-main';
import type { Platform } from '../../../main/handlers';
import { App } from '../../../renderer/src/App';
import { useClerk } from '../../../renderer/src/store';
import type { EventName } from '../../../src/ipc/contract';
import type { MemoryClerk } from './memory-services';

let main: ClerkMain | undefined;

/** Starts main's handlers over `clerk`, binds window.clerk to them and renders the App; `calls` records every invoke. */
export async function mountApp(
  clerk: MemoryClerk,
  platform: Partial<Platform> = {},
): Promise<{ main: ClerkMain; calls: { channel: string; args: unknown }[] }> {
  main = await createClerkMain({
    services: clerk.services(),
    platform: {
      appInfo: () => ({ name: 'EDO Clerk', version: '1' }),
      openExternal: async () => {},
      setStartAtLogin: () => {},
      ...platform,
    },
    externalOrigins: [],
    notify: () => {},
    onTrayState: () => {},
  });
  const m = main;
  const calls: { channel: string; args: unknown }[] = [];
  window.clerk = {
    invoke: ((channel: string, args: unknown) => {
      calls.push({ channel, args });
      return m.dispatch(channel, args);
    }) as typeof window.clerk.invoke,
    on: ((event: EventName, callback: (payload: unknown) => void) =>
      m.events.subscribe((e, payload) => e === event && act(() => callback(payload)))) as typeof window.clerk.on,
  };
  render(createElement(App));
  return { main: m, calls };
}

/** Unmounts the App, stops main and puts the renderer's store back as a new window finds it. */
export async function unmountApp(): Promise<void> {
  cleanup();
  await main?.stop();
  useClerk.setState({
    view: 'inbox',
    tokenPromptOpen: false,
    openDocumentId: null,
    notice: null,
    language: 'ru',
    awaitingCount: 0,
  });
}
