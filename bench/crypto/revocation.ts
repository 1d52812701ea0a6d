// Verification with certificate status against bare verification, in the same run: a CAdES-BES
// over a small document (ECDSA P-256 leaf of the test CA), judged by verifyLongTerm with
//   - OCSP not cached: every check asks OpenSSL's responder over loopback (test/support: one
//     `openssl ocsp` process per request, as the tests run it; a real responder costs its own);
//   - OCSP cached: the hub's checker (ocspCacheSeconds), one request for the whole run;
//   - CRL not cached: a new checker per check, so the CDP's CRL is fetched and parsed each time;
//   - CRL cached: one checker, the CRL kept until its nextUpdate;
// each as a ratio to the limit: verifyDetached of the same signatures (no status), measured in
// the same rounds. The CRL cases use a certificate that names only a CDP, so no OCSP is tried.
// Run: npx tsx bench/crypto/revocation.ts [--seconds S] [--rounds N]
import { createPrivateKey, generateKeyPairSync, randomBytes, webcrypto } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { verifyLongTerm } from '../../src/crypto/cades';
import { signDetached, verifyDetached } from '../../src/crypto/cms';
import { KeySigner } from '../../src/crypto/key-signer';
import { RevocationChecker } from '../../src/crypto/revocation';
import { createTestPki, samplePeople } from '../../test/support/test-pki';
import { median, rate } from './measure';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

export async function benchRevocation(options: { seconds?: number; rounds?: number } = {}): Promise<void> {
  const seconds = options.seconds ?? 1;
  const rounds = options.rounds ?? 3;
  const pki = await createTestPki([], { revocation: true });
  try {
    const services = pki.revocation!;
    const root = Buffer.from(pki.caCertificate.rawData);
    const withOcsp = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const ocspSigner = new KeySigner(
      withOcsp.privateKey,
      Buffer.from((await pki.issue(withOcsp.publicKey, samplePeople.ivanova)).rawData),
    );
    // The same CA's key signs a leaf whose only status source is the CDP.
    const caKey = await webcrypto.subtle.importKey(
      'pkcs8',
      createPrivateKey(readFileSync(pki.caKeyFile)).export({ type: 'pkcs8', format: 'der' }),
      { name: 'ECDSA', namedCurve: 'P-256' },
      false,
      ['sign'],
    );
    const crlKeys = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const crlCertificate = await x509.X509CertificateGenerator.create({
      serialNumber: '02' + randomBytes(8).toString('hex'),
      subject: 'CN=Иванова Мария Петровна, O=ООО "Ромашка"',
      issuer: pki.caCertificate.subjectName,
      notBefore: new Date(Date.now() - 3600_000),
      notAfter: new Date(Date.now() + 30 * 24 * 3600_000),
      publicKey: crlKeys.publicKey.export({ type: 'spki', format: 'der' }),
      signingKey: caKey,
      signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
      extensions: [
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.CRLDistributionPointsExtension([services.crlUrl]),
      ],
    });
    const crlSigner = new KeySigner(crlKeys.privateKey, Buffer.from(crlCertificate.rawData));

    const documents = Array.from({ length: 16 }, (_, i) =>
      Buffer.from(`Счёт-фактура № ${i} от 22.11.2026\n`.repeat(40)),
    );
    const signed = async (signer: KeySigner) => Promise.all(documents.map((d) => signDetached(d, signer)));
    const ocspSignatures = await signed(ocspSigner);
    const crlSignatures = await signed(crlSigner);
    const longTerm = (signatures: Buffer[], checker: () => RevocationChecker) => async (i: number) => {
      const v = await verifyLongTerm(signatures[i % signatures.length]!, documents[i % documents.length]!, {
        trustedRoots: [root],
        revocation: checker(),
      });
      if (v.verdict !== 'valid')
        throw new Error(
          `not valid: ${v.problems.join('; ')} ${JSON.stringify(v.status?.certificates.map((c) => c.problems))}`,
        );
    };
    const hubChecker = new RevocationChecker({ ocspCacheSeconds: 3600 });
    const crlChecker = new RevocationChecker();
    const cases: [string, (i: number) => Promise<void>][] = [
      ['OCSP, not cached', longTerm(ocspSignatures, () => new RevocationChecker())],
      ['OCSP, cached', longTerm(ocspSignatures, () => hubChecker)],
      ['CRL, not cached', longTerm(crlSignatures, () => new RevocationChecker())],
      ['CRL, cached', longTerm(crlSignatures, () => crlChecker)],
    ];
    const bare = async (i: number) => {
      const r = await verifyDetached(ocspSignatures[i % ocspSignatures.length]!, documents[i % documents.length]!, {
        trustedRoots: [root],
      });
      if (!r.valid) throw new Error('the bare check fails');
    };
    for (const [, run] of cases) await run(0); // warm: the caches filled, every path proven valid
    const rates: Record<string, number[]> = { limit: [] };
    const asked: Record<string, number> = {};
    for (let round = 0; round < rounds; round++) {
      rates.limit!.push(await rate(seconds, bare));
      for (const [label, run] of cases) {
        const before = services.requests.ocsp + services.requests.crl;
        (rates[label] ??= []).push(await rate(seconds, run));
        asked[label] = (asked[label] ?? 0) + services.requests.ocsp + services.requests.crl - before;
      }
    }
    const limit = median(rates.limit!);
    console.log(
      `\nverifyLongTerm with certificate status per second, median of ${rounds} rounds of ${seconds} s; limit = verifyDetached (no status) in the same rounds`,
    );
    console.log(`  limit            ${limit.toFixed(0).padStart(6)}/s (${(1e6 / limit).toFixed(0).padStart(6)} µs)`);
    for (const [label] of cases) {
      const r = median(rates[label]!);
      console.log(
        `  ${label.padEnd(16)} ${r.toFixed(0).padStart(6)}/s (${(1e6 / r).toFixed(0).padStart(6)} µs)  ratio to limit ${(r / limit).toFixed(3)}  (${asked[label]} requests)`,
      );
    }
  } finally {
    await pki.cleanup();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { seconds: { type: 'string' }, rounds: { type: 'string' } } });
  benchRevocation({
    seconds: values.seconds === undefined ? undefined : Number(values.seconds),
    rounds: values.rounds === undefined ? undefined : Number(values.rounds),
  }).catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  });
}
