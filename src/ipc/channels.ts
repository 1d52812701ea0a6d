// The single list of IPC channel and event names. Kept free of zod so the sandboxed preload
// can check names without bundling the schemas. Runs in: main, preload, renderer.
export const invokeChannels = [
  'app:info',
  'app:openExternal',
  'token:status',
  'token:login',
  'token:cancel',
  'documents:list',
  'documents:open',
  'outbox:add',
  'outbox:send',
  'pending:list',
  'pending:sign',
  'contacts:list',
  'contacts:invite',
  'contacts:accept',
  'contacts:reject',
  'subscribers:search',
  'session:state',
  'session:run',
  'session:pause',
  'session:log',
  'settings:get',
  'settings:set',
  'secrets:set',
  'sandbox:start',
  'archive:status',
  'archive:list',
  'archive:verify',
  'archive:download',
  'organization:get',
  'organization:patch',
  'organization:setAccess',
  'organization:journal',
  'evidence:save',
  'poa:issue',
  'workflow:step',
  'workflow:awaiting',
] as const;

export const eventNames = [
  'token:changed',
  'session:changed',
  'session:progress',
  'documents:changed',
  'pending:changed',
  'awaiting:changed',
  'contacts:changed',
  'settings:changed',
  'app:navigate',
] as const;

export type InvokeChannel = (typeof invokeChannels)[number];
export type EventName = (typeof eventNames)[number];

export function isInvokeChannel(name: unknown): name is InvokeChannel {
  return (invokeChannels as readonly unknown[]).includes(name);
}

export function isEventName(name: unknown): name is EventName {
  return (eventNames as readonly unknown[]).includes(name);
}
