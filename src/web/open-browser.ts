// Opens an address in the desktop's default browser, where there is a desktop.
import { spawn } from 'node:child_process';

/** A graphical session to show a browser in (macOS and Windows always have one). */
export function hasDisplay(env: NodeJS.ProcessEnv = process.env): boolean {
  if (process.platform !== 'linux') return true;
  return Boolean(env.DISPLAY || env.WAYLAND_DISPLAY);
}

/** False when there is no display or no opener; the caller has printed the address anyway. */
export function openInBrowser(url: string): Promise<boolean> {
  if (!hasDisplay()) return Promise.resolve(false);
  const [command, args] =
    process.platform === 'darwin'
      ? ['open', [url]]
      : process.platform === 'win32'
        ? ['cmd', ['/c', 'start', '""', url]]
        : ['xdg-open', [url]];
  return new Promise((done) => {
    const child = spawn(command, args as string[], { stdio: 'ignore', detached: true });
    child.once('error', () => done(false));
    child.once('spawn', () => {
      child.unref();
      done(true);
    });
  });
}
