// How a command answers: a JSON document on stdout with --json, else lines for a person.
// Progress goes to stderr, so stdout stays one parseable answer.
import type { SessionProgress } from '../exchange/session';

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
    readonly code?: string,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export interface Output {
  json: boolean;
  result(value: unknown, human: () => string): void;
  progress(p: SessionProgress): void;
  info(message: string): void;
}

export function makeOutput(json: boolean): Output {
  return {
    json,
    result(value, human) {
      process.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : `${human()}\n`);
    },
    progress(p) {
      process.stderr.write(json ? `${JSON.stringify({ progress: p })}\n` : `[${p.step}] ${p.message}\n`);
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
