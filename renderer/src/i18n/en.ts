import type { ru } from './ru';

export const en: Record<keyof typeof ru, string> = {
  'app.name': 'EDO Clerk — document clerk',
  'app.tagline': 'Exchange of legally significant electronic documents',
  'lang.switch': 'Русский',
};
