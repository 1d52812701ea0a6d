// Files of a built folder (the renderer) served over HTTP: a request path resolved inside the
// folder, never outside it, with its content type. The web client and the browser tests share it.
import { statSync } from 'node:fs';
import { extname, join, normalize, sep } from 'node:path';

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
};

export interface StaticFile {
  file: string;
  size: number;
  contentType: string;
}

/** The file a request path names inside `root` (absolute); `index` answers "/". Undefined: no such file there. */
export function staticFile(root: string, path: string, index: string): StaticFile | undefined {
  try {
    const file = normalize(join(root, path === '/' ? index : decodeURIComponent(path)));
    if (!file.startsWith(root + sep)) return undefined;
    const stat = statSync(file);
    if (!stat.isFile()) return undefined;
    return { file, size: stat.size, contentType: contentTypes[extname(file)] ?? 'application/octet-stream' };
  } catch {
    return undefined;
  }
}
