// Machine-readable powers of attorney (МЧД) at the hub, the registry an operator keeps for its
// organizations: the statuses, the record the hub answers with, and the paths.
import { z } from 'zod';
import { Base64, Id, Inn, Timestamp } from './common';

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
  revokedAt: Timestamp.optional(),
  revokeReason: z.string().optional(),
});
export type PowerOfAttorneyRecord = z.infer<typeof PowerOfAttorneyRecord>;
