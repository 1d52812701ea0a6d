// OpenSSL as the judge of a detached CMS signature: RSA and ECDSA with its default provider,
// GOST with Debian's engine (openssl-gost.ts).
import { spawnSync } from 'node:child_process';

/** `openssl cms -verify` of a detached DER signature file over a content file, trusting `caFile`; `engine` is loaded first (gost). */
export function opensslCmsVerifyRun(signatureFile: string, contentFile: string, caFile: string, engine?: string) {
  return spawnSync(
    'openssl',
    [
      'cms',
      '-verify',
      ...(engine ? ['-engine', engine] : []),
      '-binary',
      '-inform',
      'DER',
      '-in',
      signatureFile,
      '-content',
      contentFile,
      '-CAfile',
      caFile,
      '-purpose',
      'any',
      '-out',
      '/dev/null',
    ],
    { encoding: 'utf8' },
  );
}

/** The same, throwing with OpenSSL's words when the signature does not hold. */
export function opensslCmsVerify(signatureFile: string, contentFile: string, caFile: string): void {
  const run = opensslCmsVerifyRun(signatureFile, contentFile, caFile);
  if (run.status !== 0) throw new Error(`openssl cms -verify ${signatureFile} over ${contentFile}: ${run.stderr}`);
}
