// The HTTP routes of the organization settings and of the organization's view of the archive
// (src/protocol/organization.ts, part of the protocol's one route table), registered like every
// other route of the hub by registerRoute (server/http.ts) over the settings service and the
// archive log. The libraries' failures are turned into HubError, answered by the hub's error
// handler as {error, message, requestId}.
import type { FastifyInstance } from 'fastify';
import { treeHeadToJson } from '../../src/archive/tree-head';
import type { NotArchivedEntry, RouteName } from '../../src/protocol';
import { ArchiveNotFoundError, ArchiveStorageDamagedError } from '../archive/errors';
import type { ArchiveLog } from '../archive/log';
import { HubError, registerRoute, type RouteContext, type RouteInput, type RouteOutput } from '../http';
import { OrganizationSettingsError, type Actor, type OrganizationSettingsService } from './service';

/** What the routes use of the archive log (server/archive's ArchiveLog fits). */
export type ArchiveApi = Pick<
  ArchiveLog,
  'usage' | 'treeHead' | 'inclusionProof' | 'consistencyProof' | 'entries' | 'entry' | 'original' | 'refused'
>;

export interface OrganizationRoutesDeps {
  settings: OrganizationSettingsService;
  archive: ArchiveApi;
}

/** The library's errors as protocol errors; anything else is the hub's own failure. */
function toHubError(error: unknown): unknown {
  if (error instanceof OrganizationSettingsError) return new HubError(error.code, error.message);
  if (error instanceof ArchiveNotFoundError) return new HubError('not-found', error.message);
  // Said in words: a client auditing the archive must learn that the hub cannot prove it any more.
  if (error instanceof ArchiveStorageDamagedError) return new HubError('internal', error.message);
  // The archive log names a tree size or index out of range with a RangeError.
  if (error instanceof RangeError) return new HubError('invalid-request', error.message);
  return error;
}

type Input<N extends RouteName> = RouteInput<N> & { actor: Actor };

export function registerOrganizationRoutes(
  app: FastifyInstance,
  ctx: RouteContext,
  deps: OrganizationRoutesDeps,
): void {
  const route = <N extends RouteName>(
    name: N,
    handler: (input: Input<N>) => RouteOutput | Promise<RouteOutput>,
  ): void =>
    registerRoute(app, ctx, name, async (input) => {
      // Every organization route has auth: true, so the caller is there.
      const caller = input.caller!;
      try {
        return await handler({ ...input, actor: { orgId: caller.subscriber.id, userId: caller.user.id } });
      } catch (e) {
        throw toHubError(e);
      }
    });

  const { settings, archive } = deps;

  /** An entry of the caller's organization; another organization's entry does not exist for it. */
  const ownEntry = async (actor: Actor, index: number) => {
    const entry = await archive.entry(index);
    if (!entry || entry.orgId !== actor.orgId)
      throw new HubError('not-found', `The organization has no archive entry ${index}`);
    return entry;
  };

  route('getOrganizationSettings', async ({ actor }) => ({ status: 200, body: await settings.settings(actor) }));
  route('patchOrganizationSettings', async ({ actor, body }) => ({
    status: 200,
    body: await settings.updateSettings(actor, body),
  }));
  route('getOrganizationAccess', async ({ actor }) => ({ status: 200, body: await settings.access(actor) }));
  route('putOrganizationAccess', async ({ actor, body }) => ({
    status: 200,
    body: await settings.setAccess(actor, body),
  }));
  route('listInformationSystems', async ({ actor }) => ({
    status: 200,
    body: { informationSystems: await settings.informationSystems(actor) },
  }));
  route('addInformationSystem', async ({ actor, body }) => ({
    status: 201,
    body: await settings.addInformationSystem(actor, body),
  }));
  route('generateInformationSystem', async ({ actor, body }) => ({
    status: 201,
    body: await settings.generateInformationSystem(actor, body),
  }));
  route('revokeInformationSystem', async ({ actor, params }) => ({
    status: 200,
    body: await settings.revokeInformationSystem(actor, params.informationSystemId),
  }));
  route('addWebhook', async ({ actor, body }) => ({ status: 201, body: await settings.addWebhook(actor, body.url) }));
  route('deleteWebhook', async ({ actor, params }) => {
    await settings.removeWebhook(actor, params.webhookId);
    return { status: 204, body: null };
  });
  route('listJournal', async ({ actor, query }) => ({ status: 200, body: await settings.journal(actor, query) }));

  route('archiveUsage', async ({ actor }) => ({ status: 200, body: await archive.usage(actor.orgId) }));
  route('archiveTreeHead', async () => ({ status: 200, body: treeHeadToJson(await archive.treeHead()) }));
  route('archiveInclusionProof', async ({ actor, query }) => {
    await ownEntry(actor, query.index);
    return { status: 200, body: await archive.inclusionProof(query.index, query.treeSize) };
  });
  route('archiveConsistencyProof', async ({ query }) => ({
    status: 200,
    body: await archive.consistencyProof(query.from, query.to),
  }));
  route('listArchiveEntries', async ({ actor, query }) => {
    const page = await archive.entries(actor.orgId, {
      ...(query.after !== undefined ? { after: query.after } : {}),
      limit: query.limit,
    });
    return { status: 200, body: { entries: page.items, next: page.next } };
  });
  route('getArchiveEntry', async ({ actor, params }) => ({ status: 200, body: await ownEntry(actor, params.index) }));
  route('getArchiveEntryData', async ({ actor, params, reply }) => {
    await ownEntry(actor, params.index);
    const { entry, data } = await archive.original(params.index);
    await reply
      .code(200)
      .type('application/octet-stream')
      .header('content-length', String(entry.size))
      .header('content-disposition', `attachment; filename*=UTF-8''${encodeURIComponent(entry.fileName)}`)
      .send(data);
    return 'sent' as const;
  });
  route('listNotArchived', async ({ actor, query }) => {
    const page = await archive.refused(actor.orgId, { after: query.after, limit: query.limit });
    const entries = page.items.map((r): NotArchivedEntry => ({
      id: r.id,
      userId: r.userId,
      documentId: r.documentId,
      kind: r.kind,
      fileName: r.fileName,
      blobSha256: r.blobSha256,
      size: r.size,
      refusedAt: r.refusedAt,
      reason: r.reason,
    }));
    return { status: 200, body: { entries, next: page.next } };
  });
}
