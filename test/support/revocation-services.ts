// The test CA's status services on loopback, answered by OpenSSL itself: an OCSP responder
// (each POST handed to `openssl ocsp -index … -reqin - -respout -`; OpenSSL's own `-port`
// binds every interface) and a CRL made by `openssl ca -gencrl` after each revocation.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync, appendFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { RevocationReason } from '../../src/crypto/revocation';
import { listen, run } from './loopback-service';

export interface RevocationServices {
  ocspUrl: string;
  crlUrl: string;
  /** The CRL file as served (DER), for a CRL-folder setting. */
  crlFile: string;
  /** Requests answered so far. */
  requests: { ocsp: number; crl: number };
  /** Puts a certificate the CA issued into OpenSSL's CA database. */
  register(certificate: { serialNumber: string; notAfter: Date }): void;
  /** Marks it revoked at `at` (default now) and publishes a new CRL. */
  revoke(serialNumber: string, reason?: RevocationReason, at?: Date): void;
  /** false: every connection is cut, as with a responder that is down. */
  setAvailable(available: boolean): void;
  close(): Promise<void>;
}

export interface ResponderFiles {
  caCertificateFile: string;
  caKeyFile: string;
  /** A delegated responder (id-kp-OCSPSigning), issued by the CA. */
  responderCertificateFile: string;
  responderKeyFile: string;
}

/** YYMMDDHHMMSSZ, as OpenSSL's index.txt writes times. */
const indexTime = (d: Date) => d.toISOString().slice(2, 19).replace(/[-T:]/g, '') + 'Z';

export async function startRevocationServices(dir: string, files: ResponderFiles): Promise<RevocationServices> {
  const index = join(dir, 'index.txt');
  const crlPem = join(dir, 'ca.crl.pem');
  const crlFile = join(dir, 'ca.crl');
  const config = join(dir, 'ca.cnf');
  writeFileSync(index, '');
  writeFileSync(join(dir, 'index.txt.attr'), 'unique_subject = no\n');
  writeFileSync(join(dir, 'crlnumber'), '1000\n');
  writeFileSync(
    config,
    `[ca]\ndefault_ca = test\n[test]\ndatabase = ${index}\ncrlnumber = ${join(dir, 'crlnumber')}\ndefault_md = sha256\n`,
  );
  const publishCrl = () => {
    execFileSync(
      'openssl',
      [
        'ca',
        '-gencrl',
        '-batch',
        '-config',
        config,
        '-keyfile',
        files.caKeyFile,
        '-cert',
        files.caCertificateFile,
        '-crldays',
        '7',
        '-out',
        crlPem,
      ],
      { stdio: 'pipe' },
    );
    execFileSync('openssl', ['crl', '-in', crlPem, '-outform', 'DER', '-out', crlFile], { stdio: 'pipe' });
  };
  publishCrl();
  let available = true;
  const requests = { ocsp: 0, crl: 0 };
  const ocsp = await listen(
    async (_req, body) => {
      requests.ocsp++;
      const args = [
        'ocsp',
        '-index',
        index,
        '-CA',
        files.caCertificateFile,
        '-rsigner',
        files.responderCertificateFile,
        '-rkey',
        files.responderKeyFile,
      ];
      return {
        type: 'application/ocsp-response',
        body: await run('openssl', [...args, '-nmin', '10', '-reqin', '-', '-respout', '-'], body),
      };
    },
    () => available,
  );
  const crl = await listen(
    async () => {
      requests.crl++;
      return { type: 'application/pkix-crl', body: readFileSync(crlFile) };
    },
    () => available,
  );
  const url = (server: Server, path: string) => `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`;
  return {
    ocspUrl: url(ocsp, '/'),
    crlUrl: url(crl, '/ca.crl'),
    crlFile,
    requests,
    register({ serialNumber, notAfter }) {
      const serial = serialNumber.toUpperCase();
      appendFileSync(index, `V\t${indexTime(notAfter)}\t\t${serial}\tunknown\t/serialNumber=${serial}\n`);
    },
    revoke(serialNumber, reason = 'keyCompromise', at = new Date()) {
      const serial = serialNumber.toUpperCase();
      const lines = readFileSync(index, 'utf8').split('\n').filter(Boolean);
      const updated = lines.map((line) => {
        const [, expiry, , lineSerial, ...rest] = line.split('\t');
        if (lineSerial !== serial) return line;
        return ['R', expiry, `${indexTime(at)},${reason}`, lineSerial, ...rest].join('\t');
      });
      if (!lines.some((line) => line.split('\t')[3] === serial))
        throw new Error(`serial ${serial} is not in the CA database`);
      writeFileSync(index, updated.join('\n') + '\n');
      publishCrl();
    },
    setAvailable(value) {
      available = value;
    },
    async close() {
      for (const server of [ocsp, crl]) {
        server.closeAllConnections();
        await new Promise((ok) => server.close(ok));
      }
    },
  };
}
