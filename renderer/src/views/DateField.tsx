// Runs in: the renderer. A date typed and shown as the app's language writes it (ДД.ММ.ГГГГ in
// Russian, DD/MM/YYYY in English), whatever the browser's own locale is: Chromium draws an
// <input type=date> by the browser's locale, not the page's lang, so a Russian clerk on an
// English system would see 12/31/2026. The value stays ISO (YYYY-MM-DD), as the list query takes it.
import { useState } from 'react';
import type { Language } from '../i18n';
import { useT } from '../i18n/use-t';
import { useClerk } from '../store';

const separator: Record<Language, string> = { ru: '.', en: '/' };

/** "2026-12-31" as the language writes it: "31.12.2026", "31/12/2026". */
export function shownDate(iso: string | undefined, language: Language): string {
  const found = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso ?? '');
  return found ? [found[3], found[2], found[1]].join(separator[language]) : '';
}

/** A typed date (day first, "31.12.2026", "31/12/2026", "1.2.2026", or ISO) as ISO; undefined if it names no day. */
export function typedDate(text: string): string | undefined {
  const iso = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text.trim());
  const dayFirst = /^(\d{1,2})[./-](\d{1,2})[./-](\d{4})$/.exec(text.trim());
  const [year, month, day] = iso
    ? [iso[1], iso[2], iso[3]].map(Number)
    : dayFirst
      ? [dayFirst[3], dayFirst[2], dayFirst[1]].map(Number)
      : [];
  if (year === undefined || month === undefined || day === undefined) return undefined;
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return undefined;
  return date.toISOString().slice(0, 10);
}

export function DateField({
  id,
  value,
  onChange,
}: {
  id: string;
  value: string | undefined;
  onChange(value: string | undefined): void;
}) {
  const t = useT();
  const language = useClerk((s) => s.language);
  // What the clerk is typing, until it names a day; then the field shows the value in the language's form.
  const [draft, setDraft] = useState<string | null>(null);
  return (
    <input
      id={id}
      type="text"
      inputMode="numeric"
      className="date-field"
      placeholder={t('date.placeholder')}
      title={t('date.hint')}
      aria-invalid={draft !== null || undefined}
      value={draft ?? shownDate(value, language)}
      onChange={(e) => {
        const text = e.target.value;
        const iso = typedDate(text);
        if (text.trim() === '' || iso) {
          setDraft(null);
          onChange(iso);
        } else setDraft(text);
      }}
    />
  );
}
