// The hub's time-stamp authority (RFC 3161): its own key and a certificate the operator key
// issues for time-stamping only (extendedKeyUsage timeStamping, critical), created beside the
// operator's at first start. It answers POST /v1/tsp and stamps every signature the hub accepts.
import { createPrivateKey } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import 'reflect-metadata'; // @peculiar/x509 resolves its services through tsyringe
import * as x509 from '@peculiar/x509';
import { pemToDer, derToPem } from '../src/crypto/certificates';
import { KeySigner } from '../src/crypto/key-signer';
import type { Signer } from '../src/crypto/signer';
import { TimestampAuthority } from '../src/crypto/timestamp';
import { issueOperatorCertificate } from './organization/certificates';

/** The policy the hub's tokens are issued under (an operator with its own OID arc sets its own here). */
export const hubTsaPolicy = '1.2.3.4.1';

export interface HubTsa {
  authority: TimestampAuthority;
  certificate: Buffer;
}

/** Loads the TSA key and certificate from the operator folder `dir`, issuing them with `operator` on first start. */
export async function openHubTsa(dir: string, operator: Signer, operatorName: string): Promise<HubTsa> {
  const keyFile = join(dir, 'tsa-key.pem');
  const certFile = join(dir, 'tsa-certificate.pem');
  if (!existsSync(keyFile) || !existsSync(certFile)) {
    const issued = await issueOperatorCertificate(
      new x509.Name([{ '2.5.4.6': [{ printableString: 'RU' }] }, { '2.5.4.3': [{ utf8String: `${operatorName} TSA` }] }]),
      [new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true), new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.timeStamping], true)],
      operator,
      { validityDays: 10 * 365 },
    );
    writeFileSync(keyFile, issued.privateKeyPem, { mode: 0o600 });
    writeFileSync(certFile, derToPem(issued.certificate));
  }
  const certificate = pemToDer(readFileSync(certFile, 'utf8'))[0];
  if (!certificate) throw new Error(`No certificate in ${certFile}`);
  const signer = new KeySigner(createPrivateKey(readFileSync(keyFile)), certificate, `hub TSA key (${dir})`);
  return { authority: new TimestampAuthority({ signer, chain: [operator.certificate], policy: hubTsaPolicy }), certificate };
}
