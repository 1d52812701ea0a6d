// The unsigned attributes of CAdES-T and CAdES-X Long Type 1 (RFC 5126 6.1-6.3, ETSI TS 101 733
// explicit-tag module) and a SignerInfo's unsigned attributes rewritten without touching what
// was signed.
import { createHash } from 'node:crypto';
import { issuerAndSerial } from '../certificates';
import {
  objectIdentifier,
  octetString,
  readChildren,
  readElement,
  readObjectIdentifier,
  sequence,
  setOf,
  tlv,
} from '../der';

export const cadesOids = {
  signatureTimeStamp: '1.2.840.113549.1.9.16.2.14',
  completeCertificateRefs: '1.2.840.113549.1.9.16.2.21',
  completeRevocationRefs: '1.2.840.113549.1.9.16.2.22',
  certificateValues: '1.2.840.113549.1.9.16.2.23',
  revocationValues: '1.2.840.113549.1.9.16.2.24',
  escTimeStamp: '1.2.840.113549.1.9.16.2.25',
} as const;

const sha256Oid = '2.16.840.1.101.3.4.2.1';

export function attribute(oid: string, value: Buffer): Buffer {
  return sequence(objectIdentifier(oid), setOf([value]));
}

/** The type and the first value of an Attribute's DER. */
export function readAttribute(der: Buffer): { type: string; value: Buffer } {
  const [type, values] = readChildren(readElement(der).contents);
  const [value] = readChildren(values!.contents);
  return { type: readObjectIdentifier(type!), value: value!.encoded };
}

/** OtherHash as OtherHashAlgAndValue with SHA-256. */
function otherHash(data: Buffer): Buffer {
  return sequence(sequence(objectIdentifier(sha256Oid)), octetString(createHash('sha256').update(data).digest()));
}

function generalizedTime(date: Date): Buffer {
  return tlv(0x18, Buffer.from(`${date.toISOString().slice(0, 19).replace(/[-T:]/g, '')}Z`, 'ascii'));
}

/** complete-certificate-references: OtherCertID (hash, IssuerSerial) of each CA certificate of the path. */
export function certificateRefs(certificates: Buffer[]): Buffer {
  return sequence(
    ...certificates.map((der) => {
      const { issuer, serial } = issuerAndSerial(der);
      return sequence(otherHash(der), sequence(sequence(tlv(0xa4, issuer)), serial));
    }),
  );
}

export type RevocationRef = { ocsp: { basic: Buffer; responderId: Buffer; producedAt: Date } } | { crl: Buffer };

/** complete-revocation-references: one CrlOcspRef per certificate checked, naming the evidence by hash. */
export function revocationRefs(refs: RevocationRef[]): Buffer {
  return sequence(
    ...refs.map((ref) =>
      'ocsp' in ref
        ? sequence(
            tlv(
              0xa1,
              sequence(
                sequence(
                  sequence(
                    sequence(ref.ocsp.responderId, generalizedTime(ref.ocsp.producedAt)),
                    otherHash(ref.ocsp.basic),
                  ),
                ),
              ),
            ),
          )
        : sequence(tlv(0xa0, sequence(sequence(sequence(otherHash(ref.crl)))))),
    ),
  );
}

export function revocationValues(crls: Buffer[], ocsp: Buffer[]): Buffer {
  return sequence(
    ...(crls.length ? [tlv(0xa0, sequence(...crls))] : []),
    ...(ocsp.length ? [tlv(0xa1, sequence(...ocsp))] : []),
  );
}

/** The CRLs and BasicOCSPResponses of a revocation-values value. */
export function readRevocationValues(value: Buffer): { crls: Buffer[]; ocsp: Buffer[] } {
  const out = { crls: [] as Buffer[], ocsp: [] as Buffer[] };
  for (const field of readChildren(readElement(value).contents)) {
    const items = readChildren(readElement(field.contents).contents).map((e) => e.encoded);
    if (field.tag === 0xa0) out.crls.push(...items);
    else if (field.tag === 0xa1) out.ocsp.push(...items);
  }
  return out;
}

/** What the CAdES-C-time-stamp covers (RFC 5126 6.3.5): the signature value, then the signature-time-stamp and both references as encoded. */
export function escTimeStampInput(signature: Buffer, attributes: Buffer[]): Buffer {
  const find = (oid: string) => attributes.find((a) => readAttribute(a).type === oid);
  const parts = [cadesOids.signatureTimeStamp, cadesOids.completeCertificateRefs, cadesOids.completeRevocationRefs].map(
    find,
  );
  if (parts.some((p) => !p))
    throw new Error('the CAdES-C attributes the CAdES-C-time-stamp covers are not all present');
  return Buffer.concat([signature, ...(parts as Buffer[])]);
}

/** The ContentInfo with its one SignerInfo's unsigned attributes replaced by `attributes`, in this order; every other byte kept. */
export function withUnsignedAttributes(cms: Buffer, attributes: Buffer[]): Buffer {
  const [contentType, explicit] = readChildren(readElement(cms).contents);
  const [signedData] = readChildren(explicit!.contents);
  const fields = readChildren(signedData!.contents);
  const [signerInfo] = readChildren(fields[fields.length - 1]!.contents);
  const kept = readChildren(signerInfo!.contents)
    .filter((f) => f.tag !== 0xa1)
    .map((f) => f.encoded);
  // CAdES order matters (later time-stamps cover earlier attributes): a plain [1] list, not a sorted SET.
  const rewritten = sequence(...kept, ...(attributes.length ? [tlv(0xa1, ...attributes)] : []));
  const body = sequence(...fields.slice(0, -1).map((f) => f.encoded), tlv(0x31, rewritten));
  return sequence(contentType!.encoded, tlv(0xa0, body));
}
