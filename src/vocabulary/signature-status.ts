// A signature's long-term verdict as people read it (architecture.md §7): one line per signer,
// "Сертификат действовал и не был отозван на 02.12.2026 10:15 (OCSP …)", built from codes, the
// same words for `edo-clerk verify`, `inbox --json` and the document view. Pure zod, no Node.
import { z } from 'zod';

import {
  certificateStatus as CertificateStatus,
  revocationSource as RevocationSource,
} from '../crypto/revocation/vocabulary';

export { CertificateStatus, RevocationSource };

/** valid; invalid (revoked included); undetermined: the status could not be established, never "valid". */
export const LongTermVerdict = z.enum(['valid', 'invalid', 'undetermined']);
export type LongTermVerdict = z.infer<typeof LongTermVerdict>;

/** Where the time a signature is judged at comes from: its time-stamp, a time given, the day of verification. */
export const SignatureTimeSource = z.enum(['timestamp', 'given', 'verification']);
export type SignatureTimeSource = z.infer<typeof SignatureTimeSource>;

/** The facts of one signer's line: codes and times (ISO), the words come from signatureStatusText. */
export const SignatureStatusLine = z.object({
  verdict: LongTermVerdict,
  /** The signer certificate's status; absent when the signature itself failed. */
  certificateStatus: CertificateStatus.optional(),
  /** The time the signature was judged at, and where it comes from. */
  time: z.string(),
  timeSource: SignatureTimeSource,
  /** The status evidence: OCSP or CRL, who vouches, from where (a URL, a file, "embedded"), when it was produced. */
  source: RevocationSource.optional(),
  by: z.string().optional(),
  from: z.string().optional(),
  producedAt: z.string().optional(),
  /** A revocation: at or before `time` (invalid), or later (does not touch the signature). */
  revokedAt: z.string().optional(),
  revocationReason: z.string().optional(),
  /** The time-stamp authority of the signature-time-stamp. */
  tsa: z.string().optional(),
  /** Why, when not valid or undetermined. */
  problem: z.string().optional(),
});
export type SignatureStatusLine = z.infer<typeof SignatureStatusLine>;

type Language = 'ru' | 'en' | 'kk';

/** "02.12.2026 10:15" (UTC), as a clerk writes dates. */
export function clerkTime(iso: string): string {
  const d = new Date(iso);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getUTCDate())}.${p(d.getUTCMonth() + 1)}.${d.getUTCFullYear()} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())} UTC`;
}

const words = {
  ru: {
    good: 'Сертификат действовал и не был отозван на {time}',
    revoked: 'Отозван {revokedAt} ({reason}), до момента подписи {time}: подпись недействительна',
    unknown: 'Не удалось проверить статус сертификата на {time}',
    invalid: 'Подпись недействительна',
    later: '; отозван позже, {revokedAt} ({reason}): на подпись это не влияет',
    timestamp: '; время подписи подтверждено штампом времени {tsa}',
    noTimestamp: '; штампа времени нет, время — {source}',
    given: 'заданное при проверке',
    verification: 'день проверки',
  },
  en: {
    good: 'The certificate was valid and not revoked at {time}',
    revoked: 'Revoked {revokedAt} ({reason}), before the signature at {time}: the signature is not valid',
    unknown: 'The certificate status at {time} could not be checked',
    invalid: 'The signature is not valid',
    later: '; revoked later, {revokedAt} ({reason}): this does not touch the signature',
    timestamp: '; the time is attested by a time-stamp of {tsa}',
    noTimestamp: '; no time-stamp, the time is {source}',
    given: 'the one given for the check',
    verification: 'the day of the check',
  },
};

/** The line for one signer in the clerk's language (Russian unless English is chosen). */
export function signatureStatusText(line: SignatureStatusLine, language: Language = 'ru'): string {
  const w = language === 'en' ? words.en : words.ru;
  const fill = (text: string) =>
    text
      .replace('{time}', clerkTime(line.time))
      .replace('{revokedAt}', line.revokedAt ? clerkTime(line.revokedAt) : '?')
      .replace('{reason}', line.revocationReason ?? 'unspecified')
      .replace('{tsa}', line.tsa ?? '?')
      .replace('{source}', line.timeSource === 'given' ? w.given : w.verification);
  const evidence = line.source
    ? ` (${line.source.toUpperCase()} ${line.by ?? ''}, ${line.from ?? ''}, ${line.producedAt ? clerkTime(line.producedAt) : ''})`
    : '';
  const time = fill(line.timeSource === 'timestamp' ? w.timestamp : w.noTimestamp);
  if (line.verdict === 'invalid' && line.certificateStatus !== 'revoked')
    return `${w.invalid}${line.problem ? `: ${line.problem}` : ''}`;
  if (line.certificateStatus === 'revoked') return `${fill(w.revoked)}${evidence}${time}`;
  if (line.verdict === 'undetermined') return `${fill(w.unknown)}${line.problem ? `: ${line.problem}` : ''}${time}`;
  return `${fill(w.good)}${evidence}${line.revokedAt ? fill(w.later) : ''}${time}`;
}
