// `edo-clerk demo [--profile DIR]`: the local sandbox in the foreground, until Ctrl+C. It prints
// the hub's address and what to try next; the clerk's own sessions are the usual commands.
import { algorithmTitle } from '../crypto/algorithms';
import type { ClerkProfile } from '../exchange/profile';
import type { Options } from '../cli/options';
import type { Output } from '../cli/output';
import { startSandbox, type SandboxEvent, type SandboxOptions } from './sandbox';

/** Aborts on the first SIGINT or SIGTERM. */
export function terminationSignal(): AbortSignal {
  const controller = new AbortController();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => controller.abort());
  return controller.signal;
}

/** A sandbox event in the clerk's words, one line (the demo's and the web client's alike); undefined: nothing to say. */
export function describeSandboxEvent(e: SandboxEvent, out: Output): string | undefined {
  switch (e.type) {
    case 'document-sent':
      return out.t('demo.sent', { title: e.title });
    case 'workflow-step':
      return out.t(`demo.answer.${e.step}`, { title: e.title });
    case 'error':
      return out.t('demo.error', { message: e.message });
    case 'hub-stopped':
      return out.t('demo.hubStopped', { code: String(e.code), line: e.log.trim().split('\n').pop() ?? '' });
    case 'session': {
      const s = e.result.summary;
      const did = [
        s.documentsReceived && out.t('demo.received', { count: s.documentsReceived }),
        s.serviceDocumentsSent && out.t('demo.receipts', { count: s.serviceDocumentsSent }),
      ].filter(Boolean);
      return did.length ? out.t('demo.session', { did: did.join(', ') }) : undefined;
    }
  }
}

const quote = (s: string) => (/^[\w./:-]+$/.test(s) ? s : `"${s.replace(/(["\\$`])/g, '\\$1')}"`);

/**
 * The command's handler, as the command table calls it (profile, options, positionals, output).
 * `stop` ends it (default: Ctrl+C or SIGTERM); `sandbox` passes test timings.
 */
export async function demo(
  profile: ClerkProfile,
  o: Options,
  _positional: string[],
  out: Output,
  stop: AbortSignal = terminationSignal(),
  sandbox: Partial<SandboxOptions> = {},
): Promise<number> {
  let hubStopped = false;
  const running = await startSandbox({
    ...sandbox,
    profileDir: profile.dir,
    onEvent: (e) => {
      if (e.type === 'hub-stopped') hubStopped = true;
      const line = describeSandboxEvent(e, out);
      if (line) out.info(line);
      sandbox.onEvent?.(e);
    },
  });
  const p = `--profile ${quote(profile.dir)}`;
  const algorithm = algorithmTitle(running.algorithm, out.language);
  const gost = running.algorithm.startsWith('GOST');
  out.result(
    {
      url: running.url,
      profile: profile.dir,
      created: running.created,
      clerk: running.state.clerk,
      counterparty: running.state.counterparty,
      algorithm: running.algorithm,
      algorithmTitle: algorithm,
    },
    () =>
      [
        out.t('demo.running', { url: running.url }),
        out.t('demo.you', { name: running.state.clerk.name, inn: running.state.clerk.inn, algorithm }),
        ...(gost ? [] : [out.t('demo.ecdsa')]),
        out.t('demo.counterparty', { name: running.state.counterparty.name, inn: running.state.counterparty.inn }),
        out.t(running.created ? 'demo.made' : 'demo.reused', {
          dir: `${profile.dir}/sandbox`,
          secrets: out.t(running.state.secrets === 'demo-file' ? 'demo.secretsFile' : 'demo.secretsKeychain'),
        }),
        '',
        out.t('demo.try', { p, inn: running.state.counterparty.inn }),
      ].join('\n'),
  );
  await new Promise<void>((resolve) => {
    if (stop.aborted) return resolve();
    stop.addEventListener('abort', () => resolve(), { once: true });
    void running.hub.exited.then(() => resolve());
  });
  await running.stop();
  out.info(out.t('demo.stopped'));
  return hubStopped ? 1 : 0;
}
