// The DER reader against the DER writer and against @peculiar/asn1-schema, which it replaces
// when a received signature is read.
import { AsnConvert } from '@peculiar/asn1-schema';
import { AlgorithmIdentifier } from '@peculiar/asn1-x509';
import { describe, expect, it } from 'vitest';
import { objectIdentifier, readElement, readObjectIdentifier, sequence } from './der';

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
    expect(() => readObjectIdentifier(readElement(Buffer.from([0x04, 0x01, 0x00])))).toThrow(/OBJECT IDENTIFIER is expected/);
    expect(() => readObjectIdentifier(readElement(Buffer.from([0x06, 0x02, 0x2a, 0x86])))).toThrow(/truncated OBJECT IDENTIFIER/);
  });
});
