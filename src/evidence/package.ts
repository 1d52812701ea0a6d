// The evidence package (docs/architecture.md §7): one ZIP a machine verifies without the
// operator. Every part is listed in manifest.json with its SHA-256 and what it is; the
// manifest is signed (detached CMS, manifest.json.sig) by the clerk's own signer, on the token:
// the key never leaves it, and the signature says who handed the package over.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { signDetached } from '../crypto/cms';
import { derToPem } from '../crypto/certificates';
import type { Signer } from '../crypto/signer';
import { analyzeSignature } from './analyze';
import { writeZip } from './zip-writer';
import { verificationReference, type Evidence } from './collect';
import { AnnulmentState, RecipientSignatureState } from '../protocol/documents';
import type { SignedUnderPowerOfAttorney } from '../protocol/powers-of-attorney';

export const partRole = z.enum([
  'original',
  'signature',
  'service-document',
  'operator-confirmation',
  'power-of-attorney',
  'status-evidence',
  'archive-entry',
  'inclusion-proof',
  'tree-head',
  'operator-certificate',
  'tsa-certificate',
  'trusted-root',
  'card',
]);
export type PartRole = z.infer<typeof partRole>;

export const manifestPart = z.object({
  path: z.string().min(1),
  role: partRole,
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  size: z.number().int().nonnegative(),
  /** A signature: the part it signs. */
  signs: z.string().optional(),
  /** A service document or confirmation: its type; a signature: whose (sender, recipient) or which step's; status evidence: ocsp or crl. */
  type: z.string().optional(),
  /** A signature made under an МЧД: the МЧД's part. */
  powerOfAttorney: z.string().optional(),
  /** Status evidence: the signature whose certificates it speaks for (kept beside it, not in it). */
  evidenceFor: z.string().optional(),
  /** When the signature counts without a timestamp of its own (the operator's time). */
  at: z.iso.datetime({ offset: true }).optional(),
});
export type ManifestPart = z.infer<typeof manifestPart>;

export const manifestSchema = z.object({
  format: z.literal('edo-clerk-evidence/1'),
  createdAt: z.iso.datetime({ offset: true }),
  reference: z.string(),
  document: z.object({
    hubId: z.string(),
    title: z.string(),
    fileName: z.string(),
    size: z.number().int().nonnegative(),
    sha256: z.string(),
    streebog256: z.string(),
    sentAt: z.string(),
    sender: z.object({ name: z.string(), inn: z.string() }).loose(),
    recipient: z.object({ name: z.string(), inn: z.string() }).loose(),
    signatureState: RecipientSignatureState.optional(),
    annulmentState: AnnulmentState.optional(),
  }),
  parts: z.array(manifestPart).min(1),
});
export type Manifest = z.infer<typeof manifestSchema>;

export const manifestPath = 'manifest.json';
export const manifestSignaturePath = 'manifest.json.sig';

const safe = (name: string) => name.replace(/[/\\\0]/g, '_');
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const poaKey = (p: { principalInn: string; number: string }) => `${p.principalInn}/${p.number.toLowerCase()}`;

/** The files of the package, each with its manifest entry, in the order written. */
export async function packageParts(evidence: Evidence, card: Buffer): Promise<{ part: ManifestPart; bytes: Buffer }[]> {
  const parts: { part: ManifestPart; bytes: Buffer }[] = [];
  const add = (path: string, role: PartRole, bytes: Buffer, extra: Partial<ManifestPart> = {}) => {
    parts.push({ part: { path, role, sha256: sha256(bytes), size: bytes.length, ...extra }, bytes });
    return path;
  };
  const d = evidence.document;
  const original = add(`original/${safe(d.fileName)}`, 'original', evidence.original);
  /** The status evidence kept beside the signature at `sig`. */
  const beside = (sig: string, statusEvidence: { source: string; der: Buffer }[] = []) =>
    statusEvidence.forEach((e, i) =>
      add(`${sig}.status-${i + 1}.${e.source}`, 'status-evidence', e.der, { type: e.source, evidenceFor: sig }),
    );
  // Each МЧД once, however many signatures were made under it; its principal's signature with the status evidence beside it.
  const poaPaths = new Map<string, string>();
  for (const p of evidence.powersOfAttorney) {
    const xml = add(`powers-of-attorney/${safe(p.record.fileName)}`, 'power-of-attorney', p.xml);
    beside(add(`${xml}.sig`, 'signature', p.signature, { signs: xml, at: p.record.registeredAt }), p.statusEvidence);
    poaPaths.set(poaKey(p.record), xml);
  }
  const under = (poa: SignedUnderPowerOfAttorney | undefined) =>
    poa ? { powerOfAttorney: poaPaths.get(poaKey(poa)) } : {};
  evidence.signatures.forEach((s, i) =>
    beside(
      add(`signatures/${safe(d.fileName)}.${i + 1}.p7s`, 'signature', s.cms, {
        signs: original,
        at: s.at,
        type: s.by,
        ...under(s.powerOfAttorney),
      }),
      s.statusEvidence,
    ),
  );
  const tsa = new Map<string, Buffer>();
  for (const s of evidence.signatures) {
    const facts = await analyzeSignature(s.cms, evidence.original, {
      trustedRoots: evidence.trustedRoots,
      operatorCertificate: evidence.operatorCertificate,
      at: new Date(s.at),
    });
    if (facts.timestamp?.chain[0]) tsa.set(sha256(facts.timestamp.chain[0]), facts.timestamp.chain[0]);
  }
  for (const sd of evidence.serviceDocuments) {
    const folder = sd.type === 'send-confirmation' ? 'operator-confirmations' : 'service-documents';
    const role = sd.type === 'send-confirmation' ? 'operator-confirmation' : 'service-document';
    // An annulment's acceptance signs the proposal's very bytes: the XML once, a signature each.
    const path = `${folder}/${safe(sd.fileName)}`;
    const same = parts.find((p) => p.part.path === path);
    if (same && !same.bytes.equals(sd.xml)) throw new Error(`two different service documents are named ${sd.fileName}`);
    const xml = same ? path : add(path, role, sd.xml, { type: sd.type });
    beside(
      add(same ? `${xml}.${sd.type}.sig` : `${xml}.sig`, 'signature', sd.signature, {
        signs: xml,
        at: sd.at,
        type: sd.type,
        ...under(sd.powerOfAttorney),
      }),
      sd.statusEvidence,
    );
  }
  if (evidence.archive) {
    const json = (v: unknown) => Buffer.from(`${JSON.stringify(v, null, 2)}\n`);
    add('archive/entry.json', 'archive-entry', json(evidence.archive.entry));
    add('archive/inclusion-proof.json', 'inclusion-proof', json(evidence.archive.proof));
    add('archive/tree-head.json', 'tree-head', json(evidence.archive.treeHead));
  }
  add('certificates/operator.pem', 'operator-certificate', Buffer.from(derToPem(evidence.operatorCertificate)));
  [...tsa.values()].forEach((der, i) =>
    add(`certificates/tsa-${i + 1}.pem`, 'tsa-certificate', Buffer.from(derToPem(der))),
  );
  evidence.trustedRoots.forEach((der, i) =>
    add(`certificates/roots/root-${i + 1}.pem`, 'trusted-root', Buffer.from(derToPem(der))),
  );
  add('card.pdf', 'card', card);
  return parts;
}

export function manifestOf(evidence: Evidence, parts: ManifestPart[], createdAt = new Date()): Manifest {
  const d = evidence.document;
  return {
    format: 'edo-clerk-evidence/1',
    createdAt: createdAt.toISOString(),
    reference: verificationReference(d),
    document: {
      hubId: d.hubId,
      title: d.title,
      fileName: d.fileName,
      size: d.size,
      sha256: d.sha256,
      streebog256: d.streebog256,
      sentAt: d.sentAt,
      sender: d.sender,
      recipient: d.recipient,
      signatureState: d.signatureState,
      annulmentState: d.annulmentState,
    },
    parts,
  };
}

/**
 * Writes the package to `file`, part by part (the original and the card stored, the rest
 * deflated; ZIP64 where a size or offset passes 4 GiB, zip-writer.ts). `signer` signs the
 * manifest; without one (a password-only profile) the package has none and the verifier says so.
 */
export async function writeEvidencePackage(
  evidence: Evidence,
  card: Buffer,
  file: string,
  signer?: Signer,
): Promise<Manifest> {
  const parts = await packageParts(evidence, card);
  const manifest = manifestOf(
    evidence,
    parts.map((p) => p.part),
  );
  const manifestBytes = Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`);
  const files = [
    ...parts.map((p) => ({
      path: p.part.path,
      bytes: p.bytes,
      stored: p.part.role === 'original' || p.part.role === 'card',
    })),
    { path: manifestPath, bytes: manifestBytes, stored: false },
  ];
  if (signer)
    files.push({ path: manifestSignaturePath, bytes: await signDetached(manifestBytes, signer), stored: false });
  await writeZip(file, files, { modified: new Date(manifest.createdAt) });
  return manifest;
}
