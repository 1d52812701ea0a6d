// What status checking reads from a certificate: the exact DER of its names and key (CertIDs
// hash them), its serial, and where its issuer publishes status (AIA OCSP, CDP).
import { createHash } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import { AuthorityInfoAccessSyntax, CRLDistributionPoints } from '@peculiar/asn1-x509';
import { knownCertificate } from '../certificates';
import { readChildren, readElement } from '../der';

export interface StatusFields {
  der: Buffer;
  /** DER of the subject Name. */
  subject: Buffer;
  /** DER of the issuer Name. */
  issuer: Buffer;
  /** The serialNumber INTEGER's contents. */
  serial: Buffer;
  /** The subjectPublicKey BIT STRING's bits (without the unused-bits octet): OCSP's key hash input. */
  publicKeyBits: Buffer;
  ocspUrls: string[];
  crlUrls: string[];
}

const idAdOcsp = '1.3.6.1.5.5.7.48.1';

export function statusFields(der: Buffer): StatusFields {
  const [tbs] = readChildren(readElement(der).contents);
  const fields = readChildren(tbs!.contents);
  const offset = fields[0]!.tag === 0xa0 ? 1 : 0;
  const spki = readChildren(fields[offset + 5]!.contents);
  const extensions = knownCertificate(der).asn().tbsCertificate.extensions ?? [];
  const extension = (oid: string) => extensions.find((e) => e.extnID === oid)?.extnValue.buffer;
  const aia = extension('1.3.6.1.5.5.7.1.1');
  const cdp = extension('2.5.29.31');
  const ocspUrls = aia
    ? AsnConvert.parse(aia, AuthorityInfoAccessSyntax)
        .filter((a) => a.accessMethod === idAdOcsp)
        .flatMap((a) => a.accessLocation.uniformResourceIdentifier ?? [])
    : [];
  const crlUrls = cdp
    ? AsnConvert.parse(cdp, CRLDistributionPoints).flatMap((point) =>
        (point.distributionPoint?.fullName ?? []).flatMap((name) => name.uniformResourceIdentifier ?? []),
      )
    : [];
  return {
    der,
    serial: readElement(fields[offset]!.encoded).contents,
    issuer: fields[offset + 2]!.encoded,
    subject: fields[offset + 4]!.encoded,
    publicKeyBits: spki[1]!.contents.subarray(1),
    ocspUrls: ocspUrls.filter((u) => /^https?:\/\//i.test(u)),
    crlUrls: crlUrls.filter((u) => /^https?:\/\//i.test(u)),
  };
}

export const sha1 = (data: Buffer): Buffer => createHash('sha1').update(data).digest();

/** Serial numbers compared as numbers: a leading 00 octet (sign) does not make another serial. */
export function sameSerial(a: Buffer | ArrayBuffer, b: Buffer): boolean {
  const trim = (x: Buffer) =>
    x.subarray(x.findIndex((byte) => byte !== 0) === -1 ? x.length - 1 : x.findIndex((byte) => byte !== 0));
  return trim(Buffer.from(a as ArrayBuffer)).equals(trim(b));
}
