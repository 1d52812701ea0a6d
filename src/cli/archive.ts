// edo-clerk archive status|list|verify|get ID: the organization's signed-data archive at the
// hub, checked by the client (DESIGN.md §6). The profile keeps, in archive/, the operator
// certificate the tree heads must be signed with (pinned at first use, or given with
// --operator-cert), the last signed tree head seen, and the leaf hash of every entry seen, so
// a hub that rewrites, truncates or edits its archive is caught here and reported loudly.
import { createWriteStream, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { derToPem, pemToDer, readCertificates } from '../crypto/certificates';
import { ArchiveAuditor, type ArchiveReceipt, type AuditReport } from '../archive/auditor';
import type { ArchivedEntry } from '../archive/entry';
import { ArchiveVerificationError } from '../archive/errors';
import { HttpArchiveSource } from '../archive/http-source';
import { JsonFileTreeHeadStore, TreeHeadMonitor } from '../archive/monitor';
import { clerkNeededBy } from '../exchange/session';
import type { ClerkProfile } from '../exchange/profile';
import { TokenError } from '../token/errors';
import type { Options } from './commands';
import { CliError, table, type Output } from './output';
import { stdinPins, terminalPins } from './pin';

const str = (o: Options, name: string): string | undefined => (typeof o[name] === 'string' ? (o[name] as string) : undefined);

/** Where the profile keeps its memory of the archive. */
export function archivePaths(profileDir: string) {
  const dir = join(profileDir, 'archive');
  return { dir, treeHead: join(dir, 'tree-head.json'), receipts: join(dir, 'receipts.json'), operator: join(dir, 'operator.pem') };
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
      throw new CliError(`The archive receipts in ${this.path} are unreadable; restore or delete the file deliberately (${(e as Error).message})`);
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

/** The operator certificate tree heads are checked against: --operator-cert, else the pinned one, else the hub's (pinned now). */
async function operatorCertificate(profileDir: string, o: Options, fromHub: () => Promise<Buffer>): Promise<Buffer> {
  const pinned = archivePaths(profileDir).operator;
  const given = str(o, 'operator-cert');
  if (given) {
    const der = readCertificates(readFileSync(given))[0];
    if (!der) throw new CliError(`No certificate in ${given}`);
    mkdirSync(archivePaths(profileDir).dir, { recursive: true });
    writeFileSync(pinned, derToPem(der));
    return der;
  }
  if (existsSync(pinned)) {
    const der = pemToDer(readFileSync(pinned, 'utf8'))[0];
    if (!der) throw new CliError(`The pinned operator certificate ${pinned} is unreadable; restore it or give --operator-cert FILE`);
    return der;
  }
  const der = await fromHub();
  mkdirSync(archivePaths(profileDir).dir, { recursive: true });
  writeFileSync(pinned, derToPem(der));
  return der;
}

/** What the commands need of the hub: the archive routes with our token, and the operator certificate it names. */
export interface ArchiveConnection {
  source: HttpArchiveSource;
  operatorCertificate(): Promise<Buffer>;
  close(): void;
}

/** Logs in as the profile (token PIN, key file or service password) and opens the archive routes. */
async function connect(profile: ClerkProfile, o: Options): Promise<ArchiveConnection> {
  let hub: Awaited<ReturnType<ClerkProfile['connect']>>;
  try {
    hub = await profile.connect(o['pin-stdin'] === true ? stdinPins() : terminalPins(), { modulePath: str(o, 'module'), token: str(o, 'token') });
  } catch (e) {
    const needed = clerkNeededBy(e);
    if (needed) throw new CliError(needed.message, 2, needed.code);
    if (e instanceof TokenError) throw new CliError(e.message, 1, e.code);
    throw e;
  }
  const source = new HttpArchiveSource({ url: profile.settings.serverUrl, token: hub.me.accessToken });
  return { source, operatorCertificate: async () => Buffer.from((await hub.client.operator()).certificate, 'base64'), close: () => hub.close() };
}

export type Connect = (profile: ClerkProfile, o: Options) => Promise<ArchiveConnection>;

export interface VerifyOutcome {
  report: AuditReport;
  /** Entries we had seen before that the hub no longer lists, or lists changed. */
  failed: { index: number; problem: string; message: string }[];
  newlySeen: number;
}

/**
 * The audit: the hub's tree head against the one remembered (consistency), then every entry of
 * ours, the ones the hub lists now and the ones we saw before, against that head. Throws
 * ArchiveVerificationError when the tree itself was rewritten or truncated.
 */
export async function verifyArchive(source: HttpArchiveSource, profileDir: string, operatorCert: Buffer): Promise<VerifyOutcome> {
  const paths = archivePaths(profileDir);
  const monitor = new TreeHeadMonitor({ operatorCertificate: operatorCert, store: new JsonFileTreeHeadStore(paths.treeHead), consistencyProof: (a, b) => source.consistencyProof(a, b) });
  const receiptFile = new ReceiptFile(paths.receipts);
  const known = receiptFile.load();
  const listed = new Map<number, string>();
  for await (const entry of source.allEntries()) listed.set(entry.index, entry.leafHash);
  // A listed entry we saw before is checked against the leaf hash we saw, not the one listed now.
  const receipts = new Map([...listed, ...known]);
  const report = await new ArchiveAuditor(source, monitor, operatorCert).audit([...receipts].sort(([a], [b]) => a - b).map(([index, leafHash]) => ({ index, leafHash })));
  const failed = report.entries.flatMap((v) =>
    v.verified ? [] : [{ index: v.index, problem: v.problem, message: v.message.startsWith('archive verification failed') ? v.message : `archive verification failed (${v.problem}): ${v.message}` }],
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

const entryRow = (e: ArchivedEntry) => [String(e.index), e.kind, e.fileName, `${e.size} B`, e.archivedAt];

export function archiveCommands(connectTo: Connect = connect) {
  async function withArchive<T>(profile: ClerkProfile, o: Options, fn: (c: ArchiveConnection, operatorCert: () => Promise<Buffer>) => Promise<T>): Promise<T> {
    const c = await connectTo(profile, o);
    try {
      return await fn(c, () => operatorCertificate(profile.dir, o, c.operatorCertificate));
    } finally {
      c.close();
    }
  }

  /** archive status: usage, the last tree head seen, and whether the hub's current one extends it. */
  async function status(profile: ClerkProfile, o: Options, _a: string[], out: Output): Promise<number> {
    return withArchive(profile, o, async ({ source }, operatorCert) => {
      const usage = await source.usage();
      const notArchived = (await source.notArchived(0, 500)).entries.length;
      const store = new JsonFileTreeHeadStore(archivePaths(profile.dir).treeHead);
      const monitor = new TreeHeadMonitor({ operatorCertificate: await operatorCert(), store, consistencyProof: (a, b) => source.consistencyProof(a, b) });
      let consistency: { ok: true } | { ok: false; problem: string; message: string };
      let observed;
      try {
        observed = await monitor.observe(await source.treeHead());
        consistency = { ok: true };
      } catch (e) {
        if (!(e instanceof ArchiveVerificationError)) throw e;
        consistency = { ok: false, problem: e.problem, message: e.message };
      }
      const lastSeen = await store.load();
      const head = lastSeen && { treeSize: lastSeen.treeSize, rootHash: lastSeen.rootHash.toString('hex'), signedAt: new Date(lastSeen.timestamp).toISOString() };
      out.result({ usage, notArchived, lastTreeHead: head, previousTreeSize: observed?.previous?.treeSize ?? null, consistency }, () =>
        [
          `Archive: ${usage.usage}${notArchived > 0 ? `; ${notArchived} signed document(s) did not fit and are not archived` : ''}`,
          head ? `Last tree head seen: ${head.treeSize} entries, root ${head.rootHash}, signed ${head.signedAt}` : 'No tree head seen yet',
          consistency.ok ? 'The hub’s archive is consistent with every tree head seen before.' : `THE ARCHIVE FAILED VERIFICATION: ${consistency.message}`,
        ].join('\n'),
      );
      if (!consistency.ok) throw new CliError(consistency.message, 1, consistency.problem);
      return 0;
    });
  }

  /** archive list: our archived entries, and those that did not fit the quota. */
  async function list(profile: ClerkProfile, o: Options, _a: string[], out: Output): Promise<number> {
    return withArchive(profile, o, async ({ source }) => {
      const entries: ArchivedEntry[] = [];
      for await (const e of source.allEntries()) entries.push(e);
      const notArchived = (await source.notArchived(0, 500)).entries;
      out.result({ entries, notArchived }, () =>
        [
          entries.length === 0 ? 'No archived entries.' : table([['#', 'kind', 'file', 'size', 'archived'], ...entries.map(entryRow)]),
          ...(notArchived.length > 0 ? ['', 'Not archived (quota):', table(notArchived.map((n) => [n.fileName, n.refusedAt, n.reason]))] : []),
        ].join('\n'),
      );
      return 0;
    });
  }

  /** archive verify: exit 0 when every entry is in the signed tree and the tree only grew; exit 1 naming what broke. */
  async function verify(profile: ClerkProfile, o: Options, _a: string[], out: Output): Promise<number> {
    return withArchive(profile, o, async ({ source }, operatorCert) => {
      let outcome: VerifyOutcome;
      try {
        outcome = await verifyArchive(source, profile.dir, await operatorCert());
      } catch (e) {
        if (e instanceof ArchiveVerificationError) throw new CliError(`THE HUB'S ARCHIVE WAS ALTERED: ${e.message}`, 1, e.problem);
        throw e;
      }
      const { report, failed } = outcome;
      const verified = report.entries.length - failed.length;
      out.result({ treeSize: report.head.treeSize, rootHash: report.head.rootHash.toString('hex'), verified, failed }, () =>
        failed.length === 0
          ? `All ${verified} archived entries verified against the signed tree head of ${report.head.treeSize} entries.`
          : `${verified} verified, ${failed.length} FAILED:\n${failed.map((f) => `  ${f.message}`).join('\n')}`,
      );
      if (failed.length > 0) throw new CliError(`THE HUB'S ARCHIVE WAS ALTERED: ${failed.map((f) => f.message).join('; ')}`, 1, failed[0]!.problem);
      return 0;
    });
  }

  /** archive get INDEX [--out DIR]: the original (hash-checked) and each signature as FILE.N.sig. */
  async function get(profile: ClerkProfile, o: Options, positional: string[], out: Output): Promise<number> {
    const index = Number(positional[0]);
    if (positional[0] === undefined || !Number.isInteger(index) || index < 0) throw new CliError(`archive get needs the entry number (see "edo-clerk archive list"), not "${positional[0] ?? ''}"`);
    return withArchive(profile, o, async ({ source }) => {
      const entry = await source.entry(index);
      if (!entry) throw new CliError(`The organization has no archive entry ${index}`, 1, 'not-found');
      const dir = resolve(str(o, 'out') ?? '.');
      mkdirSync(dir, { recursive: true });
      const file = join(dir, entry.fileName.replace(/[/\\\0]/g, '_'));
      const partial = `${file}.part`;
      try {
        await pipeline(await source.original(entry), createWriteStream(partial));
      } catch (e) {
        rmSync(partial, { force: true });
        if (e instanceof ArchiveVerificationError) throw new CliError(`THE HUB'S ARCHIVE WAS ALTERED: ${e.message}`, 1, e.problem);
        throw e;
      }
      renameSync(partial, file);
      const signatures = entry.signatures.map((s, i) => {
        const path = `${file}${entry.signatures.length > 1 ? `.${i + 1}` : ''}.sig`;
        writeFileSync(path, Buffer.from(s, 'base64'));
        return path;
      });
      out.result({ entry, file, signatures }, () => [`${file} (${entry.size} bytes, SHA-256 checked)`, ...signatures.map((s) => `${s} (detached CMS)`)].join('\n'));
      return 0;
    });
  }

  return { status, list, verify, get };
}

const commands = archiveCommands();
export const archiveStatus = commands.status;
export const archiveList = commands.list;
export const archiveVerify = commands.verify;
export const archiveGet = commands.get;
