// One way to make either file, for the CLI and the desktop alike: gather the evidence, draw the
// card, and write the card or the whole package (its manifest signed by `signer`, when given).
import { writeFileSync } from 'node:fs';
import { RevocationChecker } from '../crypto/revocation';
import type { Signer } from '../crypto/signer';
import { HttpArchiveSource } from '../exchange/archive-client';
import type { HttpExchangeClient } from '../exchange/http-client';
import type { ClerkProfile } from '../exchange/profile';
import type { ClerkStore } from '../store';
import { buildCard } from './card';
import { collectEvidence, findDocument, type DocumentFacts } from './collect';
import type { EvidenceLanguage } from './i18n';
import { writeEvidencePackage, type Manifest } from './package';

export type EvidenceFileKind = 'card' | 'package';

export interface SaveEvidenceOptions {
  client: HttpExchangeClient;
  trustedRoots: Buffer[];
  language: EvidenceLanguage;
  signer?: Signer;
  /** Where an МЧД's principal certificate status is asked (the profile's signatureChecks); default its own OCSP and CRL. */
  revocation?: RevocationChecker;
}

export async function saveEvidence(
  store: ClerkStore,
  ref: string,
  kind: EvidenceFileKind,
  file: string,
  o: SaveEvidenceOptions,
): Promise<{ document: DocumentFacts; bytes?: number; manifest?: Manifest }> {
  const hub = { client: o.client, archive: new HttpArchiveSource(o.client) };
  const evidence = await collectEvidence(store, ref, hub, o.trustedRoots, o.revocation ?? new RevocationChecker());
  const card = await buildCard(evidence, { language: o.language });
  if (kind === 'card') {
    writeFileSync(file, card);
    return { document: evidence.document, bytes: card.length };
  }
  return { document: evidence.document, manifest: await writeEvidencePackage(evidence, card, file, o.signer) };
}

/** The same for a profile: its store, its trusted roots, certificate status asked where its signature checks say. */
export function saveProfileEvidence(
  profile: ClerkProfile,
  ref: string,
  kind: EvidenceFileKind,
  file: string,
  o: Pick<SaveEvidenceOptions, 'client' | 'language' | 'signer'>,
): ReturnType<typeof saveEvidence> {
  return saveEvidence(profile.store, ref, kind, file, {
    ...o,
    trustedRoots: profile.trustedRoots(),
    revocation: new RevocationChecker(profile.revocationSettings()),
  });
}

/** What the save dialog proposes: "<file name>.card.pdf" or "<file name>.evidence.zip". */
export function evidenceFileName(store: ClerkStore, ref: string, kind: EvidenceFileKind): string {
  const base = findDocument(store, ref).fileName.replace(/[/\\\0]/g, '_');
  return `${base}.${kind === 'card' ? 'card.pdf' : 'evidence.zip'}`;
}
