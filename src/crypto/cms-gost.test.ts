// GOST R 34.10-2012 CMS both ways against OpenSSL with Debian's GOST engine: keys and
// certificates made only by OpenSSL (a CA and a user, 256 and 512 bit, CryptoPro and tc26
// parameter sets, the Edwards ones included), our signatures pass `openssl cms -verify`, and
// OpenSSL's `cms -sign` (with and without -cades) passes verifyDetached; a changed byte fails both.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  opensslGostPki,
  opensslGostSign,
  opensslGostVerify,
  type OpensslGostPki,
} from '../../test/support/openssl-gost';
import { opensslGost } from '../../test/support/system';
import { algorithmForSignerInfo, algorithmTitle, oids } from './algorithms';
import { objectIdentifier, readChildren, readElement, tlv } from './der';
import { signDetached, verifyDetached } from './cms';
import { publicKeyOf } from './gost3410';
import { isGostPrivateKey, KeySigner } from './key-signer';
import { readPrivateKey } from './private-keys';
import { readSignedData } from './signed-data';

/** `der` re-encoded with every element equal to `from` replaced by `to`, the lengths around it fixed. */
function replaceElement(der: Buffer, from: Buffer, to: Buffer): Buffer {
  const element = readElement(der);
  if (element.encoded.equals(from)) return to;
  if (!(element.tag & 0x20)) return element.encoded;
  return tlv(element.tag, ...readChildren(element.contents).map((child) => replaceElement(child.encoded, from, to)));
}

const gost = opensslGost();

const cases = [
  { bits: 256, paramset: 'A', name: 'CryptoPro A' },
  { bits: 256, paramset: 'TCA', name: 'tc26 256 A (Edwards)' },
  { bits: 256, paramset: 'XB', name: 'CryptoPro XchB' },
  { bits: 512, paramset: 'A', name: 'tc26 512 A' },
  { bits: 512, paramset: 'C', name: 'tc26 512 C (Edwards)' },
] as const;

describe.skipIf(!gost.ok)(`GOST R 34.10-2012 CMS against OpenSSL's GOST engine ${gost.reason}`, () => {
  let dir: string;
  let documentPath: string;
  const document = Buffer.concat([Buffer.from('Счёт-фактура № 42 от 02.12.2026\n'), randomBytes(70_000)]);

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'edo-cms-gost-'));
    documentPath = join(dir, 'document.bin');
    writeFileSync(documentPath, document);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const opensslPki = (bits: 256 | 512, paramset: string) => opensslGostPki(dir, bits, paramset);

  function opensslVerify(cms: Buffer, caFile: string, content = documentPath) {
    const file = join(dir, `${randomBytes(4).toString('hex')}.p7s`);
    writeFileSync(file, cms);
    return opensslGostVerify(file, content, caFile);
  }

  describe.each(cases)('$bits bit, $name', ({ bits, paramset }) => {
    let pki: OpensslGostPki;
    beforeAll(() => {
      pki = opensslPki(bits, paramset);
    });

    it('our signature with the OpenSSL-made key passes openssl cms -verify, and fails it with a changed byte', async () => {
      const signer = new KeySigner(readPrivateKey(readFileSync(pki.userKey)), pki.user);
      expect(signer.algorithm).toBe(`GOST2012-${bits}`);
      const cms = await signDetached({ path: documentPath }, signer);
      const accepted = opensslVerify(cms, pki.caFile);
      expect(accepted.stderr).toContain('Verification successful');
      const ours = await verifyDetached(cms, document, { trustedRoots: [pki.ca] });
      expect(ours.problems).toEqual([]);
      expect(ours.valid).toBe(true);
      expect(ours.algorithm).toBe(`GOST2012-${bits}`);

      // What OpenSSL and Bouncy Castle write: Streebog OID + NULL, the key OID + NULL.
      const { signerInfo } = readSignedData(cms);
      expect(signerInfo.digestAlgorithm).toBe(bits === 256 ? oids.streebog256 : oids.streebog512);
      expect(signerInfo.signatureAlgorithm).toBe(bits === 256 ? oids.key256 : oids.key512);
      expect(
        cms.includes(
          Buffer.concat([Buffer.from('06082a850307010102', 'hex'), Buffer.from([bits === 256 ? 2 : 3, 0x05, 0x00])]),
        ),
      ).toBe(true);
      expect(signerInfo.signature.length).toBe(bits / 4);

      const changedDocument = Buffer.from(document);
      changedDocument[1000]! ^= 1;
      const changedPath = join(dir, 'changed.bin');
      writeFileSync(changedPath, changedDocument);
      expect(opensslVerify(cms, pki.caFile, changedPath).status).not.toBe(0);
      expect(
        (await verifyDetached(cms, changedDocument, { trustedRoots: [pki.ca] })).problems.map((p) => p.code),
      ).toEqual(['digest-mismatch']);

      const changedSignature = Buffer.from(cms);
      const at = changedSignature.indexOf(signerInfo.signature) + 10;
      changedSignature[at]! ^= 0x01;
      expect(opensslVerify(changedSignature, pki.caFile).status).not.toBe(0);
      expect(
        (await verifyDetached(changedSignature, document, { trustedRoots: [pki.ca] })).problems.map((p) => p.code),
      ).toEqual(['bad-signature']);
    });

    it.each([false, true])(
      "OpenSSL's cms -sign (cades: %s) passes verifyDetached; a changed byte fails it",
      async (cades) => {
        const cms = opensslGostSign(pki, documentPath, join(dir, `openssl-${bits}-${paramset}-${cades}.p7s`), {
          cades,
        });
        const result = await verifyDetached(cms, { path: documentPath }, { trustedRoots: [pki.ca] });
        expect(result.problems).toEqual([]);
        expect(result.valid).toBe(true);
        expect(result.signer?.commonName).toBe('Иванова Мария Петровна');
        const changed = Buffer.from(document);
        changed[0]! ^= 0x80;
        expect((await verifyDetached(cms, changed, { trustedRoots: [pki.ca] })).valid).toBe(false);
        // A foreign CA: the chain, not the signature, is refused.
        const stranger = opensslPki(bits, paramset);
        expect(
          (await verifyDetached(cms, document, { trustedRoots: [stranger.ca] })).problems.map((p) => p.code),
        ).toEqual(['untrusted-chain']);
      },
    );
  });

  it('accepts the sign-with-digest OID in the SignerInfo, as OpenSSL does', async () => {
    const pki = opensslPki(256, 'B');
    const cms = await signDetached(document, new KeySigner(readPrivateKey(readFileSync(pki.userKey)), pki.user));
    const keyOid = Buffer.from('06082a85030701010101', 'hex');
    const signWithDigest = Buffer.from('06082a85030701010302', 'hex');
    const at = cms.lastIndexOf(keyOid);
    const swapped = Buffer.concat([cms.subarray(0, at), signWithDigest, cms.subarray(at + keyOid.length)]);
    expect(readSignedData(swapped).signerInfo.signatureAlgorithm).toBe(oids.signWithDigest256);
    expect(opensslVerify(swapped, pki.caFile).stderr).toContain('Verification successful');
    expect((await verifyDetached(swapped, document, { trustedRoots: [pki.ca] })).valid).toBe(true);
  });

  it("says plainly that Kazakhstan's GOST 34.10-2015 (NCA RK OIDs) is not supported yet, never valid", async () => {
    const pki = opensslPki(256, 'A');
    const cms = await signDetached(document, new KeySigner(readPrivateKey(readFileSync(pki.userKey)), pki.user));
    for (const oid of ['1.2.398.3.10.1.1.2.3.1', '1.2.398.3.10.1.1.2.3.2']) {
      const kazakh = replaceElement(cms, objectIdentifier(oids.key256), objectIdentifier(oid));
      expect(readSignedData(kazakh).signerInfo.signatureAlgorithm).toBe(oid);
      const result = await verifyDetached(kazakh, document, { trustedRoots: [pki.ca] });
      expect(result.valid).toBe(false);
      expect(result.problems).toEqual([
        {
          code: 'unsupported-algorithm',
          message: `The signature algorithm GOST 34.10-2015 of Kazakhstan (NCA RK, ${oid}) is not supported yet`,
        },
      ]);
    }
  });

  it('names the algorithms as a clerk reads them', () => {
    expect(algorithmTitle('GOST2012-256')).toBe('ГОСТ Р 34.10-2012, 256 бит');
    expect(algorithmTitle('GOST2012-512', 'kk')).toBe('ГОСТ Р 34.10-2012, 512 бит');
    expect(algorithmTitle('GOST2012-256', 'en')).toBe('GOST R 34.10-2012, 256 bits');
  });

  it('does not take a GOST SignerInfo for a 512-bit key with the 256-bit OIDs', () => {
    const key = readPrivateKey(readFileSync(opensslPki(512, 'B').userKey));
    if (!isGostPrivateKey(key)) throw new Error('a GOST key expected');
    expect(key.curve.bits).toBe(512);
    const publicKey = publicKeyOf(key);
    expect(algorithmForSignerInfo(publicKey, oids.streebog256, oids.key256)).toBeUndefined();
    expect(algorithmForSignerInfo(publicKey, oids.streebog512, oids.signWithDigest512)?.name).toBe('GOST2012-512');
  });
});
