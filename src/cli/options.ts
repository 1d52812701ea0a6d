// Reading edo-clerk's parsed options. A value that is given but wrong stops the command with a
// message naming the option and what it takes, instead of reaching SQL or a loop as NaN.
import { words } from './i18n';
import { CliError } from './output';

export type Options = Record<string, string | boolean | string[] | undefined>;

export const str = (o: Options, name: string): string | undefined =>
  typeof o[name] === 'string' ? (o[name] as string) : undefined;
export const list = (o: Options, name: string): string[] => (Array.isArray(o[name]) ? (o[name] as string[]) : []);
export const flag = (o: Options, name: string): boolean => o[name] === true;

/** A whole number from `min` to `max`, or `fallback` when the option is absent. */
export function integer(o: Options, name: string, range: { min: number; max: number }, fallback: number): number;
export function integer(o: Options, name: string, range: { min: number; max: number }): number | undefined;
export function integer(
  o: Options,
  name: string,
  { min, max }: { min: number; max: number },
  fallback?: number,
): number | undefined {
  const value = str(o, name);
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n < min || n > max)
    throw new CliError(words('option.integer', { name, min, max, value }));
  return n;
}

/** An ISO 8601 date (2026-12-02) or date and time (2026-12-02T10:15:00+03:00), as given. */
export function isoDate(o: Options, name: string): string | undefined {
  const value = str(o, name);
  if (value === undefined) return undefined;
  if (
    !/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(value) ||
    Number.isNaN(Date.parse(value))
  ) {
    throw new CliError(words('option.date', { name, value }));
  }
  return value;
}
