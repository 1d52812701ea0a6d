// `edo-clerk web`: the desktop app's own parts, with a browser tab for a window. The services,
// the handler registry (main/clerk-main.ts → main/handlers.ts) and the sandbox are the ones
// main/index.ts wires into Electron; only the platform differs: no tray, no start at login,
// no save or folder dialog (a file to save is handed to the browser as a download),
// notifications in the browser.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createClerkMain, type ClerkMain } from '../../main/clerk-main';
import { createCoreServices, type CoreServices } from '../../main/core-services';
import type { Platform } from '../../main/handlers';
import { AppSandbox, wakesClerk } from '../../main/sandbox';
import { contentSecurityPolicy } from '../../main/security';
import type { SandboxEvent } from '../sandbox/sandbox';
import { ProfileSettingsFile } from '../settings/settings';
import { DownloadShelf } from './downloads';
import { openInBrowser } from './open-browser';
import { startWebServer, type WebServer, type WebServerOptions } from './server';

const root = fileURLToPath(new URL('../../', import.meta.url));
export const rendererDir = `${root}out/renderer`;

/** The app's name and version, as the desktop's About shows them. */
export function appInfo() {
  const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { version: string };
  return { name: 'EDO Clerk', version: pkg.version };
}

export interface WebClientOptions {
  profileDir: string;
  port?: number;
  /** A profile with no exchange server yet gets the local sandbox at once (what `npm start` does). */
  sandboxOnFirstStart?: boolean;
  /** The local sandbox's problems (its counterparty failed, its hub stopped), for the shell to say. */
  onSandboxProblem(event: Extract<SandboxEvent, { type: 'error' | 'hub-stopped' }>): void;
}

export interface RunningWebClient {
  server: WebServer;
  stop(): Promise<void>;
}

/** The built renderer is there (npm run build), else a clear error. */
export function needBuiltRenderer(): void {
  if (!existsSync(`${rendererDir}/web.html`))
    throw new Error(`The web client is not built (no ${rendererDir}/web.html): run npm run build first`);
}

export async function startWebClient(options: WebClientOptions): Promise<RunningWebClient> {
  needBuiltRenderer();
  const { profileDir, onSandboxProblem } = options;
  const clerkRef: { current?: Awaited<ReturnType<typeof createClerkMain>> } = {};
  const sandbox = new AppSandbox({
    profileDir,
    onEvent: (event) => {
      if (event.type === 'error' || event.type === 'hub-stopped') onSandboxProblem(event);
      if (wakesClerk(event)) void clerkRef.current?.scheduler.trigger('schedule');
    },
  });
  const firstStart = !new ProfileSettingsFile(profileDir).exists();
  if (sandbox.inUse() || (firstStart && options.sandboxOnFirstStart)) await sandbox.start();

  const downloads = new DownloadShelf();
  const platform: Platform = {
    appInfo,
    // The browser runs on this machine: an allowlisted link opens in its default browser.
    openExternal: async (url) => void openInBrowser(url),
    // A desktop's parts: nothing starts a web client at login.
    setStartAtLogin: () => {},
    startSandbox: () => sandbox.start(),
    // The browser saves where the clerk chooses there.
    offerDownloads: (make) => downloads.offer(make),
  };
  const serverRef: { current?: WebServer } = {};
  const services = await createCoreServices(profileDir);
  const clerk = await createClerkMain({
    services,
    platform,
    externalOrigins: [],
    notify: (n) => serverRef.current?.notify({ title: n.title, body: n.body, view: n.view }),
    onTrayState: () => {},
  });
  clerkRef.current = clerk;
  const running = await serveClerk(services, clerk, { dispatch: clerk.dispatch, port: options.port, downloads }, () =>
    sandbox.stop(),
  );
  serverRef.current = running.server;
  return running;
}

/** Serves a clerk's registry; a server that does not start, or stops, stops the clerk, its services and then `after`. */
export async function serveClerk(
  services: CoreServices,
  clerk: ClerkMain,
  options: Omit<WebServerOptions, 'rendererDir' | 'events' | 'contentSecurityPolicy'>,
  after: () => Promise<void> = async () => {},
): Promise<RunningWebClient> {
  const stopClerk = async () => {
    await clerk.stop();
    services.close();
    await after();
  };
  let server: WebServer;
  try {
    server = await startWebServer({ rendererDir, events: clerk.events, contentSecurityPolicy, ...options });
  } catch (e) {
    await stopClerk();
    throw e;
  }
  return {
    server,
    async stop() {
      await server.close();
      await stopClerk();
    },
  };
}
