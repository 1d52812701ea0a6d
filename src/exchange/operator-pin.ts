// The operator's certificate, pinned in the profile on first use. The hub serves the
// certificate that verifies its own confirmations (ПДОТПР), so trusting whatever it serves
// would let a hub (or whoever answers in its place) confirm anything: the first certificate
// seen is kept in the profile, and a different one later is reported, never trusted silently.
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeCertificate } from '../crypto/certificates';

export const operatorPinFileName = 'operator-certificate.json';

export interface OperatorPin {
  /** DER, base64. */
  certificate: string;
  sha256: string;
  subject: string;
  notAfter: string;
  pinnedAt: string;
}

const fingerprint = (der: Buffer) => createHash('sha256').update(der).digest('hex');

/** "subject (SHA-256 …, valid to …)": enough for the clerk to compare with the operator's notice. */
export function describeOperatorCertificate(der: Buffer): string {
  const who = describeCertificate(der);
  return `"${who.subject}" (SHA-256 ${fingerprint(der)}, valid to ${who.notAfter.toISOString()})`;
}

export function readOperatorPin(profileDir: string): OperatorPin | undefined {
  const path = join(profileDir, operatorPinFileName);
  if (!existsSync(path)) return undefined;
  try {
    const pin = JSON.parse(readFileSync(path, 'utf8')) as OperatorPin;
    if (typeof pin.certificate !== 'string' || fingerprint(Buffer.from(pin.certificate, 'base64')) !== pin.sha256)
      throw new Error('its certificate does not match its fingerprint');
    return pin;
  } catch (e) {
    // A damaged pin must not turn into "no pin" (which would pin whatever the hub serves next).
    throw new Error(
      `The pinned operator certificate ${path} cannot be read: ${e instanceof Error ? e.message : String(e)}. Restore it, or delete it to trust the hub's current certificate.`,
      { cause: e },
    );
  }
}

/** Pins `certificate` (DER) as the operator's: at first use, or when the clerk accepts a changed one. */
export function pinOperatorCertificate(profileDir: string, certificate: Buffer): OperatorPin {
  const who = describeCertificate(certificate);
  const pin: OperatorPin = {
    certificate: certificate.toString('base64'),
    sha256: fingerprint(certificate),
    subject: who.subject,
    notAfter: who.notAfter.toISOString(),
    pinnedAt: new Date().toISOString(),
  };
  const path = join(profileDir, operatorPinFileName);
  const temp = `${path}.${randomUUID()}.tmp`;
  writeFileSync(temp, JSON.stringify(pin, null, 2));
  renameSync(temp, path); // whole or not at all
  return pin;
}

/** The pinned certificate, pinning `served` when none is; `changed` describes a served certificate that differs from the pin. */
export function checkOperatorCertificate(
  profileDir: string,
  served: Buffer,
): { pinned: Buffer; firstUse: boolean; changed?: string } {
  const pin = readOperatorPin(profileDir);
  if (!pin)
    return { pinned: Buffer.from(pinOperatorCertificate(profileDir, served).certificate, 'base64'), firstUse: true };
  const pinned = Buffer.from(pin.certificate, 'base64');
  if (pinned.equals(served)) return { pinned, firstUse: false };
  return {
    pinned,
    firstUse: false,
    changed: `The exchange hub now presents a different operator certificate: ${describeOperatorCertificate(served)} instead of the pinned ${describeOperatorCertificate(pinned)} (pinned ${pin.pinnedAt}). Operator confirmations signed with it are marked invalid until the clerk checks the change with the operator and accepts the new certificate.`,
  };
}
