// `edo-clerk web [--profile DIR] [--port N] [--sandbox] [--open]`: the local web client in the
// foreground until Ctrl+C. It prints the address to open (with this start's secret).
import type { ClerkProfile } from '../exchange/profile';
import { flag, str, type Options } from '../cli/options';
import { words } from '../cli/i18n';
import { CliError, type Output } from '../cli/output';
import { describeSandboxEvent, terminationSignal } from '../sandbox/cli';
import { openInBrowser } from './open-browser';
import { startWebClient, type RunningWebClient } from './web-client';

function portOf(value: string | undefined): number {
  if (value === undefined) return 0;
  const port = Number(value);
  if (!/^\d+$/.test(value) || port < 1 || port > 65535) throw new CliError(words('web.port', { value }));
  return port;
}

const loopback = (host: string) => host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);

/** `agent --web HOST:PORT [--tls-cert FILE --tls-key FILE]`: where the staff web client listens; undefined without --web. */
export function staffWebListen(
  o: Options,
): { host: string; port: number; tls?: { certFile: string; keyFile: string } } | undefined {
  const web = str(o, 'web');
  const cert = str(o, 'tls-cert');
  const key = str(o, 'tls-key');
  if (web === undefined) {
    if (cert !== undefined || key !== undefined) throw new CliError(words('web.tlsWithoutWeb'));
    return undefined;
  }
  const found = /^(?:\[([0-9a-fA-F:]+)\]|([^:[\]]+)):(\d+)$/.exec(web);
  if (!found) throw new CliError(words('web.listen', { value: web }));
  const host = (found[1] ?? found[2])!;
  const port = found[3] === '0' ? 0 : portOf(found[3]);
  if ((cert === undefined) !== (key === undefined)) throw new CliError(words('web.tlsPair'));
  if (cert === undefined) {
    if (!loopback(host)) throw new CliError(words('web.httpsRequired', { value: web }));
    return { host, port };
  }
  return { host, port, tls: { certFile: cert, keyFile: key! } };
}

/** The command's handler, as the command table calls it; `stop` ends it (default: Ctrl+C or SIGTERM). */
export async function web(
  profile: ClerkProfile,
  o: Options,
  _positional: string[],
  out: Output,
  stop: AbortSignal = terminationSignal(),
): Promise<number> {
  const port = portOf(str(o, 'port'));
  const running: RunningWebClient = await startWebClient({
    profileDir: profile.dir,
    port,
    sandboxOnFirstStart: flag(o, 'sandbox'),
    onSandboxProblem: (event) => out.info(describeSandboxEvent(event, out)!),
  });
  const { url } = running.server;
  const opened = flag(o, 'open') && (await openInBrowser(url));
  out.result({ url, profile: profile.dir }, () =>
    [out.t('web.running', { url }), out.t(opened ? 'web.opened' : 'web.openIt'), out.t('web.stopHint')].join('\n'),
  );
  await new Promise<void>((done) => {
    if (stop.aborted) return done();
    stop.addEventListener('abort', () => done(), { once: true });
  });
  await running.stop();
  out.info(out.t('web.stopped'));
  return 0;
}
