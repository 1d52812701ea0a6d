// The GOST test PKI read by an independent tool: OpenSSL with the GOST engine prints the
// qualified-certificate fields of a director's and an employee's certificate, checks their
// chain to the GOST CA, and verifies a CMS signed with the issued key.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeCertificate } from '../../src/crypto/certificates';
import { signDetached } from '../../src/crypto/cms';
import { isOgrn, isRussianInn } from '../../src/formats/tax-numbers';
import { createGostTestPki, gostCurveOids, gostPeople, type GostTestPki, type GostTestUser } from '../support/gost-pki';
import { opensslGost } from '../support/system';

const gost = opensslGost();
/** `openssl COMMAND -engine gost ARGS...` */
const openssl = ([command, ...args]: string[]) =>
  spawnSync('openssl', [command!, '-engine', 'gost', ...args], { encoding: 'utf8' });

/** The SNILS check number (the SFR's rule; src/formats/tax-numbers.ts has the INN and OGRN ones). */
function isSnils(v: string): boolean {
  const sum = [9, 8, 7, 6, 5, 4, 3, 2, 1].reduce((total, w, i) => total + w * Number(v[i]), 0);
  const check = sum < 100 ? sum : sum % 101 === 100 ? 0 : sum % 101;
  return v.length === 11 && v.slice(9) === String(check).padStart(2, '0');
}

describe.skipIf(!gost.ok)(`GOST test PKI read by OpenSSL ${gost.reason}`, () => {
  let pki: GostTestPki;
  let director: GostTestUser;
  let employee: GostTestUser;
  let dir: string;
  beforeAll(async () => {
    pki = await createGostTestPki();
    director = await pki.issue(gostPeople.berezkaDirector);
    employee = await pki.issue(gostPeople.berezkaEmployee, { curve: gostCurveOids.tc26A512 });
    dir = mkdtempSync(join(tmpdir(), 'edo-gost-pki-test-'));
  });
  afterAll(() => {
    pki?.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const text = (user: GostTestUser) =>
    openssl(['x509', '-in', user.certificateFile, '-noout', '-text', '-nameopt', 'utf8,sep_comma_plus']).stdout;

  it('the sample people have checksum-valid INN, OGRN and SNILS', () => {
    const { berezkaDirector, klenDirector, berezkaEmployee } = gostPeople;
    for (const p of [berezkaDirector, klenDirector]) {
      expect([isRussianInn(p.orgInn), isOgrn(p.ogrn), isRussianInn(p.personInn), isSnils(p.snils)]).toEqual([
        true,
        true,
        true,
        true,
      ]);
    }
    expect([isRussianInn(berezkaEmployee.personInn), isSnils(berezkaEmployee.snils)]).toEqual([true, true]);
    expect(isSnils('11223344596')).toBe(false); // the check itself refuses a changed digit
  });

  it("a director's certificate: the legal entity's INNLE and OGRN, the person's INN and SNILS, the signing tools, GOST 256", () => {
    const printed = text(director);
    expect(printed).toContain('Signature Algorithm: GOST R 34.10-2012 with GOST R 34.11-2012 (256 bit)');
    expect(printed).toContain('Parameter set: id-GostR3410-2001-CryptoPro-A-ParamSet');
    expect(printed).toContain('Issuer: C=RU,O=Тестовый удостоверяющий центр EDO Clerk,CN=EDO Clerk Test GOST CA');
    for (const field of [
      'O=ООО "Берёзка"',
      'title=Генеральный директор',
      'CN=Соколова Елена Викторовна',
      '1.2.643.100.4=7729123451',
      'OGRN=1027700123450',
      'INN=772912345698',
      'SNILS=11223344595',
    ]) {
      expect(printed).toContain(field);
    }
    expect(printed).toMatch(/Signing Tool of Subject: *\n *"EDO Clerk"/);
    expect(printed).toMatch(/Signing Tool of Issuer: *\n *signTool *: "EDO Clerk"/);
    expect(describeCertificate(director.certificate)).toMatchObject({
      orgInn: '7729123451',
      ogrn: '1027700123450',
      personInn: '772912345698',
      snils: '11223344595',
    });
  });

  it("an employee's personal certificate: INN and SNILS, no organization, GOST 512", () => {
    const printed = text(employee);
    expect(printed).toContain('Public Key Algorithm: GOST R 34.10-2012 with 512 bit modulus');
    expect(printed).toContain('INN=770765432128');
    expect(printed).toContain('SNILS=98765432183');
    expect(printed).not.toContain('1.2.643.100.4');
    expect(printed).not.toContain('OGRN');
    expect(printed.match(/Subject: (.*)/)![1]).not.toMatch(/\bO=/);
    expect(describeCertificate(employee.certificate)).toMatchObject({
      orgInn: undefined,
      organization: undefined,
      personInn: '770765432128',
      snils: '98765432183',
    });
  });

  it('both chain to the GOST CA in openssl verify, and their keys sign CMS that openssl cms -verify accepts', async () => {
    const verified = openssl([
      'verify',
      '-CAfile',
      pki.caCertificateFile,
      director.certificateFile,
      employee.certificateFile,
    ]);
    expect(verified.stdout).toBe(`${director.certificateFile}: OK\n${employee.certificateFile}: OK\n`);
    const content = join(dir, 'letter.txt');
    writeFileSync(content, 'Письмо о сверке расчётов\n');
    for (const user of [director, employee]) {
      const sig = join(dir, 'letter.p7s');
      writeFileSync(sig, await signDetached({ path: content }, user.signer));
      const result = openssl([
        'cms',
        '-verify',
        '-binary',
        '-inform',
        'DER',
        '-in',
        sig,
        '-content',
        content,
        '-CAfile',
        pki.caCertificateFile,
        '-purpose',
        'any',
        '-out',
        '/dev/null',
      ]);
      expect(result.stderr).toContain('Verification successful');
    }
    // The stranger's check: a certificate of another CA does not chain here.
    const other = await createGostTestPki();
    try {
      expect(openssl(['verify', '-CAfile', other.caCertificateFile, director.certificateFile]).status).not.toBe(0);
    } finally {
      other.cleanup();
    }
    expect(openssl(['pkey', '-in', director.keyFile, '-noout', '-text']).stdout).toContain('Private key:');
  });
});
