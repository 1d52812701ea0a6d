// The languages people read the project in, and how a command line finds the one to speak: the
// clerk's CLI (src/cli/i18n.ts) and the operator's edo-hub (server/i18n.ts) choose it the same
// way. The HTTP API itself answers machines: its `{error, message}` stays a code and English.
import { z } from 'zod';

/** Russian is the default everywhere; English is available. */
export const Language = z.enum(['ru', 'en']);
export type Language = z.infer<typeof Language>;

/** "en_US.UTF-8" → en, "ru_RU.UTF-8" → ru; "C", "POSIX" and others name no language of ours. */
export function localeLanguage(env: Readonly<Record<string, string | undefined>>): Language | undefined {
  // The first locale variable that is set, in POSIX's order.
  const found = /^(ru|en)(?:[_.@-]|$)/i.exec(env.LC_ALL || env.LC_MESSAGES || env.LANG || '');
  return found ? (found[1]!.toLowerCase() as Language) : undefined;
}

/** A dictionary's template with its `{name}` places filled in; a value not given stays `{name}`. */
export function fillIn(template: string, values: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (_m, name: string) => String(values[name] ?? `{${name}}`));
}
