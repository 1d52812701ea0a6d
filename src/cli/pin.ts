// The PIN: asked on the terminal without echo (naming the token and the certificate owner),
// or read once from standard input (--pin-stdin) for scripts. Cancel (Ctrl-C, Ctrl-D, an empty
// answer) is final: no re-prompt loop.
import type { PinSource } from '../exchange/profile';
import type { TokenSession } from '../token/session';
import { pinStatusText } from './errors';
import { cliText, type CliLanguage } from './i18n';

export async function readStdinLine(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) {
    chunks.push(chunk as Buffer);
    if (Buffer.concat(chunks).includes(0x0a)) break;
  }
  return Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0] ?? '';
}

function askHidden(prompt: string): Promise<string | undefined> {
  return new Promise((resolvePin) => {
    const stdin = process.stdin;
    process.stderr.write(prompt);
    stdin.setRawMode(true);
    stdin.resume();
    let typed = '';
    const finish = (value: string | undefined) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off('data', onData);
      process.stderr.write('\n');
      resolvePin(value);
    };
    const onData = (data: Buffer) => {
      for (const ch of data.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return finish(typed === '' ? undefined : typed);
        if (ch === '\u0003' || ch === '\u0004') return finish(undefined);
        if (ch === '\u007f' || ch === '\b') typed = typed.slice(0, -1);
        else typed += ch;
      }
    };
    stdin.on('data', onData);
  });
}

/** --pin-stdin: one line from standard input, read once even if asked twice. */
export function stdinPins(): PinSource {
  let line: Promise<string> | undefined;
  return {
    pin: async () => {
      line ??= readStdinLine();
      return line;
    },
  };
}

/** Asks on the terminal when there is one, in the command's language; else gives no PIN (a kept one may serve). */
export function terminalPins(language: CliLanguage): PinSource {
  return {
    async pin(token: TokenSession) {
      if (!process.stdin.isTTY || !token.info.flags.loginRequired || token.info.flags.protectedAuthPath)
        return undefined;
      const owner = token.listCertificates().find((c) => c.hasPrivateKey)?.identity.commonName;
      const status = pinStatusText(token.pinStatus(), language);
      return askHidden(
        cliText(language, 'pin.prompt', {
          token: cliText(language, 'token.name', { ...token.ref }),
          owner: owner ? ` (${owner})` : '',
          status: status ? ` — ${status}` : '',
        }),
      );
    },
  };
}
