// The caller's event feed, with long poll: when nothing is after the cursor, the answer waits
// (up to `wait` seconds) for the next event of this subscriber, the client's leaving, or shutdown.
import type { FastifyInstance } from 'fastify';
import type { HubContext } from '../hub';
import { registerRoute } from '../http';

export function registerEventRoutes(app: FastifyInstance, ctx: HubContext): void {
  registerRoute(app, ctx, 'listEvents', async ({ query, caller, reply }) => {
    const me = caller.subscriber.id;
    const version = ctx.notifier.version(me);
    let page = await ctx.storage.listEvents(me, query.after, query.limit + 1);
    if (page.length === 0 && query.wait > 0) {
      const left = new AbortController();
      const onClose = () => left.abort();
      reply.raw.once('close', onClose);
      await ctx.notifier.wait(me, version, query.wait * 1000, left.signal);
      reply.raw.off('close', onClose);
      page = await ctx.storage.listEvents(me, query.after, query.limit + 1);
    }
    const events = page.slice(0, query.limit);
    return {
      status: 200,
      body: { events, next: events.at(-1)?.seq ?? query.after, hasMore: page.length > query.limit },
    };
  });
}
