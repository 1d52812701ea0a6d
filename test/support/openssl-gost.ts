// GOST R 34.10-2012 keys and certificates made by OpenSSL alone, with Debian's GOST engine:
// the independent side of the GOST tests. A CA and a user (genpkey, req -x509, x509 -req), the
// user's key optionally encrypted (PKCS#8, AES-256-CBC), the CA's CRL (openssl ca -gencrl), and
// `openssl cms -verify -engine gost` as the judge.
//
//   const pki = opensslGostPki(dir, 256, 'A', { userExtensions: [`crlDistributionPoints=URI:${url}`], keyPassword: 'secret' });
//   pki.caFile, pki.userCert, pki.userKey; opensslGostCrl(pki) → DER; opensslGostVerify(sig, content, pki.caFile).status === 0
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pemToDer } from '../../src/crypto/certificates';
import { opensslCmsVerifyRun } from './openssl-cms';

export interface OpensslGostPki {
  bits: 256 | 512;
  /** DER. */
  ca: Buffer;
  user: Buffer;
  caFile: string;
  caKey: string;
  userCert: string;
  userKey: string;
  /** The user key's password when it is encrypted. */
  keyPassword?: string;
  /** Where OpenSSL's CA database for the CRL lives. */
  prefix: string;
}

export interface OpensslGostPkiOptions {
  /** The user's subject in OpenSSL's /K=V form (UTF-8). */
  subject?: string;
  /** More lines of the user's extension file (crlDistributionPoints=URI:…). */
  userExtensions?: string[];
  /** Encrypt the user's PKCS#8 key with this password. */
  keyPassword?: string;
}

const openssl = (args: string[]) =>
  execFileSync('openssl', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

/** A CA and a user key and certificate on the parameter set `paramset` (A, B, C, TCA, XB, ...), made by OpenSSL alone in `dir`. */
export function opensslGostPki(
  dir: string,
  bits: 256 | 512,
  paramset: string,
  options: OpensslGostPkiOptions = {},
): OpensslGostPki {
  const prefix = join(dir, `${bits}-${paramset}-${randomBytes(3).toString('hex')}`);
  const at = (name: string) => `${prefix}-${name}`;
  const md = `-md_gost12_${bits}`;
  const algorithm = ['-engine', 'gost', '-algorithm', `gost2012_${bits}`, '-pkeyopt', `paramset:${paramset}`];
  const password = options.keyPassword;
  openssl(['genpkey', ...algorithm, '-out', at('ca.key')]);
  openssl([
    'req',
    '-engine',
    'gost',
    '-x509',
    '-new',
    '-key',
    at('ca.key'),
    md,
    '-subj',
    `/CN=Тестовый УЦ ГОСТ ${bits}/O=EDO Clerk`,
    '-utf8',
    '-days',
    '30',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
    '-out',
    at('ca.crt'),
  ]);
  openssl([
    'genpkey',
    ...algorithm,
    ...(password ? ['-aes-256-cbc', '-pass', `pass:${password}`] : []),
    '-out',
    at('user.key'),
  ]);
  openssl([
    'req',
    '-engine',
    'gost',
    '-new',
    '-key',
    at('user.key'),
    ...(password ? ['-passin', `pass:${password}`] : []),
    md,
    '-subj',
    options.subject ?? '/CN=Иванова Мария Петровна/O=ООО Ромашка',
    '-utf8',
    '-out',
    at('user.csr'),
  ]);
  writeFileSync(
    at('user.ext'),
    ['keyUsage=critical,digitalSignature,nonRepudiation', ...(options.userExtensions ?? [])].join('\n') + '\n',
  );
  openssl([
    'x509',
    '-engine',
    'gost',
    '-req',
    '-in',
    at('user.csr'),
    '-CA',
    at('ca.crt'),
    '-CAkey',
    at('ca.key'),
    '-CAcreateserial',
    md,
    '-days',
    '30',
    '-extfile',
    at('user.ext'),
    '-out',
    at('user.crt'),
  ]);
  const ca = pemToDer(readFileSync(at('ca.crt'), 'utf8'))[0]!;
  const user = pemToDer(readFileSync(at('user.crt'), 'utf8'))[0]!;
  return {
    bits,
    ca,
    user,
    caFile: at('ca.crt'),
    caKey: at('ca.key'),
    userCert: at('user.crt'),
    userKey: at('user.key'),
    keyPassword: password,
    prefix,
  };
}

/** The CA's CRL (DER, nothing revoked, a week long), signed by `openssl ca -gencrl -engine gost`. */
export function opensslGostCrl(pki: OpensslGostPki): Buffer {
  const at = (name: string) => `${pki.prefix}-${name}`;
  writeFileSync(at('index.txt'), '');
  writeFileSync(at('crlnumber'), '1000\n');
  writeFileSync(
    at('ca.cnf'),
    `[ca]\ndefault_ca = test\n[test]\ndatabase = ${at('index.txt')}\ncrlnumber = ${at('crlnumber')}\ndefault_md = md_gost12_${pki.bits}\n`,
  );
  openssl([
    'ca',
    '-engine',
    'gost',
    '-gencrl',
    '-batch',
    '-config',
    at('ca.cnf'),
    '-keyfile',
    pki.caKey,
    '-cert',
    pki.caFile,
    '-crldays',
    '7',
    '-out',
    at('ca.crl.pem'),
  ]);
  openssl(['crl', '-in', at('ca.crl.pem'), '-outform', 'DER', '-out', at('ca.crl')]);
  return readFileSync(at('ca.crl'));
}

/** `openssl cms -verify -engine gost` of a detached DER signature file over a content file; status 0 and "Verification successful" when it holds. */
export function opensslGostVerify(signatureFile: string, contentFile: string, caFile: string) {
  return opensslCmsVerifyRun(signatureFile, contentFile, caFile, 'gost');
}

/** `openssl cms -sign -engine gost` of a content file with the user's key: a detached DER signature file. */
export function opensslGostSign(
  pki: OpensslGostPki,
  contentFile: string,
  out: string,
  options: { cades?: boolean } = {},
): Buffer {
  openssl([
    'cms',
    '-sign',
    '-engine',
    'gost',
    '-binary',
    '-md',
    `md_gost12_${pki.bits}`,
    ...(options.cades ? ['-cades'] : []),
    '-in',
    contentFile,
    '-signer',
    pki.userCert,
    '-inkey',
    pki.userKey,
    ...(pki.keyPassword ? ['-passin', `pass:${pki.keyPassword}`] : []),
    '-outform',
    'DER',
    '-out',
    out,
  ]);
  return readFileSync(out);
}
