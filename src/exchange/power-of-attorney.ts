// Issuing a power of attorney on the principal's side: the director's key signs an МЧД for an
// employee's personal certificate, as operators expect it — the XML plus a detached CMS of the
// director ("XML + ЭП руководителя"). Used by `edo-clerk poa create`.
import { randomUUID } from 'node:crypto';
import { signDetached } from '../crypto/cms';
import { describeCertificate } from '../crypto/certificates';
import type { Signer } from '../crypto/signer';
import type { PowerOfAttorneyIssueProblem } from '../vocabulary';
import {
  buildPowerOfAttorney,
  DEFAULT_POWER_CODES,
  moscowDate,
  personOfCertificate,
  POWER_CLASSIFIER,
  type KnownPowerCode,
  type PowerOfAttorneyFile,
} from '../formats';

export interface IssuePowerOfAttorneyInput {
  /** The director's signer: its certificate names the organization's INN (INNLE) and OGRN. */
  director: Signer;
  /** DER of the employee's certificate. */
  representativeCertificate: Buffer;
  /** The organization as the hub knows it (KPP is not in certificates). */
  organization: { name: string; inn: string; kpp: string };
  /** Codes of the FNS classifier; none and no text: the defaults. */
  powerCodes: string[];
  /** Powers in free text: kept in the МЧД, never enough for an automatic check. */
  powerText?: string;
  /** YYYY-MM-DD. */
  validUntil: string;
  redelegation: boolean;
  /** The address where the hub tells this МЧД's status, given its number (СведСист). */
  statusService: (number: string) => string;
  now?: Date;
}

/**
 * Why nothing was issued, by code for programs (`not-director`, `unknown-power`, `certificate`, `organization`)
 * and by `problem` for the clerk's words (src/vocabulary/power-of-attorney.ts `issue.<problem>`,
 * filled from `facts`); the message is English, for logs.
 */
export class PowerOfAttorneyIssueError extends Error {
  constructor(
    message: string,
    readonly code: 'not-director' | 'unknown-power' | 'certificate' | 'organization',
    readonly problem: PowerOfAttorneyIssueProblem,
    readonly facts: Record<string, string>,
  ) {
    super(message);
    this.name = 'PowerOfAttorneyIssueError';
  }
}

function knownPowers(codes: string[]): { code: string; name: string }[] {
  return codes.map((code) => {
    if (!(code in POWER_CLASSIFIER)) {
      const known = Object.keys(POWER_CLASSIFIER).join(', ');
      const message = `"${code}" is not a power code EDO Clerk knows from the FNS classifier (${known})`;
      throw new PowerOfAttorneyIssueError(message, 'unknown-power', 'unknown-power', { code, known });
    }
    return { code, name: POWER_CLASSIFIER[code as KnownPowerCode] };
  });
}

export async function issuePowerOfAttorney(
  input: IssuePowerOfAttorneyInput,
): Promise<PowerOfAttorneyFile & { signature: Buffer }> {
  const director = describeCertificate(input.director.certificate);
  const { name: organization, inn } = input.organization;
  if (director.orgInn !== inn) {
    throw new PowerOfAttorneyIssueError(
      `the signing certificate (${director.commonName}) is not one of ${organization}'s director: ` +
        `a director's certificate names the organization's INN ${inn} (INNLE), ` +
        `this one ${director.orgInn ?? 'none'}`,
      'not-director',
      'other-organization',
      { signer: director.commonName, organization, inn, orgInn: director.orgInn ?? '—' },
    );
  }
  if (!director.ogrn) {
    const message = `the director's certificate (${director.commonName}) names no OGRN of the organization`;
    throw new PowerOfAttorneyIssueError(message, 'not-director', 'no-ogrn', { signer: director.commonName });
  }
  const representative = describeCertificate(input.representativeCertificate);
  if (!representative.personInn && !representative.snils) {
    const message = `the representative's certificate (${representative.commonName}) names neither an INN nor a SNILS`;
    throw new PowerOfAttorneyIssueError(message, 'certificate', 'no-person-id', { signer: representative.commonName });
  }
  const codes = input.powerCodes.length > 0 || input.powerText ? input.powerCodes : [...DEFAULT_POWER_CODES];
  const number = randomUUID();
  const file = buildPowerOfAttorney({
    number,
    issuedOn: moscowDate(input.now ?? new Date()),
    validUntil: input.validUntil,
    redelegation: input.redelegation ? 'once' : 'none',
    statusService: input.statusService(number),
    principal: {
      organization: { ...input.organization, ogrn: director.ogrn },
      director: personOfCertificate(director, 'director'),
    },
    representative: personOfCertificate(representative, 'representative'),
    powers: { codes: knownPowers(codes), ...(input.powerText ? { text: input.powerText } : {}) },
  });
  return { ...file, signature: await signDetached(file.xml, input.director) };
}
