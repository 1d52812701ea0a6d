import { describe, expect, it } from 'vitest';
import { integer, isoDate } from './options';

describe('edo-clerk options', () => {
  it('takes a whole number within its range, or the default when absent', () => {
    expect(integer({}, 'limit', { min: 1, max: 100 }, 50)).toBe(50);
    expect(integer({ limit: '20' }, 'limit', { min: 1, max: 100 }, 50)).toBe(20);
    for (const bad of ['abc', '0', '101', '1.5', '-3', '']) {
      expect(() => integer({ limit: bad }, 'limit', { min: 1, max: 100 }, 50)).toThrow(
        `--limit must be a whole number from 1 to 100, not "${bad}"`,
      );
    }
  });

  it('takes an ISO date or date and time as given, and names a wrong one', () => {
    expect(isoDate({}, 'from')).toBeUndefined();
    for (const good of ['2026-12-02', '2026-12-02T10:15', '2026-12-02T10:15:00+03:00', '2026-12-02T07:15:00.000Z'])
      expect(isoDate({ from: good }, 'from')).toBe(good);
    for (const bad of ['02.12.2026', 'yesterday', '2026-13-45', '2026-12-02T25:00']) {
      expect(() => isoDate({ from: bad }, 'from')).toThrow(
        `--from must be an ISO date or date and time (2026-12-02 or 2026-12-02T10:15:00+03:00), not "${bad}"`,
      );
    }
  });
});
