// Detached CMS SignedData with CAdES-BES signed attributes (DESIGN.md §5): what a document,
// a service document or an authentication nonce is signed with, and how a received signature
// is checked. Built by hand with DER helpers so that the bytes signed are exactly the bytes
// sent; parsed with @peculiar/asn1-cms; verified with node:crypto.
import { X509Certificate, createHash, verify as verifySignature, type KeyObject } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import { ContentInfo, SignedData, type SignerInfo } from '@peculiar/asn1-cms';
import { AlgorithmIdentifier, Certificate, Time } from '@peculiar/asn1-x509';
import { algorithmForKey, algorithmForSignerInfo, algorithmSpec, oids, type AlgorithmSpec } from './algorithms';
import { buildChain, describeCertificate, type CertificateIdentity } from './certificates';
import { objectIdentifier, octetString, readChildren, readElement, sequence, setOf, tlv } from './der';
import { digestContent, type ContentSource } from './digest';
import type { SignatureAlgorithm, Signer } from './signer';

export type { ContentSource } from './digest';
export type { SignatureAlgorithm, Signer } from './signer';

const integerOne = Buffer.from([0x02, 0x01, 0x01]);
const derNull = Buffer.from([0x05, 0x00]);

function algorithmIdentifier(oid: string, nullParameters = false): Buffer {
  return sequence(objectIdentifier(oid), ...(nullParameters ? [derNull] : []));
}

function attribute(oid: string, value: Buffer): Buffer {
  return sequence(objectIdentifier(oid), setOf([value]));
}

/** UTCTime until 2049, GeneralizedTime after (RFC 5652 11.3), whole seconds. */
function encodeTime(date: Date): Buffer {
  const iso = date.toISOString(); // 2026-11-22T16:48:31.123Z
  const digits = iso.slice(0, 19).replace(/[-T:]/g, '');
  const year = date.getUTCFullYear();
  return year >= 1950 && year < 2050 ? tlv(0x17, Buffer.from(`${digits.slice(2)}Z`, 'ascii')) : tlv(0x18, Buffer.from(`${digits}Z`, 'ascii'));
}

/** The exact DER of the issuer Name and serialNumber INTEGER inside a certificate's TBSCertificate. */
function issuerAndSerial(certificate: Buffer): { issuer: Buffer; serial: Buffer } {
  const [tbs] = readChildren(readElement(certificate).contents);
  const fields = readChildren(tbs!.contents);
  const offset = fields[0]!.tag === 0xa0 ? 1 : 0; // [0] version is optional (v1)
  return { serial: fields[offset]!.encoded, issuer: fields[offset + 2]!.encoded };
}

/** ESS SigningCertificateV2 (RFC 5035) with one ESSCertIDv2: SHA-256 (the default, so omitted) and IssuerSerial. */
function signingCertificateV2(certificate: Buffer): Buffer {
  const { issuer, serial } = issuerAndSerial(certificate);
  const certHash = createHash('sha256').update(certificate).digest();
  const issuerSerial = sequence(sequence(tlv(0xa4, issuer)), serial);
  return sequence(sequence(sequence(octetString(certHash), issuerSerial)));
}

export interface SignOptions {
  /** Default: now. */
  signingTime?: Date;
  /** More certificates for the CMS certificates set (intermediate CAs), after the signer's. */
  certificates?: Buffer[];
}

/** Signs `content` (hashed as a stream) into a DER ContentInfo holding a detached SignedData with one SignerInfo. */
export async function signDetached(content: ContentSource, signer: Signer, options: SignOptions = {}): Promise<Buffer> {
  const spec = algorithmSpec(signer.algorithm);
  const certificate = signer.certificate;
  const keySpec = algorithmForKey(new X509Certificate(certificate).publicKey);
  if (keySpec?.name !== spec.name) {
    throw new Error(`The signer's certificate key does not fit its algorithm ${spec.name} (${signer.description})`);
  }
  const digest = await digestContent(content, spec.hash);
  const signedAttributes = setOf([
    attribute(oids.contentType, objectIdentifier(oids.data)),
    attribute(oids.signingTime, encodeTime(options.signingTime ?? new Date())),
    attribute(oids.messageDigest, octetString(digest)),
    attribute(oids.signingCertificateV2, signingCertificateV2(certificate)),
  ]);
  // The signature covers the attributes as a SET (tag 0x31); the SignerInfo carries them as [0] IMPLICIT.
  const signature = await signer.sign(signedAttributes);
  const { issuer, serial } = issuerAndSerial(certificate);
  const signerInfo = sequence(
    integerOne,
    sequence(issuer, serial),
    algorithmIdentifier(spec.digestOid),
    Buffer.concat([Buffer.from([0xa0]), signedAttributes.subarray(1)]),
    algorithmIdentifier(spec.signatureOid, spec.nullParameters),
    octetString(signature),
  );
  const signedData = sequence(
    integerOne,
    setOf([algorithmIdentifier(spec.digestOid)]),
    sequence(objectIdentifier(oids.data)),
    tlv(0xa0, certificate, ...(options.certificates ?? []).filter((c) => !c.equals(certificate))),
    setOf([signerInfo]),
  );
  return sequence(objectIdentifier(oids.signedData), tlv(0xa0, signedData));
}

export type VerificationProblemCode =
  | 'malformed'
  | 'digest-mismatch'
  | 'bad-signature'
  | 'no-signer-certificate'
  | 'untrusted-chain'
  | 'expired'
  | 'not-yet-valid'
  | 'unsupported-algorithm';

export interface VerificationProblem {
  code: VerificationProblemCode;
  message: string;
}

export interface VerificationResult {
  valid: boolean;
  signer?: CertificateIdentity;
  signingTime?: Date;
  algorithm?: SignatureAlgorithm;
  problems: VerificationProblem[];
}

export interface VerifyOptions {
  /** DER certificates of the trusted roots. */
  trustedRoots: Buffer[];
  /** When the certificates must have been valid. Default: the signingTime attribute, else now. */
  at?: Date;
}

class Malformed extends Error {}

function attributeValue(signerInfo: SignerInfo, oid: string): Buffer | undefined {
  const attr = signerInfo.signedAttrs?.find((a) => a.attrType === oid);
  if (!attr) return undefined;
  if (attr.attrValues.length !== 1) throw new Malformed(`signed attribute ${oid} must have exactly one value`);
  return Buffer.from(attr.attrValues[0]!);
}

interface ParsedSignature {
  signerInfo: SignerInfo;
  signedAttributes: Buffer;
  certificates: Buffer[];
}

/**
 * The signed attributes exactly as received, re-tagged as a SET OF (RFC 5652 5.4): the bytes
 * the signature covers. Read from the DER itself, as a decode/re-encode could change them.
 */
function rawSignedAttributes(cms: Buffer): Buffer {
  const [, explicit] = readChildren(readElement(cms).contents);
  const signedData = readChildren(readElement(explicit!.contents).contents);
  const [signerInfo] = readChildren(signedData[signedData.length - 1]!.contents);
  const attributes = readChildren(signerInfo!.contents).find((e) => e.tag === 0xa0);
  if (!attributes) throw new Malformed('the SignerInfo has no signed attributes (CAdES-BES requires them)');
  return Buffer.concat([Buffer.from([0x31]), attributes.encoded.subarray(1)]);
}

function parseSignedData(cms: Buffer): ParsedSignature {
  let signedData: SignedData;
  try {
    const contentInfo = AsnConvert.parse(cms, ContentInfo);
    if (contentInfo.contentType !== oids.signedData) throw new Malformed(`content type ${contentInfo.contentType} is not SignedData`);
    signedData = AsnConvert.parse(contentInfo.content, SignedData);
  } catch (e) {
    if (e instanceof Malformed) throw e;
    throw new Malformed(`not a DER CMS SignedData: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (signedData.encapContentInfo.eContent) throw new Malformed('the signature carries its content: a detached signature is expected');
  if (signedData.signerInfos.length !== 1) throw new Malformed(`exactly one SignerInfo is expected, found ${signedData.signerInfos.length}`);
  const signerInfo = signedData.signerInfos[0]!;
  if (!signerInfo.signedAttrs) throw new Malformed('the SignerInfo has no signed attributes (CAdES-BES requires them)');
  const signedAttributes = rawSignedAttributes(cms);
  const certificates = (signedData.certificates ?? [])
    .filter((choice) => choice.certificate)
    .map((choice) => Buffer.from(AsnConvert.serialize(choice.certificate!)));
  return { signerInfo, signedAttributes, certificates };
}

/** The key identifier of a certificate's subjectKeyIdentifier extension, if it has one. */
function subjectKeyIdentifier(der: Buffer): Buffer | undefined {
  const extension = AsnConvert.parse(der, Certificate).tbsCertificate.extensions?.find((e) => e.extnID === '2.5.29.14');
  return extension ? readElement(Buffer.from(extension.extnValue.buffer)).contents : undefined;
}

/** The certificate the SignerInfo's sid names; undefined when none matches or the sid is unreadable. */
function findSignerCertificate(signerInfo: SignerInfo, certificates: Buffer[]): Buffer | undefined {
  const sid = signerInfo.sid;
  return certificates.find((der) => {
    try {
      if (sid.issuerAndSerialNumber) {
        const { issuer, serial } = issuerAndSerial(der);
        const wanted = sid.issuerAndSerialNumber;
        return readElement(serial).contents.equals(Buffer.from(wanted.serialNumber)) && issuer.equals(Buffer.from(AsnConvert.serialize(wanted.issuer)));
      }
      const ski = sid.subjectKeyIdentifier && subjectKeyIdentifier(der);
      return !!ski && ski.equals(Buffer.from(sid.subjectKeyIdentifier!.buffer));
    } catch {
      return false;
    }
  });
}

const essHashes: Record<string, string> = { [oids.sha256]: 'sha256', [oids.sha384]: 'sha384', '2.16.840.1.101.3.4.2.3': 'sha512' };

/** CAdES binds the signer certificate by hash (signingCertificateV2); a mismatch is a substituted certificate. */
function checkSigningCertificate(signerInfo: SignerInfo, certificate: Buffer): string | undefined {
  const value = attributeValue(signerInfo, oids.signingCertificateV2);
  if (!value) return undefined;
  try {
    const [certs] = readChildren(readElement(value).contents);
    const [essCertId] = readChildren(certs!.contents);
    const fields = readChildren(essCertId!.contents);
    let hash = 'sha256';
    if (fields[0]!.tag === 0x30) {
      const oid = AsnConvert.parse(fields.shift()!.encoded, AlgorithmIdentifier).algorithm;
      hash = essHashes[oid] ?? '';
      if (!hash) return `The signingCertificateV2 attribute uses an unsupported hash ${oid}`;
    }
    const certHash = fields[0]!;
    if (certHash.tag !== 0x04 || !certHash.contents.equals(createHash(hash).update(certificate).digest())) {
      return 'The signingCertificateV2 attribute names another certificate than the one included as the signer\'s';
    }
    return undefined;
  } catch (e) {
    return `The signingCertificateV2 attribute is unreadable: ${e instanceof Error ? e.message : String(e)}`;
  }
}

function checkSignature(spec: AlgorithmSpec, key: KeyObject, data: Buffer, signature: Buffer): boolean {
  try {
    return verifySignature(spec.hash, data, key, signature);
  } catch {
    return false;
  }
}

/**
 * Checks a detached CMS signature over `content`: the message digest, the signature, the
 * chain to `trustedRoots`, and the certificates' validity at the signing time. Never throws
 * for bad input: every finding is a problem in the result. Throws only the I/O error of
 * content that cannot be read (a missing file).
 */
export async function verifyDetached(cms: Buffer, content: ContentSource, options: VerifyOptions): Promise<VerificationResult> {
  let parsed: ParsedSignature;
  let signingTime: Date | undefined;
  let messageDigest: Buffer;
  try {
    parsed = parseSignedData(cms);
    const timeValue = attributeValue(parsed.signerInfo, oids.signingTime);
    signingTime = timeValue ? AsnConvert.parse(timeValue, Time).getTime() : undefined;
    const digestValue = attributeValue(parsed.signerInfo, oids.messageDigest);
    if (!digestValue) throw new Malformed('the messageDigest signed attribute is missing');
    const digestElement = readElement(digestValue);
    if (digestElement.tag !== 0x04) throw new Malformed('the messageDigest signed attribute is not an OCTET STRING');
    messageDigest = Buffer.from(digestElement.contents);
    const contentType = attributeValue(parsed.signerInfo, oids.contentType);
    if (!contentType) throw new Malformed('the contentType signed attribute is missing');
  } catch (e) {
    return { valid: false, problems: [{ code: 'malformed', message: `Malformed signature: ${e instanceof Error ? e.message : String(e)}` }] };
  }
  const { signerInfo, signedAttributes, certificates } = parsed;
  try {
    return await checkSignedData(signerInfo, signedAttributes, certificates, content, options, messageDigest, signingTime);
  } catch (e) {
    if (e instanceof ContentUnreadable) throw e.cause;
    // An oddity in a certificate or attribute that slipped past parsing: still a finding, not a crash.
    return { valid: false, signingTime, problems: [{ code: 'malformed', message: `Malformed signature: ${e instanceof Error ? e.message : String(e)}` }] };
  }
}

/** Reading the content failed: an I/O problem of the caller's, not a finding about the signature. */
class ContentUnreadable extends Error {}

async function checkSignedData(
  signerInfo: SignerInfo,
  signedAttributes: Buffer,
  certificates: Buffer[],
  content: ContentSource,
  options: VerifyOptions,
  messageDigest: Buffer,
  signingTime: Date | undefined,
): Promise<VerificationResult> {
  const problems: VerificationProblem[] = [];
  const result = (extra: Partial<VerificationResult> = {}): VerificationResult => ({ valid: problems.length === 0, signingTime, problems, ...extra });

  const certificate = findSignerCertificate(signerInfo, certificates);
  if (!certificate) {
    problems.push({ code: 'no-signer-certificate', message: 'The signature does not include the certificate of its signer' });
    return result();
  }
  let signer: CertificateIdentity;
  let publicKey: KeyObject;
  try {
    signer = describeCertificate(certificate);
    publicKey = new X509Certificate(certificate).publicKey;
  } catch (e) {
    return { valid: false, signingTime, problems: [{ code: 'malformed', message: `Malformed signer certificate: ${e instanceof Error ? e.message : String(e)}` }] };
  }
  const who = `${signer.commonName} (serial ${signer.serialNumber})`;
  const spec = algorithmForSignerInfo(publicKey, signerInfo.digestAlgorithm.algorithm, signerInfo.signatureAlgorithm.algorithm);
  if (!spec) {
    problems.push({
      code: 'unsupported-algorithm',
      message: `Unsupported signature algorithm: key ${publicKey.asymmetricKeyType}${publicKey.asymmetricKeyDetails?.namedCurve ? ' ' + publicKey.asymmetricKeyDetails.namedCurve : ''}, digest ${signerInfo.digestAlgorithm.algorithm}, signature ${signerInfo.signatureAlgorithm.algorithm}`,
    });
    return result({ signer });
  }

  const digest = await digestContent(content, spec.hash).catch((e: unknown) => {
    throw new ContentUnreadable('the content cannot be read', { cause: e });
  });
  if (!digest.equals(messageDigest)) {
    problems.push({ code: 'digest-mismatch', message: `The content does not match the signature: its ${spec.hash} digest differs from the signed one` });
  }
  if (!checkSignature(spec, publicKey, signedAttributes, Buffer.from(signerInfo.signature.buffer))) {
    problems.push({ code: 'bad-signature', message: `The signature value does not verify with the key of ${who}` });
  }
  const essProblem = checkSigningCertificate(signerInfo, certificate);
  if (essProblem) problems.push({ code: 'bad-signature', message: essProblem });

  const chain = buildChain(certificate, certificates, options.trustedRoots);
  if (!chain.ok) problems.push({ code: 'untrusted-chain', message: `The certificate of ${who} is not trusted: ${chain.message}` });

  const at = options.at ?? signingTime ?? new Date();
  for (const cert of chain.ok ? chain.chain : [new X509Certificate(certificate)]) {
    const name = cert.raw.equals(certificate) ? `of ${who}` : `"${describeCertificate(cert.raw).subject}" in its chain`;
    if (at < cert.validFromDate) {
      problems.push({ code: 'not-yet-valid', message: `The certificate ${name} is valid only from ${cert.validFromDate.toISOString()}; the signature is dated ${at.toISOString()}` });
    } else if (at > cert.validToDate) {
      problems.push({ code: 'expired', message: `The certificate ${name} expired on ${cert.validToDate.toISOString()}; the signature is dated ${at.toISOString()}` });
    }
  }
  return result({ signer, algorithm: spec.name });
}
