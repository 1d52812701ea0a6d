// `edo-clerk demo [--profile DIR]`: the local sandbox in the foreground, until Ctrl+C. It prints
// the hub's address and what to try next; the clerk's own sessions are the usual commands.
import { algorithmTitle } from '../crypto/algorithms';
import type { ClerkProfile } from '../exchange/profile';
import type { Options } from '../cli/options';
import type { Output } from '../cli/output';
import type { CounterpartyAnswer } from './demo-counterparty';
import { startSandbox, type SandboxEvent, type SandboxOptions } from './sandbox';

/** Aborts on the first SIGINT or SIGTERM. */
export function terminationSignal(): AbortSignal {
  const controller = new AbortController();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => controller.abort());
  return controller.signal;
}

const answered: Record<CounterpartyAnswer, string> = {
  sign: 'signed',
  'refuse-signature': 'refused to sign',
  'accept-annulment': 'accepted the annulment of',
};

function describeEvent(e: SandboxEvent): string | undefined {
  switch (e.type) {
    case 'document-sent':
      return `the demo counterparty sent "${e.title}"`;
    case 'workflow-step':
      return `the demo counterparty ${answered[e.step]} "${e.title}"`;
    case 'error':
      return `the demo counterparty: ${e.message}`;
    case 'hub-stopped':
      return `the sandbox hub stopped (exit ${e.code}): ${e.log.trim().split('\n').pop() ?? ''}`;
    case 'session': {
      const s = e.result.summary;
      const did = [
        s.documentsReceived && `${s.documentsReceived} document(s) received`,
        s.serviceDocumentsSent && `${s.serviceDocumentsSent} receipt notice(s) signed and sent`,
      ].filter(Boolean);
      return did.length ? `the demo counterparty: ${did.join(', ')}` : undefined;
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
      const line = describeEvent(e);
      if (line) out.info(line);
      sandbox.onEvent?.(e);
    },
  });
  const p = `--profile ${quote(profile.dir)}`;
  const algorithm = algorithmTitle(running.algorithm, profile.settings.language);
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
        `The local sandbox is running: exchange hub ${running.url}`,
        `  you:              ${running.state.clerk.name} (INN ${running.state.clerk.inn}), a software demo key (${algorithm})`,
        ...(gost
          ? []
          : [
              '  this sandbox was made before it used GOST R 34.10-2012 and keeps its ECDSA demo keys; a new profile folder gets GOST ones',
            ]),
        `  the counterparty: ${running.state.counterparty.name} (INN ${running.state.counterparty.inn}) sends documents now and then and signs receipt notices by itself`,
        `  ${running.created ? 'made in' : 'reused from'} ${profile.dir}/sandbox (${
          running.state.secrets === 'demo-file'
            ? 'no OS keychain runs here: the demo key passwords are in a 0600 demo-only file there'
            : 'the demo key passwords are in the OS keychain'
        })`,
        '',
        'Try, in another terminal:',
        '  # receive its documents; sign and send their receipt notices with your demo key',
        `  edo-clerk session ${p}`,
        `  edo-clerk inbox ${p}`,
        '  # sign a file and send it; its receipt notice comes back with a later session',
        `  edo-clerk send FILE --to ${running.state.counterparty.inn} ${p}`,
        `  edo-clerk outbox ${p}`,
        'or start the desktop app with this profile (EDO_CLERK_PROFILE) to see it all there.',
        '',
        'Ctrl+C stops the sandbox; the next "edo-clerk demo" starts the same one again.',
      ].join('\n'),
  );
  await new Promise<void>((resolve) => {
    if (stop.aborted) return resolve();
    stop.addEventListener('abort', () => resolve(), { once: true });
    void running.hub.exited.then(() => resolve());
  });
  await running.stop();
  out.info('the sandbox stopped');
  return hubStopped ? 1 : 0;
}
