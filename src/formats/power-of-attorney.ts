// The machine-readable power of attorney (МЧД), format EMCHD_1 (namespace urn://x-artefacts/EMCHD_1,
// root Доверенность): a strict reader and a builder for the principal's side. The element specs
// transcribe ./xsd/ON_EMCHD_1_928_00_01_01_01.xsd (element order, occurrence, attribute facets);
// the tests validate the builder's output against that XSD with xmllint. What the XSD leaves to
// prose is checked in code: the file name equals ИдФайл (ON_EMCHD_<YYYYMMDD>_<НомДовер>), the
// type attributes (ТипДоверит, ТипПред, ТипПолн) agree with the element present, the term ends
// after it starts. Unlike the service documents, an МЧД is UTF-8.

import { randomUUID } from 'node:crypto';
import { FormatError } from './format-error';
import { isOgrn } from './tax-numbers';
import { types, validateElement, xsdPattern, type AttributeSpec, type ElementSpec, type SimpleType } from './schema';
import { readXml, writeXml, type XmlElement } from './xml';
import { MOSCOW_UTC_OFFSET_MINUTES } from './service-documents';

export const POA_NAMESPACE = 'urn://x-artefacts/EMCHD_1';
export const POA_FORMAT_VERSION = 'EMCHD_1';
export const POA_SCHEMA_FILE = 'ON_EMCHD_1_928_00_01_01_01.xsd';
export const POA_FILE_PREFIX = 'ON_EMCHD';
/** Far above any real МЧД (the largest parts are notarial signature images of 16,000 characters). */
export const POA_MAX_BYTES = 2 * 1024 * 1024;

// The classifier's powers EDO Clerk knows live in src/protocol, where the IPC contract takes them too.
export { DEFAULT_POWER_CODES, POWER_CLASSIFIER, type KnownPowerCode } from '../protocol/powers-of-attorney';

// ---------------------------------------------------------------------------------------------
// Simple types, with the XSD facets.

const req = (type: SimpleType): AttributeSpec => ({ type, required: true });
const opt = (type: SimpleType): AttributeSpec => ({ type });
const text = types.string;
const oneOf = (values: readonly string[]): SimpleType => ({
  describe: `one of ${values.join(', ')}`,
  enumeration: values,
});
const digits = (n: number, describe: string): SimpleType => ({
  describe,
  length: n,
  pattern: xsdPattern(`[0-9]{${n}}`),
});
const exactly = (n: number): SimpleType => ({ describe: `text of exactly ${n} characters`, length: n });

function isCalendarDate(year: number, month: number, day: number): boolean {
  const d = new Date(Date.UTC(year, month - 1, day));
  return d.getUTCFullYear() === year && d.getUTCMonth() === month - 1 && d.getUTCDate() === day;
}
const XS_DATE = /^-?([0-9]{4,})-([0-9]{2})-([0-9]{2})(Z|[+-](?:(?:0[0-9]|1[0-3]):[0-5][0-9]|14:00))?$/;
const isXsDate = (v: string) => {
  const m = XS_DATE.exec(v);
  return !!m && isCalendarDate(Number(m[1]), Number(m[2]), Number(m[3]));
};
/** xs:date: YYYY-MM-DD, optionally with a time zone. */
const xsDate: SimpleType = { describe: 'a date YYYY-MM-DD', valid: isXsDate };
const xsDateInRange: SimpleType = {
  describe: 'a date YYYY-MM-DD from 1900-01-01 to 2100-12-31',
  valid: (v) => isXsDate(v) && !v.startsWith('-') && v.slice(0, 10) >= '1900-01-01' && v.slice(0, 10) <= '2100-12-31',
};
const guid: SimpleType = {
  describe: 'a GUID of 36 characters',
  length: 36,
  pattern: xsdPattern('[\\da-fA-F]{8}-[\\da-fA-F]{4}-[\\da-fA-F]{4}-[\\da-fA-F]{4}-[\\da-fA-F]{12}'),
};
const snils: SimpleType = {
  describe: 'a SNILS NNN-NNN-NNN NN or NNN-NNN-NNN-NN',
  length: 14,
  // The XSD's two patterns (either may match), with its "\\-" written "-" for a Unicode RegExp.
  pattern: xsdPattern('[0-9]{3}-[0-9]{3}-[0-9]{3}-[0-9]{2}|[0-9]{3}-[0-9]{3}-[0-9]{3} [0-9]{2}'),
};
const ogrn: SimpleType = { ...digits(13, 'an OGRN of 13 digits with matching check digit'), valid: isOgrn };
const ogrnip: SimpleType = { ...digits(15, 'an OGRNIP of 15 digits with matching check digit'), valid: isOgrn };
const taxOffice = digits(4, 'a tax office code of 4 digits');
const region = digits(2, 'a region code of 2 digits');
const personalDocumentCode = digits(2, 'an identity document code of 2 digits');
const populationRegister = digits(12, 'a population register number of 12 digits');
const notarialStatus = oneOf(['101', '102', '299', '301', '303', '399']);
// xs:integer / xs:decimal with totalDigits: leading zeros and a plus sign are lexically allowed.
const restrictionNumber: SimpleType = { describe: 'an integer 1–999', pattern: xsdPattern('\\+?0*[1-9][0-9]{0,2}') };
const unixTime: SimpleType = { describe: 'an integer of up to 10 digits', pattern: xsdPattern('[+-]?0*[0-9]{1,10}') };
const money: SimpleType = {
  describe: 'an amount of up to 10 digits, 2 after the point',
  pattern: xsdPattern('[+-]?0*([0-9]{1,10}|[0-9]{0,9}\\.[0-9]0*|[0-9]{0,8}\\.[0-9]{2}0*|[0-9]{1,10}\\.0*)'),
};

// ---------------------------------------------------------------------------------------------
// Complex types, in the XSD's order.

const fio = (name: string): ElementSpec => ({
  name,
  attributes: { Фамилия: req(text(1, 200)), Имя: req(text(1, 200)), Отчество: opt(text(1, 200)) },
});
const address = (name: string): ElementSpec => ({
  name,
  minOccurs: 0,
  attributes: { Регион: req(region), ИдФИАС: opt(guid) },
  choice: [
    { name: 'АдрРФ', minOccurs: 0, text: text(1, 1000) },
    { name: 'ФИАСАдрРФ', minOccurs: 0, text: text(1, 1000) },
  ],
});
const contacts = { КонтактТлф: opt(text(1, 50)), АдрЭлПочт: opt(text(3, 129)) };
const proofDocument: ElementSpec = {
  name: 'ДокПдтв',
  minOccurs: 0,
  attributes: {
    НаимДокПдтв: opt(text(1, 120)),
    ДатаВыд: opt(xsDate),
    КемВыд: opt(text(1, 1000)),
    СвУдДок: opt(text(1, 1000)),
  },
};
const personDetails: ElementSpec = {
  name: 'СведФЛ',
  attributes: {
    Пол: opt(oneOf(['1', '2'])),
    ПрГражд: opt(oneOf(['1', '2', '3'])),
    НомЕРН: opt(populationRegister),
    ДатаРожд: opt(xsDate),
    МестоРожд: opt(text(1, 250)),
    Гражданство: opt(types.country),
    ...contacts,
  },
  sequence: [
    fio('ФИО'),
    address('АдрМЖ'),
    {
      name: 'УдЛичнФЛ',
      minOccurs: 0,
      attributes: {
        КодВидДок: req(personalDocumentCode),
        СерНомДок: req(text(1, 25)),
        ДатаДок: req(xsDate),
        ВыдДок: opt(text(1, 4000)),
        КодВыдДок: opt(exactly(7)),
      },
      sequence: [{ name: 'expDate', minOccurs: 0, text: xsDate }],
    },
  ],
};
/** СвФЛТип: a person, e.g. the director acting without a power of attorney, or a representative. */
const person = (name: string, minOccurs = 1, maxOccurs = 1): ElementSpec => ({
  name,
  minOccurs,
  maxOccurs,
  attributes: {
    СтУчНД: opt(notarialStatus),
    ИННФЛ: opt(types.innPerson),
    СНИЛС: opt(snils),
    Должность: opt(text(1, 255)),
  },
  sequence: [proofDocument, personDetails],
});
/** A named complex type: the same content under the element names and occurrences that use it. */
const complexType =
  (content: Pick<ElementSpec, 'attributes' | 'sequence'>) =>
  (name: string, minOccurs = 1): ElementSpec => ({ name, minOccurs, ...content });
/** СвОргТип: a Russian organization or its branch. */
const organization = complexType({
  attributes: {
    СтУчНД: opt(notarialStatus),
    НаимОрг: req(text(1, 1000)),
    ИННЮЛ: opt(types.innOrganization),
    КПП: req(types.kpp),
    ОГРН: opt(ogrn),
    РегНомер: opt(text(1, 80)),
    НаимУчрДок: opt(text(1, 1000)),
    ...contacts,
  },
  sequence: [proofDocument, address('АдрРег')],
});
/** СвИнОргТип: a foreign organization or its accredited branch. */
const foreignOrganization = complexType({
  attributes: {
    СтУчНД: opt(notarialStatus),
    НаимИО: req(text(1, 1000)),
    ИННЮЛ: opt(types.innOrganization),
    КПП: opt(types.kpp),
    НЗА: opt(exactly(11)),
    СтрРег: opt(types.country),
    НаимРегОрг: opt(text(1, 255)),
    РегНомер: opt(text(1, 80)),
    КодНПРег: opt(text(1, 80)),
    ...contacts,
    АдрСтрРег: opt(text(1, 1000)),
  },
  sequence: [address('АдрМНФакт')],
});
/** СведИПТип: an individual entrepreneur. */
const entrepreneur = complexType({
  attributes: {
    СтУчНД: opt(notarialStatus),
    НаимИП: opt(text(1, 1000)),
    ОГРНИП: req(ogrnip),
    ИННФЛ: req(types.innPerson),
    СНИЛС: req(snils),
  },
  sequence: [proofDocument, personDetails],
});
/** ЛицоБезДовТип: who acts for an organization without a power of attorney. */
const actingWithoutPoa = (name: string, minOccurs: number, maxOccurs: number): ElementSpec => ({
  name,
  minOccurs,
  maxOccurs,
  attributes: { ПолнЮЛ: req(oneOf(['1', '2'])) },
  sequence: [
    { name: 'СВЮЛ', minOccurs: 0, sequence: [organization('СвЮЛЕИО'), person('СвФЛ', 1, Infinity)] },
    person('СвФЛ', 0),
    entrepreneur('СвИП', 0),
  ],
});
const flag01 = oneOf(['0', '1']);
/** РосОргДоверТип: a Russian organization as principal. */
const russianPrincipal = (name: string): ElementSpec => ({
  name,
  minOccurs: 0,
  attributes: { ЕИОУК: req(flag01), ЕИОФЛ: req(flag01), ЕИОИП: req(flag01) },
  sequence: [organization('СвРосОрг'), actingWithoutPoa('ЛицоБезДов', 1, Infinity)],
});
const foreignPrincipal = (name: string): ElementSpec => ({
  name,
  minOccurs: 0,
  sequence: [foreignOrganization('СвИнОрг'), person('СвРукОП', 1, Infinity)],
});
const personPrincipal: ElementSpec = {
  name: 'ФЛДовер',
  minOccurs: 0,
  attributes: {
    СтУчНД: opt(notarialStatus),
    ПрДеесп: opt(flag01),
    ПрНалРук: opt(flag01),
    ДокНедеесп: opt(text(1, 255)),
    ИННФЛ: opt(types.innPerson),
    СНИЛС: req(snils),
  },
  sequence: [personDetails, actingWithoutPoa('СвЗакПредРук', 0, 1)],
};
const notary = (name: string, minOccurs: number, fioName: string, registration: SimpleType): ElementSpec => ({
  name,
  minOccurs,
  attributes: { Должность: req(text(1, 255)), РегНомНот: req(registration) },
  sequence: [fio(fioName)],
});
const notaryAct = (minOccurs = 1) => notary('СвНотДейств', minOccurs, 'ФИОНотДейств', text(5, 13));
const actingNotary = notary('ВриоНот', 0, 'ФИОВриоНот', text(3, 8));
const oneOrTwo = req(oneOf(['1', '2']));
/** СвПервДоверТип: the original power of attorney of a re-delegation. */
const originalPoa = (name: string, minOccurs: number): ElementSpec => ({
  name,
  minOccurs,
  attributes: {
    ПрДовер: oneOrTwo,
    ФормДовер: oneOrTwo,
    ДатаВыдДовер: req(xsDateInRange),
    СрокДейст: req(xsDateInRange),
    ВнНомДоверПерв: opt(text(1, 50)),
    ВнНомДоверN: opt(text(1, 50)),
    НомДоверПерв: opt(guid),
    НомДоверN: opt(guid),
    НомРНДПерв: opt(text(1, 28)),
    НомРНДN: opt(text(1, 28)),
  },
  sequence: [
    {
      name: 'СвДоверПерв',
      minOccurs: 0,
      maxOccurs: Infinity,
      attributes: { ТипДоверит: req(oneOf(['1', '2', '3', '4'])) },
      sequence: [
        {
          name: 'ДоверитПерв',
          sequence: [
            organization('РосОргДовер', 0),
            foreignOrganization('ИнОргДовер', 0),
            entrepreneur('ИПДовер', 0),
            personPrincipal,
          ],
        },
      ],
    },
    notaryAct(0),
    actingNotary,
  ],
});
/** СвДовТип: the power of attorney itself (numbers, dates, where its status is kept). */
const poaDetails = (name: string): ElementSpec => ({
  name,
  attributes: {
    ВидДовер: req(oneOf(['1', '2'])),
    ПрПередов: req(oneOf(['1', '2', '3'])),
    ВнНомДовер: req(text(1, 50)),
    НомДовер: req(guid),
    НомРНДДовер: opt(text(1, 28)),
    ДопИдДовер: opt(text(1, 50)),
    ДатаВнРегДовер: opt(xsDate),
    ДатаВыдДовер: req(xsDate),
    СрокДейст: req(xsDate),
    КодНО: opt(taxOffice),
  },
  sequence: [
    { name: 'КодНОДейст', minOccurs: 0, maxOccurs: Infinity, text: taxOffice },
    { name: 'СведСист', text: text(1, 1000) },
    {
      name: 'Безотзыв',
      minOccurs: 0,
      attributes: { ПрПерБезДов: req(oneOf(['1', '2'])), УслОтзыва: req(oneOf(['1', '2'])) },
      sequence: [{ name: 'ОписУслОт', minOccurs: 0, text: text(1, 1000) }],
    },
  ],
});
/** СвУпПредТип: a representative. */
const representative = (name: string): ElementSpec => ({
  name,
  maxOccurs: Infinity,
  attributes: { ТипПред: req(oneOf(['1', '2', '3', '4', '5'])) },
  sequence: [
    {
      name: 'Пред',
      sequence: [
        organization('СведОрг', 0),
        entrepreneur('СведИП', 0),
        person('СведФизЛ', 0),
        organization('СведФилиал', 0),
        foreignOrganization('СведИО', 0),
      ],
    },
  ],
});
const powers: ElementSpec = {
  name: 'СвПолн',
  attributes: { ТипПолн: req(flag01), ПрСовмПолн: req(oneOf(['1', '2'])), ПрУтрПолн: opt(oneOf(['1', '2'])) },
  sequence: [
    { name: 'ТекстПолн', minOccurs: 0, text: text(1, 10000) },
    {
      name: 'МашПолн',
      minOccurs: 0,
      maxOccurs: Infinity,
      attributes: { МнПолн: opt(text(6, 255)), КодПолн: req(text(6, 255)), НаимПолн: req(text(1, 255)) },
      sequence: [
        {
          name: 'ОгрСвПолн',
          minOccurs: 0,
          maxOccurs: Infinity,
          attributes: {
            ИдОгр: req(restrictionNumber),
            КодОгр: req(text(1, 255)),
            НаимОгр: req(text(1, 255)),
            НаимЗначОгр: opt(text(1, 255)),
          },
          choice: [
            { name: 'КодЗначОгр', text: text(1, 255) },
            { name: 'ТексЗначОгр', text: text(1, 255) },
          ],
        },
      ],
    },
  ],
};
const sendFlag = opt(flag01);
const notarization: ElementSpec = {
  name: 'СвНотУд',
  minOccurs: 0,
  attributes: {
    МестоДовер: req(text(1, 250)),
    НапрДокДовЕПГУ: sendFlag,
    НапрДокПовЕПГУ: sendFlag,
    НапрДокЗвлФНП: sendFlag,
    НапрДокПовФНП: sendFlag,
    УплНотДейст: req(money),
    ЛьготаСум: opt(money),
    ДрИнфСист: opt(text(1, 255)),
    ДрСпосВыд: opt(text(1, 255)),
    ДопСвНотДовер: opt(text(1, 2500)),
  },
  sequence: [
    { name: 'ИнСвУдНадпис', minOccurs: 0, text: text(1, 2500) },
    notaryAct(),
    {
      name: 'ПодпРукопис',
      maxOccurs: Infinity,
      sequence: [
        { name: 'ХешPDFДок', text: text(1, 16000) },
        { name: 'ПодпИзобр', text: text(1, 16000) },
        { name: 'ХешПодп', text: text(1, 16000) },
        { name: 'ДатаВремПодп', text: unixTime },
        fio('ФИООтв'),
      ],
    },
    actingNotary,
  ],
};
const principalTypes = oneOf(['1', '2', '3', '4']);
const redelegatingParty: ElementSpec = {
  name: 'СвПередПолн',
  maxOccurs: Infinity,
  attributes: { ТипПерПолн: req(oneOf(['1', '2', '3', '4', '5'])) },
  sequence: [
    {
      name: 'ПередПолн',
      sequence: [
        russianPrincipal('РосОргПерПолн'),
        entrepreneur('ИППерПолн', 0),
        {
          name: 'ФЛПерПолн',
          minOccurs: 0,
          attributes: {
            СтУчНД: opt(notarialStatus),
            ПрНалРук: opt(flag01),
            ИННФЛ: req(types.innPerson),
            СНИЛС: req(snils),
          },
          sequence: [person('СведРукоп', 0), personDetails],
        },
        { name: 'ФилПерПолн', minOccurs: 0, sequence: [organization('СвФил'), person('СвРукФил')] },
        foreignPrincipal('ИнПерПолн'),
      ],
    },
  ],
};

const SPEC: ElementSpec = {
  name: 'Доверенность',
  attributes: {
    ВерсФорм: req({
      describe: `format version ${POA_FORMAT_VERSION}`,
      minLength: 1,
      maxLength: 10,
      enumeration: [POA_FORMAT_VERSION],
    }),
    ПрЭлФорм: req({ describe: 'eight flags 0 or 1', length: 8, pattern: xsdPattern('[0-1]{8}') }),
    ИдФайл: req(text(1, 255)),
    ИдФайлНО: opt(text(1, 255)),
    OID: opt(text(1, 255)),
  },
  sequence: [
    { name: 'ИнСвед', minOccurs: 0, text: text(1, 5000) },
    {
      name: 'Документ',
      attributes: { КНД: opt(exactly(7)) },
      choice: [
        {
          name: 'Довер',
          sequence: [
            poaDetails('СвДов'),
            {
              name: 'СвДоверит',
              maxOccurs: Infinity,
              attributes: { ТипДоверит: req(principalTypes) },
              sequence: [
                {
                  name: 'Доверит',
                  sequence: [
                    russianPrincipal('РосОргДовер'),
                    foreignPrincipal('ИнОргДовер'),
                    entrepreneur('ИПДовер', 0),
                    personPrincipal,
                  ],
                },
              ],
            },
            representative('СвУпПред'),
            powers,
            notarization,
          ],
        },
        {
          name: 'Передов',
          attributes: { ПрНалПередов: req(flag01) },
          sequence: [
            originalPoa('СвПервДовер', 1),
            originalPoa('СвПередов', 0),
            poaDetails('СвПереДовер'),
            redelegatingParty,
            representative('СвПолучПолн'),
            powers,
            notarization,
          ],
        },
      ],
    },
  ],
};

// ---------------------------------------------------------------------------------------------
// What an МЧД says, as EDO Clerk uses it. Dates are ISO calendar dates, YYYY-MM-DD.

export interface PoaPerson {
  surname: string;
  name: string;
  patronymic?: string;
  /** ИННФЛ, 12 digits. */
  inn?: string;
  /** СНИЛС as the format writes it: NNN-NNN-NNN NN. */
  snils?: string;
  position?: string;
}

export interface PoaOrganization {
  name: string;
  inn?: string;
  kpp?: string;
  ogrn?: string;
}

/** ТипДоверит 1–4, in the order of the XSD's choices. */
export type PoaPrincipalType = 'organization' | 'foreign-organization' | 'entrepreneur' | 'person';
/** ТипПред 1–5, in the order of the XSD's choices. */
export type PoaRepresentativeType = 'organization' | 'entrepreneur' | 'person' | 'branch' | 'foreign-branch';
/** ПрПередов 1–3: no re-delegation, once, onward. */
export type PoaRedelegation = 'none' | 'once' | 'onward';

export interface PoaPrincipal {
  type: PoaPrincipalType;
  organization?: PoaOrganization;
  /** Who acts for the principal without a power of attorney (the director), or the principal person itself. */
  persons: PoaPerson[];
}

export interface PoaRepresentative {
  type: PoaRepresentativeType;
  organization?: PoaOrganization;
  person?: PoaPerson;
}

export interface PoaPower {
  /** КодПолн from the FNS classifier. */
  code: string;
  name: string;
  restrictions: { code: string; name: string; value: string }[];
}

export interface PowerOfAttorney {
  fileId: string;
  /** НомДовер: the single registration number, a GUID. */
  number: string;
  internalNumber: string;
  issuedOn: string;
  validUntil: string;
  internallyRegisteredOn?: string;
  redelegation: PoaRedelegation;
  irrevocable: boolean;
  /** СведСист: the information system that tells the status and revocation. */
  statusService: string;
  /** Issued by re-delegation (Передов): the number of the original МЧД, when stated. */
  redelegatedFrom?: { number?: string };
  /** Empty for a re-delegation, whose parties are read only to check their shape. */
  principals: PoaPrincipal[];
  representatives: PoaRepresentative[];
  powers: {
    /** ПрСовмПолн 2: the representatives act only together. */
    joint: boolean;
    /** ТекстПолн: free text, never enough for an automatic check. */
    text?: string;
    codes: PoaPower[];
  };
}

export interface PowerOfAttorneyInput {
  /** НомДовер. Default: a random GUID. */
  number?: string;
  /** ВнНомДовер, the principal's own number. Default: НомДовер. */
  internalNumber?: string;
  issuedOn: string;
  validUntil: string;
  redelegation?: PoaRedelegation;
  /** СведСист: where the status of this МЧД can be had (the hub that keeps it). */
  statusService: string;
  principal: {
    organization: PoaOrganization & { inn: string; kpp: string; ogrn: string };
    /** The director, acting without a power of attorney, who signs the МЧД. */
    director: PoaPerson;
  };
  /** The employee the powers are given to. */
  representative: PoaPerson;
  powers: { codes?: { code: string; name: string }[]; text?: string };
}

export interface PowerOfAttorneyFile {
  /** `${fileId}.xml`: the stem equals ИдФайл. */
  fileName: string;
  fileId: string;
  number: string;
  /** UTF-8 bytes. */
  xml: Buffer;
}

const PRINCIPAL_ELEMENTS: Record<PoaPrincipalType, string> = {
  organization: 'РосОргДовер',
  'foreign-organization': 'ИнОргДовер',
  entrepreneur: 'ИПДовер',
  person: 'ФЛДовер',
};
const PRINCIPAL_CODES: PoaPrincipalType[] = ['organization', 'foreign-organization', 'entrepreneur', 'person'];
const REPRESENTATIVE_ELEMENTS: Record<PoaRepresentativeType, string> = {
  organization: 'СведОрг',
  entrepreneur: 'СведИП',
  person: 'СведФизЛ',
  branch: 'СведФилиал',
  'foreign-branch': 'СведИО',
};
const REPRESENTATIVE_CODES: PoaRepresentativeType[] = [
  'organization',
  'entrepreneur',
  'person',
  'branch',
  'foreign-branch',
];
const REDELEGATION_CODES: PoaRedelegation[] = ['none', 'once', 'onward'];

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** The date in Moscow, YYYY-MM-DD: the calendar an МЧД's dates are in. */
export function moscowDate(at: Date): string {
  return new Date(at.getTime() + MOSCOW_UTC_OFFSET_MINUTES * 60_000).toISOString().slice(0, 10);
}

/** The file id of an МЧД: ON_EMCHD_<YYYYMMDD of issue>_<НомДовер>. */
export function powerOfAttorneyFileId(issuedOn: string, number: string): string {
  return `${POA_FILE_PREFIX}_${issuedOn.replaceAll('-', '')}_${number}`;
}

const defined = <T extends object>(o: T): T =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;

/** What a certificate says about its holder (src/crypto's CertificateIdentity has these fields). */
export interface CertificateHolder {
  surname?: string;
  /** "Имя Отчество", as the certificate's G attribute carries both. */
  givenNames?: string;
  position?: string;
  personInn?: string;
  /** 11 digits. */
  snils?: string;
}

/** 11 digits as certificates carry a SNILS, written the way the МЧД format wants it: NNN-NNN-NNN NN. */
export function formatSnils(digits: string): string {
  const m = /^(\d{3})(\d{3})(\d{3})(\d{2})$/.exec(digits);
  return m ? `${m[1]}-${m[2]}-${m[3]} ${m[4]}` : digits;
}

/** The person of a certificate as the МЧД names them. */
export function personOfCertificate(holder: CertificateHolder, field: string): PoaPerson {
  const [name, ...rest] = (holder.givenNames ?? '').trim().split(/\s+/);
  if (!holder.surname || !name) throw new FormatError('the certificate names no surname and given name (SN, G)', field);
  return defined({
    surname: holder.surname,
    name,
    patronymic: rest.join(' ') || undefined,
    inn: holder.personInn,
    snils: holder.snils && formatSnils(holder.snils),
    position: holder.position,
  });
}

const digitsOnly = (v: string | undefined) => v?.replace(/\D/g, '');

/** Whether the certificate's holder is this person of an МЧД: by INN, else by SNILS. */
export function certificateIsPerson(holder: CertificateHolder, person: PoaPerson): boolean {
  if (person.inn && holder.personInn) return person.inn === holder.personInn;
  if (person.snils && holder.snils) return digitsOnly(person.snils) === digitsOnly(holder.snils);
  return false;
}

// ---------------------------------------------------------------------------------------------
// Building.

const el = (
  name: string,
  attributes: Record<string, string | undefined> = {},
  children: XmlElement[] = [],
  content?: string,
): XmlElement => ({
  name,
  attributes: Object.entries(attributes).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== ''),
  children,
  ...(content !== undefined ? { text: content } : {}),
});

function checkIsoDate(value: string, field: string): void {
  const m = ISO_DATE.exec(value);
  if (!m || !isCalendarDate(Number(m[1]), Number(m[2]), Number(m[3]))) {
    throw new FormatError(`"${value}" is not a date YYYY-MM-DD`, field);
  }
}

const personDetailsElement = (p: PoaPerson) =>
  el('СведФЛ', {}, [el('ФИО', { Фамилия: p.surname, Имя: p.name, Отчество: p.patronymic })]);
const personElement = (name: string, p: PoaPerson) =>
  el(name, { ИННФЛ: p.inn, СНИЛС: p.snils, Должность: p.position }, [personDetailsElement(p)]);

/** Builds the МЧД of an organization's director for one employee; checks it against the format before returning. */
export function buildPowerOfAttorney(input: PowerOfAttorneyInput): PowerOfAttorneyFile {
  const number = input.number ?? randomUUID();
  if (!GUID.test(number)) throw new FormatError(`"${number}" is not a GUID`, 'number');
  checkIsoDate(input.issuedOn, 'issuedOn');
  checkIsoDate(input.validUntil, 'validUntil');
  if (input.validUntil < input.issuedOn) {
    const dates = `(${input.validUntil}) before it is issued (${input.issuedOn})`;
    throw new FormatError(`the power of attorney would end ${dates}`, 'validUntil');
  }
  const rep = input.representative;
  if (!rep.inn && !rep.snils) {
    throw new FormatError("the representative's INN or SNILS is needed to match their certificate", 'representative');
  }
  if (!input.principal.director.inn) {
    throw new FormatError("the director's INN is needed to match their certificate", 'principal.director.inn');
  }
  const codes = input.powers.codes ?? [];
  const freeText = input.powers.text?.trim();
  if (codes.length === 0 && !freeText) throw new FormatError('a power of attorney grants at least one power', 'powers');

  const org = input.principal.organization;
  const fileId = powerOfAttorneyFileId(input.issuedOn, number);
  const body = el('Довер', {}, [
    el(
      'СвДов',
      {
        ВидДовер: '1',
        ПрПередов: String(REDELEGATION_CODES.indexOf(input.redelegation ?? 'none') + 1),
        ВнНомДовер: input.internalNumber ?? number,
        НомДовер: number,
        ДатаВыдДовер: input.issuedOn,
        СрокДейст: input.validUntil,
      },
      [el('СведСист', {}, [], input.statusService)],
    ),
    el('СвДоверит', { ТипДоверит: '1' }, [
      el('Доверит', {}, [
        el('РосОргДовер', { ЕИОУК: '0', ЕИОФЛ: '1', ЕИОИП: '0' }, [
          el('СвРосОрг', { НаимОрг: org.name, ИННЮЛ: org.inn, КПП: org.kpp, ОГРН: org.ogrn }),
          el('ЛицоБезДов', { ПолнЮЛ: '1' }, [personElement('СвФЛ', input.principal.director)]),
        ]),
      ]),
    ]),
    el('СвУпПред', { ТипПред: '3' }, [el('Пред', {}, [personElement('СведФизЛ', rep)])]),
    el('СвПолн', { ТипПолн: codes.length > 0 ? '1' : '0', ПрСовмПолн: '1' }, [
      ...(freeText ? [el('ТекстПолн', {}, [], freeText)] : []),
      ...codes.map((c) => el('МашПолн', { КодПолн: c.code, НаимПолн: c.name })),
    ]),
  ]);
  const rootAttributes = { ВерсФорм: POA_FORMAT_VERSION, ПрЭлФорм: '00000000', ИдФайл: fileId };
  const root = el('Доверенность', rootAttributes, [el('Документ', {}, [body])]);
  validateElement(root, SPEC);
  const xml = writeXml({ ...root, attributes: [['xmlns', POA_NAMESPACE], ...root.attributes] }, 'UTF-8');
  return { fileName: `${fileId}.xml`, fileId, number, xml };
}

// ---------------------------------------------------------------------------------------------
// Reading.

const attr = (e: XmlElement, name: string): string | undefined => e.attributes.find(([k]) => k === name)?.[1];
const need = (e: XmlElement, name: string): string => attr(e, name) as string; // presence checked by validation
const child = (e: XmlElement, name: string): XmlElement | undefined => e.children.find((c) => c.name === name);

/** Namespace declarations are not attributes of the format: check them and take them off. */
function stripNamespaces(e: XmlElement, path: string): XmlElement {
  const here = path ? `${path}/${e.name}` : e.name;
  if (e.name.includes(':')) {
    const message = `element ${e.name} has a namespace prefix; an МЧД uses the default namespace ${POA_NAMESPACE}`;
    throw new FormatError(message, here);
  }
  const declared = attr(e, 'xmlns');
  if (declared !== undefined && declared !== POA_NAMESPACE) {
    const message = `the namespace is "${declared}"; an МЧД of format ${POA_FORMAT_VERSION} is in ${POA_NAMESPACE}`;
    throw new FormatError(message, `${here}/@xmlns`);
  }
  if (!path && declared === undefined) {
    const message = `the root declares no namespace; an МЧД of format ${POA_FORMAT_VERSION} is in ${POA_NAMESPACE}`;
    throw new FormatError(message, `${here}/@xmlns`);
  }
  return {
    ...e,
    attributes: e.attributes.filter(([k]) => k !== 'xmlns' && !k.startsWith('xmlns:')),
    children: e.children.map((c) => stripNamespaces(c, here)),
  };
}

const readPerson = (e: XmlElement): PoaPerson => {
  const details = child(e, 'СведФЛ') ?? e;
  const fioEl = child(details, 'ФИО') as XmlElement;
  return defined({
    surname: need(fioEl, 'Фамилия'),
    name: need(fioEl, 'Имя'),
    patronymic: attr(fioEl, 'Отчество'),
    inn: attr(e, 'ИННФЛ'),
    snils: attr(e, 'СНИЛС'),
    position: attr(e, 'Должность'),
  });
};
const readOrganization = (e: XmlElement): PoaOrganization =>
  defined({
    name: attr(e, 'НаимОрг') ?? need(e, 'НаимИО'),
    inn: attr(e, 'ИННЮЛ'),
    kpp: attr(e, 'КПП'),
    ogrn: attr(e, 'ОГРН'),
  });

/** The one element of `holder` whose name `names` maps from the type code, checked against the code. */
function typed<T extends string>(
  holder: XmlElement,
  code: string,
  codes: T[],
  names: Record<T, string>,
  attribute: string,
  path: string,
): [T, XmlElement] {
  const type = codes[Number(code) - 1] as T;
  const expected = names[type];
  const present = holder.children.map((c) => c.name);
  if (present.length !== 1 || present[0] !== expected) {
    const found = present.length === 0 ? 'none' : present.join(', ');
    const message = `${attribute} ${code} requires exactly the element ${expected} in ${holder.name}; found ${found}`;
    throw new FormatError(message, `${path}/${holder.name}`);
  }
  return [type, holder.children[0] as XmlElement];
}

function readActingPersons(org: XmlElement): PoaPerson[] {
  return org.children
    .filter((c) => c.name === 'ЛицоБезДов')
    .flatMap((l) => l.children.flatMap((c) => (c.name === 'СВЮЛ' ? c.children.filter((x) => x.name === 'СвФЛ') : [c])))
    .map(readPerson);
}

function readPrincipal(e: XmlElement, path: string): PoaPrincipal {
  const holder = child(e, 'Доверит') as XmlElement;
  const [type, inner] = typed(holder, need(e, 'ТипДоверит'), PRINCIPAL_CODES, PRINCIPAL_ELEMENTS, 'ТипДоверит', path);
  switch (type) {
    case 'organization':
      return {
        type,
        organization: readOrganization(child(inner, 'СвРосОрг') as XmlElement),
        persons: readActingPersons(inner),
      };
    case 'foreign-organization':
      return {
        type,
        organization: readOrganization(child(inner, 'СвИнОрг') as XmlElement),
        persons: inner.children.filter((c) => c.name === 'СвРукОП').map(readPerson),
      };
    default:
      return { type, persons: [readPerson(inner)] };
  }
}

function readRepresentative(e: XmlElement, path: string): PoaRepresentative {
  const holder = child(e, 'Пред') as XmlElement;
  const code = need(e, 'ТипПред');
  const [type, inner] = typed(holder, code, REPRESENTATIVE_CODES, REPRESENTATIVE_ELEMENTS, 'ТипПред', path);
  if (type === 'person' || type === 'entrepreneur') return { type, person: readPerson(inner) };
  return { type, organization: readOrganization(inner) };
}

function readPowers(e: XmlElement, path: string): PowerOfAttorney['powers'] {
  const codes = e.children
    .filter((c) => c.name === 'МашПолн')
    .map((m) => ({
      code: need(m, 'КодПолн'),
      name: need(m, 'НаимПолн'),
      restrictions: m.children.map((r) => ({
        code: need(r, 'КодОгр'),
        name: need(r, 'НаимОгр'),
        value: (r.children[0] as XmlElement).text ?? '',
      })),
    }));
  const freeText = child(e, 'ТекстПолн')?.text;
  const type = need(e, 'ТипПолн');
  if (type === '1' && codes.length === 0) {
    throw new FormatError('ТипПолн 1 (machine-readable powers) requires МашПолн', `${path}/МашПолн`);
  }
  if (type === '0' && freeText === undefined) {
    throw new FormatError('ТипПолн 0 (powers in text) requires ТекстПолн', `${path}/ТекстПолн`);
  }
  return { joint: need(e, 'ПрСовмПолн') === '2', ...(freeText !== undefined ? { text: freeText } : {}), codes };
}

function checkPoaFileId(fileId: string, issuedOn: string, number: string, fileName: string | undefined): void {
  const expected = powerOfAttorneyFileId(issuedOn, number);
  const m = new RegExp(`^${POA_FILE_PREFIX}_(\\d{8})_(.+)$`).exec(fileId);
  if (!m || !isCalendarDate(Number(m[1]?.slice(0, 4)), Number(m[1]?.slice(4, 6)), Number(m[1]?.slice(6, 8)))) {
    const message = `ИдФайл "${fileId}" does not follow ${POA_FILE_PREFIX}_<YYYYMMDD>_<НомДовер> (here ${expected})`;
    throw new FormatError(message, 'Доверенность/@ИдФайл');
  }
  if (m[2]?.toLowerCase() !== number.toLowerCase()) {
    throw new FormatError(`ИдФайл "${fileId}" does not end with НомДовер ${number}`, 'Доверенность/@ИдФайл');
  }
  if (fileName !== undefined) {
    const base = (fileName.split(/[\\/]/).pop() ?? '').replace(/\.xml$/i, '');
    if (base !== fileId) {
      throw new FormatError(`the file name "${fileName}" does not match ИдФайл "${fileId}"`, 'Доверенность/@ИдФайл');
    }
  }
}

/**
 * Reads an МЧД of format EMCHD_1: UTF-8 per its declaration, the default namespace of the
 * format, every element and attribute as the XSD says, the type codes against the elements
 * present, the term, and ИдФайл against the naming rule and `fileName` (with or without ".xml").
 */
export function parsePowerOfAttorney(xml: Buffer, fileName?: string): PowerOfAttorney {
  if (xml.length > POA_MAX_BYTES) {
    throw new FormatError(`the file has ${xml.length} bytes; an МЧД is refused above ${POA_MAX_BYTES}`, 'size');
  }
  const parsed = readXml(xml, 'UTF-8');
  if (parsed.name.replace(/^[^:]*:/, '') !== 'Доверенность') {
    throw new FormatError(`the root element is ${parsed.name}; an МЧД has the root Доверенность`, parsed.name);
  }
  const root = stripNamespaces(parsed, '');
  validateElement(root, SPEC);

  const doc = child(root, 'Документ') as XmlElement;
  const direct = child(doc, 'Довер');
  const body = direct ?? (child(doc, 'Передов') as XmlElement);
  const path = `Доверенность/Документ/${body.name}`;
  const details = child(body, direct ? 'СвДов' : 'СвПереДовер') as XmlElement;
  const detailsPath = `${path}/${details.name}`;
  const issuedOn = need(details, 'ДатаВыдДовер').slice(0, 10);
  const validUntil = need(details, 'СрокДейст').slice(0, 10);
  if (validUntil < issuedOn) {
    throw new FormatError(`СрокДейст ${validUntil} is before ДатаВыдДовер ${issuedOn}`, `${detailsPath}/@СрокДейст`);
  }
  const number = need(details, 'НомДовер');
  const fileId = need(root, 'ИдФайл');
  checkPoaFileId(fileId, issuedOn, number, fileName);

  const principals = direct
    ? body.children.filter((c) => c.name === 'СвДоверит').map((c) => readPrincipal(c, `${path}/СвДоверит`))
    : [];
  const representatives = body.children
    .filter((c) => c.name === (direct ? 'СвУпПред' : 'СвПолучПолн'))
    .map((c) => readRepresentative(c, `${path}/${c.name}`));
  const original = direct ? undefined : attr(child(body, 'СвПервДовер') as XmlElement, 'НомДоверПерв');
  const registered = attr(details, 'ДатаВнРегДовер');
  return {
    fileId,
    number,
    internalNumber: need(details, 'ВнНомДовер'),
    issuedOn,
    validUntil,
    ...(registered !== undefined ? { internallyRegisteredOn: registered.slice(0, 10) } : {}),
    redelegation: REDELEGATION_CODES[Number(need(details, 'ПрПередов')) - 1] as PoaRedelegation,
    irrevocable: child(details, 'Безотзыв') !== undefined,
    statusService: (child(details, 'СведСист') as XmlElement).text ?? '',
    ...(direct ? {} : { redelegatedFrom: original !== undefined ? { number: original } : {} }),
    principals,
    representatives,
    powers: readPowers(child(body, 'СвПолн') as XmlElement, `${path}/СвПолн`),
  };
}
