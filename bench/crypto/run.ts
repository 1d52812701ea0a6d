// verifyDetached throughput for a small document signed with RSA-2048 and with ECDSA P-256 (a
// leaf issued by a P-256 CA, as on the hub), each as a ratio to the limit: raw crypto.verify
// per second with the same key in the same run. Distinct signatures are cycled and the trusted
// root arrives as fresh bytes on every call, as the hub reads it from its database.
// Run: npx tsx bench/crypto/run.ts [--seconds S] [--rounds N] [--baseline DIR]
// --baseline DIR also measures DIR/cms.ts (e.g. a copy of src/crypto from before a change,
// next to a node_modules link) in the same run, for before/after figures.
// Then GOST R 34.10-2012 and Streebog against OpenSSL's GOST engine (gost.ts), and verification
// with certificate status against bare verification (revocation.ts).
import { X509Certificate, createPrivateKey, sign, verify, webcrypto } from 'node:crypto';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { signDetached, verifyDetached } from '../../src/crypto/cms';
import { KeySigner } from '../../src/crypto/key-signer';
import { benchGost } from './gost';
import { median, rate } from './measure';
import { benchRevocation } from './revocation';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const { values } = parseArgs({
  options: { seconds: { type: 'string' }, rounds: { type: 'string' }, baseline: { type: 'string' } },
});
const seconds = Number(values.seconds ?? 1);
// The machine is shared: implementations alternate, and the median of each is compared.
const rounds = Number(values.rounds ?? 3);

type Verify = typeof verifyDetached;

const day = 24 * 3600_000;
const ecdsa = { name: 'ECDSA', namedCurve: 'P-256' };

async function setUp() {
  const ca = (await webcrypto.subtle.generateKey(ecdsa, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const caCert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: 'CN=Тестовый УЦ, O=Bench',
    notBefore: new Date(Date.now() - day),
    notAfter: new Date(Date.now() + 30 * day),
    keys: ca,
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
    extensions: [new x509.BasicConstraintsExtension(true, undefined, true)],
  });
  const leaf = async (serialNumber: string, algorithm: webcrypto.RsaHashedKeyGenParams | webcrypto.EcKeyGenParams) => {
    const keys = (await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber,
      subject:
        'CN=Иванова Мария Петровна, SN=Иванова, G=Мария Петровна, 2.5.4.12=Делопроизводитель, O=ООО "Ромашка", 1.2.643.100.4=7701234560, 1.2.643.3.131.1.1=770112345695',
      issuer: caCert.subject,
      notBefore: new Date(Date.now() - day),
      notAfter: new Date(Date.now() + 10 * day),
      publicKey: keys.publicKey,
      signingKey: ca.privateKey,
      signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
    });
    const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
    const privateKey = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' });
    return { privateKey, signer: new KeySigner(privateKey, Buffer.from(cert.rawData)) };
  };
  return {
    root: Buffer.from(caCert.rawData),
    signers: {
      'RSA-2048': await leaf('02', {
        name: 'RSASSA-PKCS1-v1_5',
        modulusLength: 2048,
        publicExponent: new Uint8Array([1, 0, 1]),
        hash: 'SHA-256',
      }),
      'ECDSA P-256': await leaf('03', ecdsa),
    },
  };
}

async function main() {
  const { root, signers } = await setUp();
  const implementations: [string, Verify][] = [['current', verifyDetached]];
  if (values.baseline) {
    const baseline = (await import(resolve(values.baseline, 'cms.ts'))) as { verifyDetached: Verify };
    implementations.unshift(['baseline', baseline.verifyDetached]);
  }
  console.log(
    `verifyDetached per second, median of ${rounds} rounds of ${seconds} s; limit = raw crypto.verify with the same key`,
  );
  for (const [name, { signer, privateKey }] of Object.entries(signers)) {
    const documents = Array.from({ length: 64 }, (_, i) =>
      Buffer.from(`Счёт-фактура № ${i} от 22.11.2026\n`.repeat(40)),
    );
    const signatures = await Promise.all(documents.map((d) => signDetached(d, signer)));
    for (const [label, check] of implementations) {
      const result = await check(signatures[0]!, documents[0]!, { trustedRoots: [root] });
      if (!result.valid)
        throw new Error(`${label} rejects a good ${name} signature: ${JSON.stringify(result.problems)}`);
      const forged = await check(signatures[0]!, documents[1]!, { trustedRoots: [Buffer.from(root)] });
      if (forged.problems.map((p) => p.code).join() !== 'digest-mismatch')
        throw new Error(`${label} does not report a digest mismatch: ${JSON.stringify(forged.problems)}`);
    }
    // The limit: what the signed attributes' size of data costs to verify with this key.
    const data = Buffer.alloc(250, 1);
    const publicKey = new X509Certificate(signer.certificate).publicKey;
    const signature = sign('sha256', data, privateKey);

    const rates: Record<string, number[]> = { limit: [] };
    for (const [label] of implementations) rates[label] = [];
    for (let round = 0; round < rounds; round++) {
      rates.limit!.push(await rate(seconds, () => verify('sha256', data, publicKey, signature)));
      for (const [label, check] of implementations) {
        rates[label]!.push(
          await rate(seconds, (i) =>
            check(signatures[i % signatures.length]!, documents[i % documents.length]!, {
              trustedRoots: [Buffer.from(root)],
            }),
          ),
        );
      }
    }
    const limit = median(rates.limit!);
    console.log(`\n${name}: limit ${limit.toFixed(0)}/s (${(1e6 / limit).toFixed(0)} µs)`);
    for (const [label] of implementations) {
      const r = median(rates[label]!);
      console.log(
        `  ${label.padEnd(9)} ${r.toFixed(0).padStart(6)}/s (${(1e6 / r).toFixed(0).padStart(5)} µs)  ratio to limit ${(r / limit).toFixed(3)}`,
      );
    }
  }
}

main()
  .then(() => (values.baseline ? undefined : benchGost({ seconds, rounds })))
  .then(() => (values.baseline ? undefined : benchRevocation({ seconds, rounds })))
  .catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  });
