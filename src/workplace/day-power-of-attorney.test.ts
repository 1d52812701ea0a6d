// The day's МЧД as the token prompt shows it, worked out from the profile's setting and the hub's
// record (dayPowerOfAttorney): the states by the dates in Moscow's calendar, the hub's word over
// the profile's. The whole path, SoftHSM and the real hub, is main/day-power-of-attorney.test.ts.
import { describe, expect, it } from 'vitest';
import type { PowerOfAttorneyRecord } from '../protocol';
import { dayPowerOfAttorney, type DayFacts } from './day-power-of-attorney';

const sha256 = 'ab'.repeat(32);
const number = '0b0e5a43-1c1d-4a8e-9d3f-2c7a5b6e8f90';
const organization = { name: 'ООО "Ромашка"', inn: '7701234560' };
const attached = {
  certificateSha256: sha256,
  number,
  principalInn: organization.inn,
  issuedOn: '2026-12-01',
  validUntil: '2026-12-31',
  fileName: `ON_EMCHD_20261201_${number}.xml`,
};
const facts = (today: string, more: Partial<DayFacts> = {}): DayFacts => ({
  owner: { sha256 },
  powersOfAttorney: [attached],
  organization,
  today,
  ...more,
});
const record = (status: PowerOfAttorneyRecord['status'], validUntil = '2026-12-31'): PowerOfAttorneyRecord => ({
  number,
  subscriberId: '1',
  fileName: attached.fileName,
  principalInn: organization.inn,
  representative: { name: 'Иванова Мария Петровна', inn: '770200000065' },
  powers: ['BBDOCS_DOCS_DCSALL_SRCDOC_SOURCEDOCSGENERAL'],
  issuedOn: '2026-12-01',
  validUntil,
  status,
  registeredAt: '2026-12-01T09:00:00.000Z',
  signedBy: 'Сергеева Ольга Николаевна',
});

describe("the day's МЧД", () => {
  it('is none for a certificate that names the organization, and missing for a personal one without a setting', () => {
    expect(dayPowerOfAttorney(facts('2026-12-03', { owner: { sha256, inn: organization.inn } }))).toBeUndefined();
    expect(dayPowerOfAttorney(facts('2026-12-03', { powersOfAttorney: [] }))).toEqual({
      state: 'missing',
      checkedAtHub: false,
    });
  });

  it('counts its term in days: in force, ending within two weeks (its last day included), expired, not begun', () => {
    const state = (today: string) => dayPowerOfAttorney(facts(today));
    expect(state('2026-12-16')).toEqual({
      state: 'in-force',
      number,
      principal: organization.name,
      validUntil: '2026-12-31',
      daysLeft: 15,
      checkedAtHub: false,
    });
    expect(state('2026-12-17')).toMatchObject({ state: 'expiring', daysLeft: 14 });
    expect(state('2026-12-31')).toMatchObject({ state: 'expiring', daysLeft: 0 });
    expect(state('2027-01-01')).toMatchObject({ state: 'expired', daysLeft: -1 });
    expect(state('2026-11-30')).toMatchObject({ state: 'not-begun' });
  });

  it("takes the hub's word over the profile's: revoked, expired, its dates, none under the number", () => {
    const today = '2026-12-03';
    expect(dayPowerOfAttorney(facts(today, { hub: record('revoked') }))).toMatchObject({
      state: 'revoked',
      checkedAtHub: true,
    });
    expect(dayPowerOfAttorney(facts(today, { hub: record('active', '2026-12-10') }))).toMatchObject({
      state: 'expiring',
      validUntil: '2026-12-10',
      daysLeft: 7,
    });
    expect(dayPowerOfAttorney(facts(today, { hub: record('expired') }))).toMatchObject({ state: 'expired' });
    expect(dayPowerOfAttorney(facts(today, { hub: null }))).toMatchObject({ state: 'unregistered', number });
  });

  it('names the principal by INN before a session has named the organization', () => {
    expect(dayPowerOfAttorney(facts('2026-12-03', { organization: undefined }))).toMatchObject({
      principal: organization.inn,
    });
  });
});
