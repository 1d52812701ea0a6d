// edo-clerk archive status|list|verify|get ID: the organization's signed-data archive at the
// hub, checked by the client (docs/architecture.md §11). The profile keeps, in archive/, the operator
// certificate the tree heads must be signed with (pinned at first use, or given with
// --operator-cert), the last signed tree head seen, and the leaf hash of every entry seen, so
// a hub that rewrites, truncates or edits its archive is caught here and reported loudly.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { readCertificates } from '../crypto/certificates';
import type { ArchivedEntry } from '../archive/entry';
import { ArchiveVerificationError } from '../archive/errors';
import { HttpArchiveSource } from '../exchange/archive-client';
import {
  archiveStatusOf,
  pinnedOperatorCertificate,
  saveOriginal,
  verifyArchive,
  type VerifyOutcome,
} from '../archive/profile-archive';
import type { ClerkProfile } from '../exchange/profile';
import { amount, GB, MB } from '../archive/usage';
import { fromTokenError } from './commands';
import { localTime, words } from './i18n';
import { flag, str, type Options } from './options';
import { CliError, table, type Output } from './output';
import { stdinPins, terminalPins } from './pin';

export { archivePaths, ReceiptFile, verifyArchive, type VerifyOutcome } from '../archive/profile-archive';

/** The operator certificate tree heads are checked against: --operator-cert, else the pinned one, else the hub's (pinned now). */
async function operatorCertificate(profileDir: string, o: Options, fromHub: () => Promise<Buffer>): Promise<Buffer> {
  const given = str(o, 'operator-cert');
  let der: Buffer | undefined;
  if (given) {
    der = readCertificates(readFileSync(given))[0];
    if (!der) throw new CliError(words('certificate.none', { file: given }));
  }
  return pinnedOperatorCertificate(profileDir, fromHub, der);
}

/** What the commands need of the hub: the archive routes with our token, and the operator certificate it names. */
export interface ArchiveConnection {
  source: HttpArchiveSource;
  operatorCertificate(): Promise<Buffer>;
  close(): void;
}

/** Logs in as the profile (token PIN, key file or service password) and opens the archive routes. */
async function connect(profile: ClerkProfile, o: Options, out: Output): Promise<ArchiveConnection> {
  let hub: Awaited<ReturnType<ClerkProfile['connect']>>;
  try {
    hub = await profile.connect(flag(o, 'pin-stdin') ? stdinPins() : terminalPins(out.language), {
      modulePath: str(o, 'module'),
      token: str(o, 'token'),
    });
  } catch (e) {
    return fromTokenError(e);
  }
  const source = new HttpArchiveSource(hub.client);
  return {
    source,
    operatorCertificate: async () => Buffer.from((await hub.client.operator()).certificate, 'base64'),
    close: () => hub.close(),
  };
}

/** The archive failed verification: the check's own account (problem code, hashes, sizes) under the clerk's heading; --json has the code. */
const altered = (e: ArchiveVerificationError) =>
  new CliError(words('archive.altered', { detail: e.message }), 1, e.problem);

export type Connect = (profile: ClerkProfile, o: Options, out: Output) => Promise<ArchiveConnection>;

const entryRow = (e: ArchivedEntry, out: Output) => [
  String(e.index),
  e.kind,
  e.fileName,
  String(e.size),
  localTime(e.archivedAt, out.language),
];

export function archiveCommands(connectTo: Connect = connect) {
  async function withArchive<T>(
    profile: ClerkProfile,
    o: Options,
    out: Output,
    fn: (c: ArchiveConnection, operatorCert: () => Promise<Buffer>) => Promise<T>,
  ): Promise<T> {
    const c = await connectTo(profile, o, out);
    try {
      return await fn(c, () => operatorCertificate(profile.dir, o, c.operatorCertificate));
    } finally {
      c.close();
    }
  }

  /** archive status: usage, the last tree head seen, and whether the hub's current one extends it. */
  async function status(profile: ClerkProfile, o: Options, _a: string[], out: Output): Promise<number> {
    return withArchive(profile, o, out, async ({ source }, operatorCert) => {
      const {
        usage,
        notArchived: refused,
        lastTreeHead: head,
        previousTreeSize,
        consistency,
      } = await archiveStatusOf(source, profile.dir, await operatorCert());
      const notArchived = refused.length;
      out.result({ usage, notArchived, lastTreeHead: head, previousTreeSize, consistency }, () =>
        [
          out.t('archive.usage', {
            used: amount(usage.usedBytes / MB),
            quota: amount(usage.quotaBytes / GB),
            notArchived: notArchived > 0 ? out.t('archive.notArchivedCount', { count: notArchived }) : '',
          }),
          head
            ? out.t('archive.head', {
                size: head.treeSize,
                root: head.rootHash,
                signedAt: localTime(head.signedAt, out.language),
              })
            : out.t('archive.noHead'),
          consistency.ok ? out.t('archive.consistent') : out.t('archive.failed', { detail: consistency.message }),
        ].join('\n'),
      );
      if (!consistency.ok)
        throw new CliError(words('archive.failed', { detail: consistency.message }), 1, consistency.problem);
      return 0;
    });
  }

  /** archive list: our archived entries, and those that did not fit the quota. */
  async function list(profile: ClerkProfile, o: Options, _a: string[], out: Output): Promise<number> {
    return withArchive(profile, o, out, async ({ source }) => {
      const entries: ArchivedEntry[] = [];
      for await (const e of source.allEntries()) entries.push(e);
      const notArchived = (await source.notArchived(0, 500)).entries;
      out.result({ entries, notArchived }, () =>
        [
          entries.length === 0
            ? out.t('archive.none')
            : table([out.t('archive.columns').split('|'), ...entries.map((e) => entryRow(e, out))]),
          ...(notArchived.length > 0
            ? [
                '',
                out.t('archive.notArchived'),
                table(notArchived.map((n) => [n.fileName, localTime(n.refusedAt, out.language), n.reason])),
              ]
            : []),
        ].join('\n'),
      );
      return 0;
    });
  }

  /** archive verify: exit 0 when every entry is in the signed tree and the tree only grew; exit 1 naming what broke. */
  async function verify(profile: ClerkProfile, o: Options, _a: string[], out: Output): Promise<number> {
    return withArchive(profile, o, out, async ({ source }, operatorCert) => {
      let outcome: VerifyOutcome;
      try {
        outcome = await verifyArchive(source, profile.dir, await operatorCert());
      } catch (e) {
        if (e instanceof ArchiveVerificationError) throw altered(e);
        throw e;
      }
      const { report, failed } = outcome;
      const verified = report.entries.length - failed.length;
      out.result(
        { treeSize: report.head.treeSize, rootHash: report.head.rootHash.toString('hex'), verified, failed },
        () =>
          failed.length === 0
            ? out.t('archive.verified', { count: verified, size: report.head.treeSize })
            : [
                out.t('archive.verifyFailed', { verified, failed: failed.length }),
                ...failed.map((f) => `  ${f.message}`),
              ].join('\n'),
      );
      if (failed.length > 0)
        throw new CliError(
          words('archive.altered', { detail: failed.map((f) => f.message).join('; ') }),
          1,
          failed[0]!.problem,
        );
      return 0;
    });
  }

  /** archive get INDEX [--out DIR]: the original (hash-checked) and each signature as FILE.N.sig. */
  async function get(profile: ClerkProfile, o: Options, positional: string[], out: Output): Promise<number> {
    const index = Number(positional[0]);
    if (positional[0] === undefined || !Number.isInteger(index) || index < 0)
      throw new CliError(words('archive.needsIndex', { value: positional[0] ?? '' }));
    return withArchive(profile, o, out, async ({ source }) => {
      const entry = await source.entry(index);
      if (!entry) throw new CliError(words('archive.noEntry', { index }), 1, 'not-found');
      let saved: { file: string; signatures: string[] };
      try {
        saved = await saveOriginal(source, entry, resolve(str(o, 'out') ?? '.'));
      } catch (e) {
        if (e instanceof ArchiveVerificationError) throw altered(e);
        throw e;
      }
      const { file, signatures } = saved;
      out.result({ entry, file, signatures }, () =>
        [
          out.t('archive.saved', { file, size: entry.size }),
          ...signatures.map((s) => out.t('archive.signature', { file: s })),
        ].join('\n'),
      );
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
