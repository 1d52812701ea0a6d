// The hub's time-stamp authority (RFC 3161): its own key and a certificate the operator key
// issues for time-stamping only (extendedKeyUsage timeStamping, critical), created beside the
// operator's at first start. It answers POST /v1/tsp and stamps every signature the hub accepts.
import { createPrivateKey } from 'node:crypto';
import 'reflect-metadata'; // @peculiar/x509 resolves its services through tsyringe
import * as x509 from '@peculiar/x509';
import { pemToDer, derToPem } from '../src/crypto/certificates';
import { KeySigner } from '../src/crypto/key-signer';
import type { Signer } from '../src/crypto/signer';
import { TimestampAuthority } from '../src/crypto/timestamp';
import type { KeyPairStore } from './operator';
import { issueOperatorCertificate } from './organization/certificates';

/**
 * The policy the hub's tokens are issued under (TSTInfo.policy, RFC 3161 2.4.2): an OID under
 * the UUID arc 2.25 (ITU-T X.667 / RFC 4122 §4: an OID anyone may mint without registration,
 * here from the random UUID 5235bb29-1943-4fea-86b6-230b4d47aae8), named "EDO Clerk hub TSA
 * policy v1" in docs/architecture.md §7. An operator with its own registered arc sets its own.
 */
export const hubTsaPolicy = '2.25.109275683454634494058276466120853007080';

export interface HubTsa {
  authority: TimestampAuthority;
  certificate: Buffer;
}

/** Loads the TSA key and certificate from `keys`, issuing them with `operator` on first start. */
export async function openHubTsa(keys: KeyPairStore, operator: Signer, operatorName: string): Promise<HubTsa> {
  const { keyPem, certificatePem } = await keys.loadOrCreate(async () => {
    const issued = await issueOperatorCertificate(
      new x509.Name([
        { '2.5.4.6': [{ printableString: 'RU' }] },
        { '2.5.4.3': [{ utf8String: `${operatorName} TSA` }] },
      ]),
      [
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.timeStamping], true),
      ],
      operator,
      { validityDays: 10 * 365 },
    );
    return { keyPem: issued.privateKeyPem, certificatePem: derToPem(issued.certificate) };
  });
  const certificate = pemToDer(certificatePem)[0];
  if (!certificate) throw new Error(`No TSA certificate in ${keys.where}`);
  const signer = new KeySigner(createPrivateKey(keyPem), certificate, `hub TSA key (${keys.where})`);
  return {
    authority: new TimestampAuthority({ signer, chain: [operator.certificate], policy: hubTsaPolicy }),
    certificate,
  };
}
