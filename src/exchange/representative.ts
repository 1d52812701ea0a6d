// Signing as a representative (docs/architecture.md §7): before a personal certificate signs a
// document or a service document, the client finds the МЧД the profile attached to it and asks
// the hub whether a signature under it would be accepted now (POST /v1/powers-of-attorney/check).
// A missing, unregistered, expired, revoked, another person's or powerless МЧД stops here, before
// anything is signed, with the hub's own refusal code and the clerk's words.
import { createHash } from 'node:crypto';
import { describeCertificate } from '../crypto/certificates';
import type { ElectronicPowerOfAttorney, SignerOfDocument } from '../formats';
import type {
  PowerOfAttorneyRefusal,
  PowerOfAttorneyReference,
  PrevalidatePowerOfAttorneyResult,
  SignedUnderPowerOfAttorney,
  SigningAction,
} from '../protocol';
import type { PowerOfAttorneySetting } from '../settings/settings';
import { powerOfAttorneyText } from '../vocabulary/power-of-attorney';

export const certificateSha256 = (der: Buffer) => createHash('sha256').update(der).digest('hex');

export class PowerOfAttorneyRefused extends Error {
  override readonly name = 'PowerOfAttorneyRefused';
  constructor(
    readonly code: PowerOfAttorneyRefusal,
    /** The clerk's words. */
    message: string,
    /** The hub's own words, for the log. */
    readonly hubMessage?: string,
  ) {
    super(message);
  }
}

/** What a signature under an МЧД carries: the reference the hub checks, and what the service document's XML states (СвДоверЭл). */
export interface SigningUnderPowerOfAttorney {
  reference: PowerOfAttorneyReference;
  /** The pre-check's account: the МЧД in force now, the power that covers the act. */
  checked: SignedUnderPowerOfAttorney;
  /** СвДоверЭл presented by reference to the hub that keeps it (ИдСистХран). */
  statement: ElectronicPowerOfAttorney;
}

export interface RepresentativeDeps {
  /** The profile's МЧД per signing certificate. */
  powersOfAttorney: readonly PowerOfAttorneySetting[];
  /** The organization the profile signs for (the login's). */
  organization: { name: string; inn: string };
  /** The hub's pre-check, logged in as this profile. */
  check(request: {
    reference: PowerOfAttorneyReference;
    certificate: string;
    action: SigningAction;
  }): Promise<PrevalidatePowerOfAttorneyResult>;
  /** Where the МЧД is kept: the hub's address. */
  storage: string;
  language: 'ru' | 'en' | 'kk';
}

/**
 * The МЧД a signature by `certificate` for `action` is made under, checked at the hub now;
 * undefined when the certificate names the organization (its holder acts without one).
 * Throws PowerOfAttorneyRefused with the code the hub would refuse the signature with.
 */
export async function powerOfAttorneyFor(
  deps: RepresentativeDeps,
  certificate: Buffer,
  action: SigningAction,
): Promise<SigningUnderPowerOfAttorney | undefined> {
  const who = describeCertificate(certificate);
  if (who.orgInn === deps.organization.inn) return undefined;
  const attached = deps.powersOfAttorney.find(
    (p) => p.certificateSha256 === certificateSha256(certificate) && p.principalInn === deps.organization.inn,
  );
  const facts = { signer: who.commonName, organization: deps.organization.name, action, ...(attached ?? {}) };
  if (!attached)
    throw new PowerOfAttorneyRefused('poa-required', powerOfAttorneyText('poa-required', facts, deps.language));
  const reference = { number: attached.number, principalInn: attached.principalInn };
  const answer = await deps.check({ reference, certificate: certificate.toString('base64'), action });
  if (!answer.ok)
    throw new PowerOfAttorneyRefused(
      answer.error,
      powerOfAttorneyText(answer.error, facts, deps.language),
      answer.message,
    );
  const checked = answer.powerOfAttorney;
  // The hub found the certificate acting for the organization after all: no МЧД is needed.
  if (!checked) return undefined;
  return {
    reference,
    checked,
    statement: { kind: 'electronic', number: checked.number, issuedOn: checked.issuedOn, storage: deps.storage },
  };
}

/** The signer as a service document names them: a representative under an electronic МЧД (СтатПодп 2, СвДоверЭл). */
export function underPowerOfAttorney(
  signer: SignerOfDocument,
  poa: SigningUnderPowerOfAttorney | undefined,
): SignerOfDocument {
  return poa ? { ...signer, authority: 'electronic-poa', powerOfAttorney: poa.statement } : signer;
}
