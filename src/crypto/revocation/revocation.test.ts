// Certificate status against OpenSSL's own OCSP responder and CRLs (test/support), with
// OpenSSL as the judge of what they say.
// Runs in: node (vitest), SoftHSM's test PKI, OpenSSL on loopback.
import { execFileSync } from 'node:child_process';
import { X509Certificate, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPki, samplePeople, type TestPki } from '../../../test/support/test-pki';
import { RevocationChecker } from './checker';

let pki: TestPki;
let root: Buffer;
const der = (c: { rawData: ArrayBuffer }) => Buffer.from(c.rawData);
const newCertificate = async (validity?: { notBefore?: Date; notAfter?: Date }) =>
  der(
    await pki.issue(generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey, samplePeople.ivanova, validity),
  );
const serialOf = (certificate: Buffer) => new X509Certificate(certificate).serialNumber;

beforeAll(async () => {
  pki = await createTestPki([], { revocation: true });
  root = der(pki.caCertificate);
});
afterAll(() => pki.cleanup());

const services = () => pki.revocation!;

describe('OCSP', () => {
  it('a certificate in good standing is good, by the delegated responder, with the response kept', async () => {
    const leaf = await newCertificate();
    const status = await new RevocationChecker().checkChain([leaf, root], new Date());
    expect(status.status).toBe('good');
    const [first] = status.certificates;
    expect(first).toMatchObject({
      status: 'good',
      evidence: { source: 'ocsp', by: 'CN=EDO Clerk Test OCSP Responder', from: services().ocspUrl },
    });
    expect(first!.evidence!.producedAt.getTime()).toBeLessThanOrEqual(Date.now() + 1000);
  });

  it('a certificate revoked before the time that counts is revoked, with reason and date; OpenSSL agrees', async () => {
    const leaf = await newCertificate();
    const revokedAt = new Date(Math.floor(Date.now() / 1000) * 1000 - 60_000);
    services().revoke(serialOf(leaf), 'keyCompromise', revokedAt);
    const status = await new RevocationChecker().checkChain([leaf, root], new Date());
    expect(status.status).toBe('revoked');
    expect(status.certificates[0]).toMatchObject({
      status: 'revoked',
      revocation: { reason: 'keyCompromise', at: revokedAt },
      evidence: { source: 'ocsp' },
    });
    const dir = mkdtempSync(join(tmpdir(), 'edo-ocsp-'));
    writeFileSync(join(dir, 'leaf.der'), leaf);
    execFileSync('openssl', ['x509', '-inform', 'DER', '-in', join(dir, 'leaf.der'), '-out', join(dir, 'leaf.pem')]);
    expect(() =>
      execFileSync(
        'openssl',
        [
          'verify',
          '-crl_check',
          '-CAfile',
          pki.caCertificateFile,
          '-CRLfile',
          services().crlFile,
          join(dir, 'leaf.pem'),
        ],
        { stdio: 'pipe' },
      ),
    ).toThrow(/revoked/);
  });

  it('a signature made before the revocation stays good, and the evidence shows the revocation', async () => {
    const leaf = await newCertificate();
    services().revoke(serialOf(leaf), 'superseded');
    const signedAt = new Date(Date.now() - 30 * 60_000);
    const status = await new RevocationChecker().checkChain([leaf, root], signedAt);
    expect(status.status).toBe('good');
    expect(status.certificates[0]).toMatchObject({
      status: 'good',
      revocation: { reason: 'superseded' },
      evidence: { source: 'ocsp' },
    });
  });
});

describe("the OCSP cache (ocspCacheSeconds, the hub's)", () => {
  it('a burst of checks of one certificate asks once, concurrent ones included; another certificate asks for itself', async () => {
    const leaf = await newCertificate();
    const other = await newCertificate();
    const checker = new RevocationChecker({ ocspCacheSeconds: 600 });
    const before = services().requests.ocsp;
    const burst = await Promise.all(Array.from({ length: 5 }, () => checker.checkChain([leaf, root], new Date())));
    expect(burst.map((s) => s.status)).toEqual(Array(5).fill('good'));
    expect((await checker.checkChain([leaf, root], new Date())).certificates[0]).toMatchObject({
      status: 'good',
      evidence: { source: 'ocsp', from: services().ocspUrl },
    });
    expect(services().requests.ocsp).toBe(before + 1);
    await checker.checkChain([other, root], new Date());
    expect(services().requests.ocsp).toBe(before + 2);
    // Without the setting (a clerk's session) every check asks.
    const uncached = new RevocationChecker();
    await uncached.checkChain([leaf, root], new Date());
    await uncached.checkChain([leaf, root], new Date());
    expect(services().requests.ocsp).toBe(before + 4);
  });

  it('a revoked answer is reused too; a responder that fails is asked again next time', async () => {
    const revoked = await newCertificate();
    services().revoke(serialOf(revoked), 'keyCompromise', new Date(Date.now() - 60_000));
    const checker = new RevocationChecker({ ocspCacheSeconds: 600 });
    const before = services().requests.ocsp;
    for (let i = 0; i < 3; i++)
      expect((await checker.checkChain([revoked, root], new Date())).certificates[0]).toMatchObject({
        status: 'revoked',
        evidence: { source: 'ocsp' },
      });
    expect(services().requests.ocsp).toBe(before + 1);

    const leaf = await newCertificate();
    services().setAvailable(false);
    try {
      expect((await checker.checkChain([leaf, root], new Date())).status).toBe('unknown');
    } finally {
      services().setAvailable(true);
    }
    expect((await checker.checkChain([leaf, root], new Date())).certificates[0]).toMatchObject({
      status: 'good',
      evidence: { source: 'ocsp' },
    });
  });

  it('an answer is not reused past ocspCacheSeconds', async () => {
    const leaf = await newCertificate();
    // OpenSSL's responder here says nextUpdate ten minutes on: the one-second limit comes first.
    const checker = new RevocationChecker({ ocspCacheSeconds: 1 });
    const before = services().requests.ocsp;
    await checker.checkChain([leaf, root], new Date());
    await checker.checkChain([leaf, root], new Date());
    expect(services().requests.ocsp).toBe(before + 1);
    await new Promise((ok) => setTimeout(ok, 1100));
    await checker.checkChain([leaf, root], new Date());
    expect(services().requests.ocsp).toBe(before + 2);
  });
});

describe('CRL', () => {
  it('with the responder unreachable, the CDP CRL answers, fetched once until its nextUpdate', async () => {
    const good = await newCertificate();
    const revoked = await newCertificate();
    services().revoke(serialOf(revoked), 'cessationOfOperation', new Date(Date.now() - 60_000));
    const before = services().requests.crl;
    // Nothing listens on the discard port: OCSP fails, the CRL server stays up.
    const checker = new RevocationChecker({ ocspProxy: 'http://127.0.0.1:9/' });
    const first = (await checker.checkChain([good, root], new Date())).certificates[0]!;
    expect(first).toMatchObject({ status: 'good', evidence: { source: 'crl', from: services().crlUrl } });
    expect(first.problems.join('\n')).toMatch(/OCSP http:\/\/127\.0\.0\.1:9\//);
    expect((await checker.checkChain([revoked, root], new Date())).certificates[0]).toMatchObject({
      status: 'revoked',
      revocation: { reason: 'cessationOfOperation' },
      evidence: { source: 'crl' },
    });
    expect(services().requests.crl).toBe(before + 1);
  });

  it('everything unreachable: unknown, naming each source, never good', async () => {
    const leaf = await newCertificate();
    services().setAvailable(false);
    try {
      const status = await new RevocationChecker().checkChain([leaf, root], new Date());
      expect(status.status).toBe('unknown');
      const problems = status.certificates[0]!.problems.join('\n');
      expect(problems).toContain(`OCSP ${services().ocspUrl}`);
      expect(problems).toContain(`CRL ${services().crlUrl}`);
    } finally {
      services().setAvailable(true);
    }
  });

  it('a CRL folder serves a closed network offline', async () => {
    const leaf = await newCertificate();
    const folder = mkdtempSync(join(tmpdir(), 'edo-crls-'));
    services().revoke(serialOf(await newCertificate()));
    writeFileSync(
      join(folder, 'root.crl'),
      execFileSync('openssl', ['crl', '-inform', 'DER', '-in', services().crlFile]),
    );
    const requests = { ...services().requests };
    const status = await new RevocationChecker({ offline: true, crlFolder: folder }).checkChain(
      [leaf, root],
      new Date(),
    );
    expect(status.certificates[0]).toMatchObject({
      status: 'good',
      evidence: { source: 'crl', from: join(folder, 'root.crl') },
    });
    expect(services().requests).toEqual(requests);
  });
});

describe('embedded evidence and offline mode', () => {
  it('offline, the evidence recorded then decides, with no request made', async () => {
    const leaf = await newCertificate();
    const signedAt = new Date();
    const live = await new RevocationChecker().checkChain([leaf, root], signedAt);
    services().revoke(serialOf(leaf));
    const requests = { ...services().requests };
    const offline = new RevocationChecker({ offline: true });
    const evidence = { ocsp: [live.certificates[0]!.evidence!.der], crls: [] };
    expect((await offline.checkChain([leaf, root], signedAt, evidence)).certificates[0]).toMatchObject({
      status: 'good',
      evidence: { from: 'embedded' },
    });
    expect(services().requests).toEqual(requests);
    // Without evidence, offline is unknown; evidence for another time does not stretch to cover it.
    expect((await offline.checkChain([leaf, root], signedAt)).status).toBe('unknown');
    expect((await offline.checkChain([leaf, root], new Date(Date.now() + 24 * 3600_000), evidence)).status).toBe(
      'unknown',
    );
  });

  it('a tampered response is refused, not believed', async () => {
    const leaf = await newCertificate();
    const live = await new RevocationChecker().checkChain([leaf, root], new Date());
    const tampered = Buffer.from(live.certificates[0]!.evidence!.der);
    tampered[tampered.length - 5]! ^= 0x01;
    const status = await new RevocationChecker({ offline: true }).checkChain([leaf, root], new Date(), {
      ocsp: [tampered],
      crls: [],
    });
    expect(status.status).toBe('unknown');
    expect(status.certificates[0]!.problems.join('\n')).toMatch(/embedded OCSP response: /);
  });

  it('an OCSP proxy that replays an old answer is refused by the nonce', async () => {
    const leaf = await newCertificate();
    let recorded: Buffer | undefined;
    const proxy: Server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', async () => {
        if (!recorded) {
          const answer = await fetch(services().ocspUrl, {
            method: 'POST',
            body: Buffer.concat(chunks),
            headers: { 'content-type': 'application/ocsp-request' },
          });
          recorded = Buffer.from(await answer.arrayBuffer());
        }
        res.writeHead(200, { 'content-type': 'application/ocsp-response' }).end(recorded);
      });
    });
    await new Promise<void>((ok) => proxy.listen(0, '127.0.0.1', ok));
    try {
      const checker = new RevocationChecker({
        ocspProxy: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}/`,
      });
      expect((await checker.checkChain([leaf, root], new Date())).certificates[0]).toMatchObject({
        status: 'good',
        evidence: { source: 'ocsp' },
      });
      const replayed = await checker.checkChain([leaf, root], new Date());
      expect(replayed.certificates[0]!.problems.join('\n')).toMatch(/nonce is not the request's/);
      expect(replayed.certificates[0]!.evidence!.source).toBe('crl');
    } finally {
      proxy.closeAllConnections();
      await new Promise((ok) => proxy.close(ok));
    }
  });
});
