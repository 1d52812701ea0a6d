// The DER reader against the DER writer and against @peculiar/asn1-schema, which it replaces
// when a received signature is read.
import { AsnConvert } from '@peculiar/asn1-schema';
import { AlgorithmIdentifier } from '@peculiar/asn1-x509';
import { describe, expect, it } from 'vitest';
import { objectIdentifier, readElement, readObjectIdentifier, sequence, tlv } from './der';

describe('readObjectIdentifier', () => {
  it.each([
    '1.2.840.113549.1.9.16.2.47',
    '2.5.29.14',
    '0.9.2342.19200300.100.1.1',
    '2.999.3',
    '1.2.643.100.4',
    '1.3.6.1.4.1.99999999999999.1',
  ])('reads %s as written and as asn1-schema reads it', (oid) => {
    const encoded = objectIdentifier(oid);
    expect(readObjectIdentifier(readElement(encoded))).toBe(oid);
    expect(AsnConvert.parse(sequence(encoded), AlgorithmIdentifier).algorithm).toBe(oid);
  });

  it('reads arcs past 2^53 (UUID OIDs) exactly', () => {
    const oid = '2.25.329800735698586629295641978511506172918';
    expect(readObjectIdentifier(readElement(objectIdentifier(oid)))).toBe(oid);
  });

  it('names what is wrong with no OID or a truncated one', () => {
    expect(() => readObjectIdentifier(readElement(Buffer.from([0x04, 0x01, 0x00])))).toThrow(
      /OBJECT IDENTIFIER is expected/,
    );
    expect(() => readObjectIdentifier(readElement(Buffer.from([0x06, 0x02, 0x2a, 0x86])))).toThrow(
      /truncated OBJECT IDENTIFIER/,
    );
  });
});

describe('readElement', () => {
  it('reads the one DER length form of each length, as derLength writes it', () => {
    for (const length of [0, 0x7f, 0x80, 0xff, 0x100, 0x10000]) {
      const element = readElement(tlv(0x04, Buffer.alloc(length)));
      expect(element.contents.length).toBe(length);
    }
  });

  it.each([
    [
      'a long form for a short length',
      [0x04, 0x81, 0x01, 0x00],
      /non-minimal DER length encoding \(2 octets for length 1\)/,
    ],
    [
      'a leading zero length octet',
      [0x04, 0x82, 0x00, 0x80, ...Array<number>(0x80).fill(0)],
      /non-minimal DER length encoding \(3 octets for length 128\)/,
    ],
    ['an indefinite length', [0x30, 0x80, 0x00, 0x00], /indefinite-length encoding/],
  ])('refuses %s', (_name, bytes, message) => {
    expect(() => readElement(Buffer.from(bytes))).toThrow(message);
  });
});
