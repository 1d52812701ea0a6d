// A small, strict XML layer for the FNS formats: an ordered element tree, a writer that
// produces windows-1251 bytes for the service documents (characters outside windows-1251
// become character references, so nothing is lost) or UTF-8 for the power of attorney, and a
// reader that decodes per the XML declaration and refuses what FNS formats never contain
// (DOCTYPE, other encodings, mixed content).

import iconv from 'iconv-lite';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { FormatError } from './format-error';

export interface XmlElement {
  name: string;
  /** Attributes in document order. */
  attributes: [string, string][];
  children: XmlElement[];
  /** Text content of a simple-content element (children is then empty). */
  text?: string;
}

export const FNS_ENCODING = 'windows-1251';
/** The encodings FNS formats are written in: service documents windows-1251, the МЧД UTF-8. */
export type XmlEncoding = typeof FNS_ENCODING | 'UTF-8';

// Every character windows-1251 can carry; the rest is written as &#N; references.
const WINDOWS_1251_CHARS = new Set(iconv.decode(Buffer.from(Array.from({ length: 256 }, (_, i) => i)), FNS_ENCODING));

function isXmlChar(cp: number): boolean {
  return (
    cp === 0x9 ||
    cp === 0xa ||
    cp === 0xd ||
    (cp >= 0x20 && cp <= 0xd7ff) ||
    (cp >= 0xe000 && cp <= 0xfffd) ||
    (cp >= 0x10000 && cp <= 0x10ffff)
  );
}

function escape(value: string, inAttribute: boolean, path: string, encoding: XmlEncoding): string {
  let out = '';
  for (const ch of value) {
    const cp = ch.codePointAt(0) ?? 0;
    if (!isXmlChar(cp))
      throw new FormatError(`character U+${cp.toString(16).toUpperCase().padStart(4, '0')} cannot appear in XML`, path);
    if (ch === '&') out += '&amp;';
    else if (ch === '<') out += '&lt;';
    else if (ch === '>') out += '&gt;';
    else if (ch === '"' && inAttribute) out += '&quot;';
    // Whitespace other than a space would be normalized away in an attribute, and a bare CR
    // in text would become LF: references keep them.
    else if (ch === '\r' || (inAttribute && (ch === '\n' || ch === '\t'))) out += `&#${cp};`;
    else if (encoding === 'UTF-8' || (WINDOWS_1251_CHARS.has(ch) && ch !== '\ufffd')) out += ch;
    else out += `&#${cp};`;
  }
  return out;
}

function writeElement(el: XmlElement, indent: string, path: string, encoding: XmlEncoding): string {
  const here = path ? `${path}/${el.name}` : el.name;
  const attrs = el.attributes.map(([k, v]) => ` ${k}="${escape(v, true, `${here}/@${k}`, encoding)}"`).join('');
  if (el.children.length > 0) {
    const inner = el.children.map((c) => writeElement(c, `${indent}\t`, here, encoding)).join('');
    return `${indent}<${el.name}${attrs}>\n${inner}${indent}</${el.name}>\n`;
  }
  if (el.text !== undefined && el.text !== '') {
    return `${indent}<${el.name}${attrs}>${escape(el.text, false, here, encoding)}</${el.name}>\n`;
  }
  return `${indent}<${el.name}${attrs}/>\n`;
}

/** Serializes the tree with its XML declaration: windows-1251 unless told otherwise. */
export function writeXml(root: XmlElement, encoding: XmlEncoding = FNS_ENCODING): Buffer {
  const text = `<?xml version="1.0" encoding="${encoding}"?>\n${writeElement(root, '', '', encoding)}`;
  return encoding === 'UTF-8' ? Buffer.from(text, 'utf8') : iconv.encode(text, FNS_ENCODING);
}

const DECLARATION = /^<\?xml\s[^?]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["'][^?]*\?>/;

/** Decodes the bytes per their XML declaration, which must name `encoding` (windows-1251 by default). */
export function decodeFnsXml(bytes: Buffer, encoding: XmlEncoding = FNS_ENCODING): string {
  const utf8 = encoding === 'UTF-8';
  const bom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
  if (bom && !utf8) {
    throw new FormatError(
      'the document starts with a UTF-8 byte order mark; FNS formats require windows-1251',
      'encoding',
    );
  }
  const body = bom ? bytes.subarray(3) : bytes;
  if ((body[0] === 0xff && body[1] === 0xfe) || (body[0] === 0xfe && body[1] === 0xff) || body[1] === 0x00) {
    throw new FormatError(`the document is UTF-16; this format requires ${encoding}`, 'encoding');
  }
  const head = body.subarray(0, 200).toString('latin1');
  if (!head.startsWith('<?xml')) {
    const message = `not an FNS XML document: it does not start with an XML declaration <?xml ... encoding="${encoding}"?>`;
    throw new FormatError(message, 'encoding');
  }
  const declared = DECLARATION.exec(head)?.[1];
  if (!declared) {
    throw new FormatError(
      `the XML declaration names no encoding; this format requires encoding="${encoding}"`,
      'encoding',
    );
  }
  if (declared.toLowerCase() !== encoding.toLowerCase()) {
    const message = `the XML declaration says encoding="${declared}"; this format requires ${encoding}`;
    throw new FormatError(message, 'encoding');
  }
  if (utf8) {
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(body);
    } catch {
      throw new FormatError('the document declares UTF-8 but its bytes are not UTF-8 (windows-1251?)', 'encoding');
    }
  }
  // windows-1251 Cyrillic is practically never valid UTF-8, so multi-byte UTF-8 here means
  // the writer encoded UTF-8 and only claimed windows-1251: the names would come out garbled.
  if (body.some((b) => b >= 0x80)) {
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(body);
      throw new FormatError(
        'the document declares windows-1251 but its bytes are UTF-8 (Cyrillic would be garbled)',
        'encoding',
      );
    } catch (e) {
      if (e instanceof FormatError) throw e;
    }
  }
  return iconv.decode(body, FNS_ENCODING);
}

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  trimValues: false,
  parseTagValue: false,
  parseAttributeValue: false,
  processEntities: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  cdataPropName: '#cdata',
});

const REFERENCE = /&(#x[0-9A-Fa-f]+|#[0-9]+|[A-Za-z][A-Za-z0-9._-]*);/g;

function decodeReferences(raw: string, path: string): string {
  const decoded = raw.replace(REFERENCE, (_, ref: string) => {
    if (ref.startsWith('#')) {
      const cp = ref[1] === 'x' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      if (!isXmlChar(cp)) throw new FormatError(`character reference &${ref}; is not an XML character`, path);
      return String.fromCodePoint(cp);
    }
    const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
    const ch = named[ref];
    if (ch === undefined) throw new FormatError(`unknown entity &${ref};`, path);
    return ch;
  });
  if (/&/.test(raw.replace(REFERENCE, ''))) throw new FormatError('a bare "&" must be written &amp;', path);
  return decoded;
}

type OrderedNode = Record<string, unknown> & { ':@'?: Record<string, string> };

function toElement(node: OrderedNode, path: string): XmlElement {
  const name = Object.keys(node).find((k) => k !== ':@');
  if (!name) throw new FormatError('empty XML node', path);
  const here = path ? `${path}/${name}` : name;
  const attributes = Object.entries(node[':@'] ?? {}).map(([k, v]): [string, string] => [
    k,
    decodeReferences(String(v).replace(/[\t\n\r]/g, ' '), `${here}/@${k}`),
  ]);
  const children: XmlElement[] = [];
  let text = '';
  for (const child of (node[name] as OrderedNode[]) ?? []) {
    if ('#text' in child) text += decodeReferences(String(child['#text']), here);
    else if ('#cdata' in child)
      text += ((child['#cdata'] as { '#text'?: string }[]) ?? []).map((t) => t['#text'] ?? '').join('');
    else children.push(toElement(child, here));
  }
  if (children.length > 0 && text.trim() !== '')
    throw new FormatError(`element ${name} mixes text "${text.trim().slice(0, 40)}" with elements`, here);
  return children.length > 0 ? { name, attributes, children } : { name, attributes, children, text };
}

/** Parses FNS XML (windows-1251 unless told otherwise) into the element tree, or throws FormatError. */
export function readXml(bytes: Buffer, encoding: XmlEncoding = FNS_ENCODING): XmlElement {
  const text = decodeFnsXml(bytes, encoding);
  // Before parsing anything: a DOCTYPE is where entity expansion ("XML bombs") would come from.
  if (/<!DOCTYPE/i.test(text)) throw new FormatError('FNS documents carry no DOCTYPE; refusing it', 'xml');
  const valid = XMLValidator.validate(text);
  if (valid !== true) {
    throw new FormatError(
      `not well-formed XML: ${valid.err.msg} (line ${valid.err.line}, column ${valid.err.col})`,
      'xml',
    );
  }
  const nodes = (parser.parse(text) as OrderedNode[]).filter(
    (n) => !('#text' in n && String(n['#text']).trim() === ''),
  );
  const roots = nodes.filter((n) => !('#text' in n));
  if (roots.length !== 1 || roots.length !== nodes.length)
    throw new FormatError('an XML document must have exactly one root element', 'xml');
  return toElement(roots[0] as OrderedNode, '');
}
