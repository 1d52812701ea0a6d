// What the web client hands the browser in place of main's save dialog (docs/architecture.md §8):
// the file is made on the server, in a folder of its own, and the page fetches it once from
// /downloads/<id> with its session's cookie, so the browser saves it where the clerk chooses.
// Runs in: main (validation) and renderer (types only).
import { z } from 'zod';

/** The path of a download on the web client's server; the id is 32 random bytes, base64url. */
export const downloadPath = '/downloads/';

export const BrowserDownload = z.object({
  id: z.string().regex(/^[\w-]{43}$/, 'a download id'),
  /** The name the browser proposes (the server's Content-Disposition says the same). */
  name: z.string().min(1).max(255),
});
export type BrowserDownload = z.infer<typeof BrowserDownload>;
