// Reading a received detached CMS SignedData (RFC 5652 5.1-5.3) straight from its DER: only the
// fields a verification needs, as subarrays of the bytes received. A general ASN.1 decoder
// spent most of a verification building objects for every certificate of the set.
import { createHash } from 'node:crypto';
import { Attribute, CertificateChoices, RevocationInfoChoices } from '@peculiar/asn1-cms';
import { AsnConvert } from '@peculiar/asn1-schema';
import { oids } from './algorithms';
import { knownCertificate, type KnownCertificate } from './certificates';
import { readChildren, readElement, readObjectIdentifier, type DerElement } from './der';

/** A finding that the bytes are no CMS signature of the expected shape. */
export class Malformed extends Error {}

export interface SignedAttribute {
  type: string;
  /** The DER of each value. */
  values: Buffer[];
}

export interface ReceivedSignerInfo {
  sid: { issuer: Buffer; serialNumber: Buffer } | { subjectKeyIdentifier: Buffer };
  digestAlgorithm: string;
  signatureAlgorithm: string;
  signedAttrs?: SignedAttribute[];
  signature: Buffer;
}

export interface ReceivedSignature {
  signerInfo: ReceivedSignerInfo;
  /** The signed attributes exactly as received, re-tagged as a SET OF (RFC 5652 5.4): the bytes the signature covers. */
  signedAttributes: Buffer;
  /** The certificates of the certificates set, each parsed (the same bytes once per process). */
  certificates: KnownCertificate[];
  /** The unsigned attributes (CAdES-T, -C, -X Long): each Attribute's DER, as received. */
  unsignedAttributes: Buffer[];
  eContentType: string;
  /** The encapsulated content (a timestamp token's TSTInfo); undefined for a detached signature. */
  content?: Buffer;
}

const hex = (tag: number) => `0x${tag.toString(16).padStart(2, '0')}`;

/** The fields of a constructed element, read one after another by their expected tags. */
class Fields {
  private index = 0;
  private readonly fields: DerElement[];

  constructor(
    element: DerElement | undefined,
    tag: number,
    private readonly what: string,
  ) {
    if (!element) throw new Error(`${what} is missing`);
    if (element.tag !== tag) throw new Error(`${what}: tag ${hex(tag)} expected, found ${hex(element.tag)}`);
    this.fields = readChildren(element.contents);
  }

  next(tag: number, field: string): DerElement {
    const element = this.fields[this.index++];
    if (!element) throw new Error(`${this.what}: ${field} is missing`);
    if (element.tag !== tag)
      throw new Error(`${this.what}: ${field} has tag ${hex(element.tag)}, ${hex(tag)} expected`);
    return element;
  }

  optional(tag: number): DerElement | undefined {
    return this.fields[this.index]?.tag === tag ? this.fields[this.index++] : undefined;
  }

  /** The next element, whatever its tag. */
  any(field: string): DerElement {
    const element = this.fields[this.index++];
    if (!element) throw new Error(`${this.what}: ${field} is missing`);
    return element;
  }

  end(): void {
    if (this.index < this.fields.length)
      throw new Error(`${this.what}: unexpected ${hex(this.fields[this.index]!.tag)} after its last field`);
  }
}

function algorithmOid(fields: Fields, field: string): string {
  return readObjectIdentifier(new Fields(fields.next(0x30, field), 0x30, field).next(0x06, 'algorithm'));
}

/** SHA-256 of unsigned attributes the general decoder accepted (bounded: emptied when full). */
const decodedAttributes = new Set<string>();

/**
 * An unsigned attribute checked as a full decode would, by the general decoder, once per process
 * for the same bytes: a long-term signature's evidence (time-stamps, certificate and revocation
 * values) is kilobytes the decoder spends milliseconds on, and a verification reads it twice.
 */
function checkAttribute(encoded: Buffer): void {
  const key = createHash('sha256').update(encoded).digest('base64');
  if (decodedAttributes.has(key)) return;
  AsnConvert.parse(encoded, Attribute);
  if (decodedAttributes.size >= 10_000) decodedAttributes.clear();
  decodedAttributes.add(key);
}

function readSignerInfo(element: DerElement): {
  signerInfo: ReceivedSignerInfo;
  attributes?: DerElement;
  unsignedAttrs?: DerElement;
} {
  const fields = new Fields(element, 0x30, 'SignerInfo');
  fields.next(0x02, 'version');
  const sidElement = fields.any('sid');
  let sid: ReceivedSignerInfo['sid'];
  if (sidElement.tag === 0x30) {
    const issuerAndSerialNumber = new Fields(sidElement, 0x30, 'issuerAndSerialNumber');
    sid = {
      issuer: issuerAndSerialNumber.next(0x30, 'issuer').encoded,
      serialNumber: issuerAndSerialNumber.next(0x02, 'serialNumber').contents,
    };
    issuerAndSerialNumber.end();
  } else if (sidElement.tag === 0x80) {
    sid = { subjectKeyIdentifier: sidElement.contents };
  } else {
    throw new Error(`SignerInfo: sid has tag ${hex(sidElement.tag)}`);
  }
  const digestAlgorithm = algorithmOid(fields, 'digestAlgorithm');
  const attributes = fields.optional(0xa0);
  const signatureAlgorithm = algorithmOid(fields, 'signatureAlgorithm');
  const signature = fields.next(0x04, 'signature').contents;
  const unsignedAttrs = fields.optional(0xa1);
  fields.end();
  if (unsignedAttrs) for (const attribute of readChildren(unsignedAttrs.contents)) checkAttribute(attribute.encoded);
  const signedAttrs = attributes
    ? readChildren(attributes.contents).map((attribute) => {
        const attributeFields = new Fields(attribute, 0x30, 'Attribute');
        const type = readObjectIdentifier(attributeFields.next(0x06, 'attrType'));
        const values = readChildren(attributeFields.next(0x31, 'attrValues').contents).map((v) => v.encoded);
        attributeFields.end();
        return { type, values };
      })
    : undefined;
  return {
    signerInfo: { sid, digestAlgorithm, signatureAlgorithm, signedAttrs, signature },
    attributes,
    unsignedAttrs,
  };
}

function readStructure(cms: Buffer) {
  const outer = readElement(cms);
  // Anything after the ContentInfo would be a second byte form of the same signature.
  if (outer.encoded.length !== cms.length)
    throw new Malformed(`${cms.length - outer.encoded.length} bytes follow the ContentInfo`);
  const contentInfo = new Fields(outer, 0x30, 'ContentInfo');
  const contentType = readObjectIdentifier(contentInfo.next(0x06, 'contentType'));
  if (contentType !== oids.signedData) throw new Malformed(`content type ${contentType} is not SignedData`);
  const explicit = new Fields(contentInfo.next(0xa0, 'content'), 0xa0, 'content');
  const signedData = new Fields(explicit.next(0x30, 'SignedData'), 0x30, 'SignedData');
  explicit.end();
  contentInfo.end();
  signedData.next(0x02, 'version');
  const digestAlgorithms = readChildren(signedData.next(0x31, 'digestAlgorithms').contents).map((algorithm) =>
    readObjectIdentifier(new Fields(algorithm, 0x30, 'digestAlgorithm').next(0x06, 'algorithm')),
  );
  const encapContentInfo = new Fields(signedData.next(0x30, 'encapContentInfo'), 0x30, 'encapContentInfo');
  const eContentType = readObjectIdentifier(encapContentInfo.next(0x06, 'eContentType'));
  const eContent = encapContentInfo.optional(0xa0);
  encapContentInfo.end();
  const certificateSet = signedData.optional(0xa0);
  const crls = signedData.optional(0xa1);
  if (crls) AsnConvert.parse(Buffer.concat([Buffer.from([0x31]), crls.encoded.subarray(1)]), RevocationInfoChoices);
  const signerInfos = readChildren(signedData.next(0x31, 'signerInfos').contents).map(readSignerInfo);
  signedData.end();
  const choices = certificateSet ? readChildren(certificateSet.contents) : [];
  // Other CertificateChoices (attribute certificates) name no signer, but must be well-formed:
  // a damaged certificate must not pass for one and vanish from the chain.
  for (const choice of choices) if (choice.tag !== 0x30) AsnConvert.parse(choice.encoded, CertificateChoices);
  const certificates = choices.filter((c) => c.tag === 0x30).map((c) => knownCertificate(c.encoded));
  // Each must be a certificate, as a full decode of the set would insist.
  for (const certificate of certificates) certificate.asn();
  return { digestAlgorithms, eContentType, eContent, signerInfos, certificates };
}

/** Attributes RFC 5652 11 and RFC 5035 5.4 allow only with exactly one value, by name for messages. */
const singleValued = {
  [oids.contentType]: 'contentType',
  [oids.messageDigest]: 'messageDigest',
  [oids.signingTime]: 'signingTime',
  [oids.signingCertificateV2]: 'signingCertificateV2',
} as const;

const singleValuedName = (oid: string): string | undefined => (singleValued as Record<string, string>)[oid];
const attributeName = (oid: string) => (singleValuedName(oid) ? `${singleValuedName(oid)} (${oid})` : oid);

/**
 * Each attribute type once (a second messageDigest would let one signature vouch for two
 * contents), the single-valued ones with one value (both as OpenSSL insists for the RFC 5652
 * ones), and the contentType naming the signed content's type (RFC 5652 11.1; OpenSSL 3 does
 * not check that).
 */
function checkSignedAttributes(attributes: SignedAttribute[], eContentType: string): void {
  const seen = new Set<string>();
  for (const { type, values } of attributes) {
    if (seen.has(type)) throw new Malformed(`the signed attribute ${attributeName(type)} appears more than once`);
    seen.add(type);
    if (singleValuedName(type) && values.length !== 1)
      throw new Malformed(
        `the signed attribute ${attributeName(type)} must have exactly one value, found ${values.length}`,
      );
  }
  const contentType = attributes.find((a) => a.type === oids.contentType);
  if (!contentType) throw new Malformed('the contentType signed attribute is missing');
  const signedType = readObjectIdentifier(readElement(contentType.values[0]!));
  if (signedType !== eContentType)
    throw new Malformed(`the contentType signed attribute ${signedType} differs from the eContentType ${eContentType}`);
}

/**
 * The one SignerInfo and the certificates of a detached SignedData (or, `encapsulated`, of one
 * carrying its content, as a timestamp token does); throws Malformed naming what is wrong.
 */
export function readSignedData(cms: Buffer, encapsulated = false): ReceivedSignature {
  try {
    return readSignature(cms, encapsulated);
  } catch (e) {
    if (e instanceof Malformed) throw e;
    throw new Malformed(`not a DER CMS SignedData: ${e instanceof Error ? e.message : String(e)}`);
  }
}

function readSignature(cms: Buffer, encapsulated: boolean): ReceivedSignature {
  const structure = readStructure(cms);
  if (structure.eContent && !encapsulated)
    throw new Malformed('the signature carries its content: a detached signature is expected');
  if (!structure.eContent && encapsulated) throw new Malformed('the signature does not carry its content');
  const content = structure.eContent && readElement(structure.eContent.contents);
  if (content && (content.tag !== 0x04 || content.encoded.length !== structure.eContent!.contents.length))
    throw new Malformed('the eContent is not one OCTET STRING');
  if (structure.signerInfos.length !== 1)
    throw new Malformed(`exactly one SignerInfo is expected, found ${structure.signerInfos.length}`);
  const { signerInfo, attributes, unsignedAttrs } = structure.signerInfos[0]!;
  if (!attributes) throw new Malformed('the SignerInfo has no signed attributes (CAdES-BES requires them)');
  if (!structure.digestAlgorithms.includes(signerInfo.digestAlgorithm)) {
    throw new Malformed(
      `the SignerInfo's digest algorithm ${signerInfo.digestAlgorithm} is not among the SignedData's digestAlgorithms (${structure.digestAlgorithms.join(', ') || 'none'})`,
    );
  }
  checkSignedAttributes(signerInfo.signedAttrs!, structure.eContentType);
  return {
    signerInfo,
    signedAttributes: Buffer.concat([Buffer.from([0x31]), attributes.encoded.subarray(1)]),
    certificates: structure.certificates,
    unsignedAttributes: unsignedAttrs ? readChildren(unsignedAttrs.contents).map((a) => a.encoded) : [],
    eContentType: structure.eContentType,
    content: content?.contents,
  };
}

/** The DER of the one value of a single-valued signed attribute (readSignedData checked there is one); undefined when absent. */
export function attributeValue(signerInfo: ReceivedSignerInfo, oid: keyof typeof singleValued): Buffer | undefined {
  return signerInfo.signedAttrs?.find((a) => a.type === oid)?.values[0];
}
