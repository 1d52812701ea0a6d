// edo-hub: the exchange hub's service and administration command line. Runs in: Node.
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import pino from 'pino';
import { certificateFingerprint, derToPem, describeCertificate, readCertificates } from '../src/crypto/certificates';
import { EnteredInn, Kpp, loginOrigin, OperatingMode, Permission } from '../src/protocol';
import { hashPassword, minimumServicePasswordLength } from './auth/passwords';
import { defaultThrottle, LoginThrottle, SqlThrottleCounters } from './auth/throttle';
import type { EventNotifier } from './notifier';
import type { PostgresDatabase } from './storage/postgres-db';
import { EVENTS_CHANNEL } from './storage/sql-storage';
import { operatorKeyKinds, type OperatorKeyKind } from './operator';
import {
  blobStoreKinds,
  closeHubData,
  defaultMaxBlobSize,
  lockForServing,
  openHubData,
  openOrganizationData,
  type BlobStoreKind,
  type HubData,
  type OrganizationData,
} from './data-dir';
import { createHub, defaultOcspCacheSeconds } from './hub';
import { OPERATOR_ACTOR } from './organization';
import { PowerOfAttorneyError, recordView, type StoredPowerOfAttorney } from './powers-of-attorney/registry';
import type { SubscriberRecord, UserRecord } from './storage/storage';
import { certificateSummary, ownSubscriberView, userView } from './views';

const usage = `edo-hub — the EDO Clerk exchange hub (operator service and signed-data archive)

Usage: edo-hub <command> [options]        every command takes --data DIR, --database URL and --json

  --data DIR       the hub's data directory (blobs; with SQLite also its database files)
  --database URL   postgres://USER@HOST:PORT/DB: the hub's database on PostgreSQL, shared by
                   several serve instances (default: EDO_HUB_DATABASE, else SQLite in --data)
  --blob-store folder|database
                   where documents' files are kept: in --data (default; several instances must
                   share the folder) or, with --database, in the database itself; chosen at the
                   hub's first start and kept (other commands need not name it)

Commands:
  serve --data DIR [--host 127.0.0.1] [--port 8480] [--max-blob-size BYTES] [--token-ttl SECONDS]
        [--public-origin URL] [--trust-proxy ADDRESS[,ADDRESS…]] [--smtp-host HOST --smtp-port PORT --smtp-from ADDRESS]
        [--operator-key ecdsa-p256|gost2012-256]
        [--crl-folder DIR] [--ocsp-proxy URL] [--ocsp-cache SECONDS]
                                   run the hub (port 0 picks a free port; the URL is printed);
                                   one hub per data directory; certificate logins are signed
                                   for its listening address, or for --public-origin (behind a
                                   proxy); X-Forwarded-For, -Proto and -Host are believed only from
                                   the --trust-proxy addresses or CIDR ranges; archive notices go out by e-mail only with --smtp-host;
                                   with --database, several instances may serve at once; the
                                   operator key's kind (default ecdsa-p256) is fixed at first start;
                                   certificate status from a CRL folder or an OCSP proxy on closed networks;
                                   an OCSP answer is reused until its nextUpdate, --ocsp-cache seconds
                                   at most (default 3600; 0: every acceptance asks)
  migrate                          apply the database schema's missing migrations (serve does too)
  org add --name NAME --inn INN [--kpp KPP] [--mode server|workstation|manual]
                                   register an organization (subscriber); KPP is required for a 10-digit INN
  org list                         the registered organizations
  user add --org ID|INN (--cert FILE | --login LOGIN) [--name NAME]
                                   register a user: a certificate holder, or a service user whose
                                   password is read from stdin (both --cert and --login: either way)
  user list [--org ID|INN]         the registered users (the first user of an organization
                                   administers its settings)
  org grant --org ID|INN --user ID --permission P[,P]
                                   give a user permissions in the organization settings
                                   (${Permission.options.join(', ')})
  archive quota --org ID|INN [--bytes N]
                                   the organization's archive usage; with --bytes, set its quota
  archive check                    recompute the whole archive and its signed tree heads
  poa list --org ID|INN            the organization's powers of attorney (МЧД) with their statuses now
  poa show --org ID|INN NUMBER [--out DIR]
                                   one МЧД; with --out, its XML and the director's signature (.sig) as registered
  poa revoke --org ID|INN NUMBER --reason TEXT
                                   revoke an МЧД early on the principal's written request (journaled)
  trust add CA.pem                 trust a CA (PEM, one or more certificates, or DER) for logins and signatures
  trust list                       the trusted CAs
  operator                         the operator's identity; its and its TSA's certificates (PEM)
  help                             this text
  version                          the program's version`;

class UsageError extends Error {}

function version(): string {
  // package.json is one folder up from server/cli.ts, two from the built out/hub/edo-hub.js.
  const file = ['../package.json', '../../package.json']
    .map((p) => new URL(p, import.meta.url))
    .find((u) => existsSync(u))!;
  const pkg = JSON.parse(readFileSync(file, 'utf8')) as { version: string };
  return pkg.version;
}

type Options = NonNullable<ParseArgsConfig['options']>;
const common: Options = {
  data: { type: 'string' },
  database: { type: 'string' },
  'blob-store': { type: 'string' },
  json: { type: 'boolean' },
};

function parse(args: string[], options: Options, positionals = 0) {
  const parsed = (() => {
    try {
      return parseArgs({ args, options: { ...common, ...options }, allowPositionals: positionals > 0, strict: true });
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
  })();
  if (parsed.positionals.length > positionals)
    throw new UsageError(`unexpected argument "${parsed.positionals[positionals]}"`);
  const values = parsed.values as Record<string, string | boolean | undefined>;
  const data = values.data;
  if (typeof data !== 'string') throw new UsageError('--data DIR is required (the hub data directory)');
  const string = (name: string): string | undefined =>
    typeof values[name] === 'string' ? (values[name] as string) : undefined;
  const required = (name: string): string => {
    const v = string(name);
    if (v === undefined) throw new UsageError(`--${name} is required`);
    return v;
  };
  const database = string('database') ?? (process.env.EDO_HUB_DATABASE || undefined);
  // Absent: the store the hub's database names (the first start's choice), so administration needs no option.
  const blobStore = string('blob-store');
  if (blobStore !== undefined && !(blobStoreKinds as readonly string[]).includes(blobStore))
    throw new UsageError(`--blob-store must be ${blobStoreKinds.join(' or ')}, not "${blobStore}"`);
  if (blobStore === 'database' && !database)
    throw new UsageError(
      '--blob-store database keeps blobs in the database of --database URL (PostgreSQL); give that too',
    );
  return {
    data,
    database,
    blobStore: blobStore as BlobStoreKind | undefined,
    json: values.json === true,
    string,
    required,
    positionals: parsed.positionals,
  };
}

function integer(value: string | undefined, name: string, fallback: number, min = 0): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`--${name} must be an integer ≥ ${min}, not "${value}"`);
  return n;
}

/** --trust-proxy: IP addresses and CIDR ranges (10.0.0.0/8, ::1), comma-separated. */
function proxyAddresses(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const items = value.split(',').map((item) => item.trim());
  for (const item of items) {
    const [address = '', prefix, ...rest] = item.split('/');
    const family = isIP(address);
    const bits = family === 4 ? 32 : 128;
    const prefixOk = prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= bits);
    if (family === 0 || !prefixOk || rest.length > 0) {
      throw new UsageError(
        `--trust-proxy takes the proxies' IP addresses or CIDR ranges, comma-separated (127.0.0.1,10.0.0.0/8), not "${item}"`,
      );
    }
  }
  return items;
}

/** Prints a result: one JSON line with --json, else the human line. */
function print(json: boolean, value: unknown, human: string): void {
  console.log(json ? JSON.stringify(value) : human);
}

async function withData<T>(
  o: { data: string; database: string | undefined; blobStore: BlobStoreKind | undefined },
  fn: (data: HubData, org: OrganizationData) => Promise<T>,
): Promise<T> {
  const data = await openHubData(o.data, {
    ...(o.database ? { databaseUrl: o.database } : {}),
    ...(o.blobStore ? { blobStore: o.blobStore } : {}),
  });
  try {
    // A command does not wait out a failing webhook's minute of retries: one attempt each.
    const org = openOrganizationData(data, {
      webhookRetryDelaysMs: [],
      onNotifyError: (e) => console.error(`edo-hub: ${e.message}`),
    });
    try {
      return await fn(data, org);
    } finally {
      await org.close();
    }
  } finally {
    await closeHubData(data);
  }
}

async function findOrg(data: HubData, ref: string): Promise<SubscriberRecord> {
  const byId = await data.storage.getSubscriber(ref);
  if (byId) return byId;
  const byInn = await data.storage.findSubscribersByInn(ref);
  if (byInn.length === 1) return byInn[0]!;
  if (byInn.length > 1)
    throw new UsageError(`several organizations have INN ${ref}; give the id: ${byInn.map((s) => s.id).join(', ')}`);
  throw new UsageError(`no organization with id or INN "${ref}" (see: edo-hub org list)`);
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

async function serve(args: string[]): Promise<number> {
  const o = parse(args, {
    host: { type: 'string' },
    port: { type: 'string' },
    'max-blob-size': { type: 'string' },
    'token-ttl': { type: 'string' },
    'log-level': { type: 'string' },
    'public-origin': { type: 'string' },
    'trust-proxy': { type: 'string' },
    'smtp-host': { type: 'string' },
    'smtp-port': { type: 'string' },
    'smtp-from': { type: 'string' },
    'operator-key': { type: 'string' },
    'crl-folder': { type: 'string' },
    'ocsp-proxy': { type: 'string' },
    'ocsp-cache': { type: 'string' },
  });
  const operatorKey = o.string('operator-key');
  if (operatorKey !== undefined && !(operatorKeyKinds as readonly string[]).includes(operatorKey)) {
    throw new UsageError(`--operator-key must be ${operatorKeyKinds.join(' or ')}, not "${operatorKey}"`);
  }
  const port = integer(o.string('port'), 'port', 8480);
  if (port > 65535) throw new UsageError('--port must be at most 65535');
  const publicOrigin = o.string('public-origin');
  if (publicOrigin !== undefined) {
    try {
      loginOrigin(publicOrigin);
    } catch {
      throw new UsageError(`--public-origin must be an http(s) URL such as https://hub.example, not "${publicOrigin}"`);
    }
  }
  const trustProxy = proxyAddresses(o.string('trust-proxy'));
  const smtpHost = o.string('smtp-host');
  if (!smtpHost && (o.string('smtp-port') || o.string('smtp-from')))
    throw new UsageError('--smtp-port and --smtp-from need --smtp-host');
  const smtp = smtpHost
    ? {
        host: smtpHost,
        port: integer(o.string('smtp-port'), 'smtp-port', 25, 1),
        from: o.string('smtp-from') ?? `"EDO hub archive" <archive@${smtpHost}>`,
      }
    : undefined;
  // Logs go to stderr: stdout carries the command's own output (the URL line).
  const logger = pino({ level: o.string('log-level') ?? 'info', base: { service: 'edo-hub' } }, pino.destination(2));
  // Before anything is opened: the pending claims released below may belong to a hub serving this
  // directory now. With PostgreSQL many instances serving at once are the point: no lock.
  const unlock = o.database ? () => undefined : lockForServing(o.data);
  let data: HubData;
  try {
    data = await openHubData(o.data, {
      maxBlobSize: integer(o.string('max-blob-size'), 'max-blob-size', defaultMaxBlobSize, 1),
      ...(o.database ? { databaseUrl: o.database } : {}),
      ...(o.blobStore ? { blobStore: o.blobStore } : {}),
      ...(operatorKey ? { operatorKey: operatorKey as OperatorKeyKind } : {}),
    });
  } catch (e) {
    unlock();
    throw e;
  }
  let org: OrganizationData;
  try {
    org = openOrganizationData(data, {
      ...(smtp ? { smtp } : {}),
      onNotifyError: (err, event) =>
        logger.error({ err, event: event.type, orgId: event.orgId }, 'an archive notice was not delivered'),
    });
  } catch (e) {
    await closeHubData(data);
    unlock();
    throw e;
  }
  if (!smtp) logger.warn('archive e-mail notices are off: no --smtp-host given (webhooks still get every event)');
  // A starting embedded hub has no request under way: claims still pending were left by a stopped
  // or crashed one, and their keys are free again (a running hub never takes over a claim,
  // however old). Instances on PostgreSQL never clear each other's claims.
  const abandoned = o.database ? 0 : await data.storage.releasePendingClaims();
  if (abandoned) logger.warn({ abandoned }, 'released idempotency claims left pending by the previous run');
  const { app, context } = createHub({
    ...data,
    settings: org.settings,
    archive: org.archive,
    version: version(),
    logger,
    tokenTtlSeconds: integer(o.string('token-ttl'), 'token-ttl', 3600, 1),
    ...(publicOrigin ? { publicOrigins: [publicOrigin] } : {}),
    ...(trustProxy ? { trustProxy } : {}),
    revocation: {
      crlFolder: o.string('crl-folder'),
      ocspProxy: o.string('ocsp-proxy'),
      ocspCacheSeconds: integer(o.string('ocsp-cache'), 'ocsp-cache', defaultOcspCacheSeconds),
    },
    // Every instance on the database counts the same failed logins.
    ...(o.database ? { throttle: new LoginThrottle(defaultThrottle, Date.now, new SqlThrottleCounters(data.db)) } : {}),
  });
  const instances = o.database ? await joinInstances(data, context.notifier, logger) : undefined;
  const closeData = async () => {
    await instances?.leave();
    await org.close();
    await closeHubData(data);
    unlock();
  };
  let stopping: Promise<void> | undefined;
  const stop = (signal: string) =>
    (stopping ??= (async () => {
      logger.info({ signal }, 'shutting down');
      await app.close();
      await closeData();
      logger.info('stopped');
    })());
  const closed = new Promise<void>((resolve) => {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => void stop(signal).then(resolve));
  });
  try {
    await app.listen({ host: o.string('host') ?? '127.0.0.1', port });
  } catch (e) {
    await closeData();
    throw e;
  }
  const address = app.server.address();
  const url =
    typeof address === 'object' && address
      ? `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`
      : String(address);
  print(
    o.json,
    { url, dataDir: data.dir, pid: process.pid, version: version() },
    `edo-hub listening on ${url} (data: ${data.dir})`,
  );
  await closed;
  return 0;
}

/** How often an instance on PostgreSQL says it lives, and after how long without that it counts as dead. */
const HEARTBEAT_MS = 5000;
const INSTANCE_LEASE_MS = 30_000;

/**
 * Several instances on one PostgreSQL (docs/architecture.md §8): long polls woken by every
 * instance's events (LISTEN), and a heartbeat that keeps this instance's idempotency claims and
 * frees a killed instance's once its lease lapsed.
 */
async function joinInstances(
  data: HubData,
  notifier: EventNotifier,
  logger: pino.Logger,
): Promise<{ leave(): Promise<void> }> {
  const db = data.db as PostgresDatabase;
  const beat = async () => {
    const freed = await data.storage.heartbeat(new Date().toISOString(), INSTANCE_LEASE_MS);
    if (freed) logger.warn({ freed }, 'released idempotency claims of an instance that stopped answering');
  };
  await beat();
  const timer = setInterval(
    () => beat().catch((err: unknown) => logger.error({ err }, 'the instance heartbeat failed')),
    HEARTBEAT_MS,
  );
  timer.unref();
  const unlisten = await db.listen(
    EVENTS_CHANNEL,
    (subscriberId) => notifier.wake([subscriberId]),
    () => notifier.wakeAll(),
  );
  return {
    async leave() {
      clearInterval(timer);
      await unlisten();
      await data.storage.leave();
    },
  };
}

async function org(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === 'add') {
    const o = parse(rest, {
      name: { type: 'string' },
      inn: { type: 'string' },
      kpp: { type: 'string' },
      mode: { type: 'string' },
    });
    const name = o.required('name').trim();
    if (!name) throw new UsageError('--name must not be empty');
    const inn = EnteredInn.safeParse(o.required('inn'));
    if (!inn.success) throw new UsageError(`--inn: ${inn.error.issues[0]!.message}`);
    const kppValue = o.string('kpp');
    const kpp = kppValue === undefined ? undefined : Kpp.safeParse(kppValue);
    if (kpp && !kpp.success) throw new UsageError(`--kpp: ${kpp.error.issues[0]!.message}`);
    if (inn.data.length === 10 && !kpp)
      throw new UsageError(
        '--kpp is required for an organization with a 10-digit INN (FNS format 1.03 names it in every service document)',
      );
    const mode = OperatingMode.safeParse(o.string('mode') ?? 'workstation');
    if (!mode.success) throw new UsageError(`--mode must be one of ${OperatingMode.options.join(', ')}`);
    return withData(o, async (data, { settings }) => {
      // INN and KPP name one organization (a branch has its own KPP): a second registration is a mistake.
      const same = (await data.storage.findSubscribersByInn(inn.data)).find((s) => (s.kpp ?? '') === (kpp?.data ?? ''));
      if (same)
        throw new UsageError(
          `an organization with INN ${inn.data}${kpp?.data ? ` and KPP ${kpp.data}` : ''} is already registered: ${same.name} (${same.id})`,
        );
      // The subscriber id is its EDO participant id (ИдУчастЭДО): the operator's id, then a unique part.
      const id = `${data.operator.identity.edoId}${randomUUID().replace(/-/g, '')}`;
      const created = await data.storage.addSubscriber({
        id,
        name,
        inn: inn.data,
        ...(kpp?.data ? { kpp: kpp.data } : {}),
        operatingMode: mode.data,
        at: new Date().toISOString(),
      });
      // The settings hold the operating mode from now on; the administrator is the first user added.
      await settings.initializeOrganization(id, { administrators: [], operatingMode: mode.data });
      print(
        o.json,
        ownSubscriberView(created, await settings.operatingMode(id)),
        `organization ${created.name} (INN ${created.inn}) registered: ${created.id}`,
      );
      return 0;
    });
  }
  if (sub === 'list') {
    const o = parse(rest, {});
    return withData(o, async (data, { settings }) => {
      const all = [];
      for (const s of await data.storage.listSubscribers(0, Number.MAX_SAFE_INTEGER))
        all.push(ownSubscriberView(s, await settings.operatingMode(s.id)));
      print(
        o.json,
        all,
        all.map((s) => `${s.id}  ${s.inn}  ${s.name}  (${s.operatingMode})`).join('\n') || 'no organizations',
      );
      return 0;
    });
  }
  if (sub === 'grant') {
    const o = parse(rest, { org: { type: 'string' }, user: { type: 'string' }, permission: { type: 'string' } });
    const permissions = o
      .required('permission')
      .split(',')
      .map((p) => p.trim());
    for (const p of permissions)
      if (!Permission.safeParse(p).success)
        throw new UsageError(`--permission: "${p}" is not one of ${Permission.options.join(', ')}`);
    return withData(o, async (data, { settings }) => {
      const subscriber = await findOrg(data, o.required('org'));
      const target = await data.storage.getUser(o.required('user'));
      if (target?.subscriberId !== subscriber.id)
        throw new UsageError(
          `no user ${o.required('user')} in ${subscriber.name} (see: edo-hub user list --org ${subscriber.id})`,
        );
      await settings.grantAsOperator(subscriber.id, target.id, permissions as Permission[]);
      const granted = {
        orgId: subscriber.id,
        userId: target.id,
        permissions: await settings.permissionsOf(subscriber.id, target.id),
      };
      print(o.json, granted, `${target.name} in ${subscriber.name}: ${granted.permissions.join(', ')}`);
      return 0;
    });
  }
  throw new UsageError('org add | org list | org grant');
}

async function user(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === 'add') {
    const o = parse(rest, {
      org: { type: 'string' },
      cert: { type: 'string' },
      login: { type: 'string' },
      name: { type: 'string' },
    });
    const certFile = o.string('cert');
    const login = o.string('login');
    if (!certFile && !login)
      throw new UsageError(
        'give --cert FILE (a certificate holder) or --login LOGIN (a service user; password on stdin)',
      );
    const certificate = certFile ? readCertificates(readFileSync(certFile))[0] : undefined;
    if (certFile && !certificate) throw new UsageError(`no certificate in ${certFile}`);
    const identity = certificate ? describeCertificate(certificate) : undefined;
    const password = login ? await readStdin() : undefined;
    if (login && !password) throw new UsageError('the password of a service user is read from stdin, and it is empty');
    // A service user logs in unattended from a server: its password is its only secret.
    if (login && [...password!].length < minimumServicePasswordLength) {
      throw new UsageError(
        `the password of a service user must be at least ${minimumServicePasswordLength} characters long (this one has ${[...password!].length})`,
      );
    }
    return withData(o, async (data, { settings }) => {
      const subscriber = await findOrg(data, o.required('org'));
      const first = (await data.storage.listUsers(subscriber.id)).length === 0;
      if (identity?.orgInn && identity.orgInn !== subscriber.inn) {
        throw new UsageError(
          `the certificate of ${identity.commonName} is issued for the organization with INN ${identity.orgInn}, not ${subscriber.name} (INN ${subscriber.inn})`,
        );
      }
      if (certificate && (await data.storage.findUserByCertificate(certificateFingerprint(certificate))))
        throw new UsageError('this certificate is already registered');
      const system = certificate
        ? await settings.informationSystemHolding(certificateFingerprint(certificate))
        : undefined;
      if (system) {
        throw new UsageError(
          `this certificate is the information system "${system.name}" (${system.id}) of organization ${system.orgId}: a certificate logs in either as a user or as a system, not both`,
        );
      }
      if (login && (await data.storage.findUserByLogin(login))) throw new UsageError(`the login "${login}" is taken`);
      const created = await data.storage.addUser({
        id: randomUUID(),
        subscriberId: subscriber.id,
        kind: login ? 'service' : 'person',
        name: o.string('name') ?? identity?.commonName ?? login!,
        ...(login ? { login, passwordHash: await hashPassword(password!) } : {}),
        ...(certificate && identity
          ? { certificate: { der: certificate, summary: certificateSummary(identity) } }
          : {}),
      });
      // The first user of an organization administers its settings (and gives others rights there).
      if (first) await settings.grantAsOperator(subscriber.id, created.id, ['change-organization-settings']);
      print(o.json, userView(created), `user ${created.name} registered for ${subscriber.name}: ${created.id}`);
      return 0;
    });
  }
  if (sub === 'list') {
    const o = parse(rest, { org: { type: 'string' } });
    return withData(o, async (data) => {
      const orgRef = o.string('org');
      const users = await data.storage.listUsers(orgRef ? (await findOrg(data, orgRef)).id : undefined);
      const orgs = new Map<string, SubscriberRecord | undefined>();
      for (const u of users)
        if (!orgs.has(u.subscriberId)) orgs.set(u.subscriberId, await data.storage.getSubscriber(u.subscriberId));
      const orgOf = (u: UserRecord) => orgs.get(u.subscriberId);
      print(
        o.json,
        users.map((u) => ({
          ...userView(u),
          organization: { id: u.subscriberId, name: orgOf(u)?.name, inn: orgOf(u)?.inn },
        })),
        users
          .map(
            (u) =>
              `${u.id}  ${u.kind}  ${u.name}${u.login ? `  login ${u.login}` : ''}  ${orgOf(u)?.name ?? u.subscriberId} (INN ${orgOf(u)?.inn ?? '?'})`,
          )
          .join('\n') || 'no users',
      );
      return 0;
    });
  }
  throw new UsageError('user add | user list');
}

async function trust(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === 'add') {
    const o = parse(rest, {}, 1);
    const file = o.positionals[0];
    if (!file) throw new UsageError('trust add CA.pem: the CA certificate file is missing');
    const certificates = readCertificates(readFileSync(file));
    if (certificates.length === 0) throw new UsageError(`no certificate in ${file}`);
    return withData(o, async (data) => {
      const added = [];
      for (const der of certificates) {
        const identity = describeCertificate(der);
        const fingerprint = certificateFingerprint(der);
        const isNew = await data.storage.addTrustedCa({
          fingerprint,
          der,
          subject: identity.subject,
          addedAt: new Date().toISOString(),
        });
        added.push({ fingerprint, subject: identity.subject, added: isNew });
      }
      print(
        o.json,
        added,
        added.map((a) => `${a.added ? 'trusted' : 'already trusted'}: ${a.subject} (${a.fingerprint})`).join('\n'),
      );
      return 0;
    });
  }
  if (sub === 'list') {
    const o = parse(rest, {});
    return withData(o, async (data) => {
      const all = (await data.storage.listTrustedCas()).map(({ fingerprint, subject, addedAt }) => ({
        fingerprint,
        subject,
        addedAt,
      }));
      print(o.json, all, all.map((a) => `${a.fingerprint}  ${a.subject}`).join('\n') || 'no trusted CAs');
      return 0;
    });
  }
  throw new UsageError('trust add CA.pem | trust list');
}

async function archive(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === 'quota') {
    const o = parse(rest, { org: { type: 'string' }, bytes: { type: 'string' } });
    const bytes = o.string('bytes');
    return withData(o, async (data, { archive: log }) => {
      const subscriber = await findOrg(data, o.required('org'));
      const figures =
        bytes === undefined
          ? await log.usage(subscriber.id)
          : await log.setQuota(subscriber.id, integer(bytes, 'bytes', 0, 1));
      print(o.json, { orgId: subscriber.id, ...figures }, `${subscriber.name}: ${figures.usage}`);
      return 0;
    });
  }
  if (sub === 'check') {
    const o = parse(rest, {});
    return withData(o, async (_data, { archive: log }) => {
      const problems = await log.checkIntegrity();
      if (problems.length > 0) throw new Error(`THE ARCHIVE IS DAMAGED: ${problems.join('; ')}`);
      const size = await log.size();
      print(o.json, { size, problems }, `the archive of ${size} entries is intact`);
      return 0;
    });
  }
  throw new UsageError('archive quota --org ID [--bytes N] | archive check');
}

/** One line of `poa list`: number, status, term, representative, powers. */
const poaLine = (p: StoredPowerOfAttorney, now: Date) => {
  const v = recordView(p, now);
  return `${v.number}  ${v.status}  ${v.issuedOn}..${v.validUntil}  ${v.representative.name}  ${v.powers.join(',') || '(text only)'}`;
};

async function poa(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === 'list') {
    const o = parse(rest, { org: { type: 'string' } });
    return withData(o, async (data) => {
      const subscriber = await findOrg(data, o.required('org'));
      const now = new Date();
      const all = await data.powersOfAttorney.list(subscriber.id);
      print(
        o.json,
        all.map((p) => recordView(p, now)),
        all.map((p) => poaLine(p, now)).join('\n') || `${subscriber.name} has no registered МЧД`,
      );
      return 0;
    });
  }
  if (sub === 'show' || sub === 'revoke') {
    const o = parse(rest, { org: { type: 'string' }, out: { type: 'string' }, reason: { type: 'string' } }, 1);
    const number = o.positionals[0];
    if (!number) throw new UsageError(`poa ${sub}: the МЧД's number (НомДовер) is missing`);
    return withData(o, async (data) => {
      const subscriber = await findOrg(data, o.required('org'));
      const now = new Date();
      if (sub === 'revoke') {
        const reason = o.required('reason').trim();
        if (!reason) throw new UsageError('--reason must not be empty: the journal keeps why');
        try {
          const revoked = await data.powersOfAttorney.revoke(subscriber.id, number, {
            actor: OPERATOR_ACTOR,
            reason,
            at: now.toISOString(),
          });
          print(o.json, recordView(revoked, now), `revoked: ${poaLine(revoked, now)}`);
          return 0;
        } catch (e) {
          if (e instanceof PowerOfAttorneyError) throw new UsageError(e.message);
          throw e;
        }
      }
      const found = await data.powersOfAttorney.get(subscriber.id, number);
      if (!found)
        throw new UsageError(`${subscriber.name} has no МЧД ${number} (see: edo-hub poa list --org ${subscriber.id})`);
      const out = o.string('out');
      const files = out ? { xml: join(out, found.fileName), signature: join(out, `${found.fileName}.sig`) } : undefined;
      if (files) {
        mkdirSync(out!, { recursive: true });
        writeFileSync(files.xml, found.xml);
        writeFileSync(files.signature, found.signature);
      }
      const journal = (await data.powersOfAttorney.journalOf(subscriber.id)).filter((j) => j.number === found.number);
      const shown = { ...recordView(found, now), journal, ...(files ? { files } : {}) };
      const history = journal
        .map((j) => `  ${j.at}  ${j.action} by ${j.actor}${j.reason ? `: ${j.reason}` : ''}`)
        .join('\n');
      print(o.json, shown, `${poaLine(found, now)}\nsigned by ${found.signedBy}, file ${found.fileName}\n${history}`);
      return 0;
    });
  }
  throw new UsageError('poa list --org ID | poa show --org ID NUMBER | poa revoke --org ID NUMBER --reason TEXT');
}

async function migrateCommand(args: string[]): Promise<number> {
  const o = parse(args, {});
  return withData(o, async (data) => {
    const where = data.databaseUrl ? 'the PostgreSQL database' : `the SQLite files in ${data.dir}`;
    print(
      o.json,
      { applied: data.migrated },
      data.migrated.length ? `applied to ${where}: ${data.migrated.join(', ')}` : `${where}: the schema is up to date`,
    );
    return 0;
  });
}

async function operator(args: string[]): Promise<number> {
  const o = parse(args, {});
  return withData(o, async (data) => {
    const { identity, certificate, tsa } = data.operator;
    const shown = {
      ...identity,
      certificateFingerprint: certificateFingerprint(certificate),
      certificate: certificate.toString('base64'),
      tsaCertificate: tsa.certificate.toString('base64'),
    };
    // The PEMs are what a relying party trusts (openssl -CAfile) and checks time-stamps against.
    const text = `${identity.name}, INN ${identity.inn}, operator id ${identity.edoId}; certificate ${shown.certificateFingerprint}`;
    print(
      o.json,
      shown,
      `${text}\n${derToPem(certificate)}time-stamp authority (POST /v1/tsp), certificate ${certificateFingerprint(tsa.certificate)}\n${derToPem(tsa.certificate)}`.trimEnd(),
    );
    return 0;
  });
}

export async function main(argv: string[]): Promise<number> {
  const [command = 'help', ...args] = argv;
  try {
    switch (command) {
      case 'help':
      case '--help':
        console.log(usage);
        return 0;
      case 'version':
      case '--version':
        console.log(version());
        return 0;
      case 'serve':
        return await serve(args);
      case 'org':
        return await org(args);
      case 'user':
        return await user(args);
      case 'trust':
        return await trust(args);
      case 'operator':
        return await operator(args);
      case 'archive':
        return await archive(args);
      case 'poa':
        return await poa(args);
      case 'migrate':
        return await migrateCommand(args);
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (e) {
    const json = args.includes('--json');
    const message = e instanceof UsageError ? e.message : (e as Error).message;
    if (json) console.log(JSON.stringify({ error: e instanceof UsageError ? 'usage' : 'failed', message }));
    console.error(`edo-hub: ${message}${e instanceof UsageError ? '\n\nRun "edo-hub help" for the commands.' : ''}`);
    return e instanceof UsageError ? 2 : 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
