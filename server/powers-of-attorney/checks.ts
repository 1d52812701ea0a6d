// What the hub checks of a power of attorney (docs/architecture.md §7): at registration, that the
// МЧД is of the format, its principal is the registering organization, the director signed it
// within its term, and it names a user of the organization; at every signature made with a
// personal certificate, that the МЧД it names is registered, in force at the signing time, not
// revoked, for this very person, and grants a power the action needs. Every refusal has its
// own error code (src/protocol/errors.ts) and names what is wrong.
import type { CertificateIdentity } from '../../src/crypto/certificates';
import { describeCertificate } from '../../src/crypto/certificates';
import type { VerificationResult } from '../../src/crypto/cms';
import {
  certificateIsPerson,
  FormatError,
  moscowDate,
  parsePowerOfAttorney,
  POWER_CLASSIFIER,
  type PowerOfAttorney,
} from '../../src/formats';
import type { PowerOfAttorneyReference, SignedUnderPowerOfAttorney, SigningAction } from '../../src/protocol';
import type { SubscriberRecord, UserRecord } from '../storage/storage';
import { PowerOfAttorneyError, statusAt, type PowerOfAttorneyRegistry, type StoredPowerOfAttorney } from './registry';

const refuse = (code: ConstructorParameters<typeof PowerOfAttorneyError>[0], message: string) =>
  new PowerOfAttorneyError(code, message);

const personName = (p: { surname: string; name: string; patronymic?: string }) =>
  [p.surname, p.name, p.patronymic].filter(Boolean).join(' ');

export interface RegistrationInput {
  fileName: string;
  xml: Buffer;
  signature: Buffer;
}

export interface RegistrationDeps {
  subscriber: SubscriberRecord;
  /** The organization's users: the representative must hold one's certificate. */
  users: UserRecord[];
  /** The director's detached CMS over the XML, verified by the hub's one verifier. */
  verify: (signature: Buffer, xml: Buffer) => Promise<VerificationResult>;
  now: Date;
}

/** Reads and checks an МЧД to register; returns what the registry stores of it. */
export async function checkRegistration(
  input: RegistrationInput,
  deps: RegistrationDeps,
): Promise<Omit<StoredPowerOfAttorney, 'registeredAt' | 'registeredBy' | 'orgId'>> {
  const { subscriber } = deps;
  let poa: PowerOfAttorney;
  try {
    poa = parsePowerOfAttorney(input.xml, input.fileName);
  } catch (e) {
    if (e instanceof FormatError) throw refuse('poa-format-invalid', `${input.fileName}: ${e.message}`);
    throw refuse('poa-format-invalid', `${input.fileName}: not an МЧД of format EMCHD_1: ${(e as Error).message}`);
  }
  const [principal, ...others] = poa.principals;
  if (!principal)
    throw refuse(
      'poa-principal-mismatch',
      `${input.fileName} is a re-delegation (Передов); the hub registers only МЧД issued by the organization itself`,
    );
  if (others.length > 0 || principal.type !== 'organization' || !principal.organization) {
    throw refuse(
      'poa-principal-mismatch',
      `${input.fileName}: the principal must be one Russian organization (ТипДоверит 1), ${subscriber.name}`,
    );
  }
  const org = principal.organization;
  if (org.inn !== subscriber.inn) {
    throw refuse(
      'poa-principal-mismatch',
      `${input.fileName}: the principal's INN is ${org.inn ?? 'not stated'}, not ${subscriber.name}'s ${subscriber.inn}`,
    );
  }
  if (subscriber.kpp && org.kpp !== subscriber.kpp) {
    throw refuse(
      'poa-principal-mismatch',
      `${input.fileName}: the principal's KPP is ${org.kpp ?? 'not stated'}, not ${subscriber.name}'s ${subscriber.kpp}`,
    );
  }

  const verified = await deps.verify(input.signature, input.xml);
  if (!verified.valid || !verified.signer) {
    const why = verified.problems.map((p) => p.message).join('; ') || 'it does not verify';
    throw refuse('poa-signature-invalid', `The signature over ${input.fileName} is not valid: ${why}`);
  }
  const signer = verified.signer;
  if (signer.orgInn !== subscriber.inn) {
    const named = signer.orgInn
      ? `names the organization INN ${signer.orgInn}`
      : 'names no organization (no INNLE 1.2.643.100.4): a personal certificate';
    throw refuse(
      'poa-signer-not-director',
      `${signer.commonName}, who signed ${input.fileName}, does not act for ${subscriber.name} without a power of attorney: the certificate ${named}`,
    );
  }
  if (!principal.persons.some((p) => certificateIsPerson(signer, p))) {
    const listed = principal.persons.map(personName).join(', ') || 'nobody';
    throw refuse(
      'poa-signer-not-director',
      `${signer.commonName} signed ${input.fileName}, but the МЧД names ${listed} as acting for ${subscriber.name} without a power of attorney (ЛицоБезДов)`,
    );
  }
  // The OGRN the operator registered the organization with, else the one the director's certificate names.
  const ogrn = subscriber.ogrn ?? signer.ogrn;
  if (!org.ogrn || org.ogrn !== ogrn) {
    const whose = subscriber.ogrn ? `${subscriber.name}'s` : "the director's certificate's";
    throw refuse(
      'poa-principal-mismatch',
      `${input.fileName}: the principal's OGRN is ${org.ogrn ?? 'not stated'}, not ${whose} ${ogrn ?? '(none)'}`,
    );
  }

  const signedOn = moscowDate(
    verified.signingTime && verified.signingTime < deps.now ? verified.signingTime : deps.now,
  );
  if (signedOn > poa.validUntil) {
    throw refuse(
      'poa-dates-invalid',
      `${input.fileName} was signed on ${signedOn}, after its term ended (СрокДейст ${poa.validUntil})`,
    );
  }

  const [representative, ...more] = poa.representatives;
  if (!representative?.person || more.length > 0 || representative.type !== 'person') {
    throw refuse(
      'poa-representative-unknown',
      `${input.fileName}: the hub registers an МЧД for one person (ТипПред 3), the employee who signs with their personal certificate`,
    );
  }
  const person = representative.person;
  const holders = deps.users.filter(
    (u) => u.certificate && certificateIsPerson(describeCertificate(u.certificate.der), person),
  );
  if (holders.length === 0) {
    const ids = [person.inn && `INN ${person.inn}`, person.snils && `SNILS ${person.snils}`].filter(Boolean).join(', ');
    throw refuse(
      'poa-representative-unknown',
      `${input.fileName} names ${personName(person)} (${ids}), who holds no certificate of a user of ${subscriber.name}: register their certificate first (edo-hub user add)`,
    );
  }
  return {
    number: poa.number.toLowerCase(),
    principalInn: org.inn,
    fileName: input.fileName,
    xml: input.xml,
    signature: input.signature,
    representative: {
      name: personName(person),
      ...(person.inn ? { inn: person.inn } : {}),
      ...(person.snils ? { snils: person.snils } : {}),
    },
    powers: poa.powers.codes.map((c) => c.code),
    ...(poa.powers.text !== undefined ? { powersText: poa.powers.text } : {}),
    issuedOn: poa.issuedOn,
    validUntil: poa.validUntil,
    signedBy: signer.commonName,
  };
}

/** Whether the signer acts for the organization without a power of attorney: its certificate names the organization (INNLE). */
export const actsWithoutPowerOfAttorney = (signer: CertificateIdentity, subscriber: SubscriberRecord) =>
  signer.orgInn === subscriber.inn;

export interface SigningDeps {
  registry: PowerOfAttorneyRegistry;
  /** The power codes that grant the action in this organization (any one is enough). */
  requiredPowers: (orgId: string, action: SigningAction) => Promise<readonly string[]>;
}

/**
 * The МЧД a signature by `signer` for `subscriber` is made under, checked at `at` (the hub's
 * time of acceptance, which its time-stamp fixes); undefined when the signer needs none.
 */
export async function checkRepresentative(
  deps: SigningDeps,
  signer: CertificateIdentity,
  subscriber: SubscriberRecord,
  reference: PowerOfAttorneyReference | undefined,
  action: SigningAction,
  at: Date,
): Promise<SignedUnderPowerOfAttorney | undefined> {
  if (actsWithoutPowerOfAttorney(signer, subscriber)) return undefined;
  const who = `${signer.commonName} (certificate ${signer.serialNumber})`;
  if (!reference) {
    throw refuse(
      'poa-required',
      `${who} signs with a personal certificate, which does not name ${subscriber.name} (no INNLE ${subscriber.inn}): the signature needs the МЧД it is made under (powerOfAttorney: its number and the principal's INN)`,
    );
  }
  if (reference.principalInn !== subscriber.inn) {
    throw refuse(
      'poa-unknown',
      `The МЧД ${reference.number} is named with the principal INN ${reference.principalInn}, but ${who} signs for ${subscriber.name} (INN ${subscriber.inn})`,
    );
  }
  const poa = await deps.registry.find(reference.principalInn, reference.number);
  if (!poa || poa.orgId !== subscriber.id) {
    throw refuse(
      'poa-unknown',
      `No МЧД ${reference.number} of ${subscriber.name} is registered at the hub: the director registers it first (POST /v1/powers-of-attorney)`,
    );
  }
  const status = statusAt(poa, at);
  if (status === 'revoked') {
    throw refuse(
      'poa-revoked',
      `The МЧД ${poa.number} was revoked on ${poa.revokedAt}${poa.revokeReason ? ` (${poa.revokeReason})` : ''}, before the signing time ${at.toISOString()}`,
    );
  }
  if (status !== 'active') {
    const term = `${poa.issuedOn} to ${poa.validUntil}`;
    const when = status === 'created' ? 'has not begun' : 'is over';
    throw refuse(
      'poa-not-in-force',
      `The МЧД ${poa.number} is not in force on ${moscowDate(at)}: its term (${term}) ${when}`,
    );
  }
  if (!certificateIsPerson(signer, { surname: '', ...poa.representative })) {
    const ids = [
      poa.representative.inn && `INN ${poa.representative.inn}`,
      poa.representative.snils && `SNILS ${poa.representative.snils}`,
    ]
      .filter(Boolean)
      .join(', ');
    throw refuse(
      'poa-other-person',
      `The МЧД ${poa.number} is issued to ${poa.representative.name} (${ids}), not to ${who}`,
    );
  }
  const required = await deps.requiredPowers(subscriber.id, action);
  const power = poa.powers.find((code) => required.includes(code));
  if (!power) {
    const names = required
      .map((c) => `${c}${c in POWER_CLASSIFIER ? ` "${POWER_CLASSIFIER[c as keyof typeof POWER_CLASSIFIER]}"` : ''}`)
      .join(' or ');
    const has =
      poa.powers.length > 0
        ? `it grants ${poa.powers.join(', ')}`
        : 'it grants powers only in free text, which is never enough for an automatic check';
    throw refuse(
      'poa-power-missing',
      `The МЧД ${poa.number} does not grant ${action}: ${subscriber.name} requires ${names}; ${has}`,
    );
  }
  return {
    number: poa.number,
    principalInn: poa.principalInn,
    issuedOn: poa.issuedOn,
    validUntil: poa.validUntil,
    status,
    power,
    checkedAt: at.toISOString(),
  };
}
