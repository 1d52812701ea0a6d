// edo-clerk card | evidence | verify-evidence (docs/architecture.md §7): the document card (PDF)
// and the evidence package (ZIP) of one document, made from the profile's store and the hub,
// and the package checked offline, a verdict per part.
import { readFileSync } from 'node:fs';
import { readCertificates } from '../crypto/certificates';
import type { ClerkProfile } from '../exchange/profile';
import { TokenSignerSource } from '../exchange/profile';
import {
  EvidenceError,
  evidenceLanguage,
  evidenceText,
  saveProfileEvidence,
  verifyEvidencePackage,
  type EvidenceFileKind,
} from '../evidence';
import type { Signer } from '../crypto/signer';
import { fromTokenError, signerFor } from './commands';
import { isoDate, list, str, type Options } from './options';
import { words } from './i18n';
import { CliError, type Output } from './output';

function language(profile: ClerkProfile, o: Options) {
  if (str(o, 'lang')) return evidenceLanguage(str(o, 'lang'));
  try {
    return evidenceLanguage(profile.settings.language);
  } catch {
    return 'ru';
  }
}

/** Logs in as the profile (its signer stays open to sign the manifest), and writes the card or the package. */
async function make(
  profile: ClerkProfile,
  o: Options,
  ref: string | undefined,
  kind: EvidenceFileKind,
  out: Output,
): Promise<number> {
  if (!ref) throw new CliError(words('evidence.needsDocument'));
  const file = str(o, 'out');
  if (!file) throw new CliError(words('evidence.needsOut'));
  const source = signerFor(profile, o, out);
  try {
    let signer: Signer;
    let hub: Awaited<ReturnType<ClerkProfile['connect']>>;
    try {
      signer = await source.acquire();
      hub = await profile.connect(undefined, {}, source);
    } catch (e) {
      return fromTokenError(e);
    }
    try {
      const made = await saveProfileEvidence(profile, ref, kind, file, {
        client: hub.client,
        language: language(profile, o),
        signer,
      });
      out.result({ file, ...made }, () =>
        kind === 'card'
          ? out.t('evidence.card', { file, title: made.document.title, bytes: made.bytes ?? '?' })
          : out.t('evidence.package', { file, title: made.document.title, parts: made.manifest!.parts.length }),
      );
      return 0;
    } catch (e) {
      if (e instanceof EvidenceError) throw new CliError(e.message, 1, e.code);
      throw e;
    } finally {
      hub.close();
    }
  } finally {
    if (source instanceof TokenSignerSource) source.close();
  }
}

export const card = (profile: ClerkProfile, o: Options, positional: string[], out: Output) =>
  make(profile, o, positional[0], 'card', out);
export const evidence = (profile: ClerkProfile, o: Options, positional: string[], out: Output) =>
  make(profile, o, positional[0], 'package', out);

export async function verifyEvidence(
  profile: ClerkProfile,
  o: Options,
  positional: string[],
  out: Output,
): Promise<number> {
  const [file] = positional;
  if (!file) throw new CliError(words('evidence.needsFile'));
  const at = isoDate(o, 'at');
  const trust = list(o, 'trust');
  const operator = str(o, 'operator-cert');
  const verdict = await verifyEvidencePackage(file, {
    at: at ? new Date(at) : undefined,
    trustedRoots: trust.length ? trust.flatMap((f) => readCertificates(readFileSync(f))) : undefined,
    operatorCertificate: operator ? readCertificates(readFileSync(operator))[0] : undefined,
  });
  const l = language(profile, o);
  const failed = verdict.parts.filter((p) => !p.ok && !p.undetermined).map((p) => p.path);
  const undetermined = verdict.parts.filter((p) => p.undetermined).map((p) => p.path);
  const summary = {
    valid: () => evidenceText(l, 'verify.all'),
    invalid: () => evidenceText(l, 'verify.some', { parts: failed.join(', ') }),
    undetermined: () => evidenceText(l, 'verify.undetermined', { parts: undetermined.join(', ') }),
  }[verdict.verdict]();
  const label = (p: (typeof verdict.parts)[number]) =>
    evidenceText(l, p.ok ? 'verify.ok' : p.undetermined ? 'verify.undeterminedPart' : 'verify.failed');
  out.result(
    { ok: verdict.ok, verdict: verdict.verdict, failed, undetermined, parts: verdict.parts, message: summary },
    () => [...verdict.parts.map((p) => `${label(p)}  ${p.path}: ${p.message}`), summary].join('\n'),
  );
  // As edo-clerk verify: 3 when a status could not be determined, which is neither valid nor invalid.
  return { valid: 0, invalid: 1, undetermined: 3 }[verdict.verdict];
}
