// edo-hub: the exchange hub's service and administration command line. Runs in: Node.
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import pino from 'pino';
import { amount, GB, MB } from '../src/archive/usage';
import { certificateFingerprint, derToPem, describeCertificate, readCertificates } from '../src/crypto/certificates';
import {
  EnteredInn,
  EnteredOgrn,
  Inn,
  Kpp,
  loginOrigin,
  Ogrn,
  OperatingMode,
  Permission,
  type Language,
} from '../src/protocol';
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
import { hubLanguage, hubText, HubWordsError, words, type HubKey, type HubValues, type HubWords } from './i18n';
import { hubUsage } from './usage';
import { certificateSummary, ownSubscriberView, userView } from './views';

/** A refusal of what was typed (exit 2): worded by key, or node:util's own words as they came. */
class UsageError extends Error {
  constructor(readonly words: HubWords | string) {
    super(typeof words === 'string' ? words : hubText('en', words.key, words.values));
  }
}

const refuse = (key: HubKey, values?: HubValues) => new UsageError(words(key, values));

/** The command's words in its language. */
type Say = (key: HubKey, values?: HubValues) => string;

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
  lang: { type: 'string' },
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
    throw refuse('argument.unexpected', { value: parsed.positionals[positionals]! });
  const values = parsed.values as Record<string, string | boolean | undefined>;
  const data = values.data;
  if (typeof data !== 'string') throw refuse('data.required');
  const string = (name: string): string | undefined =>
    typeof values[name] === 'string' ? (values[name] as string) : undefined;
  const required = (name: string): string => {
    const v = string(name);
    if (v === undefined) throw refuse('option.required', { name });
    return v;
  };
  const database = string('database') ?? (process.env.EDO_HUB_DATABASE || undefined);
  // Absent: the store the hub's database names (the first start's choice), so administration needs no option.
  const blobStore = string('blob-store');
  if (blobStore !== undefined && !(blobStoreKinds as readonly string[]).includes(blobStore))
    throw refuse('option.oneOf', { name: 'blob-store', values: blobStoreKinds.join(', '), value: blobStore });
  if (blobStore === 'database' && !database) throw refuse('blobStore.needsDatabase');
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
  if (!Number.isInteger(n) || n < min) throw refuse('option.integer', { name, min, value });
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
      throw refuse('trustProxy.invalid', { value: item });
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
  if (byInn.length > 1) throw refuse('org.ambiguous', { inn: ref, ids: byInn.map((s) => s.id).join(', ') });
  throw refuse('org.none', { ref });
}

/** The certificates of a file (PEM, one or more, or DER); a file that cannot be read or holds none is refused. */
function certificatesIn(file: string): Buffer[] {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    throw new HubWordsError(words('file.unreadable', { file, detail: (e as Error).message }));
  }
  let found: Buffer[];
  try {
    found = readCertificates(bytes);
  } catch (e) {
    throw refuse('certificate.invalid', { file, detail: (e as Error).message });
  }
  if (found.length === 0) throw refuse('certificate.none', { file });
  return found;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

async function serve(args: string[], t: Say): Promise<number> {
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
    throw refuse('option.oneOf', { name: 'operator-key', values: operatorKeyKinds.join(', '), value: operatorKey });
  }
  const port = integer(o.string('port'), 'port', 8480);
  if (port > 65535) throw refuse('port.max');
  const publicOrigin = o.string('public-origin');
  if (publicOrigin !== undefined) {
    try {
      loginOrigin(publicOrigin);
    } catch {
      throw refuse('publicOrigin.invalid', { value: publicOrigin });
    }
  }
  const trustProxy = proxyAddresses(o.string('trust-proxy'));
  const smtpHost = o.string('smtp-host');
  if (!smtpHost && (o.string('smtp-port') || o.string('smtp-from'))) throw refuse('smtp.needsHost');
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
    t('serve.listening', { url, dir: data.dir }),
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

async function org(args: string[], t: Say): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === 'add') {
    const o = parse(rest, {
      name: { type: 'string' },
      inn: { type: 'string' },
      kpp: { type: 'string' },
      ogrn: { type: 'string' },
      mode: { type: 'string' },
    });
    const name = o.required('name').trim();
    if (!name) throw refuse('org.nameEmpty');
    const innValue = o.required('inn');
    const inn = EnteredInn.safeParse(innValue);
    // The shape first (10 or 12 digits), then the check digits: two refusals, each saying what to fix.
    if (!inn.success) throw refuse(Inn.safeParse(innValue).success ? 'inn.checksum' : 'inn.shape', { value: innValue });
    const kppValue = o.string('kpp');
    const kpp = kppValue === undefined ? undefined : Kpp.safeParse(kppValue);
    if (kpp && !kpp.success) throw refuse('kpp.shape', { value: kppValue! });
    if (inn.data.length === 10 && !kpp) throw refuse('kpp.required');
    const ogrnValue = o.string('ogrn');
    const ogrn = ogrnValue === undefined ? undefined : EnteredOgrn.safeParse(ogrnValue);
    if (ogrn && !ogrn.success)
      throw refuse(Ogrn.safeParse(ogrnValue).success ? 'ogrn.checksum' : 'ogrn.shape', { value: ogrnValue! });
    const modeValue = o.string('mode') ?? 'workstation';
    const mode = OperatingMode.safeParse(modeValue);
    if (!mode.success)
      throw refuse('option.oneOf', { name: 'mode', values: OperatingMode.options.join(', '), value: modeValue });
    return withData(o, async (data, { settings }) => {
      // INN and KPP name one organization (a branch has its own KPP): a second registration is a mistake.
      const same = (await data.storage.findSubscribersByInn(inn.data)).find((s) => (s.kpp ?? '') === (kpp?.data ?? ''));
      if (same)
        throw refuse('org.duplicate', {
          inn: inn.data,
          kpp: kpp?.data ? t('org.duplicateKpp', { kpp: kpp.data }) : '',
          name: same.name,
          id: same.id,
        });
      // The subscriber id is its EDO participant id (ИдУчастЭДО): the operator's id, then a unique part.
      const id = `${data.operator.identity.edoId}${randomUUID().replace(/-/g, '')}`;
      const created = await data.storage.addSubscriber({
        id,
        name,
        inn: inn.data,
        ...(kpp?.data ? { kpp: kpp.data } : {}),
        ...(ogrn?.data ? { ogrn: ogrn.data } : {}),
        operatingMode: mode.data,
        at: new Date().toISOString(),
      });
      // The settings hold the operating mode from now on; the administrator is the first user added.
      await settings.initializeOrganization(id, { administrators: [], operatingMode: mode.data });
      print(
        o.json,
        ownSubscriberView(created, await settings.operatingMode(id)),
        t('org.registered', { name: created.name, inn: created.inn, id: created.id }),
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
        all.map((s) => t('org.line', { ...s, mode: s.operatingMode })).join('\n') || t('org.noneRegistered'),
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
        throw refuse('permission.invalid', { value: p, values: Permission.options.join(', ') });
    return withData(o, async (data, { settings }) => {
      const subscriber = await findOrg(data, o.required('org'));
      const target = await data.storage.getUser(o.required('user'));
      if (target?.subscriberId !== subscriber.id)
        throw refuse('user.notInOrg', { user: o.required('user'), org: subscriber.name, orgId: subscriber.id });
      await settings.grantAsOperator(subscriber.id, target.id, permissions as Permission[]);
      const granted = {
        orgId: subscriber.id,
        userId: target.id,
        permissions: await settings.permissionsOf(subscriber.id, target.id),
      };
      print(
        o.json,
        granted,
        t('grant.done', { user: target.name, org: subscriber.name, permissions: granted.permissions.join(', ') }),
      );
      return 0;
    });
  }
  throw refuse('org.subcommands');
}

async function user(args: string[], t: Say): Promise<number> {
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
    if (!certFile && !login) throw refuse('user.needsCertOrLogin');
    const certificate = certFile ? certificatesIn(certFile)[0] : undefined;
    const identity = certificate ? describeCertificate(certificate) : undefined;
    const password = login ? await readStdin() : undefined;
    if (login && !password) throw refuse('password.empty');
    // A service user logs in unattended from a server: its password is its only secret.
    if (login && [...password!].length < minimumServicePasswordLength) {
      throw refuse('password.short', { min: minimumServicePasswordLength, length: [...password!].length });
    }
    return withData(o, async (data, { settings }) => {
      const subscriber = await findOrg(data, o.required('org'));
      const first = (await data.storage.listUsers(subscriber.id)).length === 0;
      if (identity?.orgInn && identity.orgInn !== subscriber.inn) {
        throw refuse('certificate.otherOrg', {
          holder: identity.commonName ?? identity.subject,
          certificateInn: identity.orgInn,
          org: subscriber.name,
          inn: subscriber.inn,
        });
      }
      if (certificate && (await data.storage.findUserByCertificate(certificateFingerprint(certificate))))
        throw refuse('certificate.taken');
      const system = certificate
        ? await settings.informationSystemHolding(certificateFingerprint(certificate))
        : undefined;
      if (system) {
        throw refuse('certificate.isSystem', { system: system.name, id: system.id, orgId: system.orgId });
      }
      if (login && (await data.storage.findUserByLogin(login))) throw refuse('login.taken', { login });
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
      print(
        o.json,
        userView(created),
        t('user.registered', { name: created.name, org: subscriber.name, id: created.id }),
      );
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
          .map((u) =>
            t('user.line', {
              id: u.id,
              kind: t(`user.kind.${u.kind}`),
              name: u.name,
              login: u.login ? t('user.login', { login: u.login }) : '',
              org: orgOf(u)?.name ?? u.subscriberId,
              inn: orgOf(u)?.inn ?? '?',
            }),
          )
          .join('\n') || t('user.noneRegistered'),
      );
      return 0;
    });
  }
  throw refuse('user.subcommands');
}

async function trust(args: string[], t: Say): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === 'add') {
    const o = parse(rest, {}, 1);
    const file = o.positionals[0];
    if (!file) throw refuse('trust.needsFile');
    const certificates = certificatesIn(file);
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
        added
          .map((a) => t(a.added ? 'trust.added' : 'trust.already', { subject: a.subject, fingerprint: a.fingerprint }))
          .join('\n'),
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
      print(o.json, all, all.map((a) => `${a.fingerprint}  ${a.subject}`).join('\n') || t('trust.none'));
      return 0;
    });
  }
  throw refuse('trust.subcommands');
}

async function archive(args: string[], t: Say): Promise<number> {
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
      const usage = {
        org: subscriber.name,
        used: amount(figures.usedBytes / MB),
        quota: amount(figures.quotaBytes / GB),
      };
      print(o.json, { orgId: subscriber.id, ...figures }, t('archive.usage', usage));
      return 0;
    });
  }
  if (sub === 'check') {
    const o = parse(rest, {});
    return withData(o, async (_data, { archive: log }) => {
      const problems = await log.checkIntegrity();
      if (problems.length > 0) throw new HubWordsError(words('archive.damaged', { problems: problems.join('; ') }));
      const size = await log.size();
      print(o.json, { size, problems }, t('archive.intact', { size }));
      return 0;
    });
  }
  throw refuse('archive.subcommands');
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

async function migrateCommand(args: string[], t: Say): Promise<number> {
  const o = parse(args, {});
  return withData(o, async (data) => {
    const where = data.databaseUrl ? t('where.postgres') : t('where.sqlite', { dir: data.dir });
    print(
      o.json,
      { applied: data.migrated },
      data.migrated.length
        ? t('migrate.applied', { where, migrations: data.migrated.join(', ') })
        : t('migrate.upToDate', { where }),
    );
    return 0;
  });
}

async function operator(args: string[], t: Say): Promise<number> {
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
    const text = t('operator.identity', {
      name: identity.name,
      inn: identity.inn,
      edoId: identity.edoId,
      fingerprint: shown.certificateFingerprint,
    });
    const tsaText = t('operator.tsa', { fingerprint: certificateFingerprint(tsa.certificate) });
    print(o.json, shown, `${text}\n${derToPem(certificate)}${tsaText}\n${derToPem(tsa.certificate)}`.trimEnd());
    return 0;
  });
}

/** --lang as given anywhere in the arguments (before the command's own options are parsed). */
function givenLanguage(argv: string[]): string | undefined {
  const at = argv.findIndex((a) => a === '--lang' || a.startsWith('--lang='));
  if (at < 0) return undefined;
  return argv[at]!.includes('=') ? argv[at]!.slice('--lang='.length) : (argv[at + 1] ?? '');
}

export async function main(argv: string[]): Promise<number> {
  const [command = 'help', ...args] = argv;
  const json = args.includes('--json');
  const given = givenLanguage(argv);
  const chosen = hubLanguage(given, process.env);
  const language: Language = chosen ?? hubLanguage(undefined, process.env)!;
  const t: Say = (key, values) => hubText(language, key, values);
  try {
    if (!chosen) throw refuse('lang.invalid', { value: given! });
    switch (command) {
      case 'help':
      case '--help':
        console.log(hubUsage(language));
        return 0;
      case 'version':
      case '--version':
        console.log(version());
        return 0;
      case 'serve':
        return await serve(args, t);
      case 'org':
        return await org(args, t);
      case 'user':
        return await user(args, t);
      case 'trust':
        return await trust(args, t);
      case 'operator':
        return await operator(args, t);
      case 'archive':
        return await archive(args, t);
      case 'poa':
        return await poa(args);
      case 'migrate':
        return await migrateCommand(args, t);
      default:
        throw refuse('command.unknown', { command });
    }
  } catch (e) {
    const usage = e instanceof UsageError;
    const worded = usage || e instanceof HubWordsError ? e.words : undefined;
    const message =
      worded === undefined
        ? (e as Error).message
        : typeof worded === 'string'
          ? worded
          : hubText(language, worded.key, worded.values);
    // --json: a stable code (usage, failed) beside the words in the command's language.
    if (json) console.log(JSON.stringify({ error: usage ? 'usage' : 'failed', message }));
    console.error(`edo-hub: ${message}${usage ? `\n\n${t('help.hint')}` : ''}`);
    return usage ? 2 : 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
