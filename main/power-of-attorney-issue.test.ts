// Runs in: Node (vitest), on a real SoftHSM token and the real hub; no electron involved.
// The Organization view's "Выдать МЧД" through main's handler over the real core services: the
// director's certificate on the day's token signs the МЧД for an employee who is a user of the
// organization, the hub registers it at once, and the XML and its .sig land in the folder main's
// dialog chose. The XML validates against the official XSD (xmllint) and names the employee with
// the powers and term chosen; `edo-hub poa list` lists it active. An МЧД for a person who is no
// user of the organization is refused by the hub's code; the employee's own key, who is not the
// director, is refused by its code before signing; neither registers or saves anything.
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePowerOfAttorney, POA_SCHEMA_FILE } from '../src/formats';
import { PowerOfAttorneyIssueArgs, PowerOfAttorneyIssued } from '../src/ipc/contract';
import type { PowerOfAttorneyRecord } from '../src/protocol';
import { eventually } from '../test/support/eventually';
import { MemorySecrets } from '../test/support/memory-secrets';
import { softhsm, systemPart } from '../test/support/system';
import { poaDirector, poaEmployee, poaOrganization, twoClerks, type TwoClerks } from '../test/node/session-harness';
import { createCoreServices, type CoreServices } from './core-services';
import type { Platform } from './handlers';
import { createPowerOfAttorneyHandlers } from './power-of-attorney-handlers';

const hsm = softhsm();
const xmllint = systemPart('xmllint', spawnSync('xmllint', ['--version']).status === 0, 'install libxml2-utils');
const schema = join(__dirname, '../src/formats/xsd', POA_SCHEMA_FILE);
const waybills = 'BBDOCS_DOCS_DCSALL_SRCDOC_SOURCEDOCS5';

describe.skipIf(!hsm.ok || !xmllint.ok)(
  `issuing an МЧД from the Organization view ${hsm.reason ?? ''}${xmllint.reason}`,
  { timeout: 300_000 },
  () => {
    let t: TwoClerks;
    let services: CoreServices | undefined;
    let employeePem = '';
    const registry = () => t.hub.admin<PowerOfAttorneyRecord[]>(['poa', 'list', '--org', poaOrganization.inn]);

    /** poa:issue as the renderer calls it, through main's handler, its args and result checked by the contract. */
    async function issue(folder: string, args: Partial<PowerOfAttorneyIssueArgs> = {}) {
      mkdirSync(folder, { recursive: true });
      const platform = { chooseFolder: async () => folder } as Platform;
      const handler = createPowerOfAttorneyHandlers(services!, platform)['poa:issue'];
      const given = PowerOfAttorneyIssueArgs.parse({
        representativeCertificate: Buffer.from(employeePem).toString('base64'),
        powerCodes: [waybills],
        validUntil: '2027-06-30',
        noRedelegation: true,
        ...args,
      });
      return PowerOfAttorneyIssued.parse(await handler(given));
    }

    beforeAll(async () => {
      // A's token holds its director's certificate (INNLE and OGRN of the organization).
      t = await twoClerks({
        prefix: 'clerk-poa-issue-',
        aKey: { algorithm: 'ECDSA-P256', person: poaDirector },
        aOrganization: { name: poaOrganization.name, inn: poaOrganization.inn, certificatePems: [] },
      });
      // The employee: a personal certificate, a user of A, its key in a file.
      const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
      employeePem = (await t.pki.issue(publicKey, poaEmployee)).toString('pem');
      writeFileSync(join(t.dir, 'employee.pem'), employeePem);
      writeFileSync(join(t.dir, 'employee.key'), privateKey.export({ type: 'pkcs8', format: 'pem' }));
      await t.hub.admin(['user', 'add', '--org', t.a.id, '--cert', join(t.dir, 'employee.pem')]);
    }, 300_000);

    afterAll(async () => {
      services?.close();
      await t?.stop();
    });

    it('the director on the day’s token signs it, the hub registers it, its files validate against the XSD', async () => {
      services = await createCoreServices(t.profA, {
        secrets: new MemorySecrets(),
        tokenWatch: { intervalMs: 50, settleMs: 100 },
      });
      const s = services;
      await eventually('the director’s token seen', async () =>
        (await s.token.status()).state === 'present' ? true : undefined,
      );
      expect((await services.token.login(t.pinA)).ok).toBe(true);
      const folder = join(t.dir, 'issued');
      const result = await issue(folder);
      expect(result).toMatchObject({ issued: true, validUntil: '2027-06-30', status: 'active' });
      const number = result.number!;
      const [xmlName, sigName] = readdirSync(folder).sort();
      expect(xmlName).toMatch(new RegExp(`^ON_EMCHD_\\d{8}_${number}\\.xml$`, 'i'));
      expect(sigName).toBe(`${xmlName}.sig`);
      expect(result.files).toEqual([join(folder, xmlName!), join(folder, sigName!)]);

      const lint = spawnSync('xmllint', ['--noout', '--schema', schema, join(folder, xmlName!)], { encoding: 'utf8' });
      expect(lint.stderr).toContain('validates');
      expect(lint.status).toBe(0);
      const poa = parsePowerOfAttorney(readFileSync(join(folder, xmlName!)), xmlName!);
      expect(poa.number.toLowerCase()).toBe(number.toLowerCase());
      expect(poa.validUntil).toBe('2027-06-30');
      expect(poa.redelegation).toBe('none');
      expect(poa.statusService).toBe(`${t.hub.url}/v1/powers-of-attorney/${poa.number}`);
      expect(poa.representatives[0]?.person).toMatchObject({ surname: 'Иванова', inn: poaEmployee.personInn });
      expect(poa.powers.codes.map((p) => p.code)).toEqual([waybills]);

      const listed = await registry();
      expect(listed.map((r) => [r.number, r.status, r.powers, r.signedBy])).toEqual([
        [number, 'active', [waybills], 'Сергеева Ольга Николаевна'],
      ]);
    });

    it('for a person who is no user of the organization the hub refuses it by its code: nothing saved', async () => {
      const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
      const stranger = { ...poaEmployee, surname: 'Смирнова', personInn: '500100732259', snils: '08765430300' };
      const strangerPem = (await t.pki.issue(publicKey, stranger)).toString('pem');
      const before = await registry();
      const folder = join(t.dir, 'stranger');
      const result = await issue(folder, { representativeCertificate: Buffer.from(strangerPem).toString('base64') });
      expect(result).toMatchObject({
        issued: false,
        hubRefusal: { code: 'poa-representative-unknown' },
        facts: { organization: poaOrganization.name },
      });
      expect(readdirSync(folder)).toEqual([]);
      expect(await registry()).toEqual(before);
    });

    it('the employee’s own key (no INNLE of the organization) is refused by its code: nothing registered', async () => {
      services?.close();
      const settingsFile = join(t.profA, 'settings.json');
      const settings = JSON.parse(readFileSync(settingsFile, 'utf8'));
      settings.signer = {
        kind: 'software',
        keyFile: join(t.dir, 'employee.key'),
        certificateFile: join(t.dir, 'employee.pem'),
      };
      writeFileSync(settingsFile, JSON.stringify(settings));
      services = await createCoreServices(t.profA, { secrets: new MemorySecrets() });
      const before = await registry();
      const folder = join(t.dir, 'refused');
      const result = await issue(folder);
      expect(result).toEqual({
        issued: false,
        problem: 'other-organization',
        facts: {
          signer: 'Иванова Мария Петровна',
          organization: poaOrganization.name,
          inn: poaOrganization.inn,
          orgInn: '—',
        },
      });
      expect(readdirSync(folder)).toEqual([]);
      expect(await registry()).toEqual(before);
    });
  },
);
