// Machine-readable powers of attorney (МЧД) at the hub, the registry an operator keeps for its
// organizations (docs/architecture.md §7): the statuses, the record the hub answers with, the
// reference a representative's signature carries, and the routes (part of the one route table).
import { z } from 'zod';
import { Base64, Id, Inn, Timestamp } from './common';
import type { RouteSpec } from './routes';

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
 * The МЧД a signature made with a personal certificate is made under (Diadoc's
 * PowerOfAttorneyFullId): its number and the principal's INN.
 */
export const PowerOfAttorneyReference = z.object({
  number: PowerOfAttorneyNumber,
  principalInn: Inn,
});
export type PowerOfAttorneyReference = z.infer<typeof PowerOfAttorneyReference>;

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
  z.object({ ok: z.literal(false), error: z.string(), message: z.string() }),
]);
export type PrevalidatePowerOfAttorneyResult = z.infer<typeof PrevalidatePowerOfAttorneyResult>;

// ---- routes (part of the one route table in ./routes)

export const powerOfAttorneyRoutes = {
  registerPowerOfAttorney: {
    method: 'POST',
    path: '/v1/powers-of-attorney',
    summary: "Register an МЧД of the caller's organization: the XML and the director's detached CMS, checked (format, principal, director's signature, dates, representative)",
    auth: true,
    body: RegisterPowerOfAttorneyRequest,
    responses: { 201: PowerOfAttorneyRecord },
  },
  listPowersOfAttorney: {
    method: 'GET',
    path: '/v1/powers-of-attorney',
    summary: "The caller's organization's МЧД, with their statuses now",
    auth: true,
    responses: { 200: PowerOfAttorneyList },
  },
  checkPowerOfAttorney: {
    method: 'POST',
    path: '/v1/powers-of-attorney/check',
    summary: 'Pre-check before signing: whether a signature by this certificate under this МЧД would be accepted now, and if not the refusal',
    auth: true,
    body: PrevalidatePowerOfAttorneyRequest,
    responses: { 200: PrevalidatePowerOfAttorneyResult },
  },
  getPowerOfAttorney: {
    method: 'GET',
    path: '/v1/powers-of-attorney/:number',
    summary: "One МЧД of the caller's organization with its status and files",
    auth: true,
    params: PowerOfAttorneyParams,
    responses: { 200: PowerOfAttorneyFiles },
  },
  revokePowerOfAttorney: {
    method: 'POST',
    path: '/v1/powers-of-attorney/:number/revoke',
    summary: 'Revoke an МЧД early, by the principal (its director, or a settings administrator); journaled',
    auth: true,
    params: PowerOfAttorneyParams,
    body: RevokePowerOfAttorneyRequest,
    responses: { 200: PowerOfAttorneyRecord },
  },
} as const satisfies Record<string, RouteSpec>;
