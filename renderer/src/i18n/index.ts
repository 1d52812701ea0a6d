// Runs in: the renderer (Chromium, sandboxed).
// Every UI string goes through t(): Russian by default, English switchable.
import type { Language } from '../../../src/ipc/contract';
import { en } from './en';
import { ru } from './ru';

export type { Language };
export type MessageKey = keyof typeof ru;

const dictionaries: Record<Language, Record<MessageKey, string>> = { ru, en };

/** Whether a key built at run time (a signature algorithm from the main process, say) has a message. */
export function isMessageKey(key: string): key is MessageKey {
  return key in ru;
}

/** Looks a key up and fills {name} placeholders. */
export function translate(language: Language, key: MessageKey, values: Record<string, string | number> = {}): string {
  return dictionaries[language][key].replace(/\{(\w+)\}/g, (_m, name: string) => String(values[name] ?? `{${name}}`));
}
