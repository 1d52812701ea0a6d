// Runs in: Node (vitest), on a real SoftHSM token and the real hub; no electron involved.
// The day-start token prompt's МЧД through the real core services: an employee's personal
// certificate on the token, the director's МЧД attached with `edo-clerk poa use` (the profile's
// setting). Before the login the prompt names the МЧД from the profile (number, principal, last
// day) and warns that it ends within two weeks; after the login the hub answers for it: in force,
// revoked by the director, not registered; a personal certificate with no МЧД is flagged at once.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TokenStatus } from '../src/ipc/contract';
import { moscowDate } from '../src/formats';
import { MemorySecrets } from '../test/support/memory-secrets';
import { softhsm } from '../test/support/system';
import {
  expectExit,
  poaDirectorOf,
  poaEmployee,
  poaOrganization,
  twoClerks,
  type PoaDirector,
  type TwoClerks,
} from '../test/node/session-harness';
import { createCoreServices, type CoreServices } from './core-services';

const hsm = softhsm();

/** Today + `days` in Moscow's calendar. */
const inDays = (days: number) => moscowDate(new Date(Date.now() + days * 86_400_000));

describe.skipIf(!hsm.ok)(`the day's МЧД at the token prompt ${hsm.reason ?? ''}`, { timeout: 300_000 }, () => {
  let t: TwoClerks;
  let director: PoaDirector;
  let number = '';
  let services: CoreServices | undefined;

  /** The app starting for the day over profile A: the first status that satisfies `until`. */
  async function dayStart(until: (s: TokenStatus) => boolean): Promise<TokenStatus> {
    services?.close();
    services = await createCoreServices(t.profA, {
      secrets: new MemorySecrets(),
      tokenWatch: { intervalMs: 50, settleMs: 100 },
    });
    return statusWhen(until);
  }
  function statusWhen(until: (s: TokenStatus) => boolean): Promise<TokenStatus> {
    const s = services!;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no such token status within 60 s')), 60_000);
      const seen = (status: TokenStatus) => {
        if (!until(status)) return;
        clearTimeout(timer);
        stop();
        resolve(status);
      };
      const stop = s.token.onChange(seen);
      void s.token.status().then(seen);
    });
  }
  const present = (s: TokenStatus) => s.state === 'present' && s.powerOfAttorney !== undefined;
  const answered = (s: TokenStatus) => s.state === 'logged-in' && s.powerOfAttorney?.checkedAtHub === true;
  async function logIn(): Promise<TokenStatus> {
    const answer = statusWhen(answered);
    expect((await services!.token.login(t.pinA)).ok).toBe(true);
    return answer;
  }

  beforeAll(async () => {
    t = await twoClerks({
      prefix: 'clerk-day-poa-',
      aKey: { algorithm: 'ECDSA-P256', person: poaEmployee },
      aOrganization: { name: poaOrganization.name, inn: poaOrganization.inn, certificatePems: [] },
    });
    director = await poaDirectorOf(t);
  }, 300_000);

  afterAll(async () => {
    services?.close();
    await t?.stop();
  });

  it('a personal certificate with no МЧД attached is flagged before the login', async () => {
    const status = await dayStart(present);
    expect(status.owner).toMatchObject({ name: 'Иванова Мария Петровна' });
    expect(status.powerOfAttorney).toEqual({ state: 'missing', checkedAtHub: false });
  });

  it('names the МЧД from the profile and warns it ends within two weeks; the hub then confirms it', async () => {
    const employeeCertificate = Buffer.from(t.pki.tokens[0]!.keys[0]!.certificate.rawData);
    const file = await director.issue(employeeCertificate, { validUntil: inDays(10) });
    number = expectExit(await t.runA(['poa', 'use', file]), 0).json.number;
    const before = await dayStart(present);
    expect(before.powerOfAttorney).toEqual({
      state: 'expiring',
      number,
      principal: poaOrganization.name,
      validUntil: inDays(10),
      daysLeft: 10,
      checkedAtHub: false,
    });
    const after = await logIn();
    expect(after.powerOfAttorney).toMatchObject({ state: 'expiring', number, daysLeft: 10, checkedAtHub: true });
  });

  it('the next day-start after the director revoked it: revoked, as the hub says', async () => {
    await t.hub.admin(['poa', 'revoke', '--org', t.a.id, number, '--reason', 'сотрудник переведён']);
    // The profile still holds the МЧД as attached: only the hub knows it is revoked.
    expect((await dayStart(present)).powerOfAttorney).toMatchObject({ state: 'expiring', checkedAtHub: false });
    expect((await logIn()).powerOfAttorney).toMatchObject({ state: 'revoked', number, checkedAtHub: true });
  });

  it('an МЧД the profile names but the hub does not know is flagged as unregistered', async () => {
    const settingsFile = join(t.profA, 'settings.json');
    const settings = JSON.parse(readFileSync(settingsFile, 'utf8'));
    const unknown = '0b0e5a43-1c1d-4a8e-9d3f-2c7a5b6e8f90';
    settings.powersOfAttorney[0].number = unknown;
    settings.powersOfAttorney[0].validUntil = inDays(200);
    writeFileSync(settingsFile, JSON.stringify(settings));
    expect((await dayStart(present)).powerOfAttorney).toMatchObject({ state: 'in-force', checkedAtHub: false });
    expect((await logIn()).powerOfAttorney).toMatchObject({ state: 'unregistered', number: unknown });
  });
});
