// The single list of IPC channel and event names. Kept free of zod so the sandboxed preload
// can check names without bundling the schemas. Runs in: main, preload, renderer.
export const invokeChannels = ['app:info'] as const;
export const eventNames = [] as const;

export type InvokeChannel = (typeof invokeChannels)[number];
export type EventName = (typeof eventNames)[number];

export function isInvokeChannel(name: unknown): name is InvokeChannel {
  return (invokeChannels as readonly unknown[]).includes(name);
}

export function isEventName(name: unknown): name is EventName {
  return (eventNames as readonly unknown[]).includes(name);
}
