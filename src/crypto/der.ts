// A minimal DER writer and reader for the few structures the @peculiar/asn1-* classes do not
// cover (ESS signingCertificateV2) and for getting at exact encoded bytes, which signatures
// are computed over and which a decode/re-encode round trip could change.

export function derLength(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) bytes.unshift(n & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

/** One TLV: `tag` is the full identifier octet (0x30 SEQUENCE, 0xa0 [0] constructed, ...). */
export function tlv(tag: number, ...contents: Buffer[]): Buffer {
  const body = Buffer.concat(contents);
  return Buffer.concat([Buffer.from([tag]), derLength(body.length), body]);
}

export const sequence = (...items: Buffer[]): Buffer => tlv(0x30, ...items);
export const octetString = (value: Buffer): Buffer => tlv(0x04, value);

/** DER SET OF: the elements sorted by their encodings (X.690 11.6), as verifiers re-encode them. */
export function setOf(items: Buffer[]): Buffer {
  return tlv(0x31, ...[...items].sort(Buffer.compare));
}

/** A non-negative INTEGER from big-endian magnitude bytes (leading zeros trimmed, sign byte added). */
export function unsignedInteger(magnitude: Buffer): Buffer {
  let start = 0;
  while (start < magnitude.length - 1 && magnitude[start] === 0) start++;
  const trimmed = magnitude.subarray(start);
  return tlv(
    0x02,
    trimmed.length === 0 ? Buffer.from([0]) : trimmed[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), trimmed]) : trimmed,
  );
}

export function objectIdentifier(dotted: string): Buffer {
  const arcs = dotted.split('.').map((a) => BigInt(a));
  if (arcs.length < 2) throw new Error(`Not an object identifier: ${dotted}`);
  const encodeArc = (arc: bigint): number[] => {
    const out = [Number(arc & 0x7fn)];
    for (let n = arc >> 7n; n > 0n; n >>= 7n) out.unshift(Number(n & 0x7fn) | 0x80);
    return out;
  };
  const body = [...encodeArc(arcs[0]! * 40n + arcs[1]!), ...arcs.slice(2).flatMap(encodeArc)];
  return tlv(0x06, Buffer.from(body));
}

export interface DerElement {
  tag: number;
  /** The whole encoding: identifier, length and contents. */
  encoded: Buffer;
  contents: Buffer;
}

/** Reads one TLV at `offset`; throws with a message naming the problem on truncated, indefinite or non-minimal-length input. */
export function readElement(buffer: Buffer, offset = 0): DerElement {
  if (offset + 2 > buffer.length) throw new Error('truncated DER element');
  const tag = buffer[offset]!;
  if ((tag & 0x1f) === 0x1f) throw new Error('multi-byte DER tags are not supported');
  let length = buffer[offset + 1]!;
  let header = 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    if (count === 0) throw new Error('indefinite-length encoding (BER) where DER is required');
    if (count > 4 || offset + 2 + count > buffer.length) throw new Error('bad DER length');
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + buffer[offset + 2 + i]!;
    // DER (X.690 10.1) allows one length encoding: a BER-lenient reader would let the same
    // signature travel in several byte forms.
    if (length < 0x80 || buffer[offset + 2] === 0)
      throw new Error(`non-minimal DER length encoding (${count + 1} octets for length ${length})`);
    header += count;
  }
  const end = offset + header + length;
  if (end > buffer.length) throw new Error('truncated DER element');
  return { tag, encoded: buffer.subarray(offset, end), contents: buffer.subarray(offset + header, end) };
}

/** The elements inside a constructed element's contents. */
export function readChildren(contents: Buffer): DerElement[] {
  const out: DerElement[] = [];
  for (let offset = 0; offset < contents.length;) {
    const element = readElement(contents, offset);
    out.push(element);
    offset += element.encoded.length;
  }
  return out;
}

/** PKCS#11 (and WebCrypto) return ECDSA signatures as r||s; CMS wants DER SEQUENCE { r INTEGER, s INTEGER }. */
export function ecdsaRawToDer(raw: Buffer): Buffer {
  if (raw.length === 0 || raw.length % 2 !== 0)
    throw new Error(`an ECDSA signature r||s has an even length, got ${raw.length} bytes`);
  const half = raw.length / 2;
  return sequence(unsignedInteger(raw.subarray(0, half)), unsignedInteger(raw.subarray(half)));
}

/** The dotted form of an OBJECT IDENTIFIER element, as @peculiar/asn1-schema gives it. */
export function readObjectIdentifier(element: DerElement): string {
  const bytes = element.contents;
  if (element.tag !== 0x06 || bytes.length === 0) throw new Error('an OBJECT IDENTIFIER is expected');
  if (bytes[bytes.length - 1]! & 0x80) throw new Error('truncated OBJECT IDENTIFIER');
  // Numbers while the arcs stay exact (they always do in practice), BigInt past that.
  const arcs: (number | bigint)[] = [];
  let arc: number | bigint = 0;
  for (const byte of bytes) {
    arc =
      typeof arc === 'number' && arc < 2 ** 45 ? arc * 128 + (byte & 0x7f) : (BigInt(arc) << 7n) | BigInt(byte & 0x7f);
    if (byte & 0x80) continue;
    arcs.push(arc);
    arc = 0;
  }
  const head = arcs[0]!;
  const first = head < 80 ? Math.floor(Number(head) / 40) : 2;
  const second = typeof head === 'number' ? head - first * 40 : head - BigInt(first * 40);
  return [first, second, ...arcs.slice(1)].join('.');
}
