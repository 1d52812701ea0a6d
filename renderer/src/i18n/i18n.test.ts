// Runs in: jsdom (vitest), as the renderer.
import { describe, expect, it } from 'vitest';
import { en } from './en';
import { translate } from './index';
import { ru } from './ru';

describe('i18n', () => {
  it('speaks Russian by default and has every key in English too', () => {
    expect(translate('ru', 'app.name')).toBe('EDO Clerk — делопроизводитель');
    expect(Object.keys(en).sort()).toEqual(Object.keys(ru).sort());
    for (const value of Object.values(en)) expect(value.trim()).not.toBe('');
  });
});
