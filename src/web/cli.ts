// `edo-clerk web [--profile DIR] [--port N] [--sandbox] [--open]`: the local web client in the
// foreground until Ctrl+C. It prints the address to open (with this start's secret).
import type { ClerkProfile } from '../exchange/profile';
import { CliError, type Output } from '../cli/output';
import { terminationSignal } from '../sandbox/cli';
import { openInBrowser } from './open-browser';
import { startWebClient, type RunningWebClient } from './web-client';

type Options = Record<string, string | boolean | string[] | undefined>;

function portOf(value: Options[string]): number {
  if (value === undefined) return 0;
  const port = Number(value);
  if (typeof value !== 'string' || !/^\d+$/.test(value) || port < 1 || port > 65535) throw new CliError(`--port must be a port number from 1 to 65535, not "${String(value)}"`);
  return port;
}

/** The command's handler, as the command table calls it; `stop` ends it (default: Ctrl+C or SIGTERM). */
export async function web(profile: ClerkProfile, o: Options, _positional: string[], out: Output, stop: AbortSignal = terminationSignal()): Promise<number> {
  const port = portOf(o.port);
  const running: RunningWebClient = await startWebClient({ profileDir: profile.dir, port, sandboxOnFirstStart: o.sandbox === true, log: (line) => out.info(line) });
  const { url } = running.server;
  const opened = o.open === true && (await openInBrowser(url));
  out.result({ url, profile: profile.dir }, () =>
    [`EDO Clerk in the browser: ${url}`, opened ? '  (opened in the default browser)' : '  open it in a browser on this machine', 'Ctrl+C stops it.'].join('\n'),
  );
  await new Promise<void>((done) => {
    if (stop.aborted) return done();
    stop.addEventListener('abort', () => done(), { once: true });
  });
  await running.stop();
  out.info('the web client stopped');
  return 0;
}
