// RFC 3161 both ways: our TSA judged by `openssl ts -verify`, and our client and verifier
// against `openssl ts -reply` behind a loopback wrapper.
// Runs in: node (vitest), SoftHSM's test PKI (CA only), OpenSSL.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import 'reflect-metadata'; // @peculiar/x509 resolves its services through tsyringe
import * as x509 from '@peculiar/x509';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import { MessageImprint, TimeStampReq } from '@peculiar/asn1-tsp';
import { AlgorithmIdentifier } from '@peculiar/asn1-x509';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOpensslTsa, testTsaPolicy, type OpensslTsa } from '../../../test/support/openssl-tsa';
import { createTestPki, type TestPki } from '../../../test/support/test-pki';
import { KeySigner } from '../key-signer';
import { TimestampAuthority } from './authority';
import { timestampRequest, tokenOfResponse } from './tsp';
import { requestTimestamp, verifyTimestampToken } from './verify';

let pki: TestPki;
let root: Buffer;
let authority: TimestampAuthority;
let opensslTsa: OpensslTsa;
const dir = mkdtempSync(join(tmpdir(), 'edo-tsp-'));
const file = (name: string, bytes?: Buffer) => {
  if (bytes) writeFileSync(join(dir, name), bytes);
  return join(dir, name);
};
const tsaExtensions = (critical: boolean) => [
  new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
  new x509.ExtendedKeyUsageExtension(['1.3.6.1.5.5.7.3.8'], critical),
];

beforeAll(async () => {
  pki = await createTestPki([]);
  root = Buffer.from(pki.caCertificate.rawData);
  const tsa = await pki.issueService('CN=Hub TSA', tsaExtensions(true));
  authority = new TimestampAuthority({
    signer: new KeySigner(tsa.privateKey, Buffer.from(tsa.certificate.rawData)),
    policy: '1.2.643.2.2.38.4',
  });
  opensslTsa = await startOpensslTsa(pki);
});
afterAll(async () => {
  await opensslTsa.close();
  await pki.cleanup();
});

describe('our time-stamp authority', () => {
  it('answers an openssl ts -query with a token openssl ts -verify accepts', async () => {
    const data = file('data.bin', Buffer.from('signature value bytes'));
    execFileSync('openssl', ['ts', '-query', '-data', data, '-sha256', '-cert', '-out', file('q.tsq')]);
    writeFileSync(file('r.tsr'), await authority.respond(readFileSync(file('q.tsq'))));
    const text = execFileSync('openssl', ['ts', '-reply', '-in', file('r.tsr'), '-text'], { encoding: 'utf8' });
    expect(text).toContain('Status: Granted.');
    expect(text).toContain('Policy OID: 1.2.643.2.2.38.4');
    const verified = execFileSync(
      'openssl',
      ['ts', '-verify', '-queryfile', file('q.tsq'), '-in', file('r.tsr'), '-CAfile', pki.caCertificateFile],
      { encoding: 'utf8' },
    );
    expect(verified).toContain('Verification: OK');
    writeFileSync(file('other.bin'), 'other bytes');
    expect(() =>
      execFileSync(
        'openssl',
        ['ts', '-verify', '-data', file('other.bin'), '-in', file('r.tsr'), '-CAfile', pki.caCertificateFile],
        { stdio: 'pipe' },
      ),
    ).toThrow(/imprint mismatch/);
  });

  it('refuses a request that is not one, naming why', async () => {
    const reply = await authority.respond(Buffer.from('not DER'));
    expect(() => tokenOfResponse(reply)).toThrow(/rejection: not a DER TimeStampReq/);
    const cut = new TimeStampReq({
      messageImprint: new MessageImprint({
        hashAlgorithm: new AlgorithmIdentifier({ algorithm: '2.16.840.1.101.3.4.2.1' }),
        hashedMessage: new OctetString(31),
      }),
      certReq: true,
    });
    const answer = await authority.respond(Buffer.from(AsnConvert.serialize(cut)));
    expect(() => tokenOfResponse(answer)).toThrow(/the message imprint has 31 bytes, sha256 has 32/);
  });

  it('its tokens verify with our verifier at their own time; over other data they do not', async () => {
    const data = Buffer.from('a signature value');
    const request = timestampRequest(data);
    const token = tokenOfResponse(await authority.respond(request.der));
    const check = await verifyTimestampToken(token, data, [root]);
    expect(check.ok).toBe(true);
    if (!check.ok) return;
    expect(check.timestamp.tsa.commonName).toBe('Hub TSA');
    expect(check.timestamp.nonce!.equals(request.nonce)).toBe(true);
    expect(Math.abs(check.timestamp.genTime.getTime() - Date.now())).toBeLessThan(60_000);
    expect(await verifyTimestampToken(token, Buffer.from('another'), [root])).toMatchObject({
      ok: false,
      problem: 'the token is over other data',
    });
    expect(await verifyTimestampToken(token, data, [])).toMatchObject({ ok: false });
  });

  it('a TSA certificate whose timeStamping EKU is not critical does not make a valid token', async () => {
    const loose = await pki.issueService('CN=Loose TSA', tsaExtensions(false));
    const looseTsa = new TimestampAuthority({
      signer: new KeySigner(loose.privateKey, Buffer.from(loose.certificate.rawData)),
      policy: '1.2.3',
    });
    const data = Buffer.from('x');
    const token = tokenOfResponse(await looseTsa.respond(timestampRequest(data).der));
    expect(await verifyTimestampToken(token, data, [root])).toMatchObject({
      ok: false,
      problem: "the TSA certificate's extendedKeyUsage is not critical",
    });
  });
});

describe('our client and verifier against openssl ts -reply', () => {
  it('gets a token for its data, checks nonce and imprint, and verifies it', async () => {
    const data = Buffer.from('the SignerInfo signature');
    const token = await requestTimestamp(opensslTsa.url, data);
    const check = await verifyTimestampToken(token, data, [root]);
    expect(check).toMatchObject({
      ok: true,
      timestamp: { policy: testTsaPolicy, tsa: { commonName: 'EDO Clerk Test TSA' } },
    });
    if (check.ok) expect(check.timestamp.imprint.equals(createHash('sha256').update(data).digest())).toBe(true);
  });
});
