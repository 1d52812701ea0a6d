// How a command answers: a JSON document on stdout with --json, else lines for a person.
// Progress goes to stderr, so stdout stays one parseable answer. Words go through ./i18n.
import type { SessionProgress } from '../exchange/session';
import { sessionStepWords } from '../vocabulary';
import { coreErrorText } from './errors';
import { cliText, type CliKey, type CliLanguage, type CliValues, type CliWords } from './i18n';

/**
 * A command's failure: its words are shown in the command's language; one that carries the
 * core's error (`cause`) shows that error's words by its code (./errors), a message made elsewhere as it came.
 */
export class CliError extends Error {
  readonly words?: CliWords;

  constructor(
    message: string | CliWords,
    readonly exitCode = 1,
    readonly code?: string,
    options?: { cause?: unknown },
  ) {
    super(typeof message === 'string' ? message : cliText('en', message.key, message.values), options);
    if (typeof message !== 'string') this.words = message;
    this.name = 'CliError';
  }

  text(language: CliLanguage): string {
    if (this.words) return cliText(language, this.words.key, this.words.values);
    return this.cause === undefined ? this.message : coreErrorText(this.cause, language);
  }
}

export interface Output {
  json: boolean;
  language: CliLanguage;
  /** The command's words in its language. */
  t(key: CliKey, values?: CliValues): string;
  result(value: unknown, human: () => string): void;
  progress(p: SessionProgress): void;
  info(message: string): void;
}

export function makeOutput(json: boolean, language: CliLanguage = 'ru'): Output {
  return {
    json,
    language,
    t: (key, values) => cliText(language, key, values),
    result(value, human) {
      process.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : `${human()}\n`);
    },
    progress(p) {
      // The step's words and its counts; the core's message stays in --json (and the session log), in English.
      const step = sessionStepWords[language][`step.${p.step}`];
      const line = cliText(language, p.total > 0 ? 'progress.of' : 'progress.count', {
        step,
        done: p.done,
        total: p.total,
      });
      process.stderr.write(json ? `${JSON.stringify({ progress: p })}\n` : `${line}\n`);
    },
    info(message) {
      if (!json) process.stderr.write(`${message}\n`);
    },
  };
}

export function table(rows: string[][]): string {
  if (rows.length === 0) return '';
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')).join('\n');
}
