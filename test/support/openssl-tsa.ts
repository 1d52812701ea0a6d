// A time-stamp authority on loopback answered by `openssl ts -reply`, with a TSA certificate
// from the test CA (extendedKeyUsage timeStamping, critical, as OpenSSL insists).
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import 'reflect-metadata'; // @peculiar/x509 resolves its services through tsyringe
import * as x509 from '@peculiar/x509';
import { listen, run } from './loopback-service';
import type { TestPki } from './test-pki';

/** The test TSA's policy: a UUID OID (2.25, X.667) of its own, not the hub's. */
export const testTsaPolicy = '2.25.233850879050922769962527642655308682917';

export interface OpensslTsa {
  url: string;
  certificate: Buffer;
  close(): Promise<void>;
}

export async function startOpensslTsa(pki: TestPki): Promise<OpensslTsa> {
  const dir = mkdtempSync(join(pki.dir, 'tsa-'));
  const tsa = await pki.issueService('CN=EDO Clerk Test TSA', [
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.nonRepudiation, true),
    new x509.ExtendedKeyUsageExtension(['1.3.6.1.5.5.7.3.8'], true),
  ]);
  writeFileSync(join(dir, 'serial'), '01\n');
  const config = join(dir, 'tsa.cnf');
  writeFileSync(
    config,
    `[tsa]\ndefault_tsa = test\n[test]\nserial = ${join(dir, 'serial')}\ncrypto_device = builtin\nsigner_cert = ${tsa.certificateFile}\n` +
      `certs = ${pki.caCertificateFile}\nsigner_key = ${tsa.keyFile}\nsigner_digest = sha256\ndefault_policy = ${testTsaPolicy}\n` +
      `digests = sha256,sha384,sha512\naccuracy = secs:1\nordering = no\ntsa_name = yes\ness_cert_id_alg = sha256\n`,
  );
  let count = 0;
  const server = await listen(
    async (_req, body) => {
      const query = join(dir, `q${++count}.tsq`);
      const reply = join(dir, `r${count}.tsr`);
      writeFileSync(query, body);
      await run('openssl', ['ts', '-reply', '-config', config, '-queryfile', query, '-out', reply], Buffer.alloc(0));
      return { type: 'application/timestamp-reply', body: readFileSync(reply) };
    },
    () => true,
  );
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    certificate: Buffer.from(tsa.certificate.rawData),
    async close() {
      server.closeAllConnections();
      await new Promise((ok) => server.close(ok));
    },
  };
}
