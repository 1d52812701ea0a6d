// The agent's web client for its organization's staff (`edo-clerk agent --web`): the same
// renderer and handler registry as `edo-clerk web`, over HTTPS, behind a login with the hub's
// login and password. The agent keeps running its sessions and signing service documents; the
// staff read its store (Inbox, Outbox, the archive). Nothing here needs a token or a PIN, so
// only the read channels are open, and each call is checked for its staff session.
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createClerkMain } from '../../main/clerk-main';
import { createCoreServices } from '../../main/core-services';
import { InvalidMessageError, type Platform } from '../../main/handlers';
import type { ClerkProfile } from '../exchange/profile';
import { HubError, HttpExchangeClient, HubUnreachableError } from '../exchange/http-client';
import type { InvokeChannel } from '../ipc/contract';
import type { StaffLoginRefusal, StaffUser } from '../ipc/staff-contract';
import { defaultThrottle, LoginThrottle } from '../protocol/login-throttle';
import type { StaffAccess, WebDispatch } from './server';
import { appInfo, needBuiltRenderer, serveClerk, type RunningWebClient } from './web-client';

/** What a staff user may call: the read views; sending, signing, settings and the token stay the agent's. */
export const staffChannels: ReadonlySet<InvokeChannel> = new Set<InvokeChannel>([
  'app:info',
  'settings:get',
  'documents:list',
  'documents:open',
  'contacts:list',
  'archive:status',
  'archive:list',
  'archive:verify',
]);

/** Wrong logins from one client address before it must wait (the hub counts per login, and per the agent's own address). */
export const staffThrottle = {
  ...defaultThrottle,
  freeFailures: { account: defaultThrottle.freeFailures.account, address: 5 },
};
const sessionMs = 8 * 60 * 60_000;

export interface StaffWebOptions {
  /** The agent's profile (mode "server"). */
  profile: ClerkProfile;
  host: string;
  port: number;
  /** PEM files; the caller requires them off loopback. */
  tls?: { certFile: string; keyFile: string };
  throttle?: LoginThrottle;
}

/** The names a TLS certificate is valid for (its subjectAltName DNS names and IP addresses). */
export function certificateNames(certificate: X509Certificate): string[] {
  return (certificate.subjectAltName ?? '')
    .split(/,\s*/)
    .map((entry) => /^(?:DNS|IP Address):(.+)$/.exec(entry)?.[1])
    .filter((name): name is string => name !== undefined);
}

function readTls(files: NonNullable<StaffWebOptions['tls']>): { cert: string; key: string; names: string[] } {
  const read = (what: string, file: string) => {
    try {
      return readFileSync(file, 'utf8');
    } catch (e) {
      throw new Error(`The TLS ${what} ${file} cannot be read: ${e instanceof Error ? e.message : String(e)}`, {
        cause: e,
      });
    }
  };
  const cert = read('certificate', files.certFile);
  const key = read('key', files.keyFile);
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(cert);
  } catch {
    throw new Error(`--tls-cert ${files.certFile} is not a PEM certificate`);
  }
  let privateKey;
  try {
    privateKey = createPrivateKey(key);
  } catch {
    throw new Error(`--tls-key ${files.keyFile} is not an unencrypted PEM private key`);
  }
  if (!certificate.checkPrivateKey(privateKey))
    throw new Error(`--tls-key ${files.keyFile} is not the key of the certificate ${files.certFile}`);
  return { cert, key, names: certificateNames(certificate) };
}

/**
 * The staff's login: the hub checks the password (and throttles per login); the agent refuses
 * a user of another organization and throttles per client address.
 */
export function staffAccess(profile: ClerkProfile, throttle = new LoginThrottle(staffThrottle)): StaffAccess {
  let own: Promise<string> | undefined;
  /** The agent's own organization, from its own login (once). */
  const ownOrganization = () => {
    own ??= profile.connect().then(({ me, close }) => (close(), me.subscriber.id));
    own.catch(() => (own = undefined));
    return own;
  };
  const refused = (status: number, refusal: StaffLoginRefusal) => ({ status, refusal });
  const tooMany = (waitMs: number) => {
    const retryAt = new Date(Date.now() + waitMs);
    return refused(429, {
      error: 'too-many-attempts',
      message: `Too many failed logins: try again at ${retryAt.toISOString()}`,
      retryAt: retryAt.toISOString(),
    });
  };
  return {
    sessionMs,
    async login({ login, password }, address) {
      const keys = { address };
      const wait = await throttle.waitFor(keys);
      if (wait > 0) return tooMany(wait);
      let user: StaffUser;
      let organization: string;
      try {
        // No retries: the hub's too-many-attempts is the answer here, not a reason to wait.
        const answer = await new HttpExchangeClient(profile.settings.serverUrl, { retries: 0 }).authenticate({
          method: 'password',
          login,
          password,
        });
        user = { login, name: answer.user.name, organization: answer.subscriber.name };
        organization = answer.subscriber.id;
      } catch (e) {
        if (e instanceof HubError && e.code === 'too-many-attempts') return tooMany((e.retryAfterSeconds ?? 1) * 1000);
        if (e instanceof HubError && e.status === 401) {
          await throttle.failed(keys);
          return refused(401, { error: 'login-failed', message: 'Wrong login or password' });
        }
        const why = e instanceof HubUnreachableError || e instanceof HubError ? e.message : String(e);
        return refused(502, { error: 'hub-unreachable', message: `The exchange hub did not answer the login: ${why}` });
      }
      let mine: string;
      try {
        mine = await ownOrganization();
      } catch (e) {
        return refused(502, {
          error: 'hub-unreachable',
          message: `The agent could not log in to the hub itself: ${e instanceof Error ? e.message : String(e)}`,
        });
      }
      if (organization !== mine) {
        await throttle.failed(keys);
        return refused(403, {
          error: 'other-organization',
          message: `${login} is a user of another organization than this agent's`,
        });
      }
      return { user };
    },
  };
}

/** Only staff sessions, only the read channels; the registry validates the arguments as for IPC. */
export function staffDispatch(dispatch: (channel: unknown, args: unknown) => Promise<unknown>): WebDispatch {
  return async (channel, args, session) => {
    if (!session.user) throw new InvalidMessageError('Only a logged-in staff user may call the agent');
    if (!staffChannels.has(channel as InvokeChannel))
      throw new InvalidMessageError(
        `${String(channel)} is not open to staff: the agent's own settings, token and signing stay on the server`,
      );
    return dispatch(channel, args);
  };
}

export async function startStaffWeb(options: StaffWebOptions): Promise<RunningWebClient> {
  const { profile } = options;
  needBuiltRenderer();
  const tls = options.tls ? readTls(options.tls) : undefined;
  const platform: Platform = {
    appInfo,
    // A server's parts: no browser to open, nothing starts at login.
    openExternal: async () => {},
    setStartAtLogin: () => {},
  };
  const services = await createCoreServices(profile.dir);
  const clerk = await createClerkMain({
    services,
    platform,
    externalOrigins: [],
    notify: () => {},
    onTrayState: () => {},
  });
  return serveClerk(services, clerk, {
    dispatch: staffDispatch(clerk.dispatch),
    host: options.host,
    port: options.port,
    ...(tls ? { tls: { cert: tls.cert, key: tls.key }, names: tls.names } : {}),
    staff: staffAccess(profile, options.throttle),
  });
}
