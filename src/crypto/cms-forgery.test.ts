// Regressions: received SignedData structures that OpenSSL refuses must not verify here either.
// Each forgery is signed with the victim's real key, so its signature value is genuine and only
// the structure around it is at fault; `openssl cms -verify` checks the same bytes where it
// refuses them too.
import { spawnSync } from 'node:child_process';
import { createHash, createPrivateKey, sign as cryptoSign } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { oids } from './algorithms';
import { signDetached, verifyDetached } from './cms';
import { objectIdentifier, octetString, readChildren, readElement, sequence, setOf, tlv } from './der';
import type { Signer } from './signer';
import { createTestOperator } from '../../test/support/test-operator';

// A self-signed certificate made by OpenSSL stands for the victim (its own trusted root).
const victim = createTestOperator('ECDSA-P256', 'Victim');
const key = createPrivateKey(victim.keyPem);
const signer: Signer = {
  certificate: victim.signer.certificate,
  algorithm: 'ECDSA-P256-SHA256',
  description: 'victim',
  sign: async (data) => cryptoSign('sha256', data, { key, dsaEncoding: 'der' }),
};
const trustedRoots = [victim.signer.certificate];
const genuineContent = Buffer.from('Согласен оплатить 10 рублей');
const forgedContent = Buffer.from('Согласен оплатить 1 000 000 рублей');

const dir = mkdtempSync(join(tmpdir(), 'edo-cms-forgery-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const caFile = join(dir, 'ca.pem');
writeFileSync(caFile, victim.certificatePem);

/** OpenSSL's verdict on `cms` over `content`: the independent check. */
function opensslAccepts(cms: Buffer, content: Buffer): boolean {
  writeFileSync(join(dir, 'sig.p7s'), cms);
  writeFileSync(join(dir, 'content'), content);
  const args = [
    'cms',
    '-verify',
    '-binary',
    '-inform',
    'DER',
    '-in',
    join(dir, 'sig.p7s'),
    '-content',
    join(dir, 'content'),
    '-CAfile',
    caFile,
    '-purpose',
    'any',
    '-out',
    join(dir, 'out'),
  ];
  return spawnSync('openssl', args, { stdio: 'pipe' }).status === 0;
}

/** The ContentInfo's fields, its SignedData's fields and its one SignerInfo's fields. */
function partsOf(cms: Buffer) {
  const contentInfo = readChildren(readElement(cms).contents);
  const signedData = readChildren(readElement(contentInfo[1]!.contents).contents);
  const signerInfo = readChildren(readChildren(signedData.at(-1)!.contents)[0]!.contents);
  return { contentInfo, signedData, signerInfo };
}

const attributesIndex = 3; // version, sid, digestAlgorithm, [0] signedAttrs, signatureAlgorithm, signature

/** The encoded signed attributes of `cms`, one per element. */
const attributesOf = (cms: Buffer) =>
  readChildren(partsOf(cms).signerInfo[attributesIndex]!.contents).map((a) => a.encoded);

/**
 * `cms` rebuilt with its signed attributes replaced (and signed again with the victim's real
 * key) and its SignedData fields before the signerInfos replaced.
 */
function rebuild(
  cms: Buffer,
  edit: { attributes?: Buffer[]; signedDataFields?: (fields: Buffer[]) => Buffer[] },
): Buffer {
  const { contentInfo, signedData, signerInfo } = partsOf(cms);
  const attributes = setOf(edit.attributes ?? attributesOf(cms));
  const signature = cryptoSign('sha256', attributes, { key, dsaEncoding: 'der' });
  const fields = signerInfo.map((e) => e.encoded);
  fields[attributesIndex] = Buffer.concat([Buffer.from([0xa0]), attributes.subarray(1)]);
  fields[fields.length - 1] = octetString(signature);
  const otherFields = signedData.slice(0, -1).map((e) => e.encoded);
  const signedDataFields = [...(edit.signedDataFields?.(otherFields) ?? otherFields), tlv(0x31, sequence(...fields))];
  return sequence(contentInfo[0]!.encoded, tlv(0xa0, sequence(...signedDataFields)));
}

const attribute = (oid: string, ...values: Buffer[]) => sequence(objectIdentifier(oid), setOf(values));
const attributeType = (encoded: Buffer) => readChildren(readElement(encoded).contents)[0]!.encoded;
/** The attributes with the one of type `oid` replaced. */
const replaced = (attributes: Buffer[], oid: string, replacement: Buffer) =>
  attributes.map((a) => (attributeType(a).equals(objectIdentifier(oid)) ? replacement : a));
/** The one value of the attribute of type `oid`. */
const valueOf = (attributes: Buffer[], oid: string) =>
  readChildren(
    readChildren(readElement(attributes.find((a) => attributeType(a).equals(objectIdentifier(oid)))!).contents)[1]!
      .contents,
  )[0]!.encoded;

/** `opensslToo` false: OpenSSL 3 accepts these bytes, RFC 5652 or DER (X.690 10) does not. */
async function expectRefused(cms: Buffer, content: Buffer, message: RegExp, opensslToo = true): Promise<void> {
  const result = await verifyDetached(cms, content, { trustedRoots });
  expect(result.valid).toBe(false);
  expect(result.problems.map((p) => p.code)).toEqual(['malformed']);
  expect(result.problems[0]!.message).toMatch(message);
  if (opensslToo) expect(opensslAccepts(cms, content)).toBe(false);
}

describe('CMS structures OpenSSL refuses', async () => {
  const genuine = await signDetached(genuineContent, signer);
  const genuineAttributes = attributesOf(genuine);
  const sha256 = (data: Buffer) => createHash('sha256').update(data).digest();

  it('rebuilds a genuine signature both verifiers accept (the harness makes valid signature values)', async () => {
    const rebuilt = rebuild(genuine, {});
    expect((await verifyDetached(rebuilt, genuineContent, { trustedRoots })).valid).toBe(true);
    expect(opensslAccepts(rebuilt, genuineContent)).toBe(true);
  });

  it('refuses a SignedData whose genuine SignerInfos are appended after forged ones', async () => {
    // The parser once checked the signature over the trailing (genuine) signed attributes but
    // took messageDigest from the first, forged SignerInfo.
    const bogus = await signDetached(forgedContent, { ...signer, sign: async () => Buffer.alloc(0) });
    const g = partsOf(genuine);
    const b = partsOf(bogus);
    const signerInfo = sequence(...b.signerInfo.slice(0, -1).map((e) => e.encoded), g.signerInfo.at(-1)!.encoded);
    const fields = [
      ...b.signedData.slice(0, -1).map((e) => e.encoded),
      tlv(0x31, signerInfo),
      g.signedData.at(-1)!.encoded,
    ];
    const forged = sequence(b.contentInfo[0]!.encoded, tlv(0xa0, sequence(...fields)));
    await expectRefused(forged, forgedContent, /unexpected 0x31 after its last field/);
  });

  it('refuses a second messageDigest attribute for other content, for either content', async () => {
    const forged = rebuild(genuine, {
      attributes: [...genuineAttributes, attribute(oids.messageDigest, octetString(sha256(forgedContent)))],
    });
    for (const content of [genuineContent, forgedContent])
      await expectRefused(
        forged,
        content,
        /signed attribute messageDigest \(1\.2\.840\.113549\.1\.9\.4\) appears more than once/,
      );
  });

  it('refuses any repeated attribute type, known to OpenSSL or not', async () => {
    const unknown = '1.2.643.100.999';
    const forged = rebuild(genuine, {
      attributes: [
        ...genuineAttributes,
        attribute(unknown, tlv(0x0c, Buffer.from('a'))),
        attribute(unknown, tlv(0x0c, Buffer.from('b'))),
      ],
    });
    await expectRefused(forged, genuineContent, /signed attribute 1\.2\.643\.100\.999 appears more than once/, false);
  });

  it.each([
    ['contentType', oids.contentType, objectIdentifier('1.2.840.113549.1.7.2')],
    ['messageDigest', oids.messageDigest, octetString(sha256(forgedContent))],
    ['signingTime', oids.signingTime, tlv(0x17, Buffer.from('300101000000Z'))],
    ['signingCertificateV2', oids.signingCertificateV2, sequence(sequence())],
  ])('refuses a %s attribute with two values', async (name, oid, second) => {
    const forged = rebuild(genuine, {
      attributes: replaced(genuineAttributes, oid, attribute(oid, valueOf(genuineAttributes, oid), second)),
    });
    await expectRefused(
      forged,
      genuineContent,
      new RegExp(`signed attribute ${name} \\(${oid.replaceAll('.', '\\.')}\\) must have exactly one value, found 2`),
    );
  });

  it('refuses a contentType attribute other than the eContentType', async () => {
    const forged = rebuild(genuine, {
      attributes: replaced(
        genuineAttributes,
        oids.contentType,
        attribute(oids.contentType, objectIdentifier(oids.signedData)),
      ),
    });
    await expectRefused(
      forged,
      genuineContent,
      /contentType signed attribute 1\.2\.840\.113549\.1\.7\.2 differs from the eContentType 1\.2\.840\.113549\.1\.7\.1/,
      false,
    );
  });

  it('refuses a SignerInfo digest algorithm missing from the SignedData digestAlgorithms', async () => {
    const forged = rebuild(genuine, {
      signedDataFields: ([version, , ...rest]) => [version!, setOf([sequence(objectIdentifier(oids.sha384))]), ...rest],
    });
    await expectRefused(
      forged,
      genuineContent,
      /digest algorithm 2\.16\.840\.1\.101\.3\.4\.2\.1 is not among the SignedData's digestAlgorithms \(2\.16\.840\.1\.101\.3\.4\.2\.2\)/,
    );
  });

  it('refuses bytes after the ContentInfo', async () => {
    await expectRefused(
      Buffer.concat([genuine, Buffer.from([0x00])]),
      genuineContent,
      /1 bytes follow the ContentInfo/,
      false,
    );
  });

  it('refuses a non-minimal length outside the signed bytes', async () => {
    // The ContentInfo's long-form length with a leading zero octet: the same value, another byte form.
    const header = genuine[1]! & 0x7f;
    const padded = Buffer.concat([Buffer.from([0x30, 0x80 | (header + 1), 0x00]), genuine.subarray(2)]);
    await expectRefused(padded, genuineContent, /non-minimal DER length encoding/, false);
  });

  it('refuses a non-minimal length inside the signed attributes', async () => {
    const digest = sha256(genuineContent);
    const longForm = Buffer.concat([Buffer.from([0x04, 0x81, digest.length]), digest]);
    const forged = rebuild(genuine, {
      attributes: replaced(genuineAttributes, oids.messageDigest, attribute(oids.messageDigest, longForm)),
    });
    await expectRefused(forged, genuineContent, /non-minimal DER length encoding \(2 octets for length 32\)/);
  });
});
