// The archive as one clerk's profile checks it (edo-clerk archive, the desktop's Archive view):
// the profile keeps, in archive/, the operator certificate tree heads must be signed with
// (pinned at first use), the last signed tree head seen and the leaf hash of every entry seen,
// so a hub that rewrites, truncates or edits its archive is caught and reported loudly.
import { createWriteStream, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { derToPem, pemToDer } from '../crypto/certificates';
import type { ArchiveUsage, NotArchivedEntry } from '../protocol/organization';
import { ArchiveAuditor, type ArchiveReceipt, type AuditReport } from './auditor';
import type { ArchivedEntry } from './entry';
import { ArchiveVerificationError, type ArchiveProblem } from './errors';
import type { HttpArchiveSource } from '../exchange/archive-client';
import { JsonFileTreeHeadStore, TreeHeadMonitor } from './monitor';

/** Where the profile keeps its memory of the archive. */
export function archivePaths(profileDir: string) {
  const dir = join(profileDir, 'archive');
  return {
    dir,
    treeHead: join(dir, 'tree-head.json'),
    receipts: join(dir, 'receipts.json'),
    operator: join(dir, 'operator.pem'),
  };
}

/** The leaf hashes of the entries we have seen, by index: what an edited archive is compared with. */
export class ReceiptFile {
  constructor(readonly path: string) {}

  load(): Map<number, string> {
    if (!existsSync(this.path)) return new Map();
    try {
      const list = JSON.parse(readFileSync(this.path, 'utf8')) as ArchiveReceipt[];
      return new Map(list.map((r) => [r.index, r.leafHash]));
    } catch (e) {
      throw new Error(
        `The archive receipts in ${this.path} are unreadable; restore or delete the file deliberately (${(e as Error).message})`,
        { cause: e },
      );
    }
  }

  save(receipts: Map<number, string>): void {
    mkdirSync(resolve(this.path, '..'), { recursive: true });
    const temporary = `${this.path}.${process.pid}.tmp`;
    const list = [...receipts].sort(([a], [b]) => a - b).map(([index, leafHash]) => ({ index, leafHash }));
    writeFileSync(temporary, `${JSON.stringify(list, null, 1)}\n`);
    renameSync(temporary, this.path);
  }
}

/**
 * The operator certificate tree heads are checked against: `given` (pinned now), else the
 * pinned one, else the hub's (pinned now, at first use).
 */
export async function pinnedOperatorCertificate(
  profileDir: string,
  fromHub: () => Promise<Buffer>,
  given?: Buffer,
): Promise<Buffer> {
  const paths = archivePaths(profileDir);
  const pin = (der: Buffer) => {
    mkdirSync(paths.dir, { recursive: true });
    writeFileSync(paths.operator, derToPem(der));
    return der;
  };
  if (given) return pin(given);
  if (existsSync(paths.operator)) {
    const der = pemToDer(readFileSync(paths.operator, 'utf8'))[0];
    if (!der)
      throw new Error(
        `The pinned operator certificate ${paths.operator} is unreadable; restore it or give the operator certificate again`,
      );
    return der;
  }
  return pin(await fromHub());
}

export interface VerifyOutcome {
  report: AuditReport;
  /** Entries we had seen before that the hub no longer lists, or lists changed. */
  failed: { index: number; problem: ArchiveProblem; message: string }[];
  newlySeen: number;
}

/**
 * The audit: the hub's tree head against the one remembered (consistency), then every entry of
 * ours, the ones the hub lists now and the ones we saw before, against that head. Throws
 * ArchiveVerificationError when the tree itself was rewritten or truncated.
 */
export async function verifyArchive(
  source: HttpArchiveSource,
  profileDir: string,
  operatorCert: Buffer,
): Promise<VerifyOutcome> {
  const paths = archivePaths(profileDir);
  const monitor = new TreeHeadMonitor({
    operatorCertificate: operatorCert,
    store: new JsonFileTreeHeadStore(paths.treeHead),
    consistencyProof: (a, b) => source.consistencyProof(a, b),
  });
  const receiptFile = new ReceiptFile(paths.receipts);
  const known = receiptFile.load();
  const listed = new Map<number, string>();
  for await (const entry of source.allEntries()) listed.set(entry.index, entry.leafHash);
  // A listed entry we saw before is checked against the leaf hash we saw, not the one listed now.
  const receipts = new Map([...listed, ...known]);
  const report = await new ArchiveAuditor(source, monitor, operatorCert).audit(
    [...receipts].sort(([a], [b]) => a - b).map(([index, leafHash]) => ({ index, leafHash })),
  );
  const failed = report.entries.flatMap((v) =>
    v.verified
      ? []
      : [
          {
            index: v.index,
            problem: v.problem,
            message: v.message.startsWith('archive verification failed')
              ? v.message
              : `archive verification failed (${v.problem}): ${v.message}`,
          },
        ],
  );
  const verified = new Map(known);
  let newlySeen = 0;
  for (const v of report.entries) {
    if (v.verified && !verified.has(v.index)) {
      verified.set(v.index, v.entry.leafHash);
      newlySeen++;
    }
  }
  receiptFile.save(verified);
  return { report, failed, newlySeen };
}

export interface ArchiveStatus {
  usage: ArchiveUsage;
  /** Signed documents that did not fit the quota (the first page of them). */
  notArchived: NotArchivedEntry[];
  lastTreeHead: { treeSize: number; rootHash: string; signedAt: string } | undefined;
  previousTreeSize: number | null;
  consistency: { ok: true } | { ok: false; problem: ArchiveProblem; message: string };
}

/** Usage, what did not fit, and whether the hub's current tree head extends the one remembered. */
export async function archiveStatusOf(
  source: HttpArchiveSource,
  profileDir: string,
  operatorCert: Buffer,
): Promise<ArchiveStatus> {
  const usage = await source.usage();
  const notArchived = (await source.notArchived(0, 500)).entries;
  const store = new JsonFileTreeHeadStore(archivePaths(profileDir).treeHead);
  const monitor = new TreeHeadMonitor({
    operatorCertificate: operatorCert,
    store,
    consistencyProof: (a, b) => source.consistencyProof(a, b),
  });
  let consistency: ArchiveStatus['consistency'];
  let observed;
  try {
    observed = await monitor.observe(await source.treeHead());
    consistency = { ok: true };
  } catch (e) {
    if (!(e instanceof ArchiveVerificationError)) throw e;
    consistency = { ok: false, problem: e.problem, message: e.message };
  }
  const lastSeen = await store.load();
  const lastTreeHead = lastSeen && {
    treeSize: lastSeen.treeSize,
    rootHash: lastSeen.rootHash.toString('hex'),
    signedAt: new Date(lastSeen.timestamp).toISOString(),
  };
  return { usage, notArchived, lastTreeHead, previousTreeSize: observed?.previous?.treeSize ?? null, consistency };
}

/**
 * Writes the original of an entry (hash-checked on the way: a changed byte leaves nothing behind)
 * and each of its signatures as FILE.sig (FILE.1.sig, FILE.2.sig, ... when there are several).
 */
export async function saveOriginal(
  source: HttpArchiveSource,
  entry: ArchivedEntry,
  dir: string,
): Promise<{ file: string; signatures: string[] }> {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, entry.fileName.replace(/[/\\\0]/g, '_'));
  const partial = `${file}.part`;
  try {
    await pipeline(await source.original(entry), createWriteStream(partial));
  } catch (e) {
    rmSync(partial, { force: true });
    throw e;
  }
  renameSync(partial, file);
  const signatures = entry.signatures.map((s, i) => {
    const path = `${file}${entry.signatures.length > 1 ? `.${i + 1}` : ''}.sig`;
    writeFileSync(path, Buffer.from(s, 'base64'));
    return path;
  });
  return { file, signatures };
}
