// `edo-clerk poa create` on the director's profile against a real hub: the МЧД validates against
// the official XSD (xmllint), its detached CMS verifies with OpenSSL over the XML, it names the
// employee of the personal certificate; a certificate that is not the director's signs nothing.
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePowerOfAttorney, POA_SCHEMA_FILE } from '../../src/formats';
import { opensslCmsVerify } from '../support/openssl-cms';
import { registerTokenOrganization, startHub, type StartedHub } from '../support/hub';
import { softhsm, systemPart } from '../support/system';
import { createTestPki, type TestPki } from '../support/test-pki';
import { clerk, expectExit } from './session-harness';

const hsm = softhsm();
const xmllint = systemPart('xmllint', spawnSync('xmllint', ['--version']).status === 0, 'install libxml2-utils');
const schema = join(__dirname, '../../src/formats/xsd', POA_SCHEMA_FILE);

const director = {
  surname: 'Петров',
  givenNames: 'Пётр Ильич',
  position: 'Генеральный директор',
  organization: 'ООО "Ромашка"',
  orgInn: '7701234560',
  personInn: '770100000142',
  ogrn: '1027700000019',
};
const employee = { surname: 'Иванова', givenNames: 'Мария Петровна', personInn: '770200000065', snils: '12345678901' };

describe.skipIf(!hsm.ok || !xmllint.ok)(`edo-clerk poa create ${hsm.reason ?? ''}${xmllint.reason}`, () => {
  let pki: TestPki;
  let hub: StartedHub;
  let dir: string;
  let employeePem: string;
  const profile = () => join(dir, 'director');
  const token = ['--module', '', '--token', '', '--pin-stdin'];

  beforeAll(async () => {
    pki = await createTestPki([
      { label: 'director', keys: [{ algorithm: 'ECDSA-P256', person: director }] },
      // The employee's organization-bound certificate, on a token of the same organization: not the director's.
      { label: 'clerk', keys: [{ algorithm: 'ECDSA-P256', person: { ...director, surname: 'Сидоров', ogrn: '' } }] },
    ]);
    hub = await startHub();
    await hub.admin(['trust', 'add', pki.caCertificateFile]);
    const keys = [...pki.tokens[0]!.keys, ...pki.tokens[1]!.keys];
    await registerTokenOrganization(hub, { keys }, { kpp: '770101001' });
    dir = mkdtempSync(join(tmpdir(), 'poa-cli-'));
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    employeePem = (await pki.issue(publicKey, employee)).toString('pem');
    writeFileSync(join(dir, 'employee.pem'), employeePem);
    token[1] = pki.modulePath;
    const init = ['profile', 'init', '--server', hub.url, '--trust', pki.caCertificateFile];
    init.push('--module', pki.modulePath, '--token', 'director');
    expectExit(await clerk([...init, '--profile', profile(), '--json']), 0);
  });

  afterAll(async () => {
    await hub?.stop();
    pki?.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('writes an МЧД that validates against the XSD, signed by the director, naming the employee', async () => {
    const out = join(dir, 'issued');
    const args = ['poa', 'create', '--representative', join(dir, 'employee.pem'), '--valid-until', '2027-06-30'];
    args.push('--no-redelegation');
    token[3] = 'director';
    const pin = { stdin: `${pki.tokens[0]!.pin}\n` };
    const run = expectExit(await clerk([...args, '--out', out, ...token, '--profile', profile(), '--json'], pin), 0);
    const result = run.json as { number: string; fileName: string; xml: string; signature: string };
    expect(result.fileName).toMatch(new RegExp(`^ON_EMCHD_\\d{8}_${result.number}\\.xml$`));
    const lint = spawnSync('xmllint', ['--noout', '--schema', schema, result.xml], { encoding: 'utf8' });
    expect(lint.status, lint.stderr).toBe(0);
    opensslCmsVerify(result.signature, result.xml, pki.caCertificateFile);

    const poa = parsePowerOfAttorney(readFileSync(result.xml), result.fileName);
    expect(poa.validUntil).toBe('2027-06-30');
    expect(poa.redelegation).toBe('none');
    expect(poa.statusService).toBe(`${hub.url}/v1/powers-of-attorney/${result.number}`);
    expect(poa.principals[0]).toEqual({
      type: 'organization',
      organization: { name: 'ООО "Ромашка"', inn: '7701234560', kpp: '770101001', ogrn: '1027700000019' },
      persons: [
        { surname: 'Петров', name: 'Пётр', patronymic: 'Ильич', inn: '770100000142', position: 'Генеральный директор' },
      ],
    });
    expect(poa.representatives).toEqual([
      {
        type: 'person',
        person: {
          surname: 'Иванова',
          name: 'Мария',
          patronymic: 'Петровна',
          inn: '770200000065',
          snils: '123-456-789 01',
        },
      },
    ]);
    expect(poa.powers.codes.map((c) => c.code)).toEqual(['BBDOCS_DOCS_DCSALL_SRCDOC_SOURCEDOCSGENERAL']);
  });

  it('refuses an unknown power code and a signer who is not the director in the clerk’s words, writing nothing', async () => {
    const base = ['poa', 'create', '--representative', join(dir, 'employee.pem'), '--valid-until', '2027-06-30'];
    const out = join(dir, 'refused');
    token[3] = 'director';
    const run = (extra: string[], pin: string) =>
      clerk([...base, ...extra, '--out', out, ...token, '--profile', profile(), '--json'], { stdin: `${pin}\n` });
    const unknown = expectExit(await run(['--powers', 'NO_SUCH_POWER'], pki.tokens[0]!.pin), 1);
    expect(unknown.json).toMatchObject({
      code: 'unknown-power',
      error: expect.stringMatching(/^«NO_SUCH_POWER» — не код полномочия классификатора ФНС.*SOURCEDOCSGENERAL/),
    });
    const english = expectExit(await run(['--powers', 'NO_SUCH_POWER', '--lang', 'en'], pki.tokens[0]!.pin), 1);
    expect(english.json).toMatchObject({
      code: 'unknown-power',
      error: expect.stringMatching(/^"NO_SUCH_POWER" is not a power code EDO Clerk knows from the FNS classifier/),
    });
    token[3] = 'clerk';
    const notDirector = expectExit(await run([], pki.tokens[1]!.pin), 1);
    expect(notDirector.json).toMatchObject({
      code: 'not-director',
      error: 'В сертификате руководителя (Сидоров Пётр Ильич) не указан ОГРН организации. Ничего не подписано.',
    });
    const notDirectorEn = expectExit(await run(['--lang', 'en'], pki.tokens[1]!.pin), 1);
    expect(notDirectorEn.json).toMatchObject({
      code: 'not-director',
      error: "The director's certificate (Сидоров Пётр Ильич) names no OGRN of the organization. Nothing was signed.",
    });
    expect(existsSync(out) ? readdirSync(out) : []).toEqual([]);
  });

  it('shows the hub’s refusal to register an МЧД in the clerk’s words, the code and the hub’s own words beside them', async () => {
    // The employee holds no user's certificate at this hub: the registration is refused.
    const out = join(dir, 'unregistered');
    token[3] = 'director';
    const pin = { stdin: `${pki.tokens[0]!.pin}\n` };
    const create = ['poa', 'create', '--representative', join(dir, 'employee.pem'), '--valid-until', '2027-06-30'];
    const made = expectExit(await clerk([...create, '--out', out, ...token, '--profile', profile(), '--json'], pin), 0);
    const file = (made.json as { xml: string }).xml;
    const use = (lang: string[]) =>
      clerk(['poa', 'use', file, '--cert', join(dir, 'employee.pem'), ...token, ...lang, '--profile', profile()], pin);
    const ru = expectExit(await use([]), 1);
    expect(ru.stderr).toMatch(
      /^edo-clerk poa use: Сервер обмена отказал \(poa-representative-unknown\): представитель, названный в МЧД, не пользователь ООО "Ромашка" на сервере обмена: сначала зарегистрируйте его сертификат\. Ответ сервера: .*Иванова Мария Петровна .*holds no certificate of a user/,
    );
    const en = expectExit(await use(['--lang', 'en', '--json']), 1);
    expect(en.json).toMatchObject({
      code: 'poa-representative-unknown',
      error: expect.stringMatching(
        /^The exchange hub refused \(poa-representative-unknown\): the representative the МЧД names is not a user of ООО "Ромашка" at the exchange hub/,
      ),
    });
  });
});
