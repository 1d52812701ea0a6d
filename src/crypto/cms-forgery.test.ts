// Regression: a forged SignedData that carries the victim's genuine SignerInfos as an extra
// trailing element must not verify. The parser once checked the signature over the trailing
// (genuine) signed attributes but took messageDigest from the first, forged SignerInfo.
import { createPrivateKey, sign as cryptoSign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signDetached, verifyDetached } from './cms';
import { readChildren, readElement, sequence, tlv } from './der';
import type { Signer } from './signer';
import { createTestOperator } from '../../test/support/test-operator';

describe('CMS forgery with a trailing element', () => {
  it('refuses a SignedData whose genuine SignerInfos are appended after forged ones', async () => {
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
    const genuine = await signDetached(genuineContent, signer);
    expect((await verifyDetached(genuine, genuineContent, { trustedRoots })).valid).toBe(true);

    const forgedContent = Buffer.from('Согласен оплатить 1 000 000 рублей');
    const bogus = await signDetached(forgedContent, { ...signer, sign: async () => Buffer.alloc(0) });
    const parts = (cms: Buffer) => {
      const [oid, explicit] = readChildren(readElement(cms).contents);
      return { oid: oid!, fields: readChildren(readElement(explicit!.contents).contents) };
    };
    const g = parts(genuine);
    const b = parts(bogus);
    const forgedInfo = readChildren(readChildren(b.fields.at(-1)!.contents)[0]!.contents);
    const genuineInfo = readChildren(readChildren(g.fields.at(-1)!.contents)[0]!.contents);
    // The forged SignerInfo: forged messageDigest, the victim's genuine signature value.
    const signerInfo = sequence(...forgedInfo.slice(0, -1).map((e) => e.encoded), genuineInfo.at(-1)!.encoded);
    const fields = [...b.fields.slice(0, -1).map((e) => e.encoded), tlv(0x31, signerInfo), g.fields.at(-1)!.encoded];
    const forged = sequence(b.oid.encoded, tlv(0xa0, sequence(...fields)));

    const result = await verifyDetached(forged, forgedContent, { trustedRoots });
    expect(result.valid).toBe(false);
    expect(result.problems[0]?.code).toBe('malformed');
  });
});
