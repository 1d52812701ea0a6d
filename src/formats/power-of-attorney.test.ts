import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import iconv from 'iconv-lite';
import { afterAll, describe, expect, it } from 'vitest';
import { systemPart } from '../../test/support/system';
import {
  buildPowerOfAttorney,
  FormatError,
  parsePowerOfAttorney,
  POA_MAX_BYTES,
  POA_SCHEMA_FILE,
  POWER_CLASSIFIER,
  type PowerOfAttorneyInput,
} from './index';

const xmllintFound = spawnSync('xmllint', ['--version']).status === 0;
const xmllint = systemPart('xmllint', xmllintFound, 'install libxml2-utils (Debian)');
const schema = join(__dirname, 'xsd', POA_SCHEMA_FILE);
const work = mkdtempSync(join(tmpdir(), 'edo-poa-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function validateWithXsd(fileName: string, xml: Buffer): { ok: boolean; output: string } {
  const path = join(work, fileName);
  writeFileSync(path, xml);
  const r = spawnSync('xmllint', ['--noout', '--nonet', '--schema', schema, path], { encoding: 'utf8' });
  return { ok: r.status === 0, output: `${r.stdout}${r.stderr}` };
}

const GENERAL = 'BBDOCS_DOCS_DCSALL_SRCDOC_SOURCEDOCSGENERAL';
// Synthetic people and organizations; INNs and the SNILS are made up.
const NUMBER = '5b1f0c2e-7a44-4e0b-9d3c-2f6a8e1b9c01';
const input: PowerOfAttorneyInput = {
  number: NUMBER,
  issuedOn: '2026-12-01',
  validUntil: '2027-11-30',
  statusService: 'https://127.0.0.1:8443/poa/status?number=5b1f0c2e-7a44-4e0b-9d3c-2f6a8e1b9c01',
  principal: {
    organization: { name: 'ООО "Ромашка" & Co <Север>', inn: '7701234560', kpp: '770101001', ogrn: '1027700000019' },
    director: {
      surname: 'Петров',
      name: 'Пётр',
      patronymic: 'Ильич',
      inn: '770100000142',
      position: 'Генеральный директор',
    },
  },
  representative: {
    surname: 'Иванова',
    name: 'Мария',
    inn: '770200000065',
    snils: '123-456-789 01',
    position: 'Делопроизводитель',
  },
  powers: { codes: [{ code: GENERAL, name: POWER_CLASSIFIER[GENERAL] }] },
};
const built = () => buildPowerOfAttorney(input);
const DOVER = 'Доверенность/Документ/Довер';
const OTHER_NUMBER = '0b8a3c1e-1111-4e0b-9d3c-2f6a8e1b9c02';
const BOMB = `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;">]>
<Доверенность>&lol3;</Доверенность>`;
// An edit that changes nothing would make its refusal case pass for the wrong reason.
const edit = (xml: Buffer, change: (t: string) => string) => {
  const before = xml.toString('utf8');
  const after = change(before);
  if (after === before) throw new Error('the edit changed nothing: the fixture no longer holds what it replaces');
  return Buffer.from(after, 'utf8');
};

// Every optional part the builder never writes, so the reader's transcription of the XSD is
// exercised where xmllint is the judge: addresses, identity documents, restrictions, an
// irrevocable clause, notarization, a second principal and representative of other types.
const RICH = `<?xml version="1.0" encoding="UTF-8"?>
<Доверенность xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns="urn://x-artefacts/EMCHD_1" ВерсФорм="EMCHD_1"
    ПрЭлФорм="00000000" ИдФайл="ON_EMCHD_20261201_${NUMBER}" OID="1.2.3">
  <ИнСвед>Синтетический пример</ИнСвед>
  <Документ КНД="1110310">
    <Довер>
      <СвДов ВидДовер="2" ПрПередов="2" ВнНомДовер="56/а" НомДовер="${NUMBER}" ДатаВнРегДовер="2026-12-01+03:00"
          ДатаВыдДовер="2026-12-01" СрокДейст="2027-12-01" КодНО="7701">
        <КодНОДейст>7701</КодНОДейст>
        <КодНОДейст>7702</КодНОДейст>
        <СведСист>https://127.0.0.1/status</СведСист>
        <Безотзыв ПрПерБезДов="1" УслОтзыва="2"><ОписУслОт>Отзыв по решению суда</ОписУслОт></Безотзыв>
      </СвДов>
      <СвДоверит ТипДоверит="1">
        <Доверит>
          <РосОргДовер ЕИОУК="0" ЕИОФЛ="1" ЕИОИП="0">
            <СвРосОрг НаимОрг="ООО Ромашка" ИННЮЛ="7701234560" КПП="770101001" ОГРН="1027700000019" АдрЭлПочт="a@b.ru">
              <ДокПдтв НаимДокПдтв="Устав" ДатаВыд="2020-01-01"/>
              <АдрРег Регион="77"><АдрРФ>Москва, ул. Тестовая, 1</АдрРФ></АдрРег>
            </СвРосОрг>
            <ЛицоБезДов ПолнЮЛ="1">
              <СвФЛ ИННФЛ="770100000142" СНИЛС="111-222-333-44" Должность="Директор">
                <СведФЛ Пол="1" ДатаРожд="1980-02-29" Гражданство="643">
                  <ФИО Фамилия="Петров" Имя="Пётр"/>
                  <АдрМЖ Регион="77" ИдФИАС="0c5b2444-70a0-4932-980c-b4dc0d3f02b5"/>
                  <УдЛичнФЛ КодВидДок="21" СерНомДок="00 00 000000"
                      ДатаДок="2010-03-01"><expDate>2030-03-01</expDate></УдЛичнФЛ>
                </СведФЛ>
              </СвФЛ>
            </ЛицоБезДов>
          </РосОргДовер>
        </Доверит>
      </СвДоверит>
      <СвДоверит ТипДоверит="3">
        <Доверит>
          <ИПДовер ОГРНИП="304770000000019" ИННФЛ="770300000051" СНИЛС="222-333-444 55">
            <СведФЛ><ФИО Фамилия="Сидоров" Имя="Сидор" Отчество="Сидорович"/></СведФЛ>
          </ИПДовер>
        </Доверит>
      </СвДоверит>
      <СвУпПред ТипПред="3">
        <Пред>
          <СведФизЛ ИННФЛ="770200000065" СНИЛС="123-456-789 01">
            <СведФЛ><ФИО Фамилия="Иванова" Имя="Мария"/></СведФЛ>
          </СведФизЛ>
        </Пред>
      </СвУпПред>
      <СвУпПред ТипПред="1">
        <Пред>
          <СведОрг НаимОрг="АО Василёк" ИННЮЛ="7702345672" КПП="770201001"/>
        </Пред>
      </СвУпПред>
      <СвПолн ТипПолн="1" ПрСовмПолн="2" ПрУтрПолн="1">
        <ТекстПолн>Подписывать документы</ТекстПолн>
        <МашПолн КодПолн="BBDOCS_DOCS_DCSALL_SRCDOC_SOURCEDOCS5" НаимПолн="Подписывать УПД" МнПолн="UPDSIGN">
          <ОгрСвПолн ИдОгр="1" КодОгр="SUMLIMIT" НаимОгр="Сумма не более"><ТексЗначОгр>1000000</ТексЗначОгр></ОгрСвПолн>
          <ОгрСвПолн ИдОгр="002" КодОгр="REGION" НаимОгр="Регион"
              НаимЗначОгр="Москва"><КодЗначОгр>77</КодЗначОгр></ОгрСвПолн>
        </МашПолн>
      </СвПолн>
      <СвНотУд МестоДовер="г. Москва" УплНотДейст="1500.50" НапрДокДовЕПГУ="1">
        <СвНотДейств Должность="Нотариус" РегНомНот="77/123-н"><ФИОНотДейств Фамилия="Нотариусов"
            Имя="Нотар"/></СвНотДейств>
        <ПодпРукопис>
          <ХешPDFДок>aGFzaA==</ХешPDFДок><ПодпИзобр>aW1n</ПодпИзобр><ХешПодп>aGFzaA==</ХешПодп>
          <ДатаВремПодп>1764547200</ДатаВремПодп><ФИООтв Фамилия="Петров" Имя="Пётр"/>
        </ПодпРукопис>
      </СвНотУд>
    </Довер>
  </Документ>
</Доверенность>
`;
const RICH_NAME = `ON_EMCHD_20261201_${NUMBER}.xml`;

const REDELEGATION = `<?xml version="1.0" encoding="UTF-8"?>
<Доверенность xmlns="urn://x-artefacts/EMCHD_1" ВерсФорм="EMCHD_1" ПрЭлФорм="00000000"
    ИдФайл="ON_EMCHD_20261202_${NUMBER}">
  <Документ>
    <Передов ПрНалПередов="1">
      <СвПервДовер ПрДовер="1" ФормДовер="2" ДатаВыдДовер="2026-12-01" СрокДейст="2027-11-30"
          НомДоверПерв="${OTHER_NUMBER}">
        <СвДоверПерв ТипДоверит="1">
          <ДоверитПерв><РосОргДовер НаимОрг="ООО Ромашка" ИННЮЛ="7701234560" КПП="770101001"/></ДоверитПерв>
        </СвДоверПерв>
      </СвПервДовер>
      <СвПереДовер ВидДовер="1" ПрПередов="1" ВнНомДовер="2" НомДовер="${NUMBER}" ДатаВыдДовер="2026-12-02"
          СрокДейст="2027-06-01">
        <СведСист>https://127.0.0.1/status</СведСист>
      </СвПереДовер>
      <СвПередПолн ТипПерПолн="3">
        <ПередПолн>
          <ФЛПерПолн ИННФЛ="770200000065" СНИЛС="123-456-789 01"><СведФЛ><ФИО Фамилия="Иванова"
              Имя="Мария"/></СведФЛ></ФЛПерПолн>
        </ПередПолн>
      </СвПередПолн>
      <СвПолучПолн ТипПред="3">
        <Пред><СведФизЛ ИННФЛ="770400000048"><СведФЛ><ФИО Фамилия="Кузнецов" Имя="Кузьма"/></СведФЛ></СведФизЛ></Пред>
      </СвПолучПолн>
      <СвПолн ТипПолн="0" ПрСовмПолн="1"><ТекстПолн>Подписывать извещения о получении</ТекстПолн></СвПолн>
    </Передов>
  </Документ>
</Доверенность>
`;

describe.skipIf(!xmllint.ok)(`the МЧД validates against the official XSD ${xmllint.reason}`, () => {
  it('the builder output, named by its ИдФайл, validates with xmllint', () => {
    const file = built();
    expect(file.fileName).toBe(`ON_EMCHD_20261201_${NUMBER}.xml`);
    expect(file.fileId).toBe(file.fileName.replace(/\.xml$/, ''));
    const r = validateWithXsd(file.fileName, file.xml);
    expect(r.output).toContain('validates');
    expect(r.ok).toBe(true);
  });

  it('free-text powers only, re-delegation allowed and no patronymic or SNILS also validate', () => {
    const file = buildPowerOfAttorney({
      ...input,
      number: undefined,
      redelegation: 'once',
      representative: { surname: 'Иванова', name: 'Мария', inn: '770200000065' },
      powers: { text: 'Подписывать извещения о получении и уведомления об уточнении' },
    });
    expect(validateWithXsd(file.fileName, file.xml).ok).toBe(true);
    const read = parsePowerOfAttorney(file.xml, file.fileName);
    expect(read.redelegation).toBe('once');
    const text = 'Подписывать извещения о получении и уведомления об уточнении';
    expect(read.powers).toEqual({ joint: false, text, codes: [] });
  });

  it('synthetic documents with every optional part, and a re-delegation, validate with xmllint and our reader', () => {
    expect(validateWithXsd(RICH_NAME, Buffer.from(RICH)).ok).toBe(true);
    expect(validateWithXsd('ON_EMCHD_20261202_x.xml', Buffer.from(REDELEGATION)).ok).toBe(true);
    const rich = parsePowerOfAttorney(Buffer.from(RICH), RICH_NAME);
    expect(rich.principals.map((p) => p.type)).toEqual(['organization', 'entrepreneur']);
    expect(rich.representatives.map((r) => r.type)).toEqual(['person', 'organization']);
    expect(rich.irrevocable).toBe(true);
    expect(rich.internallyRegisteredOn).toBe('2026-12-01');
    expect(rich.powers.joint).toBe(true);
    expect(rich.powers.codes[0]?.restrictions).toEqual([
      { code: 'SUMLIMIT', name: 'Сумма не более', value: '1000000' },
      { code: 'REGION', name: 'Регион', value: '77' },
    ]);
    const re = parsePowerOfAttorney(Buffer.from(REDELEGATION));
    expect(re.redelegatedFrom).toEqual({ number: OTHER_NUMBER });
    expect(re.representatives[0]?.person?.inn).toBe('770400000048');
  });

  // Each change breaks a rule of the XSD: xmllint and our reader must both refuse it, ours naming the place.
  const xsdFaults: [string, (t: string) => string, RegExp, string][] = [
    [
      'missing НомДовер',
      (t) => t.replace(/ НомДовер="[^"]*"/, ''),
      /required attribute НомДовер/,
      `${DOVER}/СвДов/@НомДовер`,
    ],
    [
      'НомДовер not a GUID',
      (t) => t.replaceAll(NUMBER, 'not-a-guid-not-a-guid-not-a-guid-123'),
      /is not a GUID/,
      `${DOVER}/СвДов/@НомДовер`,
    ],
    [
      'missing СведСист',
      (t) => t.replace(/<СведСист>[^<]*<\/СведСист>/, ''),
      /СведСист is missing/,
      `${DOVER}/СвДов/СведСист`,
    ],
    [
      'date in the wrong pattern',
      (t) => t.replace('СрокДейст="2027-12-01"', 'СрокДейст="01.12.2027"'),
      /СрокДейст "01.12.2027" is not a date YYYY-MM-DD/,
      `${DOVER}/СвДов/@СрокДейст`,
    ],
    [
      'impossible date',
      (t) => t.replace('ДатаРожд="1980-02-29"', 'ДатаРожд="1981-02-29"'),
      /ДатаРожд "1981-02-29" is not a date/,
      `${DOVER}/СвДоверит/Доверит/РосОргДовер/ЛицоБезДов/СвФЛ/СведФЛ/@ДатаРожд`,
    ],
    [
      'INN of 11 digits',
      (t) => t.replace('ИННЮЛ="7702345672"', 'ИННЮЛ="77023456789"'),
      /ИННЮЛ "77023456789" is not an organization INN/,
      `${DOVER}/СвУпПред/Пред/СведОрг/@ИННЮЛ`,
    ],
    [
      'SNILS in a third pattern',
      (t) => t.replace('СНИЛС="123-456-789 01"', 'СНИЛС="12345678901"'),
      /СНИЛС "12345678901" is not a SNILS/,
      `${DOVER}/СвУпПред/Пред/СведФизЛ/@СНИЛС`,
    ],
    [
      'OGRN of 12 digits',
      (t) => t.replace('ОГРН="1027700000019"', 'ОГРН="102770000001"'),
      /is not an OGRN of 13 digits/,
      `${DOVER}/СвДоверит/Доверит/РосОргДовер/СвРосОрг/@ОГРН`,
    ],
    [
      'КодПолн shorter than 6',
      (t) => t.replace('КодПолн="BBDOCS_DOCS_DCSALL_SRCDOC_SOURCEDOCS5"', 'КодПолн="BBD"'),
      /КодПолн "BBD" is not text of 6–255 characters/,
      `${DOVER}/СвПолн/МашПолн/@КодПолн`,
    ],
    [
      'ВерсФорм other than EMCHD_1',
      (t) => t.replace('ВерсФорм="EMCHD_1"', 'ВерсФорм="EMCHD_2"'),
      /is not format version EMCHD_1/,
      'Доверенность/@ВерсФорм',
    ],
    [
      'ПрЭлФорм with a 2',
      (t) => t.replace('ПрЭлФорм="00000000"', 'ПрЭлФорм="00000002"'),
      /is not eight flags/,
      'Доверенность/@ПрЭлФорм',
    ],
    [
      'ТипДоверит 5',
      (t) => t.replace('ТипДоверит="3"', 'ТипДоверит="5"'),
      /ТипДоверит "5" is not one of 1, 2, 3, 4/,
      `${DOVER}/СвДоверит/@ТипДоверит`,
    ],
    [
      'an unknown attribute',
      (t) => t.replace('ВидДовер="2"', 'ВидДовер="2" Цвет="синий"'),
      /no attribute Цвет/,
      `${DOVER}/СвДов/@Цвет`,
    ],
    [
      'an unexpected element',
      (t) => t.replace('</СвПолн>', '</СвПолн><Лишний/>'),
      /found Лишний in its place|unexpected element Лишний/,
      'Доверенность/Документ/Довер',
    ],
    [
      'elements out of order',
      (t) => t.replace(/(<СвУпПред ТипПред="1">[\s\S]*?<\/СвУпПред>)(\s*)(<СвПолн[\s\S]*?<\/СвПолн>)/, '$3$2$1'),
      /unexpected element СвУпПред|found/,
      'Доверенность/Документ/Довер',
    ],
    [
      'missing representative',
      (t) => t.replace(/<СвУпПред[\s\S]*<\/СвУпПред>/, ''),
      /СвУпПред is missing/,
      `${DOVER}/СвУпПред`,
    ],
    [
      'a restriction with both value kinds',
      (t) => t.replace('<КодЗначОгр>77</КодЗначОгр>', '<КодЗначОгр>77</КодЗначОгр><ТексЗначОгр>x</ТексЗначОгр>'),
      /only one of КодЗначОгр, ТексЗначОгр/,
      `${DOVER}/СвПолн/МашПолн/ОгрСвПолн/ТексЗначОгр`,
    ],
    [
      'ИдОгр 0',
      (t) => t.replace('ИдОгр="1"', 'ИдОгр="0"'),
      /ИдОгр "0" is not an integer 1–999/,
      `${DOVER}/СвПолн/МашПолн/ОгрСвПолн/@ИдОгр`,
    ],
    [
      'an amount with 3 decimals',
      (t) => t.replace('УплНотДейст="1500.50"', 'УплНотДейст="1500.505"'),
      /УплНотДейст "1500.505" is not an amount/,
      `${DOVER}/СвНотУд/@УплНотДейст`,
    ],
    [
      'a surname of 201 characters',
      (t) => t.replace('Фамилия="Иванова"', `Фамилия="${'И'.repeat(201)}"`),
      /is not text of 1–200 characters/,
      `${DOVER}/СвУпПред/Пред/СведФизЛ/СведФЛ/ФИО/@Фамилия`,
    ],
    [
      'a wrong namespace',
      (t) => t.replace('xmlns="urn://x-artefacts/EMCHD_1"', 'xmlns="urn://x-artefacts/EMCHD_2"'),
      /namespace is "urn:\/\/x-artefacts\/EMCHD_2"/,
      'Доверенность/@xmlns',
    ],
    [
      'no namespace',
      (t) => t.replace(' xmlns="urn://x-artefacts/EMCHD_1"', ''),
      /declares no namespace/,
      'Доверенность/@xmlns',
    ],
  ];
  it.each(xsdFaults)('%s: xmllint refuses it and so do we, naming the field', (_, change, message, field) => {
    const bad = Buffer.from(change(RICH));
    expect(validateWithXsd(RICH_NAME, bad).ok).toBe(false);
    const error = (() => {
      try {
        parsePowerOfAttorney(bad, RICH_NAME);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(FormatError);
    expect((error as FormatError).message).toMatch(message);
    expect((error as FormatError).field).toContain(field);
  });
});

describe('reading an МЧД', () => {
  it('reads back what the builder wrote', () => {
    const file = built();
    const read = parsePowerOfAttorney(file.xml, file.fileName);
    expect(read).toMatchObject({
      fileId: file.fileId,
      number: NUMBER,
      internalNumber: NUMBER,
      issuedOn: '2026-12-01',
      validUntil: '2027-11-30',
      redelegation: 'none',
      irrevocable: false,
      statusService: input.statusService,
    });
    expect(read.principals).toEqual([
      {
        type: 'organization',
        organization: input.principal.organization,
        persons: [input.principal.director],
      },
    ]);
    expect(read.representatives).toEqual([{ type: 'person', person: input.representative }]);
    expect(read.powers.codes.map((c) => c.code)).toEqual(['BBDOCS_DOCS_DCSALL_SRCDOC_SOURCEDOCSGENERAL']);
    expect(read.redelegatedFrom).toBeUndefined();
  });

  it('writes UTF-8 and escapes what XML needs escaped', () => {
    const file = built();
    const text = file.xml.toString('utf8');
    expect(text.startsWith('<?xml version="1.0" encoding="UTF-8"?>')).toBe(true);
    expect(text).toContain('НаимОрг="ООО &quot;Ромашка&quot; &amp; Co &lt;Север&gt;"');
    expect(text).toContain('xmlns="urn://x-artefacts/EMCHD_1"');
  });

  it('the builder refuses what would not be a usable МЧД, naming the field', () => {
    const refuse = (change: Partial<PowerOfAttorneyInput>, field: string) =>
      expect(() => buildPowerOfAttorney({ ...input, ...change })).toThrow(expect.objectContaining({ field }));
    refuse({ validUntil: '2026-11-30' }, 'validUntil');
    refuse({ validUntil: '2027-02-30' }, 'validUntil');
    refuse({ number: '123' }, 'number');
    refuse({ powers: {} }, 'powers');
    refuse({ representative: { surname: 'Иванова', name: 'Мария' } }, 'representative');
    const badSnils = { ...input.representative, snils: '12345678901' };
    refuse({ representative: badSnils }, `${DOVER}/СвУпПред/Пред/СведФизЛ/@СНИЛС`);
  });
});

describe('malformed МЧД files are refused with a message naming the problem', () => {
  const file = built();
  const cases: [string, () => Buffer, RegExp, string, string?][] = [
    ['not XML at all', () => Buffer.from('%PDF-1.7 binary'), /does not start with an XML declaration/, 'encoding'],
    [
      'windows-1251 declared and used',
      () => iconv.encode(file.xml.toString('utf8').replace('UTF-8', 'windows-1251'), 'windows-1251'),
      /says encoding="windows-1251"; this format requires UTF-8/,
      'encoding',
    ],
    [
      'windows-1251 bytes under a UTF-8 declaration',
      () => iconv.encode(file.xml.toString('utf8'), 'windows-1251'),
      /not UTF-8/,
      'encoding',
    ],
    [
      'UTF-16',
      () => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(file.xml.toString('utf8'), 'utf16le')]),
      /UTF-16/,
      'encoding',
    ],
    ['not well-formed', () => edit(file.xml, (t) => t.replace('</Документ>', '')), /not well-formed/, 'xml'],
    ['an XML bomb', () => Buffer.from(BOMB), /DOCTYPE/, 'xml'],
    [
      'wrong root',
      () => edit(file.xml, (t) => t.replace('<Доверенность ', '<Файл ').replace('</Доверенность>', '</Файл>')),
      /root element is Файл/,
      'Файл',
    ],
    [
      'a namespace prefix',
      () =>
        edit(file.xml, (t) =>
          t.replace('<Документ>', '<x:Документ xmlns:x="urn:x">').replace('</Документ>', '</x:Документ>'),
        ),
      /namespace prefix/,
      'Доверенность/x:Документ',
    ],
    [
      'ТипДоверит naming another kind of principal',
      () => edit(file.xml, (t) => t.replace('ТипДоверит="1"', 'ТипДоверит="4"')),
      /ТипДоверит 4 requires exactly the element ФЛДовер in Доверит; found РосОргДовер/,
      `${DOVER}/СвДоверит/Доверит`,
    ],
    [
      'ТипПред naming another kind of representative',
      () => edit(file.xml, (t) => t.replace('ТипПред="3"', 'ТипПред="1"')),
      /ТипПред 1 requires exactly the element СведОрг/,
      `${DOVER}/СвУпПред/Пред`,
    ],
    [
      'no representative element at all',
      () => edit(file.xml, (t) => t.replace(/<СведФизЛ[\s\S]*<\/СведФизЛ>/, '')),
      /found none/,
      `${DOVER}/СвУпПред/Пред`,
    ],
    [
      'ТипПолн 1 without МашПолн',
      () => edit(file.xml, (t) => t.replace(/<МашПолн[^>]*\/>/, '<ТекстПолн>Что-то</ТекстПолн>')),
      /ТипПолн 1 .* requires МашПолн/,
      `${DOVER}/СвПолн/МашПолн`,
    ],
    [
      'term ending before issue',
      () => edit(file.xml, (t) => t.replace('СрокДейст="2027-11-30"', 'СрокДейст="2026-11-30"')),
      /СрокДейст 2026-11-30 is before ДатаВыдДовер 2026-12-01/,
      `${DOVER}/СвДов/@СрокДейст`,
    ],
    [
      'ИдФайл not ending with НомДовер',
      () => edit(file.xml, (t) => t.replace(`ИдФайл="${file.fileId}"`, `ИдФайл="ON_EMCHD_20261201_${OTHER_NUMBER}"`)),
      /does not end with НомДовер/,
      'Доверенность/@ИдФайл',
    ],
    [
      'ИдФайл of another form',
      () => edit(file.xml, (t) => t.replace(`ИдФайл="${file.fileId}"`, 'ИдФайл="ON_DOVEL_1"')),
      /does not follow ON_EMCHD_<YYYYMMDD>_<НомДовер>/,
      'Доверенность/@ИдФайл',
    ],
    [
      'file name other than ИдФайл',
      () => file.xml,
      /file name "other.xml" does not match ИдФайл/,
      'Доверенность/@ИдФайл',
      'other.xml',
    ],
    ['larger than the limit', () => Buffer.concat([file.xml, Buffer.alloc(POA_MAX_BYTES)]), /refused above/, 'size'],
    [
      'a required attribute missing (СрокДейст)',
      () => edit(file.xml, (t) => t.replace(' СрокДейст="2027-11-30"', '')),
      /required attribute СрокДейст of СвДов is missing/,
      `${DOVER}/СвДов/@СрокДейст`,
    ],
    [
      "the principal's INN of another pattern",
      () => edit(file.xml, (t) => t.replace('ИННЮЛ="7701234560"', 'ИННЮЛ="770123456"')),
      /ИННЮЛ "770123456" is not an organization INN of 10 digits/,
      `${DOVER}/СвДоверит/Доверит/РосОргДовер/СвРосОрг/@ИННЮЛ`,
    ],
    [
      'a SNILS without its separators',
      () => edit(file.xml, (t) => t.replace('СНИЛС="123-456-789 01"', 'СНИЛС="12345678901"')),
      /СНИЛС "12345678901" is not a SNILS NNN-NNN-NNN NN/,
      `${DOVER}/СвУпПред/Пред/СведФизЛ/@СНИЛС`,
    ],
  ];
  it.each(cases)('%s', (_, make, message, field, name) => {
    let error: unknown;
    try {
      parsePowerOfAttorney(make(), name ?? file.fileName);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(FormatError);
    expect((error as FormatError).message).toMatch(message);
    expect((error as FormatError).field).toBe(field);
  });

  // Where the XSD decides (a well-formed UTF-8 file of the right root), xmllint refuses them too.
  const xsdJudged = [
    'wrong root',
    'a required attribute missing (СрокДейст)',
    "the principal's INN of another pattern",
    'a SNILS without its separators',
  ];
  it.skipIf(!xmllint.ok).each(cases.filter(([name]) => xsdJudged.includes(name)))(
    'xmllint with the official XSD refuses it too: %s',
    (_, make) => {
      const r = validateWithXsd(file.fileName, make());
      expect(r.ok, r.output).toBe(false);
      expect(r.output).toMatch(/fails to validate/);
    },
  );

  it('a UTF-8 byte order mark is fine', () => {
    const withBom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), file.xml]);
    expect(parsePowerOfAttorney(withBom, file.fileName).number).toBe(NUMBER);
  });
});
