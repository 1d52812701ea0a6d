// The contract between the renderer and main: every channel, its argument and its result, as
// zod schemas. Main validates every message against it; the renderer's types come from it.
// Runs in: main (validation) and renderer (types only).
import { z } from 'zod';
import type { EventName, InvokeChannel } from './channels';

export * from './channels';

export const AppInfo = z.object({
  name: z.string(),
  version: z.string(),
});
export type AppInfo = z.infer<typeof AppInfo>;

/** invoke(channel, args) → result; one entry per channel, nothing else is answered. */
export const invokeContract = {
  'app:info': { args: z.void(), result: AppInfo },
} as const satisfies Record<InvokeChannel, { args: z.ZodType; result: z.ZodType }>;

/** Events main pushes to the renderer with on(event, callback): their payloads. */
export const eventContract = {} as const satisfies Record<EventName, z.ZodType>;

export type InvokeArgs<C extends InvokeChannel> = z.input<(typeof invokeContract)[C]['args']>;
export type InvokeResult<C extends InvokeChannel> = z.output<(typeof invokeContract)[C]['result']>;

/** What the preload exposes as window.clerk; the renderer's only door to the world. */
export interface ClerkBridge {
  invoke<C extends InvokeChannel>(channel: C, args: InvokeArgs<C>): Promise<InvokeResult<C>>;
  /** Subscribes to an event from main; returns the unsubscribe function. */
  on<E extends EventName>(event: E, callback: (payload: z.output<(typeof eventContract)[E]>) => void): () => void;
}
