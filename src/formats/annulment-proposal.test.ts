import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { systemPart } from '../../test/support/system';
import {
  ANNULMENT_SCHEMA_FILE,
  buildAnnulmentProposal,
  FormatError,
  parseAnnulmentProposal,
  type Participant,
  type ServiceDocumentFile,
} from './index';
import { readXml, writeXml } from './xml';

const xmllint = systemPart(
  'xmllint',
  spawnSync('xmllint', ['--version']).status === 0,
  'install libxml2-utils (Debian) to validate against the XSD',
);
const work = mkdtempSync(join(tmpdir(), 'edo-prannul-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function validateWithXsd(file: ServiceDocumentFile): { ok: boolean; output: string } {
  const path = join(work, file.fileName);
  writeFileSync(path, file.xml);
  const r = spawnSync('xmllint', ['--noout', '--schema', join(__dirname, 'xsd', ANNULMENT_SCHEMA_FILE), path], {
    encoding: 'utf8',
  });
  return { ok: r.status === 0, output: `${r.stdout}${r.stderr}` };
}

const romashka: Participant = {
  id: '2AL-7701234560-770101001',
  organization: { name: 'ООО "Ромашка" & Co <Север>', inn: '7701234560', kpp: '770101001' },
};
const petrov: Participant = {
  id: '2AL-500100732259',
  person: { surname: 'Петров', name: 'Пётр', patronymic: 'Ильич', inn: '500100732259', entrepreneur: true },
};
const signatures = [Buffer.from('30820a0b0c0d', 'hex'), Buffer.from('the recipient signature')];
const now = new Date('2026-11-22T22:30:00Z'); // 23.11.2026 in Moscow

const proposal = () =>
  buildAnnulmentProposal({
    sender: romashka,
    receiver: petrov,
    annulledFile: { name: 'Договор 17.pdf', signatures },
    reason: 'Отправлен по ошибке: не тот контрагент & "не та" сумма < 5%',
    signer: { surname: 'Иванова', name: 'Мария', patronymic: 'Петровна', position: 'Делопроизводитель' },
    now,
  });

describe('the annulment proposal (ПРА, DP_PRANNUL 1.02)', () => {
  it.skipIf(!xmllint.ok)(
    `builds a file the official XSD accepts, with and without a signer, for an organization and an entrepreneur ${xmllint.reason}`,
    () => {
      const file = proposal();
      expect(file.fileName).toMatch(
        /^DP_PRANNUL_2AL-500100732259_2AL-7701234560-770101001_20261123_[0-9a-f-]{36}\.xml$/,
      );
      expect(validateWithXsd(file)).toEqual({ ok: true, output: expect.stringContaining('validates') });
      const bare = buildAnnulmentProposal({
        sender: petrov,
        receiver: romashka,
        annulledFile: { name: 'a.txt', signatures: signatures.slice(0, 1) },
        reason: '',
        now,
      });
      expect(validateWithXsd(bare)).toEqual({ ok: true, output: expect.stringContaining('validates') });
    },
  );

  it('reads back what it built: parties, the annulled file with its signatures, the reason, the signer', () => {
    const file = proposal();
    const read = parseAnnulmentProposal(file.xml, file.fileName);
    expect(read).toMatchObject({
      fileId: file.fileId,
      formatVersion: '1.02',
      sender: romashka,
      receiver: petrov,
      reason: 'Отправлен по ошибке: не тот контрагент & "не та" сумма < 5%',
      signer: { surname: 'Иванова', position: 'Делопроизводитель' },
      annulledFile: { name: 'Договор 17.pdf' },
    });
    expect(read.annulledFile.signatures.map((s) => s.toString('hex'))).toEqual(
      signatures.map((s) => s.toString('hex')),
    );
  });

  it('refuses a person who is not an entrepreneur, a file without signatures, another version and a file name that is not its ИдФайл', () => {
    const person: Participant = {
      id: '2AL-500100732259',
      person: { surname: 'Петров', name: 'Пётр', inn: '500100732259' },
    };
    expect(() =>
      buildAnnulmentProposal({
        sender: person,
        receiver: romashka,
        annulledFile: { name: 'a', signatures },
        reason: 'x',
      }),
    ).toThrow(FormatError);
    expect(() =>
      buildAnnulmentProposal({
        sender: romashka,
        receiver: petrov,
        annulledFile: { name: 'a', signatures: [] },
        reason: 'x',
      }),
    ).toThrow(/at least one signature/);
    const file = proposal();
    expect(() => parseAnnulmentProposal(file.xml, 'DP_PRANNUL_other.xml')).toThrow(/does not match ИдФайл/);
    const root = readXml(file.xml);
    root.attributes = root.attributes.map(([k, v]) => [k, k === 'ВерсФорм' ? '1.01' : v]);
    expect(() => parseAnnulmentProposal(writeXml(root))).toThrow(/1\.02/);
  });
});
