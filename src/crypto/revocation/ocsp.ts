// OCSP (RFC 6960): the request for one certificate (with a nonce, RFC 8954), and reading a
// response: who signed it (the CA itself or a responder the CA delegated with
// id-kp-OCSPSigning), and what it says about the certificate.
import { X509Certificate, createHash, randomBytes } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import {
  BasicOCSPResponse,
  OCSPResponse,
  OCSPResponseStatus,
  id_pkix_ocsp_basic,
  id_pkix_ocsp_nonce,
} from '@peculiar/asn1-ocsp';
import { buildChain, describeCertificate, knownCertificate } from '../certificates';
import { objectIdentifier, octetString, readChildren, readElement, sequence, tlv } from '../der';
import { sameSerial, sha1, statusFields, type StatusFields } from './certificate-fields';
import { readSignedObject, verifySignedObject } from './signed-object';
import { reasonOfCode, type RevocationReason } from './vocabulary';

const sha1Identifier = sequence(objectIdentifier('1.3.14.3.2.26'), Buffer.from([0x05, 0x00]));
const idKpOcspSigning = '1.3.6.1.5.5.7.3.9';

export interface OcspRequest {
  der: Buffer;
  nonce: Buffer;
}

/** An OCSPRequest for `certificate` issued by `issuer`: CertID with SHA-1 (what every responder accepts), a 32-byte nonce. */
export function ocspRequest(certificate: StatusFields, issuer: StatusFields): OcspRequest {
  const nonce = randomBytes(32);
  const certId = sequence(
    sha1Identifier,
    octetString(sha1(issuer.subject)),
    octetString(sha1(issuer.publicKeyBits)),
    tlv(0x02, certificate.serial),
  );
  const nonceExtension = sequence(objectIdentifier(id_pkix_ocsp_nonce), octetString(octetString(nonce)));
  const tbsRequest = sequence(sequence(sequence(certId)), tlv(0xa2, sequence(nonceExtension)));
  return { der: sequence(tbsRequest), nonce };
}

export interface OcspAnswer {
  status: 'good' | 'revoked' | 'unknown';
  revokedAt?: Date;
  reason?: RevocationReason;
  producedAt: Date;
  thisUpdate: Date;
  nextUpdate?: Date;
  /** The responder's subject, as people read it. */
  responder: string;
  nonce?: Buffer;
  /** DER of the BasicOCSPResponse: what revocation-values keeps. */
  basic: Buffer;
  /** DER of the responderID CHOICE ([1] byName / [2] byKey): what complete-revocation-references names. */
  responderId: Buffer;
}

/** The BasicOCSPResponse inside an OCSPResponse; throws naming a responder's refusal. */
export function basicResponseOf(ocspResponse: Buffer): Buffer {
  const response = AsnConvert.parse(ocspResponse, OCSPResponse);
  if (response.responseStatus !== OCSPResponseStatus.successful) {
    throw new Error(`the responder answered ${OCSPResponseStatus[response.responseStatus] ?? response.responseStatus}`);
  }
  if (response.responseBytes?.responseType !== id_pkix_ocsp_basic)
    throw new Error('the response is not a basic OCSP response');
  return Buffer.from(response.responseBytes.response.buffer);
}

const hashNames: Record<string, string> = {
  '1.3.14.3.2.26': 'sha1',
  '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
};

/**
 * What a BasicOCSPResponse says about `certificate`, once its signature is checked against
 * `issuer` (directly, or through a delegated responder certificate the issuer signed, valid
 * when the response was produced). Undefined when it answers for other certificates.
 */
export function readOcspAnswer(basic: Buffer, certificate: StatusFields, issuer: StatusFields): OcspAnswer | undefined {
  const parsed = AsnConvert.parse(basic, BasicOCSPResponse);
  const data = parsed.tbsResponseData;
  const single = data.responses.find((r) => {
    const hash = hashNames[r.certID.hashAlgorithm.algorithm];
    if (!hash) return false;
    const digest = (b: Buffer) => createHash(hash).update(b).digest();
    return (
      sameSerial(r.certID.serialNumber, certificate.serial) &&
      Buffer.from(r.certID.issuerNameHash.buffer).equals(digest(issuer.subject)) &&
      Buffer.from(r.certID.issuerKeyHash.buffer).equals(digest(issuer.publicKeyBits))
    );
  });
  if (!single) return undefined;
  const signed = readSignedObject(basic, 'BasicOCSPResponse');
  const responderId = readChildren(readElement(signed.tbs).contents).find((e) => e.tag === 0xa1 || e.tag === 0xa2)!;
  const candidates = [issuer.der, ...(parsed.certs ?? []).map((c) => Buffer.from(AsnConvert.serialize(c)))];
  const named = candidates.find((der) => {
    const key = readElement(responderId.contents);
    const fields = statusFields(der);
    return responderId.tag === 0xa2
      ? sha1(fields.publicKeyBits).equals(key.contents)
      : fields.subject.equals(key.encoded);
  });
  if (!named) throw new Error('the response is signed by a responder whose certificate is not included');
  if (!named.equals(issuer.der)) {
    const who = `the responder "${describeCertificate(named).subject}"`;
    if (!buildChain(named, [], [issuer.der]).ok)
      throw new Error(`${who} is not authorized by the certificate's issuer`);
    const responder = new X509Certificate(named);
    if (!(responder.keyUsage ?? []).includes(idKpOcspSigning)) throw new Error(`${who} lacks id-kp-OCSPSigning`);
    if (data.producedAt < responder.validFromDate || data.producedAt > responder.validToDate) {
      throw new Error(
        `${who}'s certificate was not valid when the response was produced (${data.producedAt.toISOString()})`,
      );
    }
  }
  if (!verifySignedObject(signed, knownCertificate(named).publicKey()))
    throw new Error('the response signature does not verify');
  const nonceValue = data.responseExtensions?.find((e) => e.extnID === id_pkix_ocsp_nonce)?.extnValue.buffer;
  const nonceElement = nonceValue ? readElement(Buffer.from(nonceValue)) : undefined;
  const status = single.certStatus.revoked ? 'revoked' : single.certStatus.good !== undefined ? 'good' : 'unknown';
  return {
    status,
    revokedAt: single.certStatus.revoked?.revocationTime,
    reason: single.certStatus.revoked ? reasonOfCode(single.certStatus.revoked.revocationReason?.reason) : undefined,
    producedAt: data.producedAt,
    thisUpdate: single.thisUpdate,
    nextUpdate: single.nextUpdate,
    responder: describeCertificate(named).subject,
    nonce: nonceElement?.tag === 0x04 ? nonceElement.contents : nonceElement?.encoded,
    basic,
    responderId: responderId.encoded,
  };
}
