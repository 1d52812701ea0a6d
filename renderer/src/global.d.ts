// Runs in: the renderer (types only).
import type { ClerkBridge } from '../../src/ipc/contract';

declare global {
  interface Window {
    /** Set by the preload (or, in end-to-end tests, by Playwright bindings). */
    clerk: ClerkBridge;
  }
}
