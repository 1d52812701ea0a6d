// Building blocks of the exchange protocol (docs/architecture.md §3) shared by the hub and its client.
import { z } from 'zod';
import { isKazakhBin, isOgrn, isRussianInn } from '../formats/tax-numbers';

/** Lower-case hex SHA-256: the name of a blob. */
export const Sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'a SHA-256 in lower-case hex (64 characters)');

/** Binary data inside JSON (CMS signatures, service-document XML in windows-1251): standard base64. */
export const Base64 = z
  .string()
  .min(1)
  .regex(/^[A-Za-z0-9+/]+={0,2}$/, 'base64 (standard alphabet, padded)');

/** Identifiers the hub assigns (subscribers, users, documents, service documents). */
export const Id = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'an identifier (letters, digits, "-" or "_", at most 64)');

export const Timestamp = z.iso.datetime({ offset: true });

/**
 * INN of an organization (10 digits), of a person (12 digits), or a Kazakh BIN (12 digits), as the
 * protocol carries it. Its check digits are checked where a number is typed in (`EnteredInn`), so
 * records made before that check stay readable.
 */
export const Inn = z.string().regex(/^(\d{10}|\d{12})$/, 'an INN or BIN: 10 or 12 digits');
export const EnteredInn = Inn.refine(
  (v) => isRussianInn(v) || isKazakhBin(v),
  'an INN or BIN whose check digits do not match (a mistyped digit?)',
);
/** KPP as the FNS schemas define it: not starting with 00, positions 5–6 digits or capital Latin letters. */
export const Kpp = z
  .string()
  .regex(/^([0-9][1-9]|[1-9][0-9])[0-9]{2}[0-9A-Z]{2}[0-9]{3}$/, 'a KPP: 9 characters, NNNNXXNNN (X a digit or A–Z)');

/** OGRN (13 digits) of an organization or OGRNIP (15) of an entrepreneur; its check digit is checked where typed in. */
export const Ogrn = z.string().regex(/^(\d{13}|\d{15})$/, 'an OGRN: 13 digits (OGRNIP: 15)');
export const EnteredOgrn = Ogrn.refine(isOgrn, 'an OGRN whose check digit does not match (a mistyped digit?)');

/**
 * Feed cursor: everything with a revision/sequence greater than `after` comes next. Integers,
 * sent as query strings.
 */
export const Cursor = z.coerce.number().int().min(0);

export const PageLimit = z.coerce.number().int().min(1).max(500);

/** Header sent by the client with every POST that creates something; persisted before the first attempt. */
export const IdempotencyKey = z
  .string()
  .min(8)
  .max(200)
  .regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces');

/** Who holds a certificate, as read from its subject (qualified certificates of RU/KZ). */
export const CertificateSummary = z.object({
  commonName: z.string().optional(),
  surname: z.string().optional(),
  givenNames: z.string().optional(),
  position: z.string().optional(),
  organization: z.string().optional(),
  orgInn: z.string().optional(),
  personInn: z.string().optional(),
  subject: z.string(),
  issuer: z.string(),
  serialNumber: z.string(),
  notBefore: Timestamp,
  notAfter: Timestamp,
  /** SHA-256 of the certificate's DER, hex: how the hub recognises a registered certificate. */
  fingerprint: Sha256,
});
export type CertificateSummary = z.infer<typeof CertificateSummary>;
