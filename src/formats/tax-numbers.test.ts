import { describe, expect, it } from 'vitest';
import { EnteredInn, Kpp } from '../protocol/common';
import { isKazakhBin, isOgrn, isRussianInn } from './tax-numbers';

// Published numbers of real organizations, and the same with one digit changed.
describe('check digits of INN, BIN and OGRN', () => {
  it('accepts real INNs and refuses a changed digit', () => {
    expect(isRussianInn('7707083893')).toBe(true); // an organization
    expect(isRussianInn('500100732259')).toBe(true); // a person
    expect(isRussianInn('7707083894')).toBe(false);
    expect(isRussianInn('500100732258')).toBe(false);
    expect(isRussianInn('0007083893')).toBe(false); // no tax office 00
    expect(isRussianInn('77070838')).toBe(false);
  });

  it('accepts real Kazakh BINs and refuses a changed digit', () => {
    expect(isKazakhBin('971240001315')).toBe(true);
    expect(isKazakhBin('940140000385')).toBe(true);
    expect(isKazakhBin('940140000386')).toBe(false);
  });

  it('checks OGRN (13 digits) and OGRNIP (15 digits)', () => {
    expect(isOgrn('1027700132195')).toBe(true);
    expect(isOgrn('1027700132196')).toBe(false);
    expect(isOgrn('304770000000019')).toBe(true);
    expect(isOgrn('304770000000012')).toBe(false);
  });

  it('the protocol refuses a mistyped INN and a KPP the FNS schemas refuse, naming the problem', () => {
    expect(EnteredInn.safeParse('7707083893').success).toBe(true);
    expect(EnteredInn.safeParse('971240001315').success).toBe(true);
    expect(EnteredInn.safeParse('7707083894').error?.issues[0]?.message).toMatch(/check digits do not match/);
    expect(Kpp.safeParse('77070101A').success).toBe(false);
    expect(Kpp.safeParse('7707AB001').success).toBe(true);
    expect(Kpp.safeParse('007701001').error?.issues[0]?.message).toMatch(/a KPP/);
  });
});
