// The core's coded errors in the clerk's words: a token's problem (src/token's TokenError code),
// a session already running (SessionBusyError), the hub out of reach (HubUnreachableError), the
// hub's error answer (HubError: its status and code in words, its own message quoted), a
// certificate login with no signer (NoSignerError), a trusted root file that is no certificate
// or cannot be read (TrustedRootError), a software key that cannot be used (SoftwareKeyError, by
// what it found). The core names what happened by code and details; the words are the CLI's
// dictionary's, so the message follows the command's language. What the core raises without a
// code is shown as it came.
import { HubError, HubUnreachableError } from '../exchange/http-client';
import { SessionBusyError } from '../exchange/lock';
import { TrustedRootError } from '../exchange/profile';
import { NoSignerError } from '../exchange/session';
import { TokenError, type PinStatus } from '../token/errors';
import { SoftwareKeyError } from '../token/software-signer';
import { cliText, localTime, words, type CliLanguage, type CliWords } from './i18n';

/** The token's PIN flags in words ("one more wrong PIN locks the token"); '' when nothing is to be said. */
export function pinStatusText(status: PinStatus | undefined, language: CliLanguage): string {
  if (!status) return '';
  if (status.locked) return cliText(language, 'pin.locked');
  if (status.finalTry) return cliText(language, 'pin.finalTry');
  if (status.countLow) return cliText(language, 'pin.countLow');
  return '';
}

function tokenWords(e: TokenError, language: CliLanguage): CliWords {
  const { token, modulePath, detail } = e.details;
  const pin = pinStatusText(e.pinStatus, language);
  return words(`token.${e.code}`, {
    token: token ? cliText(language, 'token.name', { ...token }) : cliText(language, 'token.any'),
    module: modulePath ? ` ${modulePath}` : '',
    inModule: modulePath ? cliText(language, 'token.inModule', { module: modulePath }) : '',
    detail: detail ? ` (${detail})` : '',
    pin: pin ? ` (${pin})` : '',
    arch: process.arch,
  });
}

/** The words for an error the core raised with a code; undefined for one it raised without. */
export function coreErrorWords(e: unknown, language: CliLanguage): CliWords | undefined {
  if (e instanceof TokenError) return tokenWords(e, language);
  if (e instanceof SessionBusyError) {
    const since = localTime(e.since, language);
    return e.pid > 0 ? words('session.busy', { pid: e.pid, since }) : words('session.starting', { since });
  }
  if (e instanceof HubUnreachableError) return words('hub.unreachable', { url: e.url, reason: e.reason });
  if (e instanceof HubError)
    return words(e.status >= 500 ? 'hub.failed' : 'hub.refused', {
      status: e.status,
      hubCode: e.code,
      message: e.message,
    });
  if (e instanceof NoSignerError) return words('no.signer');
  if (e instanceof TrustedRootError) return words(`roots.${e.code}`, { file: e.file, detail: e.detail });
  if (e instanceof SoftwareKeyError) {
    const { finding, ...details } = e.details;
    return words(`softwareKey.${finding}`, { path: e.path, ...details });
  }
  return undefined;
}

/** The code a program reads in --json: the core error's own. */
export function coreErrorCode(e: unknown): string | undefined {
  if (e instanceof TokenError) return e.code;
  if (e instanceof SessionBusyError) return 'session-busy';
  if (e instanceof HubUnreachableError) return 'hub-unreachable';
  if (e instanceof TrustedRootError) return 'trusted-root';
  return (e as { code?: unknown } | null)?.code === undefined ? undefined : String((e as { code: unknown }).code);
}

/** An error from below the CLI in the clerk's words: by its code when it has one, else as it came. */
export function coreErrorText(e: unknown, language: CliLanguage): string {
  const found = coreErrorWords(e, language);
  return found ? cliText(language, found.key, found.values) : e instanceof Error ? e.message : String(e);
}
