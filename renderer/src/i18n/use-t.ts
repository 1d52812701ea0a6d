// Runs in: the renderer. t() in the clerk's current language, plus dates and sizes in that
// language's conventions.
import { useCallback } from 'react';
import { useClerk } from '../store';
import { translate, type Language, type MessageKey } from './index';

export type T = (key: MessageKey, values?: Record<string, string | number>) => string;

const locales: Record<Language, string> = { ru: 'ru-RU', en: 'en-GB' };

export function useT(): T {
  const language = useClerk((s) => s.language);
  return useCallback((key, values) => translate(language, key, values), [language]);
}

/** Formatters are costly to make: one set per language, shared by every row. */
const formatters = new Map<Language, ReturnType<typeof makeFormat>>();

function makeFormat(language: Language) {
  const locale = locales[language];
  const dateTime = new Intl.DateTimeFormat(locale, { dateStyle: 'short', timeStyle: 'short' });
  const date = new Intl.DateTimeFormat(locale, { dateStyle: 'short' });
  const time = new Intl.DateTimeFormat(locale, { timeStyle: 'short' });
  const number = new Intl.NumberFormat(locale);
  const unit = (u: 'byte' | 'kilobyte' | 'megabyte') =>
    new Intl.NumberFormat(locale, { style: 'unit', unit: u, maximumFractionDigits: 1 });
  const units = { byte: unit('byte'), kilobyte: unit('kilobyte'), megabyte: unit('megabyte') };
  return {
    dateTime: (iso: string) => dateTime.format(new Date(iso)),
    date: (iso: string) => date.format(new Date(iso)),
    time: (iso: string) => time.format(new Date(iso)),
    number: (n: number) => number.format(n),
    size: (bytes: number) =>
      bytes < 1024
        ? units.byte.format(bytes)
        : bytes < 1048576
          ? units.kilobyte.format(bytes / 1024)
          : units.megabyte.format(bytes / 1048576),
  };
}

export function useFormat(): ReturnType<typeof makeFormat> {
  const language = useClerk((s) => s.language);
  let format = formatters.get(language);
  if (!format) formatters.set(language, (format = makeFormat(language)));
  return format;
}
