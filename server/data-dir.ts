// The hub's data: its database and its data directory. Embedded (the default): hub.sqlite
// (WAL: the exchange, the organization settings, the webhook log), archive.sqlite (the
// signed-data archive, apart so that its append-only log is never touched by the exchange's
// clean-ups), operator/ (the operator's key and certificate) and blobs/. With `--database
// postgres://…` every table is in that one database, the operator's key too (every instance
// signs with the same one), and the directory keeps the blobs, unless `--blob-store database`
// puts them in the database too (server/storage/database-blobs.ts). Opened the same way by `serve`
// and by administration; both apply the schema's missing migrations.
import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { archiveSchema, ArchiveLog } from './archive/log';
import type { ArchiveEvent } from './archive/events';
import { ArchiveMailer, ArchiveNotifier, WebhookDispatcher, webhookSchema, type SmtpSettings } from './archive/notify';
import { BlobFiles, type BlobStore } from './blobs';
import { blobStoreSchema, DatabaseBlobs } from './storage/database-blobs';
import { OrganizationSettingsService, organizationSchema } from './organization';
import { PowerOfAttorneyRegistry, powerOfAttorneySchema } from './powers-of-attorney/registry';
import { openOperator, type Operator, type OperatorKeyKind } from './operator';
import { exchangeSchema, SqlStorage } from './storage/sql-storage';
import { isPostgresUrl, migrate, type SqlDatabase } from './storage/sql';
import { HubWordsError, words } from './i18n';
import { SqliteDatabase } from './storage/sqlite-db';
import type { HubStorage } from './storage/storage';

export interface HubData {
  dir: string;
  /** The PostgreSQL URL, or undefined for the embedded SQLite files. */
  databaseUrl: string | undefined;
  /** The exchange, organization settings and webhook log's database. */
  db: SqlDatabase;
  /** The archive's database (archive.sqlite; with PostgreSQL the same database as `db`). */
  archiveDb: SqlDatabase;
  storage: HubStorage;
  /** The organizations' powers of attorney (in `db`). */
  powersOfAttorney: PowerOfAttorneyRegistry;
  blobs: BlobStore;
  operator: Operator;
  /** The migrations this opening applied, "component@version". */
  migrated: string[];
}

export const defaultMaxBlobSize = 512 * 1024 * 1024;

/** Where blobs are kept: files in the data directory, or the (PostgreSQL) database every instance shares. */
export const blobStoreKinds = ['folder', 'database'] as const;
export type BlobStoreKind = (typeof blobStoreKinds)[number];

export interface HubDataOptions {
  maxBlobSize?: number;
  /**
   * Database needs databaseUrl. Absent: the one the hub's database names. The first opening's
   * choice (default folder) is kept there; naming another one later is refused.
   */
  blobStore?: BlobStoreKind;
  /** postgres://USER@HOST:PORT/DB; absent: the SQLite files in the data directory. */
  databaseUrl?: string;
  /** The operator key's kind at first start (`--operator-key`); later starts keep theirs. */
  operatorKey?: OperatorKeyKind;
}

export async function openHubData(dir: string, options: HubDataOptions = {}): Promise<HubData> {
  const root = resolve(dir);
  mkdirSync(root, { recursive: true, mode: 0o700 });
  const { databaseUrl } = options;
  if (databaseUrl !== undefined && !isPostgresUrl(databaseUrl)) {
    throw new HubWordsError(words('data.databaseUrl', { dir: root, value: databaseUrl }));
  }
  if (options.blobStore === 'database' && databaseUrl === undefined) {
    throw new HubWordsError(words('data.blobStoreNeedsDatabase', { dir: root }));
  }
  // node-postgres is loaded only when used: administration commands on SQLite start faster.
  const db: SqlDatabase = databaseUrl
    ? new (await import('./storage/postgres-db')).PostgresDatabase(databaseUrl)
    : new SqliteDatabase(join(root, 'hub.sqlite'));
  let archiveDb: SqlDatabase | undefined;
  try {
    const migrated = databaseUrl
      ? await migrate(db, [
          exchangeSchema,
          organizationSchema,
          webhookSchema,
          powerOfAttorneySchema,
          archiveSchema,
          blobStoreSchema,
        ])
      : await migrate(db, [exchangeSchema, organizationSchema, webhookSchema, powerOfAttorneySchema]);
    archiveDb = databaseUrl ? db : new SqliteDatabase(join(root, 'archive.sqlite'));
    if (!databaseUrl) migrated.push(...(await migrate(archiveDb, [archiveSchema])));
    const storage = new SqlStorage(db);
    const maxBlobSize = options.maxBlobSize ?? defaultMaxBlobSize;
    const blobStore = await keptBlobStore(db, storage, options.blobStore);
    const blobs =
      blobStore === 'database' ? new DatabaseBlobs(db, maxBlobSize) : new BlobFiles(join(root, 'blobs'), maxBlobSize);
    const operator = await openOperator(databaseUrl ? undefined : root, storage, options.operatorKey);
    return {
      dir: root,
      databaseUrl,
      db,
      archiveDb,
      storage,
      powersOfAttorney: new PowerOfAttorneyRegistry(db),
      blobs,
      operator,
      migrated,
    };
  } catch (e) {
    if (archiveDb && archiveDb !== db) await archiveDb.close();
    await db.close();
    throw e;
  }
}

/**
 * Where this hub's blobs are, as its database says: an administration command or another
 * instance that names no store reaches the blobs `serve` keeps, and one that names the other store
 * is refused rather than finding every blob missing. A hub from before the choice, already
 * holding blobs, keeps them in its folder.
 */
async function keptBlobStore(
  db: SqlDatabase,
  storage: SqlStorage,
  asked: BlobStoreKind | undefined,
): Promise<BlobStoreKind> {
  const holdsBlobs = async () => (await db.get('SELECT 1 AS one FROM blobs LIMIT 1')) !== undefined;
  const kept =
    (await storage.getSetting('blob-store')) ??
    (await storage.initSetting('blob-store', (await holdsBlobs()) ? 'folder' : (asked ?? 'folder')));
  if (asked !== undefined && asked !== kept) {
    throw new HubWordsError(words(kept === 'database' ? 'data.keptInDatabase' : 'data.keptInFolder', { asked }));
  }
  return kept as BlobStoreKind;
}

/** Closes the hub's databases (after the organization data, whose notices may still write). */
export async function closeHubData(data: HubData): Promise<void> {
  if (data.archiveDb !== data.db) await data.archiveDb.close();
  await data.db.close();
}

/** Whether a process with this id runs (EPERM: it does, under another user). */
function processRuns(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Makes this process the one hub serving the data directory: serve.lock holds its pid. A lock
 * whose process is gone is stale and taken over. A starting hub frees the idempotency claims
 * left pending, which would wipe a running hub's live claims: so a second `serve` on the same
 * directory is refused, naming the running one's pid. Administration commands take no lock.
 * Returns the release (also done when the process exits).
 */
export function lockForServing(dir: string): () => void {
  const root = resolve(dir);
  mkdirSync(root, { recursive: true, mode: 0o700 });
  const file = join(root, 'serve.lock');
  const ignoreMissing = (e: unknown) => {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  };
  for (let attempt = 0; attempt < 3; attempt++) {
    // Written aside and linked in: the lock never exists without its pid (link fails if it exists).
    const mine = `${file}.${process.pid}`;
    writeFileSync(mine, `${process.pid}\n`, { mode: 0o600 });
    let taken = false;
    try {
      linkSync(mine, file);
      taken = true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    } finally {
      unlinkSync(mine);
    }
    if (!taken) {
      let held: string | undefined;
      try {
        held = readFileSync(file, 'utf8').trim();
      } catch (e) {
        ignoreMissing(e); // released meanwhile: try again
      }
      const pid = Number(held);
      if (held !== undefined && Number.isInteger(pid) && pid > 0 && processRuns(pid)) {
        throw new HubWordsError(words('data.served', { dir: root, pid, file }));
      }
      if (held !== undefined) {
        try {
          unlinkSync(file); // stale: its hub is gone
        } catch (e) {
          ignoreMissing(e);
        }
      }
      continue;
    }
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      process.off('exit', release);
      try {
        if (readFileSync(file, 'utf8').trim() === String(process.pid)) unlinkSync(file);
      } catch {
        // Already gone: nothing to release.
      }
    };
    process.once('exit', release);
    return release;
  }
  throw new HubWordsError(words('data.lockBusy', { file, dir: root }));
}

export interface OrganizationData {
  settings: OrganizationSettingsService;
  archive: ArchiveLog;
  webhooks: WebhookDispatcher;
  notifier: ArchiveNotifier;
  /** Waits for the notices under way (the databases are closed with the hub data). */
  close(): Promise<void>;
}

export interface OrganizationDataOptions {
  /** Where archive e-mail goes out; without it no e-mail is sent (webhooks still are). */
  smtp?: SmtpSettings;
  /** A notice that could not be delivered (the archive and the exchange go on). */
  onNotifyError?: (error: Error, event: ArchiveEvent) => void;
  webhookRetryDelaysMs?: readonly number[];
}

/** The organization settings (beside the exchange's tables), the archive and its notices, on the hub data's databases. */
export function openOrganizationData(data: HubData, options: OrganizationDataOptions = {}): OrganizationData {
  const { db, archiveDb } = data;
  // The notifier needs the settings (recipients, webhooks) and the settings report to the
  // notifier: the closure reaches it once both exist (nothing is reported while constructing).
  const notify = (event: ArchiveEvent) => notifier.notify(event);
  const settings = new OrganizationSettingsService({
    db,
    issuer: data.operator.signer,
    isMember: async (orgId, userId) => (await data.storage.getUser(userId))?.subscriberId === orgId,
    organizationOf: (orgId) => data.storage.getSubscriber(orgId),
    isUserCertificate: async (fingerprint) => (await data.storage.findUserByCertificate(fingerprint)) !== undefined,
    onArchiveEvent: notify,
  });
  const webhooks = new WebhookDispatcher({
    db,
    registry: settings,
    ...(options.webhookRetryDelaysMs ? { retryDelaysMs: options.webhookRetryDelaysMs } : {}),
  });
  const mailer = options.smtp ? new ArchiveMailer(options.smtp) : undefined;
  const notifier = new ArchiveNotifier({
    ...(mailer ? { mailer } : {}),
    webhooks,
    recipients: settings.archiveRecipients(async (orgId) => (await data.storage.getSubscriber(orgId))?.name),
    onError: options.onNotifyError ?? (() => undefined),
  });
  const archive = new ArchiveLog({ db: archiveDb, signer: data.operator.signer, blobs: data.blobs, onEvent: notify });
  return {
    settings,
    archive,
    webhooks,
    notifier,
    async close() {
      await notifier.idle();
      mailer?.close();
    },
  };
}
