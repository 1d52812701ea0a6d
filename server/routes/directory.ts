// The subscribers directory (visible to every subscriber: it is how counterparties are found)
// and the contacts between subscribers (each side sees only its own relations).
import type { FastifyInstance } from 'fastify';
import type { HubContext } from '../hub';
import { HubError, registerRoute } from '../http';
import type { ContactRecord, SubscriberRecord } from '../storage/storage';
import { contactView, subscriberView } from '../views';

export function registerDirectoryRoutes(app: FastifyInstance, ctx: HubContext): void {
  const { storage } = ctx;

  registerRoute(app, ctx, 'listSubscribers', async ({ query }) => {
    if (query.query !== undefined) {
      const found = await storage.searchSubscribers(query.query, query.limit + 1);
      return {
        status: 200,
        body: {
          subscribers: found.slice(0, query.limit).map(subscriberView),
          next: query.after,
          hasMore: found.length > query.limit,
        },
      };
    }
    const page = await storage.listSubscribers(query.after, query.limit + 1);
    const shown = page.slice(0, query.limit);
    return {
      status: 200,
      body: {
        subscribers: shown.map(subscriberView),
        next: shown.at(-1)?.revision ?? query.after,
        hasMore: page.length > query.limit,
      },
    };
  });

  registerRoute(app, ctx, 'getSubscriber', async ({ params }) => {
    const found = await storage.getSubscriber(params.subscriberId);
    if (!found) throw new HubError('not-found', `No subscriber ${params.subscriberId}`);
    return { status: 200, body: subscriberView(found) };
  });

  registerRoute(app, ctx, 'listContacts', async ({ query, caller }) => {
    const me = caller.subscriber.id;
    const page = await storage.listContacts(me, query.after, query.limit + 1);
    const shown = page.slice(0, query.limit);
    const contacts = await Promise.all(shown.map(async (c) => contactView(c, me, await counterpart(c, me))));
    return {
      status: 200,
      body: { contacts, next: shown.at(-1)?.revision ?? query.after, hasMore: page.length > query.limit },
    };
  });

  async function counterpart(c: ContactRecord, me: string): Promise<SubscriberRecord> {
    const id = c.inviterId === me ? c.inviteeId : c.inviterId;
    const found = await storage.getSubscriber(id);
    if (!found) throw new Error(`contact with unknown subscriber ${id}`);
    return found;
  }

  /** Saves a new state of the relation and tells both sides, each with its own view. */
  async function change(
    me: SubscriberRecord,
    other: SubscriberRecord,
    next: { inviterId: string; inviteeId: string; state: ContactRecord['state']; message?: string },
  ) {
    const at = ctx.now().toISOString();
    const { contact, appended } = await storage.saveContact({
      ...next,
      at,
      events: (saved) => [
        { subscriberId: me.id, payload: { type: 'contact.changed', contact: contactView(saved, me.id, other) } },
        { subscriberId: other.id, payload: { type: 'contact.changed', contact: contactView(saved, other.id, me) } },
      ],
    });
    ctx.notifier.notify(appended);
    return { status: 200, body: contactView(contact, me.id, other) };
  }

  async function relation(me: SubscriberRecord, otherId: string) {
    const other = otherId === me.id ? undefined : await storage.getSubscriber(otherId);
    if (!other)
      throw new HubError(
        'not-found',
        otherId === me.id ? 'A subscriber cannot be its own contact' : `No subscriber ${otherId}`,
      );
    return { other, existing: await storage.getContact(me.id, other.id) };
  }

  registerRoute(app, ctx, 'inviteContact', async ({ body, caller }) => {
    const me = caller.subscriber;
    const { other, existing } = await relation(me, body.subscriberId);
    if (existing?.state === 'connected' || (existing?.state === 'invited' && existing.inviterId === me.id)) {
      return { status: 200, body: contactView(existing, me.id, other) };
    }
    if (existing?.state === 'invited') {
      // They invited us first: our invitation is an acceptance.
      return change(me, other, {
        inviterId: existing.inviterId,
        inviteeId: me.id,
        state: 'connected',
        ...(existing.message ? { message: existing.message } : {}),
      });
    }
    return change(me, other, {
      inviterId: me.id,
      inviteeId: other.id,
      state: 'invited',
      ...(body.message ? { message: body.message } : {}),
    });
  });

  registerRoute(app, ctx, 'acceptContact', async ({ params, caller }) => {
    const me = caller.subscriber;
    const { other, existing } = await relation(me, params.subscriberId);
    if (!existing) throw new HubError('not-found', `No invitation from ${other.name}`);
    if (existing.state === 'connected') return { status: 200, body: contactView(existing, me.id, other) };
    if (existing.state !== 'invited' || existing.inviteeId !== me.id) {
      throw new HubError(
        'conflict',
        existing.state === 'rejected'
          ? `The relation with ${other.name} was rejected; invite again`
          : `${other.name} has not invited you; the invitation is yours`,
      );
    }
    return change(me, other, {
      inviterId: existing.inviterId,
      inviteeId: me.id,
      state: 'connected',
      ...(existing.message ? { message: existing.message } : {}),
    });
  });

  registerRoute(app, ctx, 'rejectContact', async ({ params, caller }) => {
    const me = caller.subscriber;
    const { other, existing } = await relation(me, params.subscriberId);
    if (!existing) throw new HubError('not-found', `No relation with ${other.name}`);
    if (existing.state === 'rejected') return { status: 200, body: contactView(existing, me.id, other) };
    return change(me, other, {
      inviterId: existing.inviterId,
      inviteeId: existing.inviteeId,
      state: 'rejected',
      ...(existing.message ? { message: existing.message } : {}),
    });
  });
}
