// The web client's downloads: where the desktop writes a file to the path its save dialog
// answers, the web client makes it in a private folder of its own and offers it to the page
// under a random id, fetched once (the server's GET /downloads/<id>, behind the session's
// cookie) and then removed; one not fetched within `ttlMs` is removed too. A file made during a
// call from one session is handed only to that session.
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { BrowserDownload } from '../ipc/download-contract';

export interface OfferedFile {
  file: string;
  name: string;
  size: number;
  /** Removes the file (and its folder with the last of its files); call once the answer is sent or failed. */
  done(): Promise<void>;
}

/** The session whose call is being answered (the server runs each dispatch in it). */
export const callingSession = new AsyncLocalStorage<string>();

interface Shelved {
  file: string;
  name: string;
  folder: Folder;
  /** The session that asked for it; undefined: made outside any session's call. */
  owner: string | undefined;
}

interface Folder {
  dir: string;
  left: number;
  timer: NodeJS.Timeout;
}

export class DownloadShelf {
  private readonly files = new Map<string, Shelved>();
  private readonly folders = new Set<Folder>();

  constructor(private readonly ttlMs = 60_000) {}

  /** `make` writes into a new private folder and returns the files it made, each offered as one download. */
  async offer(make: (dir: string) => Promise<string[]>): Promise<BrowserDownload[]> {
    const owner = callingSession.getStore();
    const dir = await mkdtemp(join(tmpdir(), 'edo-clerk-download-'));
    let files: string[];
    try {
      files = await make(dir);
    } catch (e) {
      await rm(dir, { recursive: true, force: true });
      throw e;
    }
    const folder: Folder = { dir, left: files.length, timer: setTimeout(() => void this.drop(folder), this.ttlMs) };
    folder.timer.unref();
    this.folders.add(folder);
    if (files.length === 0) await this.drop(folder);
    return files.map((file) => {
      const id = randomBytes(32).toString('base64url');
      const name = basename(file);
      this.files.set(id, { file, name, folder, owner });
      return { id, name };
    });
  }

  /** The file of `id` for `session`, taken off the shelf (a second request for it finds nothing). */
  async take(id: string, session?: string): Promise<OfferedFile | undefined> {
    const shelved = this.files.get(id);
    if (!shelved || (shelved.owner !== undefined && shelved.owner !== session)) return undefined;
    this.files.delete(id);
    const { file, name, folder } = shelved;
    const done = async () => {
      await rm(file, { force: true });
      if (--folder.left <= 0) await this.drop(folder);
    };
    try {
      return { file, name, size: (await stat(file)).size, done };
    } catch {
      await done();
      return undefined;
    }
  }

  /** Removes everything offered and not fetched (the server stops). */
  async close(): Promise<void> {
    await Promise.all([...this.folders].map((f) => this.drop(f)));
  }

  private async drop(folder: Folder): Promise<void> {
    clearTimeout(folder.timer);
    this.folders.delete(folder);
    for (const [id, s] of this.files) if (s.folder === folder) this.files.delete(id);
    await rm(folder.dir, { recursive: true, force: true });
  }
}

/** Content-Disposition for a download: an ASCII fallback and the UTF-8 name (RFC 6266, RFC 5987). */
export function attachment(name: string): string {
  const fallback = name.replace(/[^\x20-\x7e]|["\\%;]/g, '_');
  const encoded = encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}

const contentTypes: Record<string, string> = {
  '.pdf': 'application/pdf',
  '.zip': 'application/zip',
};

export function downloadType(name: string): string {
  const ext = /\.[^.]+$/.exec(name)?.[0].toLowerCase() ?? '';
  return contentTypes[ext] ?? 'application/octet-stream';
}
