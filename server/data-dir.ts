// The hub's data directory: hub.sqlite (WAL), blobs/ (content-addressed files), operator/
// (the operator's key and certificate) and archive.sqlite (the signed-data archive, apart so
// that its append-only log is never touched by the exchange's migrations or clean-ups).
// Opened the same way by `serve` and by administration.
import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { ArchiveLog } from './archive/log';
import type { ArchiveEvent } from './archive/events';
import { ArchiveMailer, ArchiveNotifier, WebhookDispatcher, type SmtpSettings } from './archive/notify';
import { BlobFiles } from './blobs';
import { OrganizationSettingsService } from './organization';
import { openOperator, type Operator } from './operator';
import { SqliteStorage } from './storage/sqlite';
import type { HubStorage } from './storage/storage';

export interface HubData {
  dir: string;
  storage: HubStorage;
  blobs: BlobFiles;
  operator: Operator;
}

export const defaultMaxBlobSize = 512 * 1024 * 1024;

export async function openHubData(dir: string, options: { maxBlobSize?: number } = {}): Promise<HubData> {
  const root = resolve(dir);
  mkdirSync(root, { recursive: true, mode: 0o700 });
  const storage = new SqliteStorage(join(root, 'hub.sqlite'));
  try {
    const blobs = new BlobFiles(join(root, 'blobs'), options.maxBlobSize ?? defaultMaxBlobSize);
    const operator = await openOperator(root, storage);
    return { dir: root, storage, blobs, operator };
  } catch (e) {
    await storage.close();
    throw e;
  }
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
        throw new Error(`the data directory ${root} is served by a running hub (pid ${pid}): stop it first (administration commands work meanwhile); if pid ${pid} is not a hub, remove ${file}`);
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
  throw new Error(`could not take the serving lock ${file}: other hubs keep starting on ${root}`);
}

export interface OrganizationData {
  settings: OrganizationSettingsService;
  archive: ArchiveLog;
  webhooks: WebhookDispatcher;
  notifier: ArchiveNotifier;
  /** Waits for the notices under way, then closes the databases. */
  close(): Promise<void>;
}

export interface OrganizationDataOptions {
  /** Where archive e-mail goes out; without it no e-mail is sent (webhooks still are). */
  smtp?: SmtpSettings;
  /** A notice that could not be delivered (the archive and the exchange go on). */
  onNotifyError?: (error: Error, event: ArchiveEvent) => void;
  webhookRetryDelaysMs?: readonly number[];
}

function openDatabase(file: string): Database.Database {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  // The exchange storage writes the same hub.sqlite through its own handle: wait, do not fail.
  db.pragma('busy_timeout = 5000');
  return db;
}

/** The organization settings (on hub.sqlite, beside the exchange's tables), the archive (archive.sqlite) and its notices. */
export function openOrganizationData(data: HubData, options: OrganizationDataOptions = {}): OrganizationData {
  const db = openDatabase(join(data.dir, 'hub.sqlite'));
  const archiveDb = openDatabase(join(data.dir, 'archive.sqlite'));
  try {
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
    const webhooks = new WebhookDispatcher({ db, registry: settings, ...(options.webhookRetryDelaysMs ? { retryDelaysMs: options.webhookRetryDelaysMs } : {}) });
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
        archiveDb.close();
        db.close();
      },
    };
  } catch (e) {
    archiveDb.close();
    db.close();
    throw e;
  }
}
