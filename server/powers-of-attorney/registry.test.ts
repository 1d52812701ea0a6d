// The registry of powers of attorney on both backends, real SQLite files and a real PostgreSQL:
// the files kept byte for byte, one registration per number, the status from the dates and the
// revocation at the moment asked, and a journal that only grows.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { backends, closeDatabases } from '../../test/support/databases';
import { PowerOfAttorneyError, PowerOfAttorneyRegistry, powerOfAttorneySchema, recordView, statusAt } from './registry';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'edo-hub-poa-'));
});
afterEach(async () => {
  await closeDatabases();
  rmSync(dir, { recursive: true, force: true });
});

const poa = (number: string, orgId = 'org-a') => ({
  number,
  orgId,
  principalInn: '7701234560',
  fileName: `ON_EMCHD_20261201_${number}.xml`,
  xml: Buffer.from('<Доверенность/>\u0000\u00ff'),
  signature: Buffer.from([0x30, 0x80, 0x00, 0xff]),
  representative: { name: 'Иванова Мария Петровна', inn: '770200000065' },
  powers: ['BBDOCS_DOCS_DCSALL_SRCDOC_SOURCEDOCSGENERAL'],
  issuedOn: '2026-12-01',
  validUntil: '2026-12-31',
  signedBy: 'Петров Пётр Ильич',
  registeredAt: '2026-12-01T08:00:00.000Z',
  registeredBy: 'user-director',
});

const numberA = '0f8fad5b-d9cb-469f-a165-70867728950e';

describe.each(backends)('PowerOfAttorneyRegistry on $name', (backend) => {
  it.skipIf(backend.skip)(
    'keeps the files as registered, one registration per number, found by number and principal INN',
    async () => {
      const registry = new PowerOfAttorneyRegistry(await backend.open([powerOfAttorneySchema], { dir }));
      await registry.register(poa(numberA));
      const found = await registry.find('7701234560', numberA.toUpperCase());
      expect(found?.xml.equals(poa(numberA).xml)).toBe(true);
      expect(found?.signature.equals(poa(numberA).signature)).toBe(true);
      expect(await registry.find('7709876545', numberA)).toBeUndefined();
      expect(await registry.get('org-b', numberA)).toBeUndefined();
      await expect(registry.register(poa(numberA, 'org-b'))).rejects.toMatchObject({
        code: 'poa-exists',
        message: expect.stringMatching(/for another principal/),
      });
      expect((await registry.list('org-a')).map((p) => p.number)).toEqual([numberA]);
    },
  );

  it.skipIf(backend.skip)(
    'works the status out at the moment asked, revoked from the revocation on, journaled; the journal only grows',
    async () => {
      const db = await backend.open([powerOfAttorneySchema], { dir });
      const registry = new PowerOfAttorneyRegistry(db);
      await registry.register(poa(numberA));
      const stored = (await registry.get('org-a', numberA))!;
      // Moscow's calendar: 2026-11-30T21:00Z is 1 December there.
      expect(statusAt(stored, new Date('2026-11-30T20:59:00Z'))).toBe('created');
      expect(statusAt(stored, new Date('2026-11-30T21:00:00Z'))).toBe('active');
      expect(statusAt(stored, new Date('2026-12-31T20:59:00Z'))).toBe('active');
      expect(statusAt(stored, new Date('2026-12-31T21:00:00Z'))).toBe('expired');

      const revoked = await registry.revoke('org-a', numberA, {
        actor: 'user-director',
        reason: 'уволена',
        at: '2026-12-10T12:00:00.000Z',
      });
      expect(statusAt(revoked, new Date('2026-12-10T11:59:59Z'))).toBe('active');
      expect(recordView(revoked, new Date('2026-12-10T12:00:00Z'))).toMatchObject({
        status: 'revoked',
        revokeReason: 'уволена',
      });
      await expect(
        registry.revoke('org-a', numberA, { actor: 'x', reason: 'y', at: '2026-12-11T00:00:00.000Z' }),
      ).rejects.toBeInstanceOf(PowerOfAttorneyError);
      await expect(
        registry.revoke('org-b', numberA, { actor: 'x', reason: 'y', at: '2026-12-11T00:00:00.000Z' }),
      ).rejects.toMatchObject({ code: 'not-found' });
      expect((await registry.journalOf('org-a')).map((j) => [j.seq, j.action, j.actor, j.reason])).toEqual([
        [1, 'register', 'user-director', undefined],
        [2, 'revoke', 'user-director', 'уволена'],
      ]);
      await expect(db.run("UPDATE poa_journal SET reason = 'erased'")).rejects.toThrow(/append-only/);
      await expect(db.run('DELETE FROM poa_journal')).rejects.toThrow(/append-only/);
    },
  );
});
