// A CRL (RFC 5280 5) checked against the certificate's issuer: signed by it, naming it, and
// what it says about one serial number.
import { AsnConvert } from '@peculiar/asn1-schema';
import { CertificateList, CRLReason } from '@peculiar/asn1-x509';
import { describeCertificate, knownCertificate } from '../certificates';
import { readChildren, readElement } from '../der';
import { sameSerial, type StatusFields } from './certificate-fields';
import { readSignedObject, verifySignedObject } from './signed-object';
import { reasonOfCode, type RevocationReason } from './vocabulary';

export interface Crl {
  der: Buffer;
  issuer: string;
  thisUpdate: Date;
  nextUpdate?: Date;
  entry(serial: Buffer): { revokedAt: Date; reason: RevocationReason } | undefined;
}

/** Reads a DER or PEM CRL; throws naming the problem. */
export function crlDer(bytes: Buffer): Buffer {
  const text = bytes.subarray(0, 64).toString('latin1');
  if (!text.includes('-----BEGIN X509 CRL-----')) return bytes;
  const match = /-----BEGIN X509 CRL-----([\s\S]*?)-----END X509 CRL-----/.exec(bytes.toString('latin1'));
  if (!match) throw new Error('a PEM CRL without its END line');
  return Buffer.from(match[1]!.replace(/\s+/g, ''), 'base64');
}

/** The CRL if `issuer` issued and signed it; undefined when it is another CA's; throws when it is damaged or forged. */
export function readCrl(der: Buffer, issuer: StatusFields): Crl | undefined {
  const signed = readSignedObject(der, 'CRL');
  const fields = readChildren(readElement(signed.tbs).contents);
  const issuerName = fields[fields[0]!.tag === 0x02 ? 2 : 1]!;
  if (!issuerName.encoded.equals(issuer.subject)) return undefined;
  if (!verifySignedObject(signed, knownCertificate(issuer.der).publicKey()))
    throw new Error("the CRL signature does not verify with its issuer's key");
  const list = AsnConvert.parse(der, CertificateList).tbsCertList;
  const entries = list.revokedCertificates ?? [];
  return {
    der,
    issuer: describeCertificate(issuer.der).subject,
    thisUpdate: list.thisUpdate.getTime(),
    nextUpdate: list.nextUpdate?.getTime(),
    entry(serial) {
      const found = entries.find((e) => sameSerial(e.userCertificate, serial));
      if (!found) return undefined;
      const reason = found.crlEntryExtensions?.find((e) => e.extnID === '2.5.29.21')?.extnValue.buffer;
      return {
        revokedAt: found.revocationDate.getTime(),
        reason: reasonOfCode(reason ? AsnConvert.parse(reason, CRLReason).reason : undefined),
      };
    },
  };
}
