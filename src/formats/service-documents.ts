// FNS service documents of the e-document exchange, format 1.03 (order ЕД-7-26/133@):
// receipt notice ИОП, clarification request УОУ, and the operator's confirmations of the send
// date (ПДОТПР) and of the receipt date (ПДПОЛ). The element specs below transcribe the
// published XSDs in ./xsd; the tests validate every builder's output against those XSDs with
// xmllint. The XSDs' Schematron rules that matter here are enforced in code: the file name
// equals ИдФайл, and СтатПодп 2/3 requires the matching power of attorney.

import { randomUUID } from 'node:crypto';
import { FormatError } from './format-error';
import { types, validateElement, type AttributeSpec, type ElementSpec, type SimpleType } from './schema';
import { readXml, writeXml, type XmlElement } from './xml';
import type {
  ElectronicPowerOfAttorney,
  Operator,
  PaperPowerOfAttorney,
  Participant,
  ReferencedFile,
  ServiceDocument,
  ServiceDocumentFile,
  ServiceDocumentKind,
  SignerAuthority,
  SignerOfDocument,
} from './types';

export const FORMAT_VERSION = '1.03';
export const DEFAULT_PROGRAM_VERSION = 'EDO Clerk 1.0';
/** Moscow time (UTC+3, no daylight saving since 2014): the dates and times FNS documents state. */
export const MOSCOW_UTC_OFFSET_MINUTES = 180;

export const SERVICE_DOCUMENT_FORMATS = {
  'receipt-notice': {
    prefix: 'DP_IZVPOL',
    knd: '1115110',
    title: 'ИОП',
    schemaFile: 'DP_IZVPOL_1_982_00_01_03_01.xsd',
  },
  'send-confirmation': {
    prefix: 'DP_PDOTPR',
    knd: '1115111',
    title: 'ПДОТПР',
    schemaFile: 'DP_PDOTPR_1_983_00_01_03_01.xsd',
  },
  'receipt-confirmation': {
    prefix: 'DP_PDPOL',
    knd: '1115112',
    title: 'ПДПОЛ',
    schemaFile: 'DP_PDPOL_1_984_00_01_03_01.xsd',
  },
  'clarification-request': {
    prefix: 'DP_UVUTOCH',
    knd: '1115113',
    title: 'УОУ',
    schemaFile: 'DP_UVUTOCH_1_985_00_01_03_01.xsd',
  },
} as const satisfies Record<ServiceDocumentKind, { prefix: string; knd: string; title: string; schemaFile: string }>;

// ---------------------------------------------------------------------------------------------
// Element specs, transcribed from the XSDs (element order, occurrence, attribute facets).

export const req = (type: SimpleType): AttributeSpec => ({ type, required: true });
export const opt = (type: SimpleType): AttributeSpec => ({ type });
export const text = types.string;
const fixedLength = (length: number): SimpleType => ({ describe: `text of exactly ${length} characters`, length });
const digitCode = (values: readonly string[], describe: string) => types.oneOf(values, describe);

export const fioSpec = (minOccurs = 1): ElementSpec => ({
  name: 'ФИО',
  minOccurs,
  attributes: { Фамилия: req(text(1, 60)), Имя: req(text(1, 60)), Отчество: opt(text(1, 60)) },
});
const operatorAttributes = {
  НаимОрг: req(text(1, 1000)),
  ИННЮЛ: req(types.innOrganization),
  ИдОперЭДО: req(types.operatorId),
};
const operatorSpec: ElementSpec = { name: 'ОперЭДО', attributes: operatorAttributes };
export const participantChoice: ElementSpec[] = [
  { name: 'ЮЛ', attributes: { НаимОрг: req(text(1, 1000)), ИННЮЛ: req(types.innOrganization), КПП: req(types.kpp) } },
  { name: 'ИП', attributes: { ИННФЛ: req(types.innPerson) }, sequence: [fioSpec()] },
  { name: 'ФЛ', attributes: { ИННФЛ: req(types.innPerson) }, sequence: [fioSpec()] },
  {
    name: 'СвИнУчастНеУч',
    attributes: {
      ИдСтат: req(digitCode(['ЮЛ', 'ФЛ'], 'ЮЛ or ФЛ')),
      СтрРег: opt(types.country),
      Наим: opt(text(1, 1000)),
      КодНПРег: opt(text(1, 50)),
      ИныеСвед: opt(text(1, 255)),
    },
  },
];
const participantSpec = (name: string, alsoOperator = false): ElementSpec => ({
  name,
  attributes: { ИдУчастЭДО: req(types.participantId) },
  choice: alsoOperator ? [...participantChoice, operatorSpec] : participantChoice,
});

/** Подписант of ИОП and УОУ; the two schemas name two power-of-attorney attributes differently. */
const participantSignerSpec = (storageAttribute: string, principalAttribute: string): ElementSpec => ({
  name: 'Подписант',
  attributes: {
    СтатПодп: opt(digitCode(['1', '2', '3'], 'a signer status 1, 2 or 3')),
    ТипПодпис: opt(digitCode(['1', '2', '3'], 'a signature type 1, 2 or 3')),
    Должн: opt(text(1, 255)),
  },
  sequence: [
    fioSpec(),
    {
      name: 'СвДоверЭл',
      minOccurs: 0,
      attributes: {
        НомДовер: req(fixedLength(36)),
        ДатаВыдДовер: req(types.date),
        ВнНомДовер: opt(text(1, 50)),
        ДатаВнРегДовер: opt(types.date),
        СпособПредставл: req(digitCode(['1', '2'], 'a presentation method 1 or 2')),
        [storageAttribute]: opt(text(1, 500)),
      },
    },
    {
      name: 'СвДоверБум',
      minOccurs: 0,
      attributes: {
        ДатаДовер: req(types.date),
        ВнНомДовер: req(text(1, 50)),
        [principalAttribute]: opt(text(1, 1000)),
      },
      sequence: [fioSpec(0)],
    },
  ],
});
const operatorSignerSpec: ElementSpec = {
  name: 'Подписант',
  minOccurs: 0,
  attributes: { Должность: req(text(1, 1000)) },
  sequence: [fioSpec()],
};

const signaturesSpec = (name: string, many: boolean): ElementSpec => ({
  name,
  maxOccurs: many ? Infinity : 1,
  text: text(1),
});
const fileInfoSpec = (
  element: string,
  signature: string,
  nameAttribute: string,
  manySignatures: boolean,
): ElementSpec => ({
  name: element,
  attributes: { [nameAttribute]: req(text(1, 255)) },
  sequence: [signaturesSpec(signature, manySignatures)],
});
const dateTimeAttributes = (date: string, time: string) => ({ [date]: req(types.date), [time]: req(types.time) });

const fileSpec = (kind: ServiceDocumentKind, body: ElementSpec[]): ElementSpec => ({
  name: 'Файл',
  attributes: {
    ИдФайл: req(text(1, 255)),
    ВерсПрог: req(text(1, 40)),
    ВерсФорм: req({
      describe: `format version ${FORMAT_VERSION}`,
      minLength: 1,
      maxLength: 5,
      enumeration: [FORMAT_VERSION],
    }),
  },
  sequence: [
    { name: 'Документ', attributes: { КНД: req(types.knd(SERVICE_DOCUMENT_FORMATS[kind].knd)) }, sequence: body },
  ],
});

const operatorConfirmationBody = (
  file: string,
  signature: string,
  nameAttribute: string,
  date: string,
  time: string,
): ElementSpec[] => [
  operatorSpec,
  {
    name: 'СведПодтв',
    attributes: dateTimeAttributes(date, time),
    sequence: [fileInfoSpec(file, signature, nameAttribute, true)],
  },
  participantSpec('СвОтпрДок'),
  participantSpec('СвПолДок'),
  operatorSignerSpec,
];

const SPECS: Record<ServiceDocumentKind, ElementSpec> = {
  'receipt-notice': fileSpec('receipt-notice', [
    participantSpec('УчастЭДО'),
    {
      name: 'СвИзвПолуч',
      attributes: dateTimeAttributes('ДатаПол', 'ВремяПол'),
      sequence: [fileInfoSpec('СведПолФайл', 'ЭППолФайл', 'ИмяПолФайла', true)],
    },
    participantSpec('ОтпрДок', true),
    participantSignerSpec('ИдСистХран', 'СвДовер'),
  ]),
  'clarification-request': fileSpec('clarification-request', [
    participantSpec('УчастЭДО'),
    {
      name: 'СвУведУточ',
      attributes: dateTimeAttributes('ДатаПол', 'ВремяПол'),
      sequence: [
        fileInfoSpec('СведПолФайл', 'ЭППолФайл', 'ИмяПолФайла', false),
        { name: 'ТекстУведУточ', text: text(0) },
      ],
    },
    participantSpec('ОтпрДок'),
    participantSignerSpec('СвСистХран', 'СвИдДовер'),
  ]),
  'send-confirmation': fileSpec(
    'send-confirmation',
    operatorConfirmationBody('СведОтпрФайл', 'ЭПОтпрФайл', 'ИмяОтпрФайла', 'ДатаОтпр', 'ВремяОтпр'),
  ),
  'receipt-confirmation': fileSpec(
    'receipt-confirmation',
    operatorConfirmationBody('СведПолФайл', 'ЭППолФайл', 'ИмяПолФайла', 'ДатаПол', 'ВремяПол'),
  ),
};

// ---------------------------------------------------------------------------------------------
// Dates, times, file names.

function shifted(date: Date, offsetMinutes: number, field: string): Date {
  if (Number.isNaN(date.getTime())) throw new FormatError('not a valid date', field);
  return new Date(date.getTime() + offsetMinutes * 60_000);
}
const two = (n: number) => String(n).padStart(2, '0');

function fnsDate(date: Date, offsetMinutes: number, field: string): string {
  const d = shifted(date, offsetMinutes, field);
  return `${two(d.getUTCDate())}.${two(d.getUTCMonth() + 1)}.${d.getUTCFullYear()}`;
}
function fnsTime(date: Date, offsetMinutes: number, field: string): string {
  const d = shifted(date, offsetMinutes, field);
  return `${two(d.getUTCHours())}.${two(d.getUTCMinutes())}.${two(d.getUTCSeconds())}`;
}
function compactDate(date: Date, offsetMinutes: number, field: string): string {
  const d = shifted(date, offsetMinutes, field);
  return `${d.getUTCFullYear()}${two(d.getUTCMonth() + 1)}${two(d.getUTCDate())}`;
}
function fromFnsDateTime(date: string, time: string, offsetMinutes: number): Date {
  const [dd, mm, yyyy] = date.split('.').map(Number) as [number, number, number];
  const [h, mi, s] = time.split('.').map(Number) as [number, number, number];
  return new Date(Date.UTC(yyyy, mm - 1, dd, h, mi, s) - offsetMinutes * 60_000);
}
function isoToFnsDate(iso: string, field: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  if (!m) throw new FormatError(`"${iso}" is not a date YYYY-MM-DD`, field);
  return `${m[3]}.${m[2]}.${m[1]}`;
}
function fnsToIsoDate(fns: string): string {
  const [dd, mm, yyyy] = fns.split('.');
  return `${yyyy}-${mm}-${dd}`;
}

const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const ID_IN_NAME = '[A-Za-z0-9@.-]{3,46}';

/** The FNS file id: PREFIX_recipientId_senderId_YYYYMMDD_GUID (also the annulment proposal's, ./annulment-proposal.ts). */
export function makeFileId(
  prefix: string,
  recipientId: string,
  senderId: string,
  now: Date,
  offset: number,
  id: string | undefined,
): string {
  const guid = id ?? randomUUID();
  if (!GUID.test(guid)) throw new FormatError(`"${guid}" is not a GUID`, 'id');
  return `${prefix}_${recipientId}_${senderId}_${compactDate(now, offset, 'now')}_${guid}`;
}

// ---------------------------------------------------------------------------------------------
// Building.

export const el = (
  name: string,
  attributes: Record<string, string | undefined> = {},
  children: XmlElement[] = [],
  content?: string,
): XmlElement => ({
  name,
  attributes: Object.entries(attributes).filter((e): e is [string, string] => e[1] !== undefined),
  children,
  ...(content !== undefined ? { text: content } : {}),
});

export const fioElement = (p: { surname: string; name: string; patronymic?: string | undefined }) =>
  el('ФИО', { Фамилия: p.surname, Имя: p.name, Отчество: p.patronymic || undefined });

export function participantElement(name: string, p: Participant, field: string): XmlElement {
  const parts = [p.organization, p.person, p.foreign].filter((x) => x !== undefined);
  if (parts.length !== 1)
    throw new FormatError('a participant needs exactly one of organization, person, foreign', field);
  let inner: XmlElement;
  if (p.organization) {
    if (!p.organization.kpp)
      throw new FormatError('format 1.03 requires the KPP of an organization', `${field}.organization.kpp`);
    inner = el('ЮЛ', { НаимОрг: p.organization.name, ИННЮЛ: p.organization.inn, КПП: p.organization.kpp });
  } else if (p.person) {
    if (!p.person.inn) throw new FormatError('format 1.03 requires the INN of a person', `${field}.person.inn`);
    inner = el(p.person.entrepreneur ? 'ИП' : 'ФЛ', { ИННФЛ: p.person.inn }, [fioElement(p.person)]);
  } else {
    const f = p.foreign!;
    // Schematron: a foreign organization states its country; a foreign person their name.
    if (f.status === 'organization' && !f.country)
      throw new FormatError('a foreign organization needs its country (СтрРег)', `${field}.foreign.country`);
    if (f.status === 'person' && !f.name)
      throw new FormatError('a foreign person needs a name (Наим)', `${field}.foreign.name`);
    inner = el('СвИнУчастНеУч', {
      ИдСтат: f.status === 'organization' ? 'ЮЛ' : 'ФЛ',
      СтрРег: f.country,
      Наим: f.name,
      КодНПРег: f.taxCode,
      ИныеСвед: f.otherDetails,
    });
  }
  return el(name, { ИдУчастЭДО: p.id }, [inner]);
}

const operatorElement = (o: Operator) => el('ОперЭДО', { НаимОрг: o.name, ИННЮЛ: o.inn, ИдОперЭДО: o.id });

const AUTHORITY_CODES: Record<SignerAuthority, string> = { employee: '1', 'electronic-poa': '2', 'paper-poa': '3' };

function participantSignerElement(
  s: SignerOfDocument,
  storageAttribute: string,
  principalAttribute: string,
): XmlElement {
  const poa = s.powerOfAttorney;
  if (s.authority === 'electronic-poa' && poa?.kind !== 'electronic') {
    throw new FormatError(
      'a signer acting under an electronic power of attorney needs its details (СвДоверЭл)',
      'signer.powerOfAttorney',
    );
  }
  if (s.authority === 'paper-poa' && poa?.kind !== 'paper') {
    throw new FormatError(
      'a signer acting under a paper power of attorney needs its details (СвДоверБум)',
      'signer.powerOfAttorney',
    );
  }
  const children = [fioElement(s)];
  if (poa?.kind === 'electronic') {
    children.push(
      el('СвДоверЭл', {
        НомДовер: poa.number,
        ДатаВыдДовер: isoToFnsDate(poa.issuedOn, 'signer.powerOfAttorney.issuedOn'),
        ВнНомДовер: poa.internalNumber,
        ДатаВнРегДовер:
          poa.internallyRegisteredOn &&
          isoToFnsDate(poa.internallyRegisteredOn, 'signer.powerOfAttorney.internallyRegisteredOn'),
        СпособПредставл: poa.storage ? '2' : '1',
        [storageAttribute]: poa.storage,
      }),
    );
  } else if (poa?.kind === 'paper') {
    children.push(
      el(
        'СвДоверБум',
        {
          ДатаДовер: isoToFnsDate(poa.issuedOn, 'signer.powerOfAttorney.issuedOn'),
          ВнНомДовер: poa.internalNumber,
          [principalAttribute]: poa.principal,
        },
        poa.signedBy ? [fioElement(poa.signedBy)] : [],
      ),
    );
  }
  return el(
    'Подписант',
    { СтатПодп: s.authority && AUTHORITY_CODES[s.authority], Должн: s.position || undefined },
    children,
  );
}

export const fileInfoElement = (
  element: string,
  signature: string,
  nameAttribute: string,
  file: ReferencedFile,
  field: string,
) => {
  if (file.signatures.length === 0)
    throw new FormatError('the file needs at least one signature', `${field}.signatures`);
  return el(
    element,
    { [nameAttribute]: file.name },
    file.signatures.map((sig) => el(signature, {}, [], sig.toString('base64'))),
  );
};

interface CommonInput {
  /** When the document is formed (date part of the file name). Default: now. */
  now?: Date;
  /** The GUID of the file name. Default: random. */
  id?: string;
  /** ВерсПрог. */
  programVersion?: string;
  /** Offset of the stated dates and times from UTC. Default: Moscow time. */
  utcOffsetMinutes?: number;
}

export interface ReceiptNoticeInput extends CommonInput {
  /** Who issues the ИОП: the recipient of the received document. */
  sender: Participant;
  /** The sender of the received document (ОтпрДок). */
  receiver?: Participant;
  /** When the received file is the operator's own (ПДОТПР, ПДПОЛ) and no receiver is given, ОтпрДок is the operator. */
  operator?: Operator;
  receivedAt: Date;
  receivedFile: ReferencedFile;
  signer: SignerOfDocument;
}

export interface ClarificationRequestInput extends CommonInput {
  sender: Participant;
  /** The sender of the document to be clarified. */
  receiver: Participant;
  /** Accepted for symmetry with the receipt notice; format 1.03 has no place for it in a УОУ. */
  operator?: Operator;
  receivedAt: Date;
  /** Format 1.03 carries exactly one signature of the received file in a УОУ. */
  receivedFile: ReferencedFile;
  signer: SignerOfDocument;
  text: string;
}

export interface OperatorConfirmationInput extends CommonInput {
  operator: Operator;
  /** The sender of the confirmed document. */
  sender: Participant;
  /** Its recipient. */
  receiver: Participant;
  document: { fileName: string; signatures: Buffer[] };
  /** The operator's employee who signs, if any (Подписант is optional here; Должность is then required). */
  signer?: SignerOfDocument;
  /** ИдУчастЭДО the confirmation is addressed to (file name). Default: the document's sender. */
  addresseeId?: string;
}

export interface SendConfirmationInput extends OperatorConfirmationInput {
  sentAt: Date;
}

export interface ReceiptConfirmationInput extends OperatorConfirmationInput {
  receivedAt: Date;
}

function finish(
  kind: ServiceDocumentKind,
  fileId: string,
  programVersion: string | undefined,
  body: XmlElement[],
): ServiceDocumentFile {
  const root = el(
    'Файл',
    { ИдФайл: fileId, ВерсФорм: FORMAT_VERSION, ВерсПрог: programVersion ?? DEFAULT_PROGRAM_VERSION },
    [el('Документ', { КНД: SERVICE_DOCUMENT_FORMATS[kind].knd }, body)],
  );
  validateElement(root, SPECS[kind]);
  return { fileName: `${fileId}.xml`, fileId, xml: writeXml(root) };
}

export function buildReceiptNotice(input: ReceiptNoticeInput): ServiceDocumentFile {
  const offset = input.utcOffsetMinutes ?? MOSCOW_UTC_OFFSET_MINUTES;
  let from: XmlElement;
  let addresseeId: string;
  if (input.receiver) {
    from = participantElement('ОтпрДок', input.receiver, 'receiver');
    addresseeId = input.receiver.id;
  } else if (input.operator) {
    const operator = input.operator;
    // ОтпрДок carries an ИдУчастЭДО even when it is the operator: participant ids start with
    // the operator's id, so the operator's own is its id and INN.
    from = el('ОтпрДок', { ИдУчастЭДО: `${operator.id}-${operator.inn}` }, [operatorElement(operator)]);
    addresseeId = operator.id;
  } else {
    throw new FormatError(
      'a receipt notice needs the sender of the received document (receiver) or the operator',
      'receiver',
    );
  }
  const fileId = makeFileId(
    SERVICE_DOCUMENT_FORMATS['receipt-notice'].prefix,
    addresseeId,
    input.sender.id,
    input.now ?? new Date(),
    offset,
    input.id,
  );
  return finish('receipt-notice', fileId, input.programVersion, [
    participantElement('УчастЭДО', input.sender, 'sender'),
    el(
      'СвИзвПолуч',
      {
        ДатаПол: fnsDate(input.receivedAt, offset, 'receivedAt'),
        ВремяПол: fnsTime(input.receivedAt, offset, 'receivedAt'),
      },
      [fileInfoElement('СведПолФайл', 'ЭППолФайл', 'ИмяПолФайла', input.receivedFile, 'receivedFile')],
    ),
    from,
    participantSignerElement(input.signer, 'ИдСистХран', 'СвДовер'),
  ]);
}

export function buildClarificationRequest(input: ClarificationRequestInput): ServiceDocumentFile {
  const offset = input.utcOffsetMinutes ?? MOSCOW_UTC_OFFSET_MINUTES;
  if (input.receivedFile.signatures.length !== 1) {
    throw new FormatError(
      `a clarification request carries exactly one signature of the received file (format 1.03), got ${input.receivedFile.signatures.length}`,
      'receivedFile.signatures',
    );
  }
  const fileId = makeFileId(
    SERVICE_DOCUMENT_FORMATS['clarification-request'].prefix,
    input.receiver.id,
    input.sender.id,
    input.now ?? new Date(),
    offset,
    input.id,
  );
  return finish('clarification-request', fileId, input.programVersion, [
    participantElement('УчастЭДО', input.sender, 'sender'),
    el(
      'СвУведУточ',
      {
        ДатаПол: fnsDate(input.receivedAt, offset, 'receivedAt'),
        ВремяПол: fnsTime(input.receivedAt, offset, 'receivedAt'),
      },
      [
        fileInfoElement('СведПолФайл', 'ЭППолФайл', 'ИмяПолФайла', input.receivedFile, 'receivedFile'),
        el('ТекстУведУточ', {}, [], input.text),
      ],
    ),
    participantElement('ОтпрДок', input.receiver, 'receiver'),
    participantSignerElement(input.signer, 'СвСистХран', 'СвИдДовер'),
  ]);
}

function buildOperatorConfirmation(
  kind: 'send-confirmation' | 'receipt-confirmation',
  input: OperatorConfirmationInput,
  at: Date,
  names: { file: string; signature: string; nameAttribute: string; date: string; time: string },
): ServiceDocumentFile {
  const offset = input.utcOffsetMinutes ?? MOSCOW_UTC_OFFSET_MINUTES;
  const fileId = makeFileId(
    SERVICE_DOCUMENT_FORMATS[kind].prefix,
    input.addresseeId ?? input.sender.id,
    input.operator.id,
    input.now ?? new Date(),
    offset,
    input.id,
  );
  const body = [
    operatorElement(input.operator),
    el('СведПодтв', { [names.date]: fnsDate(at, offset, 'date'), [names.time]: fnsTime(at, offset, 'date') }, [
      fileInfoElement(
        names.file,
        names.signature,
        names.nameAttribute,
        { name: input.document.fileName, signatures: input.document.signatures },
        'document',
      ),
    ]),
    participantElement('СвОтпрДок', input.sender, 'sender'),
    participantElement('СвПолДок', input.receiver, 'receiver'),
  ];
  if (input.signer) {
    if (!input.signer.position)
      throw new FormatError("an operator confirmation states its signer's position (Должность)", 'signer.position');
    body.push(el('Подписант', { Должность: input.signer.position }, [fioElement(input.signer)]));
  }
  return finish(kind, fileId, input.programVersion, body);
}

/** ПДОТПР: the operator (the hub) confirms when a document was sent. */
export function buildSendConfirmation(input: SendConfirmationInput): ServiceDocumentFile {
  return buildOperatorConfirmation('send-confirmation', input, input.sentAt, {
    file: 'СведОтпрФайл',
    signature: 'ЭПОтпрФайл',
    nameAttribute: 'ИмяОтпрФайла',
    date: 'ДатаОтпр',
    time: 'ВремяОтпр',
  });
}

/** ПДПОЛ: the operator confirms when a document was received. */
export function buildReceiptConfirmation(input: ReceiptConfirmationInput): ServiceDocumentFile {
  return buildOperatorConfirmation('receipt-confirmation', input, input.receivedAt, {
    file: 'СведПолФайл',
    signature: 'ЭППолФайл',
    nameAttribute: 'ИмяПолФайла',
    date: 'ДатаПол',
    time: 'ВремяПол',
  });
}

// ---------------------------------------------------------------------------------------------
// Reading.

export const attr = (e: XmlElement, name: string): string | undefined => e.attributes.find(([k]) => k === name)?.[1];
export const need = (e: XmlElement, name: string): string => attr(e, name) as string; // presence checked by validation
export const child = (e: XmlElement, name: string): XmlElement | undefined => e.children.find((c) => c.name === name);
export const only = (e: XmlElement, name: string): XmlElement => child(e, name) as XmlElement;

export const readFio = (e: XmlElement) => {
  const patronymic = attr(e, 'Отчество');
  return { surname: need(e, 'Фамилия'), name: need(e, 'Имя'), ...(patronymic !== undefined ? { patronymic } : {}) };
};

export function readParticipant(e: XmlElement): { participant?: Participant; operator?: Operator } {
  const id = need(e, 'ИдУчастЭДО');
  const inner = e.children[0] as XmlElement;
  switch (inner.name) {
    case 'ЮЛ':
      return {
        participant: {
          id,
          organization: { name: need(inner, 'НаимОрг'), inn: need(inner, 'ИННЮЛ'), kpp: need(inner, 'КПП') },
        },
      };
    case 'ИП':
    case 'ФЛ':
      return {
        participant: {
          id,
          person: {
            ...readFio(only(inner, 'ФИО')),
            inn: need(inner, 'ИННФЛ'),
            ...(inner.name === 'ИП' ? { entrepreneur: true } : {}),
          },
        },
      };
    case 'ОперЭДО':
      return { operator: readOperator(inner) };
    default: {
      const optional = {
        name: attr(inner, 'Наим'),
        country: attr(inner, 'СтрРег'),
        taxCode: attr(inner, 'КодНПРег'),
        otherDetails: attr(inner, 'ИныеСвед'),
      };
      const foreign = Object.fromEntries(Object.entries(optional).filter(([, v]) => v !== undefined));
      return {
        participant: {
          id,
          foreign: { status: need(inner, 'ИдСтат') === 'ЮЛ' ? 'organization' : 'person', ...foreign },
        },
      };
    }
  }
}

const readOperator = (e: XmlElement): Operator => ({
  name: need(e, 'НаимОрг'),
  inn: need(e, 'ИННЮЛ'),
  id: need(e, 'ИдОперЭДО'),
});

function readParticipantSigner(
  e: XmlElement,
  storageAttribute: string,
  principalAttribute: string,
  path: string,
): SignerOfDocument {
  const status = attr(e, 'СтатПодп');
  const electronic = child(e, 'СвДоверЭл');
  const paper = child(e, 'СвДоверБум');
  // Schematron of both schemas: СтатПодп 2 requires СвДоверЭл, 3 requires СвДоверБум.
  if (status === '2' && !electronic)
    throw new FormatError('СтатПодп 2 requires СвДоверЭл (the electronic power of attorney)', `${path}/СвДоверЭл`);
  if (status === '3' && !paper)
    throw new FormatError('СтатПодп 3 requires СвДоверБум (the paper power of attorney)', `${path}/СвДоверБум`);
  let powerOfAttorney: ElectronicPowerOfAttorney | PaperPowerOfAttorney | undefined;
  if (electronic) {
    const internalNumber = attr(electronic, 'ВнНомДовер');
    const registered = attr(electronic, 'ДатаВнРегДовер');
    const storage = attr(electronic, storageAttribute);
    if (attr(electronic, 'СпособПредставл') === '2' && !storage) {
      throw new FormatError(
        `a power of attorney presented by reference (СпособПредставл 2) names where it is kept (${storageAttribute})`,
        `${path}/СвДоверЭл/@${storageAttribute}`,
      );
    }
    powerOfAttorney = {
      kind: 'electronic',
      number: need(electronic, 'НомДовер'),
      issuedOn: fnsToIsoDate(need(electronic, 'ДатаВыдДовер')),
      ...(internalNumber !== undefined ? { internalNumber } : {}),
      ...(registered !== undefined ? { internallyRegisteredOn: fnsToIsoDate(registered) } : {}),
      ...(storage !== undefined ? { storage } : {}),
    };
  } else if (paper) {
    const principal = attr(paper, principalAttribute);
    const signedBy = child(paper, 'ФИО');
    powerOfAttorney = {
      kind: 'paper',
      issuedOn: fnsToIsoDate(need(paper, 'ДатаДовер')),
      internalNumber: need(paper, 'ВнНомДовер'),
      ...(principal !== undefined ? { principal } : {}),
      ...(signedBy ? { signedBy: readFio(signedBy) } : {}),
    };
  }
  const authority = Object.entries(AUTHORITY_CODES).find(([, code]) => code === status)?.[0] as
    SignerAuthority | undefined;
  return {
    ...readFio(only(e, 'ФИО')),
    position: attr(e, 'Должн') ?? '',
    ...(authority ? { authority } : {}),
    ...(powerOfAttorney ? { powerOfAttorney } : {}),
  };
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

export function readFileInfo(e: XmlElement, signature: string, nameAttribute: string, path: string): ReferencedFile {
  const signatures = e.children
    .filter((c) => c.name === signature)
    .map((c, i) => {
      const compact = (c.text ?? '').replace(/\s+/g, '');
      if (compact.length % 4 !== 0 || !BASE64.test(compact)) {
        throw new FormatError(`signature ${i + 1} is not base64`, `${path}/${e.name}/${signature}`);
      }
      return Buffer.from(compact, 'base64');
    });
  return { name: need(e, nameAttribute), signatures };
}

export interface ParseOptions {
  /** Refuse any other kind of service document. */
  expectedKind?: ServiceDocumentKind;
  /** Offset of the stated dates and times from UTC. Default: Moscow time. */
  utcOffsetMinutes?: number;
}

function kindOf(root: XmlElement): ServiceDocumentKind {
  if (root.name !== 'Файл')
    throw new FormatError(`the root element is ${root.name}; FNS service documents have the root Файл`, root.name);
  const doc = child(root, 'Документ');
  if (!doc) throw new FormatError('element Документ is missing in Файл', 'Файл/Документ');
  const knd = attr(doc, 'КНД');
  if (knd === undefined) throw new FormatError('required attribute КНД of Документ is missing', 'Файл/Документ/@КНД');
  const kind = (Object.keys(SERVICE_DOCUMENT_FORMATS) as ServiceDocumentKind[]).find(
    (k) => SERVICE_DOCUMENT_FORMATS[k].knd === knd,
  );
  if (!kind) {
    const known = Object.values(SERVICE_DOCUMENT_FORMATS)
      .map((f) => `${f.knd} (${f.title})`)
      .join(', ');
    throw new FormatError(
      `КНД "${knd}" is not a service document of format 1.03; expected one of ${known}`,
      'Файл/Документ/@КНД',
    );
  }
  return kind;
}

export function checkFileId(
  prefix: string,
  fileId: string,
  recipientId: string,
  senderId: string,
  fileName: string | undefined,
): void {
  const m = new RegExp(`^${prefix}_(${ID_IN_NAME})_(${ID_IN_NAME})_(\\d{8})_([0-9a-fA-F-]{36})$`).exec(fileId);
  if (!m || !GUID.test(m[4] as string)) {
    throw new FormatError(
      `ИдФайл "${fileId}" does not follow ${prefix}_<recipient id>_<sender id>_<YYYYMMDD>_<GUID>`,
      'Файл/@ИдФайл',
    );
  }
  if (m[1] !== recipientId || m[2] !== senderId) {
    throw new FormatError(
      `ИдФайл "${fileId}" names ${m[1]} → ${m[2]}, but the document is from ${senderId} to ${recipientId}`,
      'Файл/@ИдФайл',
    );
  }
  if (fileName !== undefined) {
    const base = (fileName.split(/[\\/]/).pop() ?? '').replace(/\.xml$/i, '');
    if (base !== fileId)
      throw new FormatError(`the file name "${fileName}" does not match ИдФайл "${fileId}"`, 'Файл/@ИдФайл');
  }
}

/**
 * Reads a service document: decodes windows-1251 per its declaration, checks its shape against
 * the format (root, КНД, version, required elements, patterns, Schematron rules), checks that
 * ИдФайл follows the naming rule and equals `fileName` (with or without ".xml") when given.
 */
export function parseServiceDocument(xml: Buffer, fileName?: string, options: ParseOptions = {}): ServiceDocument {
  const offset = options.utcOffsetMinutes ?? MOSCOW_UTC_OFFSET_MINUTES;
  const root = readXml(xml);
  const kind = kindOf(root);
  if (options.expectedKind && options.expectedKind !== kind) {
    throw new FormatError(
      `expected a ${SERVICE_DOCUMENT_FORMATS[options.expectedKind].title} (КНД ${SERVICE_DOCUMENT_FORMATS[options.expectedKind].knd}), got a ${SERVICE_DOCUMENT_FORMATS[kind].title}`,
      'Файл/Документ/@КНД',
    );
  }
  validateElement(root, SPECS[kind]);
  const doc = only(root, 'Документ');
  const fileId = need(root, 'ИдФайл');
  const common = { kind, fileId, formatVersion: need(root, 'ВерсФорм'), programVersion: need(root, 'ВерсПрог') };

  if (kind === 'receipt-notice' || kind === 'clarification-request') {
    const sender = readParticipant(only(doc, 'УчастЭДО')).participant as Participant;
    const from = readParticipant(only(doc, 'ОтпрДок'));
    const info = only(doc, kind === 'receipt-notice' ? 'СвИзвПолуч' : 'СвУведУточ');
    const path = `Файл/Документ/${info.name}`;
    const [storage, principal] = kind === 'receipt-notice' ? ['ИдСистХран', 'СвДовер'] : ['СвСистХран', 'СвИдДовер'];
    checkFileId(
      SERVICE_DOCUMENT_FORMATS[kind].prefix,
      fileId,
      from.participant?.id ?? (from.operator as Operator).id,
      sender.id,
      fileName,
    );
    return {
      ...common,
      sender,
      ...(from.participant ? { receiver: from.participant } : {}),
      ...(from.operator ? { operator: from.operator } : {}),
      date: fromFnsDateTime(need(info, 'ДатаПол'), need(info, 'ВремяПол'), offset),
      referencedFile: readFileInfo(only(info, 'СведПолФайл'), 'ЭППолФайл', 'ИмяПолФайла', path),
      signer: readParticipantSigner(
        only(doc, 'Подписант'),
        storage as string,
        principal as string,
        'Файл/Документ/Подписант',
      ),
      ...(kind === 'clarification-request' ? { text: only(info, 'ТекстУведУточ').text ?? '' } : {}),
    };
  }

  const operator = readOperator(only(doc, 'ОперЭДО'));
  const sender = readParticipant(only(doc, 'СвОтпрДок')).participant as Participant;
  const receiver = readParticipant(only(doc, 'СвПолДок')).participant as Participant;
  const confirmation = only(doc, 'СведПодтв');
  const sent = kind === 'send-confirmation';
  // The confirmation may be addressed to either side of the exchange.
  const addressee = /^[^_]+_[^_]+_([^_]+)_/.exec(fileId)?.[1];
  checkFileId(
    SERVICE_DOCUMENT_FORMATS[kind].prefix,
    fileId,
    addressee === receiver.id ? receiver.id : sender.id,
    operator.id,
    fileName,
  );
  const signer = child(doc, 'Подписант');
  return {
    ...common,
    sender,
    receiver,
    operator,
    date: fromFnsDateTime(
      need(confirmation, sent ? 'ДатаОтпр' : 'ДатаПол'),
      need(confirmation, sent ? 'ВремяОтпр' : 'ВремяПол'),
      offset,
    ),
    referencedFile: readFileInfo(
      only(confirmation, sent ? 'СведОтпрФайл' : 'СведПолФайл'),
      sent ? 'ЭПОтпрФайл' : 'ЭППолФайл',
      sent ? 'ИмяОтпрФайла' : 'ИмяПолФайла',
      'Файл/Документ/СведПодтв',
    ),
    ...(signer ? { signer: { ...readFio(only(signer, 'ФИО')), position: need(signer, 'Должность') } } : {}),
  };
}
