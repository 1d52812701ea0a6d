// Detached CMS SignedData with CAdES-BES signed attributes (docs/architecture.md §7): what a document,
// a service document or an authentication nonce is signed with, and how a received signature
// is checked. Built by hand with DER helpers so that the bytes signed are exactly the bytes
// sent; read straight from the DER (signed-data.ts); verified with node:crypto.
import { createHash, type X509Certificate } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import { AlgorithmIdentifier, Time } from '@peculiar/asn1-x509';
import {
  algorithmForKey,
  algorithmForSignerInfo,
  algorithmSpec,
  describeKey,
  isKazakhGostOid,
  oids,
  verifyWithKey,
  type AlgorithmSpec,
  type PublicKey,
} from './algorithms';
import {
  chainOf,
  describeCertificate,
  issuerAndSerial,
  knownCertificate,
  type CertificateIdentity,
  type KnownCertificate,
} from './certificates';
import { objectIdentifier, octetString, readChildren, readElement, sequence, setOf, tlv } from './der';
import { createDigest, digestContent, type ContentSource, type DigestAlgorithm } from './digest';
import { keyAlgorithmOid, spkiOfCertificate } from './gost-keys';
import {
  attributeValue,
  Malformed,
  readSignedData,
  type ReceivedSignature,
  type ReceivedSignerInfo,
} from './signed-data';
import type { SignatureAlgorithm, Signer } from './signer';
import type { SignatureProblem } from '../vocabulary';

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

/** UTCTime until 2049, GeneralizedTime after (RFC 5652 11.3, RFC 5280 4.1.2.5), whole seconds. */
export function encodeTime(date: Date): Buffer {
  const iso = date.toISOString(); // 2026-11-22T16:48:31.123Z
  const digits = iso.slice(0, 19).replace(/[-T:]/g, '');
  const year = date.getUTCFullYear();
  return year >= 1950 && year < 2050
    ? tlv(0x17, Buffer.from(`${digits.slice(2)}Z`, 'ascii'))
    : tlv(0x18, Buffer.from(`${digits}Z`, 'ascii'));
}

/**
 * ESS SigningCertificateV2 (RFC 5035) with one ESSCertIDv2 and IssuerSerial: SHA-256 (the
 * default, so omitted), or for GOST the signature's Streebog, named with NULL as OpenSSL's
 * -cades writes it.
 */
function signingCertificateV2(certificate: Buffer, spec: AlgorithmSpec): Buffer {
  const { issuer, serial } = issuerAndSerial(certificate);
  const gost = spec.keyType === 'gost';
  const issuerSerial = sequence(sequence(tlv(0xa4, issuer)), serial);
  const hashAlgorithm = gost ? [algorithmIdentifier(spec.digestOid, true)] : [];
  return sequence(
    sequence(sequence(...hashAlgorithm, octetString(hashOf(gost ? spec.hash : 'sha256', certificate)), issuerSerial)),
  );
}

function hashOf(hash: DigestAlgorithm | 'sha512', data: Buffer): Buffer {
  if (hash === 'sha512') return createHash(hash).update(data).digest();
  const digest = createDigest(hash);
  digest.update(data);
  return digest.digest();
}

export interface SignOptions {
  /** Default: now. */
  signingTime?: Date;
  /** More certificates for the CMS certificates set (intermediate CAs), after the signer's. */
  certificates?: Buffer[];
  /** Carry the content (a Buffer) inside, of this content type: a timestamp token's TSTInfo. */
  encapsulate?: { contentType: string };
}

/** Signs `content` (hashed as a stream) into a DER ContentInfo holding a detached SignedData with one SignerInfo. */
export async function signDetached(content: ContentSource, signer: Signer, options: SignOptions = {}): Promise<Buffer> {
  const spec = algorithmSpec(signer.algorithm);
  const certificate = signer.certificate;
  const keySpec = algorithmForKey(spkiOfCertificate(certificate));
  if (keySpec?.name !== spec.name) {
    throw new Error(`The signer's certificate key does not fit its algorithm ${spec.name} (${signer.description})`);
  }
  const digest = await digestContent(content, spec.hash);
  const signedAttributes = setOf([
    attribute(oids.contentType, objectIdentifier(options.encapsulate?.contentType ?? oids.data)),
    attribute(oids.signingTime, encodeTime(options.signingTime ?? new Date())),
    attribute(oids.messageDigest, octetString(digest)),
    attribute(oids.signingCertificateV2, signingCertificateV2(certificate, spec)),
  ]);
  // The signature covers the attributes as a SET (tag 0x31); the SignerInfo carries them as [0] IMPLICIT.
  const signature = await signer.sign(signedAttributes);
  const { issuer, serial } = issuerAndSerial(certificate);
  const signerInfo = sequence(
    integerOne,
    sequence(issuer, serial),
    algorithmIdentifier(spec.digestOid, spec.digestNullParameters),
    Buffer.concat([Buffer.from([0xa0]), signedAttributes.subarray(1)]),
    algorithmIdentifier(spec.signatureOid, spec.nullParameters),
    octetString(signature),
  );
  const signedData = sequence(
    integerOne,
    setOf([algorithmIdentifier(spec.digestOid, spec.digestNullParameters)]),
    encapContentInfo(content, options.encapsulate?.contentType),
    tlv(0xa0, certificate, ...(options.certificates ?? []).filter((c) => !c.equals(certificate))),
    setOf([signerInfo]),
  );
  return sequence(objectIdentifier(oids.signedData), tlv(0xa0, signedData));
}

function encapContentInfo(content: ContentSource, contentType: string | undefined): Buffer {
  if (!contentType) return sequence(objectIdentifier(oids.data));
  if (!Buffer.isBuffer(content)) throw new Error('Encapsulated content must be a Buffer');
  return sequence(objectIdentifier(contentType), tlv(0xa0, octetString(content)));
}

/** The codes are the clerk's vocabulary (src/vocabulary): the store keeps them, the UI labels them. */
export type VerificationProblemCode = SignatureProblem;

export interface VerificationProblem {
  code: VerificationProblemCode;
  message: string;
}

export interface VerificationResult {
  valid: boolean;
  signer?: CertificateIdentity;
  signingTime?: Date;
  algorithm?: SignatureAlgorithm;
  /** The signer's certificate path when it chains to a trusted root: signer first, root last (DER). */
  chain?: Buffer[];
  problems: VerificationProblem[];
}

export interface VerifyOptions {
  /** DER certificates of the trusted roots. */
  trustedRoots: Buffer[];
  /** When the certificates must have been valid. Default: the signingTime attribute, else now. */
  at?: Date;
}

/**
 * The signingTime attribute's date. DER's two forms (UTCTime YYMMDDHHMMSSZ, GeneralizedTime
 * YYYYMMDDHHMMSSZ) are read directly; anything else goes to @peculiar/asn1-x509's Time.
 */
function signingTimeOf(value: Buffer): Date {
  const element = readElement(value);
  const text = element.contents.toString('latin1');
  const utc = element.tag === 0x17 && /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  const generalized = element.tag === 0x18 && /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  const digits = (utc || generalized || undefined)?.slice(1).map(Number);
  if (!digits) return AsnConvert.parse(value, Time).getTime();
  const [year, month, day, hour, minute, second] = digits as [number, number, number, number, number, number];
  // RFC 5280 4.1.2.5.1: a UTCTime year YY >= 50 is 19YY.
  return new Date(Date.UTC(utc ? (year >= 50 ? 1900 : 2000) + year : year, month - 1, day, hour, minute, second));
}

/** The certificate the SignerInfo's sid names; undefined when none matches or the sid is unreadable. */
function findSignerCertificate(
  signerInfo: ReceivedSignerInfo,
  certificates: KnownCertificate[],
): KnownCertificate | undefined {
  const sid = signerInfo.sid;
  for (const certificate of certificates) {
    try {
      if ('issuer' in sid) {
        const { issuer, serial } = certificate.issuerAndSerial();
        if (readElement(serial).contents.equals(sid.serialNumber) && issuer.equals(sid.issuer)) return certificate;
      } else if (certificate.subjectKeyIdentifier()?.equals(sid.subjectKeyIdentifier)) {
        return certificate;
      }
    } catch {
      // Unreadable: not the signer's.
    }
  }
  return undefined;
}

const essHashes: Record<string, DigestAlgorithm | 'sha512'> = {
  [oids.sha256]: 'sha256',
  [oids.sha384]: 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
  [oids.streebog256]: 'streebog256',
  [oids.streebog512]: 'streebog512',
};

/** CAdES binds the signer certificate by hash (signingCertificateV2); a mismatch is a substituted certificate. */
function checkSigningCertificate(signerInfo: ReceivedSignerInfo, certificate: KnownCertificate): string | undefined {
  const value = attributeValue(signerInfo, oids.signingCertificateV2);
  if (!value) return undefined;
  try {
    const [certs] = readChildren(readElement(value).contents);
    const [essCertId] = readChildren(certs!.contents);
    const fields = readChildren(essCertId!.contents);
    let hash: DigestAlgorithm | 'sha512' | undefined = 'sha256';
    if (fields[0]!.tag === 0x30) {
      const oid = AsnConvert.parse(fields.shift()!.encoded, AlgorithmIdentifier).algorithm;
      hash = essHashes[oid];
      if (!hash) return `The signingCertificateV2 attribute uses an unsupported hash ${oid}`;
    }
    const certHash = fields[0]!;
    const expected = hash === 'sha256' ? certificate.sha256() : hashOf(hash, certificate.der);
    if (certHash.tag !== 0x04 || !certHash.contents.equals(expected)) {
      return "The signingCertificateV2 attribute names another certificate than the one included as the signer's";
    }
    return undefined;
  } catch (e) {
    return `The signingCertificateV2 attribute is unreadable: ${e instanceof Error ? e.message : String(e)}`;
  }
}

/**
 * Kazakhstan's GOST 34.10-2015 (NCA RK OIDs 1.2.398.3.10.1.1.2.*), by the key or the
 * SignerInfo: its byte order is unproven against NCA's own software, so no answer may be
 * "valid" until it is.
 */
function kazakhAlgorithm(signerInfo: ReceivedSignerInfo, certificate: KnownCertificate): string | undefined {
  const oid = [keyAlgorithmOid(spkiOfCertificate(certificate.der)), signerInfo.signatureAlgorithm].find(
    isKazakhGostOid,
  );
  return oid ? `GOST 34.10-2015 of Kazakhstan (NCA RK, ${oid})` : undefined;
}

/**
 * Checks a detached CMS signature over `content`: the message digest, the signature, the
 * chain to `trustedRoots`, and the certificates' validity at the signing time. Never throws
 * for bad input: every finding is a problem in the result. Throws only the I/O error of
 * content that cannot be read (a missing file).
 */
export async function verifyDetached(
  cms: Buffer,
  content: ContentSource,
  options: VerifyOptions,
): Promise<VerificationResult> {
  return verifySignedData(cms, content, options);
}

/** verifyDetached for a SignedData that carries its content (a timestamp token): the result names the content and its type. */
export async function verifyEncapsulated(
  cms: Buffer,
  options: VerifyOptions,
): Promise<VerificationResult & { content?: Buffer; contentType?: string }> {
  return verifySignedData(cms, undefined, options);
}

async function verifySignedData(
  cms: Buffer,
  detached: ContentSource | undefined,
  options: VerifyOptions,
): Promise<VerificationResult & { content?: Buffer; contentType?: string }> {
  let parsed: ReceivedSignature;
  let signingTime: Date | undefined;
  let messageDigest: Buffer;
  try {
    // A private copy: what is read from it is used after the content is hashed, and the caller may reuse its buffer meanwhile.
    parsed = readSignedData(Buffer.from(cms), detached === undefined);
    const timeValue = attributeValue(parsed.signerInfo, oids.signingTime);
    signingTime = timeValue ? signingTimeOf(timeValue) : undefined;
    const digestValue = attributeValue(parsed.signerInfo, oids.messageDigest);
    if (!digestValue) throw new Malformed('the messageDigest signed attribute is missing');
    const digestElement = readElement(digestValue);
    if (digestElement.tag !== 0x04) throw new Malformed('the messageDigest signed attribute is not an OCTET STRING');
    messageDigest = digestElement.contents;
  } catch (e) {
    return {
      valid: false,
      problems: [{ code: 'malformed', message: `Malformed signature: ${e instanceof Error ? e.message : String(e)}` }],
    };
  }
  const { signerInfo, signedAttributes, certificates } = parsed;
  const content = detached ?? parsed.content!;
  try {
    const result = await checkSignedData(
      signerInfo,
      signedAttributes,
      certificates,
      content,
      options,
      messageDigest,
      signingTime,
    );
    return detached === undefined ? { ...result, content: parsed.content, contentType: parsed.eContentType } : result;
  } catch (e) {
    if (e instanceof ContentUnreadable) throw e.cause;
    // An oddity in a certificate or attribute that slipped past parsing: still a finding, not a crash.
    return {
      valid: false,
      signingTime,
      problems: [{ code: 'malformed', message: `Malformed signature: ${e instanceof Error ? e.message : String(e)}` }],
    };
  }
}

/** Reading the content failed: an I/O problem of the caller's, not a finding about the signature. */
class ContentUnreadable extends Error {}

async function checkSignedData(
  signerInfo: ReceivedSignerInfo,
  signedAttributes: Buffer,
  certificates: KnownCertificate[],
  content: ContentSource,
  options: VerifyOptions,
  messageDigest: Buffer,
  signingTime: Date | undefined,
): Promise<VerificationResult> {
  const problems: VerificationProblem[] = [];
  const result = (extra: Partial<VerificationResult> = {}): VerificationResult => ({
    valid: problems.length === 0,
    signingTime,
    problems,
    ...extra,
  });

  const certificate = findSignerCertificate(signerInfo, certificates);
  if (!certificate) {
    problems.push({
      code: 'no-signer-certificate',
      message: 'The signature does not include the certificate of its signer',
    });
    return result();
  }
  let signer: CertificateIdentity;
  let publicKey: PublicKey;
  const kazakh = kazakhAlgorithm(signerInfo, certificate);
  if (kazakh) {
    problems.push({ code: 'unsupported-algorithm', message: `The signature algorithm ${kazakh} is not supported yet` });
    return result({ signer: certificate.identity() });
  }
  try {
    signer = certificate.identity();
    publicKey = certificate.publicKey();
  } catch (e) {
    return {
      valid: false,
      signingTime,
      problems: [
        { code: 'malformed', message: `Malformed signer certificate: ${e instanceof Error ? e.message : String(e)}` },
      ],
    };
  }
  const who = `${signer.commonName} (serial ${signer.serialNumber})`;
  const spec = algorithmForSignerInfo(publicKey, signerInfo.digestAlgorithm, signerInfo.signatureAlgorithm);
  if (!spec) {
    problems.push({
      code: 'unsupported-algorithm',
      message: `Unsupported signature algorithm: key ${describeKey(publicKey)}, digest ${signerInfo.digestAlgorithm}, signature ${signerInfo.signatureAlgorithm}`,
    });
    return result({ signer });
  }

  const digest = await digestContent(content, spec.hash).catch((e: unknown) => {
    throw new ContentUnreadable('the content cannot be read', { cause: e });
  });
  if (!digest.equals(messageDigest)) {
    problems.push({
      code: 'digest-mismatch',
      message: `The content does not match the signature: its ${spec.hash} digest differs from the signed one`,
    });
  }
  if (!verifyWithKey(spec, publicKey, signedAttributes, signerInfo.signature)) {
    problems.push({ code: 'bad-signature', message: `The signature value does not verify with the key of ${who}` });
  }
  const essProblem = checkSigningCertificate(signerInfo, certificate);
  if (essProblem) problems.push({ code: 'bad-signature', message: essProblem });

  const chain = chainOf(certificate, certificates, options.trustedRoots.map(knownCertificate));
  if (!chain.ok)
    problems.push({ code: 'untrusted-chain', message: `The certificate of ${who} is not trusted: ${chain.message}` });

  const at = options.at ?? signingTime ?? new Date();
  // Named only when at fault: describing a CA certificate costs a parse.
  const name = (cert: X509Certificate) =>
    cert.raw.equals(certificate.der) ? `of ${who}` : `"${describeCertificate(cert.raw).subject}" in its chain`;
  for (const cert of chain.ok ? chain.chain : [certificate.x509()]) {
    if (at < cert.validFromDate) {
      problems.push({
        code: 'not-yet-valid',
        message: `The certificate ${name(cert)} is valid only from ${cert.validFromDate.toISOString()}; the signature is dated ${at.toISOString()}`,
      });
    } else if (at > cert.validToDate) {
      problems.push({
        code: 'expired',
        message: `The certificate ${name(cert)} expired on ${cert.validToDate.toISOString()}; the signature is dated ${at.toISOString()}`,
      });
    }
  }
  return result({ signer, algorithm: spec.name, chain: chain.ok ? chain.chain.map((c) => c.raw) : undefined });
}
