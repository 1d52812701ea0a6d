// Machine-readable powers of attorney (МЧД) at the hub, the registry an operator keeps for its
// organizations (docs/architecture.md §7): the statuses, the record the hub answers with, the
// reference a representative's signature carries; their routes are in ./routes.
import { z } from 'zod';
import { Base64, Id, Inn, Timestamp } from './common';
import { ErrorBody } from './errors';

/**
 * created: registered, its term not begun; active: in force; expired: its term is over;
 * revoked: the principal ended it early (journaled).
 */
export const PowerOfAttorneyStatus = z.enum(['created', 'active', 'expired', 'revoked']);
export type PowerOfAttorneyStatus = z.infer<typeof PowerOfAttorneyStatus>;

/** НомДовер: the GUID that is the МЧД's single registration number. */
export const PowerOfAttorneyNumber = z
  .string()
  .regex(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/, 'an МЧД number (a GUID)');

/** Where the hub tells an МЧД's status: what `edo-clerk poa create` writes into СведСист. */
export const powerOfAttorneyPath = (number: string) => `/v1/powers-of-attorney/${number}`;

/**
 * What a signature needs a power for: sending a document, signing a service document (ИОП, УОУ).
 * Which power codes grant each is an organization setting.
 */
export const SigningAction = z.enum(['send-document', 'sign-service-document']);
export type SigningAction = z.infer<typeof SigningAction>;

/**
 * Powers from the FNS classifier that EDO Clerk knows by name (legal.md §1.7). The classifier
 * has no code for the service documents (ИОП, УОУ) alone; the general one for accounting
 * documents ("подписывать, направлять, получать") is the default for both sending and signing.
 */
export const POWER_CLASSIFIER = {
  BBDOCS_DOCS_DCSALL_SRCDOC_SOURCEDOCSGENERAL: 'Подписывать, направлять, получать и оплачивать бухгалтерские документы',
  BBDOCS_DOCS_DCSALL_SRCDOC_SOURCEDOCS5:
    'Подписывать товарные, товарно-транспортные, транспортные накладные, универсальные передаточные документы (УПД)',
  BBDOCS_CNTRCT_SRVC_SRVCWRK_CNTRCTSRVC15: 'Заключать и подписывать соглашения об электронном документообороте',
} as const satisfies Record<string, string>;
export type KnownPowerCode = keyof typeof POWER_CLASSIFIER;
export const KnownPowerCode = z.enum(Object.keys(POWER_CLASSIFIER) as [KnownPowerCode, ...KnownPowerCode[]]);
export const DEFAULT_POWER_CODES: readonly KnownPowerCode[] = ['BBDOCS_DOCS_DCSALL_SRCDOC_SOURCEDOCSGENERAL'];

/** Power codes (КодПолн), any one of which grants an action: an organization setting. */
export const RequiredPowers = z.object({
  'send-document': z.array(z.string().min(6).max(255)).min(1),
  'sign-service-document': z.array(z.string().min(6).max(255)).min(1),
});
export type RequiredPowers = z.infer<typeof RequiredPowers>;

/**
 * Until the organization sets its own: the classifier's general power for accounting documents
 * for both, and the one for УПД and waybills for sending too (legal.md §1.7: the classifier has
 * no code for ИОП and УОУ alone).
 */
export const DEFAULT_REQUIRED_POWERS: RequiredPowers = {
  'send-document': ['BBDOCS_DOCS_DCSALL_SRCDOC_SOURCEDOCSGENERAL', 'BBDOCS_DOCS_DCSALL_SRCDOC_SOURCEDOCS5'],
  'sign-service-document': ['BBDOCS_DOCS_DCSALL_SRCDOC_SOURCEDOCSGENERAL'],
};

/**
 * The МЧД a signature made with a personal certificate is made under (Diadoc's
 * PowerOfAttorneyFullId): its number and the principal's INN.
 */
export const PowerOfAttorneyReference = z.object({
  number: PowerOfAttorneyNumber,
  principalInn: Inn,
});
export type PowerOfAttorneyReference = z.infer<typeof PowerOfAttorneyReference>;

/**
 * Why a signature made under an МЧД (or one that needs it) is refused: the hub's error codes of
 * src/protocol/errors.ts, the same for its refusal at acceptance, its pre-check and the client's
 * own refusal before signing (docs/architecture.md §7).
 */
export const PowerOfAttorneyRefusal = ErrorBody.shape.error.extract([
  'poa-required',
  'poa-unknown',
  'poa-not-in-force',
  'poa-revoked',
  'poa-other-person',
  'poa-power-missing',
]);
export type PowerOfAttorneyRefusal = z.infer<typeof PowerOfAttorneyRefusal>;

/** The МЧД a signature was accepted under, as the hub found it at the signing time. */
export const SignedUnderPowerOfAttorney = PowerOfAttorneyReference.extend({
  issuedOn: z.iso.date(),
  validUntil: z.iso.date(),
  /** Its status at the signing time (always active: any other is refused). */
  status: PowerOfAttorneyStatus,
  /** The power code that covered the action. */
  power: z.string(),
  checkedAt: Timestamp,
});
export type SignedUnderPowerOfAttorney = z.infer<typeof SignedUnderPowerOfAttorney>;

export const RegisterPowerOfAttorneyRequest = z.object({
  /** ON_EMCHD_<YYYYMMDD>_<НомДовер>.xml */
  fileName: z.string().min(1).max(255),
  /** The МЧД XML (UTF-8). */
  xml: Base64,
  /** The director's detached CMS over the XML. */
  signature: Base64,
});
export type RegisterPowerOfAttorneyRequest = z.infer<typeof RegisterPowerOfAttorneyRequest>;

export const PowerOfAttorneyRecord = z.object({
  number: PowerOfAttorneyNumber,
  subscriberId: Id,
  fileName: z.string(),
  principalInn: Inn,
  representative: z.object({ name: z.string(), inn: Inn.optional(), snils: z.string().optional() }),
  /** КодПолн of every machine-readable power. */
  powers: z.array(z.string()),
  /** Powers in free text, never enough for an automatic check. */
  powersText: z.string().optional(),
  issuedOn: z.iso.date(),
  validUntil: z.iso.date(),
  status: PowerOfAttorneyStatus,
  registeredAt: Timestamp,
  /** The director who signed it (their certificate's common name). */
  signedBy: z.string(),
  revokedAt: Timestamp.optional(),
  revokeReason: z.string().optional(),
});
export type PowerOfAttorneyRecord = z.infer<typeof PowerOfAttorneyRecord>;

/** GET …/{number}: the record with the files as registered. */
export const PowerOfAttorneyFiles = PowerOfAttorneyRecord.extend({ xml: Base64, signature: Base64 });
export type PowerOfAttorneyFiles = z.infer<typeof PowerOfAttorneyFiles>;

export const PowerOfAttorneyParams = z.object({ number: PowerOfAttorneyNumber });
/** GET /v1/documents/{documentId}/powers-of-attorney/{number}: an МЧД a signature of the document's chain was made under. */
export const DocumentPowerOfAttorneyParams = z.object({ documentId: Id, number: PowerOfAttorneyNumber });
export const RevokePowerOfAttorneyRequest = z.object({ reason: z.string().trim().min(1).max(1000) });
export const PowerOfAttorneyList = z.object({ powersOfAttorney: z.array(PowerOfAttorneyRecord) });

/** POST /v1/powers-of-attorney/check: would this certificate's signature be accepted under this МЧД now? */
export const PrevalidatePowerOfAttorneyRequest = z.object({
  reference: PowerOfAttorneyReference,
  /** The signing certificate (DER, base64). */
  certificate: Base64,
  action: SigningAction,
});
export const PrevalidatePowerOfAttorneyResult = z.discriminatedUnion('ok', [
  /** Without powerOfAttorney: the certificate acts for the organization without one (it names it: INNLE). */
  z.object({ ok: z.literal(true), powerOfAttorney: SignedUnderPowerOfAttorney.optional() }),
  /** `error` is the code the hub would refuse the signature with. */
  z.object({ ok: z.literal(false), error: PowerOfAttorneyRefusal, message: z.string() }),
]);
export type PrevalidatePowerOfAttorneyResult = z.infer<typeof PrevalidatePowerOfAttorneyResult>;
