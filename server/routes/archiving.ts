// Archiving what the exchange accepted (docs/architecture.md §11): after a document or service document is
// committed, it goes into the signed-data archive when the signer's organization or the signer
// archives. The exchange never waits on the archive's verdict: a quota refusal becomes a notice
// in the sender's feed (and the entry is listed as not archived), any other failure a log line.
import type { FastifyBaseLogger } from 'fastify';
import { ArchiveQuotaExceededError } from '../archive/errors';
import type { NewArchiveEntry } from '../archive/log';
import type { HubContext } from '../hub';

/**
 * Archives one signed item if archiving applies to its signer (its receipt is then found by document
 * id). `missingOnly`: a replayed request's item, archived unless the log holds it (docs/architecture.md §8).
 */
export async function archiveAccepted(
  ctx: HubContext,
  item: NewArchiveEntry,
  log: FastifyBaseLogger,
  { missingOnly = false } = {},
): Promise<void> {
  if (!(await ctx.settings.archivingApplies(item.orgId, item.userId))) return;
  try {
    await (missingOnly ? ctx.archive.appendMissing(item) : ctx.archive.append(item));
  } catch (e) {
    if (!(e instanceof ArchiveQuotaExceededError)) {
      log.error(
        { err: e, documentId: item.documentId, kind: item.kind },
        'archiving an accepted document failed; the exchange went on',
      );
      return;
    }
    log.warn(
      { documentId: item.documentId, kind: item.kind, refusedId: e.refusedId },
      'archive quota used up: not archived',
    );
    const appended = await ctx.storage.appendEvents(
      [
        {
          subscriberId: item.orgId,
          payload: {
            type: 'archive.refused',
            documentId: item.documentId,
            kind: item.kind,
            fileName: item.fileName,
            userId: item.userId,
            refusedId: e.refusedId,
            message: e.message,
          },
        },
      ],
      ctx.now().toISOString(),
    );
    ctx.notifier.notify(appended);
  }
}
