// edo-clerk card | evidence | verify-evidence (docs/architecture.md §7): the document card (PDF)
// and the evidence package (ZIP) of one document, made from the profile's store and the hub,
// and the package checked offline, a verdict per part.
import { readFileSync, writeFileSync } from 'node:fs';
import { readCertificates } from '../crypto/certificates';
import { HttpArchiveSource } from '../exchange/archive-client';
import type { ClerkProfile } from '../exchange/profile';
import { TokenSignerSource } from '../exchange/profile';
import { buildCard, collectEvidence, EvidenceError, evidenceLanguage, evidenceText, verifyEvidencePackage, writeEvidencePackage, type Evidence } from '../evidence';
import type { Signer } from '../crypto/signer';
import { fromTokenError, signerFor, type Options } from './commands';
import { CliError, type Output } from './output';

const str = (o: Options, name: string): string | undefined => (typeof o[name] === 'string' ? (o[name] as string) : undefined);

function language(profile: ClerkProfile, o: Options) {
  if (str(o, 'lang')) return evidenceLanguage(str(o, 'lang'));
  try {
    return evidenceLanguage(profile.settings.language);
  } catch {
    return 'ru';
  }
}

/** Logs in as the profile (its signer stays open to sign the manifest), and gathers the document's evidence. */
async function gather(profile: ClerkProfile, o: Options, ref: string | undefined, use: (evidence: Evidence, signer: Signer) => Promise<number>): Promise<number> {
  if (!ref) throw new CliError('Name the DOCUMENT: its number from "edo-clerk inbox" or "outbox", or its hub id');
  if (!str(o, 'out')) throw new CliError('Give --out FILE');
  const source = signerFor(profile, o);
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
      const evidence = await collectEvidence(profile.store, ref, { client: hub.client, archive: new HttpArchiveSource(hub.client) }, profile.trustedRoots());
      return await use(evidence, signer);
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

export async function card(profile: ClerkProfile, o: Options, positional: string[], out: Output): Promise<number> {
  return gather(profile, o, positional[0], async (evidence) => {
    const pdf = await buildCard(evidence, { language: language(profile, o) });
    writeFileSync(str(o, 'out')!, pdf);
    out.result({ file: str(o, 'out'), bytes: pdf.length, document: evidence.document }, () => `${str(o, 'out')}: the card of "${evidence.document.title}" (${pdf.length} bytes)`);
    return 0;
  });
}

export async function evidence(profile: ClerkProfile, o: Options, positional: string[], out: Output): Promise<number> {
  return gather(profile, o, positional[0], async (evidence, signer) => {
    const pdf = await buildCard(evidence, { language: language(profile, o) });
    const manifest = await writeEvidencePackage(evidence, pdf, str(o, 'out')!, signer);
    out.result({ file: str(o, 'out'), manifest }, () => `${str(o, 'out')}: the evidence package of "${evidence.document.title}", ${manifest.parts.length + 2} parts`);
    return 0;
  });
}

export async function verifyEvidence(profile: ClerkProfile, o: Options, positional: string[], out: Output): Promise<number> {
  const [file] = positional;
  if (!file) throw new CliError('verify-evidence needs FILE.zip');
  const at = str(o, 'at');
  if (at !== undefined && Number.isNaN(Date.parse(at))) throw new CliError(`--at ${at} is not an ISO date-time`);
  const trust = Array.isArray(o.trust) ? (o.trust as string[]) : [];
  const operator = str(o, 'operator-cert');
  const verdict = await verifyEvidencePackage(file, {
    at: at ? new Date(at) : undefined,
    trustedRoots: trust.length ? trust.flatMap((f) => readCertificates(readFileSync(f))) : undefined,
    operatorCertificate: operator ? readCertificates(readFileSync(operator))[0] : undefined,
  });
  const l = language(profile, o);
  const failed = verdict.parts.filter((p) => !p.ok).map((p) => p.path);
  const summary = verdict.ok ? evidenceText(l, 'verify.all') : evidenceText(l, 'verify.some', { parts: failed.join(', ') });
  out.result({ ok: verdict.ok, failed, parts: verdict.parts, message: summary }, () =>
    [...verdict.parts.map((p) => `${evidenceText(l, p.ok ? 'verify.ok' : 'verify.failed')}  ${p.path}: ${p.message}`), summary].join('\n'),
  );
  return verdict.ok ? 0 : 1;
}
