import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import iconv from 'iconv-lite';
import { afterAll, describe, expect, it } from 'vitest';
import { systemPart } from '../../test/support/system';
import {
  buildClarificationRequest,
  buildReceiptConfirmation,
  buildReceiptNotice,
  buildSendConfirmation,
  FormatError,
  parseServiceDocument,
  SERVICE_DOCUMENT_FORMATS,
  type Operator,
  type Participant,
  type ServiceDocumentFile,
  type ServiceDocumentKind,
  type SignerOfDocument,
} from './index';

const xmllintFound = spawnSync('xmllint', ['--version']).status === 0;
const xmllint = systemPart('xmllint', xmllintFound, 'install libxml2-utils (Debian) to validate against the FNS XSDs');
const schemaDir = join(__dirname, 'xsd');
const work = mkdtempSync(join(tmpdir(), 'edo-formats-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Runs xmllint on the file as FNS would receive it (named by its ИдФайл). */
function validateWithXsd(kind: ServiceDocumentKind, file: ServiceDocumentFile): { ok: boolean; output: string } {
  const path = join(work, file.fileName);
  writeFileSync(path, file.xml);
  const r = spawnSync(
    'xmllint',
    ['--noout', '--schema', join(schemaDir, SERVICE_DOCUMENT_FORMATS[kind].schemaFile), path],
    { encoding: 'utf8' },
  );
  return { ok: r.status === 0, output: `${r.stdout}${r.stderr}` };
}

const romashka: Participant = {
  id: '2AL-7701234560-770101001',
  organization: { name: 'ООО "Ромашка" & Co <Север>', inn: '7701234560', kpp: '770101001' },
};
const vasilek: Participant = {
  id: '2AL-7702345672-770201001',
  organization: { name: 'АО «Василёк» — №1', inn: '7702345672', kpp: '770201001' },
};
const entrepreneur: Participant = {
  id: '2AL-500100732259',
  person: { surname: 'Петров', name: 'Пётр', patronymic: 'Ильич', inn: '500100732259', entrepreneur: true },
};
const foreigner: Participant = {
  id: '2AL-FOREIGN-1',
  foreign: { status: 'organization', name: 'Acme GmbH', country: '276', taxCode: 'DE123456789' },
};
const hub: Operator = { name: 'ООО "Хаб ЭДО"', inn: '7703456784', id: '2AL' };
const ivanova: SignerOfDocument = {
  surname: 'Иванова',
  name: 'Мария',
  patronymic: 'Петровна',
  position: 'Делопроизводитель',
  authority: 'employee',
};
const signatures = [Buffer.from('30820a0b0c0d', 'hex'), Buffer.from('second signature, DER in real life')];
const receivedAt = new Date('2026-11-22T07:08:09Z'); // 10.08.09 Moscow time
const now = new Date('2026-11-22T22:30:00Z'); // already 23.11.2026 in Moscow
const GUID_RE = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

const receiptNotice = () =>
  buildReceiptNotice({
    sender: vasilek,
    receiver: romashka,
    operator: hub,
    receivedAt,
    receivedFile: { name: 'Акт_сверки.pdf', signatures },
    signer: ivanova,
    now,
  });
const clarification = () =>
  buildClarificationRequest({
    sender: vasilek,
    receiver: romashka,
    receivedAt,
    receivedFile: { name: 'Акт_сверки.pdf', signatures: signatures.slice(0, 1) },
    signer: ivanova,
    text: '  Неверная сумма в строке 3 & "НДС" < 20%.\nПросим исправить.  ',
    now,
  });
const sendConfirmation = () =>
  buildSendConfirmation({
    operator: hub,
    sender: romashka,
    receiver: vasilek,
    document: { fileName: 'Акт_сверки.pdf', signatures },
    sentAt: receivedAt,
    signer: { surname: 'Сидоров', name: 'Олег', position: 'Оператор ЭДО' },
    now,
  });
const receiptConfirmation = () =>
  buildReceiptConfirmation({
    operator: hub,
    sender: romashka,
    receiver: vasilek,
    document: { fileName: 'Акт_сверки.pdf', signatures },
    receivedAt,
    now,
  });

const builders: [ServiceDocumentKind, () => ServiceDocumentFile][] = [
  ['receipt-notice', receiptNotice],
  ['clarification-request', clarification],
  ['send-confirmation', sendConfirmation],
  ['receipt-confirmation', receiptConfirmation],
];

/** Edits the decoded XML text, re-encodes it as windows-1251. */
const edit = (file: ServiceDocumentFile, change: (text: string) => string) =>
  iconv.encode(change(iconv.decode(file.xml, 'windows-1251')), 'windows-1251');

function formatError(fn: () => unknown): FormatError {
  try {
    fn();
  } catch (e) {
    if (e instanceof FormatError) return e;
    throw new Error(`expected a FormatError, got ${String(e)}`, { cause: e });
  }
  throw new Error('expected a FormatError, nothing was thrown');
}

describe.skipIf(!xmllint.ok)(`builders validate against the FNS XSDs ${xmllint.reason}`, () => {
  it.each(builders)('%s validates with xmllint', (kind, build) => {
    const result = validateWithXsd(kind, build());
    expect(result.output).toContain('validates');
    expect(result.ok).toBe(true);
  });

  it('a receipt notice on an operator confirmation, from an entrepreneur, under an electronic power of attorney, validates', () => {
    const file = buildReceiptNotice({
      sender: entrepreneur,
      operator: hub,
      receivedAt,
      receivedFile: { name: 'DP_PDOTPR_x', signatures: signatures.slice(0, 1) },
      signer: {
        surname: 'Петров',
        name: 'Пётр',
        position: '',
        authority: 'electronic-poa',
        powerOfAttorney: {
          kind: 'electronic',
          number: '9f1c2a34-5b6d-4e7f-8a9b-0c1d2e3f4a5b',
          issuedOn: '2026-01-15',
          storage: 'https://m4d.nalog.gov.ru',
        },
      },
      now,
    });
    expect(validateWithXsd('receipt-notice', file)).toMatchObject({ ok: true });
  });

  it('a clarification request to a foreign party, under a paper power of attorney, validates', () => {
    const file = buildClarificationRequest({
      sender: vasilek,
      receiver: foreigner,
      receivedAt,
      receivedFile: { name: 'invoice.xml', signatures: signatures.slice(0, 1) },
      signer: {
        ...ivanova,
        authority: 'paper-poa',
        powerOfAttorney: {
          kind: 'paper',
          issuedOn: '2025-12-01',
          internalNumber: '17/2025',
          principal: 'АО «Василёк»',
          signedBy: { surname: 'Смирнов', name: 'Иван' },
        },
      },
      text: '',
      now,
    });
    expect(validateWithXsd('clarification-request', file)).toMatchObject({ ok: true });
  });

  it('the XSDs are not a rubber stamp: xmllint rejects a bad date, a missing element and a wrong КНД', () => {
    const file = receiptNotice();
    const bad = (change: (t: string) => string) =>
      validateWithXsd('receipt-notice', { ...file, xml: edit(file, change) });
    expect(bad((t) => t.replace('ДатаПол="22.11.2026"', 'ДатаПол="2026-11-22"')).ok).toBe(false);
    expect(bad((t) => t.replace(/<Подписант[\s\S]*<\/Подписант>/, '')).ok).toBe(false);
    expect(bad((t) => t.replace('КНД="1115110"', 'КНД="1115113"')).ok).toBe(false);
  });
});

describe('file names', () => {
  it.each(builders)(
    '%s: the file name is ИдФайл + .xml and follows PREFIX_recipient_sender_date_GUID',
    (kind, build) => {
      const file = build();
      const { prefix } = SERVICE_DOCUMENT_FORMATS[kind];
      const text = iconv.decode(file.xml, 'windows-1251');
      expect(text).toContain(`ИдФайл="${file.fileId}"`);
      expect(file.fileName).toBe(`${file.fileId}.xml`);
      const operatorSide = kind === 'send-confirmation' || kind === 'receipt-confirmation';
      const [recipient, sender] = operatorSide ? [romashka.id, hub.id] : [romashka.id, vasilek.id];
      // The date is the formation date in Moscow time: 22:30 UTC is already the 23rd.
      expect(file.fileId).toMatch(new RegExp(`^${prefix}_${recipient}_${sender}_20261123_${GUID_RE}$`));
    },
  );

  it('takes a given GUID and refuses one that is not', () => {
    const id = '0b7c3a52-1d2e-4f60-9a8b-7c6d5e4f3a2b';
    const file = buildReceiptNotice({
      sender: vasilek,
      receiver: romashka,
      receivedAt,
      receivedFile: { name: 'a', signatures },
      signer: ivanova,
      now,
      id,
    });
    expect(file.fileId.endsWith(`_${id}`)).toBe(true);
    const e = formatError(() =>
      buildReceiptNotice({
        sender: vasilek,
        receiver: romashka,
        receivedAt,
        receivedFile: { name: 'a', signatures },
        signer: ivanova,
        id: 'not-a-guid',
      }),
    );
    expect(e.field).toBe('id');
  });
});

describe('windows-1251', () => {
  it('writes Cyrillic, quotes and ampersands as windows-1251 bytes with correct escaping, and reads them back', () => {
    const file = receiptNotice();
    expect(file.xml.subarray(0, 44).toString('latin1')).toBe(
      '<?xml version="1.0" encoding="windows-1251"?>'.slice(0, 44),
    );
    // Cyrillic is one byte per letter: "Ромашка" in windows-1251.
    expect(file.xml.includes(Buffer.from([0xd0, 0xee, 0xec, 0xe0, 0xf8, 0xea, 0xe0]))).toBe(true);
    expect(() => new TextDecoder('utf-8', { fatal: true }).decode(file.xml)).toThrow();
    const text = iconv.decode(file.xml, 'windows-1251');
    expect(text).toContain('НаимОрг="ООО &quot;Ромашка&quot; &amp; Co &lt;Север&gt;"');
    expect(text).toContain('НаимОрг="АО «Василёк» — №1"');
    const parsed = parseServiceDocument(file.xml, file.fileName);
    expect(parsed.sender.organization?.name).toBe('АО «Василёк» — №1');
    expect(parsed.receiver?.organization?.name).toBe('ООО "Ромашка" & Co <Север>');
  });

  it('keeps characters windows-1251 cannot carry as character references', () => {
    const file = buildClarificationRequest({
      sender: vasilek,
      receiver: romashka,
      receivedAt,
      receivedFile: { name: 'a', signatures: signatures.slice(0, 1) },
      signer: ivanova,
      text: 'Ошибка в сумме ¥ 5 😀; 中文',
      now,
    });
    expect(iconv.decode(file.xml, 'windows-1251')).toContain('&#128512;');
    expect(parseServiceDocument(file.xml).text).toBe('Ошибка в сумме ¥ 5 😀; 中文');
  });

  it('keeps tabs, newlines and carriage returns in attributes and text', () => {
    const signer = { ...ivanova, position: 'Отдел\tделопроизводства\nи архива' };
    const file = buildClarificationRequest({
      sender: vasilek,
      receiver: romashka,
      receivedAt,
      receivedFile: { name: 'a', signatures: signatures.slice(0, 1) },
      signer,
      text: 'строка 1\r\nстрока 2',
      now,
    });
    const parsed = parseServiceDocument(file.xml, file.fileName);
    expect(parsed.signer?.position).toBe(signer.position);
    expect(parsed.text).toBe('строка 1\r\nстрока 2');
  });
});

describe('parse(build(x)) gives back x', () => {
  it('receipt notice', () => {
    const file = receiptNotice();
    expect(parseServiceDocument(file.xml, file.fileName)).toEqual({
      kind: 'receipt-notice',
      fileId: file.fileId,
      formatVersion: '1.03',
      programVersion: 'EDO Clerk 1.0',
      sender: vasilek,
      receiver: romashka,
      date: receivedAt,
      referencedFile: { name: 'Акт_сверки.pdf', signatures },
      signer: ivanova,
    });
  });

  it('receipt notice to the operator, with an electronic power of attorney', () => {
    const signer: SignerOfDocument = {
      surname: 'Петров',
      name: 'Пётр',
      position: 'ИП',
      authority: 'electronic-poa',
      powerOfAttorney: {
        kind: 'electronic',
        number: '9f1c2a34-5b6d-4e7f-8a9b-0c1d2e3f4a5b',
        issuedOn: '2026-01-15',
        internalNumber: 'Д-15',
        internallyRegisteredOn: '2026-01-16',
        storage: 'https://m4d.nalog.gov.ru',
      },
    };
    const file = buildReceiptNotice({
      sender: entrepreneur,
      operator: hub,
      receivedAt,
      receivedFile: { name: 'DP_PDOTPR', signatures },
      signer,
      now,
    });
    const parsed = parseServiceDocument(file.xml, file.fileName);
    expect(parsed).toMatchObject({ sender: entrepreneur, operator: hub, signer, date: receivedAt });
    expect(parsed.receiver).toBeUndefined();
  });

  it('clarification request keeps its text exactly, and a foreign party and a paper power of attorney', () => {
    const file = clarification();
    const parsed = parseServiceDocument(file.xml, file.fileName);
    expect(parsed).toMatchObject({
      kind: 'clarification-request',
      sender: vasilek,
      receiver: romashka,
      date: receivedAt,
      signer: ivanova,
    });
    expect(parsed.text).toBe('  Неверная сумма в строке 3 & "НДС" < 20%.\nПросим исправить.  ');
    expect(parsed.referencedFile.signatures).toEqual(signatures.slice(0, 1));

    const signer: SignerOfDocument = {
      ...ivanova,
      authority: 'paper-poa',
      powerOfAttorney: {
        kind: 'paper',
        issuedOn: '2025-12-01',
        internalNumber: '17/2025',
        principal: 'АО «Василёк»',
        signedBy: { surname: 'Смирнов', name: 'Иван' },
      },
    };
    const second = buildClarificationRequest({
      sender: vasilek,
      receiver: foreigner,
      receivedAt,
      receivedFile: { name: 'x', signatures: signatures.slice(1) },
      signer,
      text: '',
      now,
    });
    expect(parseServiceDocument(second.xml, second.fileName)).toMatchObject({ receiver: foreigner, signer, text: '' });
  });

  it('send confirmation and receipt confirmation', () => {
    const sent = sendConfirmation();
    expect(parseServiceDocument(sent.xml, sent.fileName)).toEqual({
      kind: 'send-confirmation',
      fileId: sent.fileId,
      formatVersion: '1.03',
      programVersion: 'EDO Clerk 1.0',
      sender: romashka,
      receiver: vasilek,
      operator: hub,
      date: receivedAt,
      referencedFile: { name: 'Акт_сверки.pdf', signatures },
      signer: { surname: 'Сидоров', name: 'Олег', position: 'Оператор ЭДО' },
    });
    const received = receiptConfirmation();
    const parsed = parseServiceDocument(received.xml, received.fileName);
    expect(parsed).toMatchObject({
      kind: 'receipt-confirmation',
      sender: romashka,
      receiver: vasilek,
      operator: hub,
      date: receivedAt,
    });
    expect(parsed.signer).toBeUndefined();
  });

  it('a confirmation addressed to the recipient names it in the file name and still parses', () => {
    const file = buildSendConfirmation({
      operator: hub,
      sender: romashka,
      receiver: vasilek,
      document: { fileName: 'a', signatures },
      sentAt: receivedAt,
      addresseeId: vasilek.id,
      now,
    });
    expect(file.fileId.startsWith(`DP_PDOTPR_${vasilek.id}_${hub.id}_`)).toBe(true);
    expect(parseServiceDocument(file.xml, file.fileName).receiver).toEqual(vasilek);
  });

  it('uses Moscow time for the stated date and time, or the offset given', () => {
    const text = iconv.decode(receiptNotice().xml, 'windows-1251');
    expect(text).toContain('ДатаПол="22.11.2026" ВремяПол="10.08.09"');
    const utc = buildReceiptNotice({
      sender: vasilek,
      receiver: romashka,
      receivedAt,
      receivedFile: { name: 'a', signatures },
      signer: ivanova,
      now,
      utcOffsetMinutes: 0,
    });
    expect(iconv.decode(utc.xml, 'windows-1251')).toContain('ВремяПол="07.08.09"');
    expect(parseServiceDocument(utc.xml, undefined, { utcOffsetMinutes: 0 }).date).toEqual(receivedAt);
  });
});

describe('malformed input gives a FormatError naming the problem', () => {
  const file = receiptNotice();
  const cases: [string, () => Buffer, RegExp, string | undefined][] = [
    [
      'not XML at all',
      () => Buffer.from('%PDF-1.7 this is a PDF, not a receipt notice'),
      /XML declaration/,
      'encoding',
    ],
    ['XML that is not well-formed', () => edit(file, (t) => t.replace('</Документ>', '')), /not well-formed/, 'xml'],
    [
      'UTF-8 bytes declared as windows-1251',
      () => Buffer.from(iconv.decode(file.xml, 'windows-1251'), 'utf8'),
      /bytes are UTF-8/,
      'encoding',
    ],
    [
      'a UTF-8 byte order mark',
      () => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), file.xml]),
      /byte order mark/,
      'encoding',
    ],
    [
      'another declared encoding',
      () => Buffer.from(iconv.decode(file.xml, 'windows-1251').replace('windows-1251', 'UTF-8'), 'utf8'),
      /encoding="UTF-8"/,
      'encoding',
    ],
    [
      'wrong root',
      () => edit(file, (t) => t.replace('<Файл ', '<Документы ').replace('</Файл>', '</Документы>')),
      /root element is Документы/,
      'Документы',
    ],
    [
      'wrong КНД',
      () => edit(file, (t) => t.replace('КНД="1115110"', 'КНД="1115999"')),
      /КНД "1115999" is not a service document/,
      'Файл/Документ/@КНД',
    ],
    [
      'missing ИдФайл',
      () => edit(file, (t) => t.replace(/ИдФайл="[^"]*" /, '')),
      /required attribute ИдФайл/,
      'Файл/@ИдФайл',
    ],
    [
      'wrong format version',
      () => edit(file, (t) => t.replace('ВерсФорм="1.03"', 'ВерсФорм="1.02"')),
      /"1.02" is not format version 1.03/,
      'Файл/@ВерсФорм',
    ],
    [
      'bad date pattern',
      () => edit(file, (t) => t.replace('ДатаПол="22.11.2026"', 'ДатаПол="2026-11-22"')),
      /ДатаПол "2026-11-22" is not a date ДД.ММ.ГГГГ/,
      'Файл/Документ/СвИзвПолуч/@ДатаПол',
    ],
    [
      'impossible date',
      () => edit(file, (t) => t.replace('ДатаПол="22.11.2026"', 'ДатаПол="30.02.2026"')),
      /not a date/,
      'Файл/Документ/СвИзвПолуч/@ДатаПол',
    ],
    [
      'bad time pattern',
      () => edit(file, (t) => t.replace('ВремяПол="10.08.09"', 'ВремяПол="10:08:09"')),
      /not a time ЧЧ.ММ.СС/,
      'Файл/Документ/СвИзвПолуч/@ВремяПол',
    ],
    [
      'missing required element',
      () => edit(file, (t) => t.replace(/<Подписант[\s\S]*<\/Подписант>/, '')),
      /Подписант is missing/,
      'Файл/Документ/Подписант',
    ],
    [
      'elements out of order',
      () =>
        edit(file, (t) =>
          t.replace(/(<УчастЭДО[\s\S]*?<\/УчастЭДО>)(\s*)(<СвИзвПолуч[\s\S]*?<\/СвИзвПолуч>)/, '$3$2$1'),
        ),
      /УчастЭДО is missing in Документ \(found СвИзвПолуч/,
      'Файл/Документ/УчастЭДО',
    ],
    [
      'an unexpected element',
      () => edit(file, (t) => t.replace('</Документ>', '<Лишний/></Документ>')),
      /unexpected element Лишний/,
      'Файл/Документ/Лишний',
    ],
    [
      'an unknown attribute',
      () => edit(file, (t) => t.replace('КНД="1115110"', 'КНД="1115110" Цвет="синий"')),
      /no attribute Цвет/,
      'Файл/Документ/@Цвет',
    ],
    [
      'a bad INN',
      () => edit(file, (t) => t.replace('ИННЮЛ="7701234560"', 'ИННЮЛ="77012345"')),
      /ИННЮЛ "77012345" is not an organization INN/,
      'Файл/Документ/ОтпрДок/ЮЛ/@ИННЮЛ',
    ],
    [
      'a signature that is not base64',
      () => edit(file, (t) => t.replace(/<ЭППолФайл>[^<]*<\/ЭППолФайл>/, '<ЭППолФайл>не base64!</ЭППолФайл>')),
      /signature 1 is not base64/,
      'Файл/Документ/СвИзвПолуч/СведПолФайл/ЭППолФайл',
    ],
    [
      'СтатПодп 2 without the power of attorney',
      () => edit(file, (t) => t.replace('СтатПодп="1"', 'СтатПодп="2"')),
      /СтатПодп 2 requires СвДоверЭл/,
      'Файл/Документ/Подписант/СвДоверЭл',
    ],
    [
      'a DOCTYPE',
      () => edit(file, (t) => t.replace('?>\n', '?>\n<!DOCTYPE Файл [<!ENTITY x "y">]>\n')),
      /DOCTYPE/,
      'xml',
    ],
    [
      'ИдФайл not following the naming rule',
      () => edit(file, (t) => t.replaceAll(file.fileId, 'DP_IZVPOL_whatever')),
      /does not follow DP_IZVPOL_<recipient id>_<sender id>_<YYYYMMDD>_<GUID>/,
      'Файл/@ИдФайл',
    ],
    [
      'ИдФайл naming other parties',
      () => edit(file, (t) => t.replaceAll(file.fileId, file.fileId.replace(romashka.id, 'XYZ-1'))),
      /names XYZ-1/,
      'Файл/@ИдФайл',
    ],
  ];

  it.each(cases)('%s', (_, bytes, message, field) => {
    const e = formatError(() => parseServiceDocument(bytes(), undefined));
    expect(e.message).toMatch(message);
    expect(e.field).toBe(field);
  });

  it('ИдФайл different from the file name', () => {
    const e = formatError(() => parseServiceDocument(file.xml, 'DP_IZVPOL_other.xml'));
    expect(e.message).toMatch(/file name "DP_IZVPOL_other.xml" does not match ИдФайл/);
    expect(e.field).toBe('Файл/@ИдФайл');
    // With or without the extension and a directory, the right name passes.
    expect(parseServiceDocument(file.xml, `/inbox/${file.fileId}`).fileId).toBe(file.fileId);
  });

  it('the wrong kind where a particular one is expected', () => {
    const e = formatError(() =>
      parseServiceDocument(file.xml, file.fileName, { expectedKind: 'clarification-request' }),
    );
    expect(e.message).toMatch(/expected a УОУ \(КНД 1115113\), got a ИОП/);
  });
});

describe('builders refuse what the format cannot carry', () => {
  const base = { receiver: romashka, receivedAt, receivedFile: { name: 'a', signatures }, signer: ivanova, now };
  it.each([
    [
      'an organization without KPP',
      () => buildReceiptNotice({ ...base, sender: { id: 'ABCD', organization: { name: 'ООО', inn: '7701234560' } } }),
      'sender.organization.kpp',
    ],
    [
      'a person without INN',
      () => buildReceiptNotice({ ...base, sender: { id: 'ABCD', person: { surname: 'А', name: 'Б' } } }),
      'sender.person.inn',
    ],
    ['a participant that is nobody', () => buildReceiptNotice({ ...base, sender: { id: 'ABCD' } }), 'sender'],
    [
      'a participant id with bad characters',
      () => buildReceiptNotice({ ...base, sender: { ...vasilek, id: 'Ид_1' } }),
      'Файл/Документ/УчастЭДО/@ИдУчастЭДО',
    ],
    [
      'a bad INN',
      () =>
        buildReceiptNotice({
          ...base,
          sender: { ...vasilek, organization: { name: 'x', inn: '123', kpp: '770101001' } },
        }),
      'Файл/Документ/УчастЭДО/ЮЛ/@ИННЮЛ',
    ],
    [
      'no signature of the received file',
      () => buildReceiptNotice({ ...base, sender: vasilek, receivedFile: { name: 'a', signatures: [] } }),
      'receivedFile.signatures',
    ],
    [
      'a УОУ with two signatures',
      () => buildClarificationRequest({ ...base, sender: vasilek, text: 'x' }),
      'receivedFile.signatures',
    ],
    [
      'an invalid date',
      () => buildReceiptNotice({ ...base, sender: vasilek, receivedAt: new Date('nonsense') }),
      'receivedAt',
    ],
    [
      'an electronic-POA signer without its details',
      () => buildReceiptNotice({ ...base, sender: vasilek, signer: { ...ivanova, authority: 'electronic-poa' } }),
      'signer.powerOfAttorney',
    ],
    [
      'a control character',
      () => buildReceiptNotice({ ...base, sender: vasilek, signer: { ...ivanova, position: 'a\u0001b' } }),
      'Файл/Документ/Подписант/@Должн',
    ],
    [
      'an operator signer without position',
      () =>
        buildSendConfirmation({
          operator: hub,
          sender: romashka,
          receiver: vasilek,
          document: { fileName: 'a', signatures },
          sentAt: receivedAt,
          signer: { surname: 'А', name: 'Б', position: '' },
        }),
      'signer.position',
    ],
    [
      'a bad operator id',
      () =>
        buildReceiptConfirmation({
          operator: { ...hub, id: 'TOOLONG' },
          sender: romashka,
          receiver: vasilek,
          document: { fileName: 'a', signatures },
          receivedAt,
        }),
      'Файл/Документ/ОперЭДО/@ИдОперЭДО',
    ],
  ])('%s', (_, build, field) => {
    expect(formatError(build).field).toBe(field);
  });
});

// Keep the helper honest: it really runs xmllint (a schema from elsewhere would not validate).
describe.skipIf(!xmllint.ok)(`xmllint harness ${xmllint.reason}`, () => {
  it('reports a document of one kind as invalid against the schema of another', () => {
    const file = sendConfirmation();
    expect(validateWithXsd('receipt-confirmation', file).ok).toBe(false);
    expect(
      execFileSync('xmllint', ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }),
    ).toBeDefined();
  });
});
