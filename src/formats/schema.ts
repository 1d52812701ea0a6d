// The subset of XML Schema the FNS formats use (sequence, choice, occurrence, required
// attributes, string facets), written out once per format in service-documents.ts and
// power-of-attorney.ts from the published XSDs in ./xsd. The builders validate their own
// output with it before writing, and the reader validates what it receives, so both name the
// exact place of a fault.

import { FormatError } from './format-error';
import { isRussianInn } from './tax-numbers';
import type { XmlElement } from './xml';

export interface SimpleType {
  /** What the value should look like, for messages: "a date ДД.ММ.ГГГГ". */
  describe: string;
  minLength?: number;
  maxLength?: number;
  length?: number;
  /** Anchored. */
  pattern?: RegExp;
  enumeration?: readonly string[];
  /** What a pattern cannot say (a real calendar date, a range of dates). */
  valid?: (value: string) => boolean;
}

export interface AttributeSpec {
  type: SimpleType;
  required?: boolean;
}

export interface ElementSpec {
  name: string;
  minOccurs?: number;
  maxOccurs?: number;
  attributes?: Record<string, AttributeSpec>;
  /** Element content: an ordered sequence, or exactly one of a choice (none, if every option has minOccurs 0). */
  sequence?: ElementSpec[];
  choice?: ElementSpec[];
  /** Simple content. */
  text?: SimpleType;
}

export const xsdPattern = (source: string) => new RegExp(`^(?:${source})$`, 'u');

/** Simple types of the 1.03 schemas (common part), with the XSD facets verbatim. */
export const types = {
  string: (minLength: number, maxLength?: number): SimpleType => ({
    describe: maxLength ? `text of ${minLength}–${maxLength} characters` : `text of at least ${minLength} characters`,
    minLength,
    ...(maxLength !== undefined ? { maxLength } : {}),
  }),
  date: {
    describe: 'a date ДД.ММ.ГГГГ (01.01.1900–31.12.2099)',
    length: 10,
    pattern: xsdPattern(
      '((((0[1-9]{1}|1[0-9]{1}|2[0-8]{1})\\.(0[1-9]{1}|1[0-2]{1}))|((29|30)\\.(01|0[3-9]{1}|1[0-2]{1}))|(31\\.(01|03|05|07|08|10|12)))\\.((19|20)[0-9]{2}))|(29\\.02\\.((19|20)(((0|2|4|6|8)(0|4|8))|((1|3|5|7|9)(2|6)))))',
    ),
  },
  time: {
    describe: 'a time ЧЧ.ММ.СС',
    length: 8,
    pattern: xsdPattern('([0-1]{1}[0-9]{1}|2[0-3]{1})\\.([0-5]{1}[0-9]{1})\\.([0-5]{1}[0-9]{1})'),
  },
  innOrganization: {
    describe: 'an organization INN of 10 digits with matching check digit',
    length: 10,
    pattern: xsdPattern('([0-9]{1}[1-9]{1}|[1-9]{1}[0-9]{1})[0-9]{8}'),
    valid: isRussianInn,
  },
  innPerson: {
    describe: 'a person INN of 12 digits with matching check digits',
    length: 12,
    pattern: xsdPattern('([0-9]{1}[1-9]{1}|[1-9]{1}[0-9]{1})[0-9]{10}'),
    valid: isRussianInn,
  },
  kpp: {
    describe: 'a KPP of 9 characters',
    length: 9,
    pattern: xsdPattern('([0-9]{1}[1-9]{1}|[1-9]{1}[0-9]{1})([0-9]{2})([0-9A-Z]{2})([0-9]{3})'),
  },
  country: { describe: 'an OKSM country code of 3 digits', length: 3, pattern: xsdPattern('[0-9]{3}') },
  participantId: {
    describe: 'an EDO participant id of 4–46 characters [A-Za-z0-9@.-]',
    minLength: 4,
    maxLength: 46,
    pattern: xsdPattern('[A-Za-z0-9@.-]{4,46}'),
  },
  operatorId: {
    describe: 'an EDO operator id of 3 characters [A-Za-z0-9@.-]',
    length: 3,
    pattern: xsdPattern('[A-Za-z0-9@.-]{3}'),
  },
  knd: (code: string): SimpleType => ({
    describe: `the form code ${code}`,
    length: 7,
    pattern: xsdPattern('[0-9]{7}'),
    enumeration: [code],
  }),
  oneOf: (values: readonly string[], describe: string): SimpleType => ({ describe, enumeration: values }),
} satisfies Record<string, SimpleType | ((...args: never[]) => SimpleType)>;

function checkValue(value: string, type: SimpleType, what: string, path: string): void {
  const length = [...value].length;
  const bad =
    (type.length !== undefined && length !== type.length) ||
    (type.minLength !== undefined && length < type.minLength) ||
    (type.maxLength !== undefined && length > type.maxLength) ||
    (type.pattern !== undefined && !type.pattern.test(value)) ||
    (type.enumeration !== undefined && !type.enumeration.includes(value)) ||
    (type.valid !== undefined && !type.valid(value));
  if (bad) {
    const shown = value.length > 60 ? `${value.slice(0, 60)}…` : value;
    throw new FormatError(`${what} "${shown}" is not ${type.describe}`, path);
  }
}

/** Checks `el` against `spec`; throws FormatError naming the first fault and its path. */
export function validateElement(el: XmlElement, spec: ElementSpec, parentPath = ''): void {
  const path = parentPath ? `${parentPath}/${el.name}` : el.name;
  if (el.name !== spec.name) throw new FormatError(`expected element ${spec.name}, found ${el.name}`, path);

  const declared = spec.attributes ?? {};
  const seen = new Set<string>();
  for (const [name, value] of el.attributes) {
    const attr = declared[name];
    if (!attr) throw new FormatError(`element ${el.name} has no attribute ${name}`, `${path}/@${name}`);
    seen.add(name);
    checkValue(value, attr.type, name, `${path}/@${name}`);
  }
  for (const [name, attr] of Object.entries(declared)) {
    if (attr.required && !seen.has(name))
      throw new FormatError(`required attribute ${name} of ${el.name} is missing`, `${path}/@${name}`);
  }

  if (spec.text) {
    if (el.children.length > 0) throw new FormatError(`element ${el.name} holds text, not elements`, path);
    checkValue(el.text ?? '', spec.text, el.name, path);
    return;
  }
  if (el.text !== undefined && el.text.trim() !== '')
    throw new FormatError(`element ${el.name} holds elements, not text`, path);

  if (spec.choice) {
    const [chosen, extra] = el.children;
    const names = spec.choice.map((c) => c.name).join(', ');
    if (!chosen && spec.choice.every((c) => c.minOccurs === 0)) return;
    if (!chosen) throw new FormatError(`element ${el.name} must contain one of ${names}`, path);
    const option = spec.choice.find((c) => c.name === chosen.name);
    if (!option)
      throw new FormatError(
        `element ${el.name} must contain one of ${names}, not ${chosen.name}`,
        `${path}/${chosen.name}`,
      );
    if (extra)
      throw new FormatError(
        `element ${el.name} must contain only one of ${names}; ${extra.name} is extra`,
        `${path}/${extra.name}`,
      );
    validateElement(chosen, option, path);
    return;
  }

  let i = 0;
  for (const child of spec.sequence ?? []) {
    const min = child.minOccurs ?? 1;
    const max = child.maxOccurs ?? 1;
    let count = 0;
    while (i < el.children.length && el.children[i]?.name === child.name && count < max) {
      validateElement(el.children[i] as XmlElement, child, path);
      i++;
      count++;
    }
    if (count < min) {
      const found = el.children[i];
      throw new FormatError(
        found
          ? `element ${child.name} is missing in ${el.name} (found ${found.name} in its place)`
          : `element ${child.name} is missing in ${el.name}`,
        `${path}/${child.name}`,
      );
    }
  }
  const rest = el.children[i];
  if (rest) throw new FormatError(`unexpected element ${rest.name} in ${el.name}`, `${path}/${rest.name}`);
}
