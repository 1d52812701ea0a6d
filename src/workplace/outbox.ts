// The clerk's outbox: files become signed documents waiting to be sent. The CLI's `send` and
// the desktop's "Add documents" both come here.
import { basename } from 'node:path';
import { signDetached } from '../crypto/cms';
import type { SigningUnderPowerOfAttorney } from '../exchange/representative';
import type { SignerSource } from '../exchange/session';
import type { SigningAction } from '../protocol';
import type { ClerkStore } from '../store';

/** A file to send: its bytes (the desktop), or a file on disk (the CLI). */
export interface OutgoingFile {
  name: string;
  content: Buffer | { path: string };
}

export interface OutgoingDocuments {
  title: string;
  counterpartyId: string;
  kind?: string;
  needsReceipt?: boolean;
  /** Ask the recipient to sign it too (docs/architecture.md §5a). */
  signatureRequested?: boolean;
  files: readonly OutgoingFile[];
}

/** The МЧД check before signing (ClerkProfile.representativeCheck): refuses with PowerOfAttorneyRefused. */
export type RepresentativeCheck = (
  certificate: Buffer,
  action: SigningAction,
) => Promise<SigningUnderPowerOfAttorney | undefined>;
/** Our own signature made CAdES-T before it is stored (ClerkProfile.stampOwnSignature); absent: sent as CAdES-BES. */
export type SignatureStamp = (cms: Buffer) => Promise<Buffer>;

/**
 * Stores the files, signs every one of them with `signer`, then queues them all in one
 * transaction, each its own document (titled "title (file)" when there are several). A token
 * refusing half-way queues nothing, so the clerk's retry cannot send the first files twice; the
 * files stored meanwhile are content-addressed and reused by it. The signature covers exactly
 * the bytes stored, even for a file on disk that changes; with `stamp`, each signature carries
 * its signature-time-stamp (CAdES-T) from then on. A personal certificate's МЧД is checked at
 * the hub first (`representative`): refused, nothing is signed or queued. Returns the new
 * documents' ids.
 */
export async function queueOutgoing(
  store: ClerkStore,
  signer: SignerSource,
  out: OutgoingDocuments,
  representative: RepresentativeCheck,
  stamp?: SignatureStamp,
): Promise<number[]> {
  const key = await signer.acquire();
  const poa = await representative(key.certificate, 'send-document');
  const signed: { name: string; blob: { hash: string; size: number }; cms: Buffer; signingTime: string }[] = [];
  for (const file of out.files) {
    const blob = Buffer.isBuffer(file.content)
      ? await store.blobs.write(file.content)
      : await store.blobs.writeFile(file.content.path);
    // Stamped here, before anything is queued: the body a retry with the same key posts never changes.
    const bes = await signDetached({ path: store.blobs.pathOf(blob.hash) }, key);
    const cms = stamp ? await stamp(bes) : bes;
    signed.push({ name: basename(file.name), blob, cms, signingTime: new Date().toISOString() });
  }
  const counterpartyName = store.subscriber(out.counterpartyId)?.name ?? out.counterpartyId;
  return store.transaction(() =>
    signed.map(
      (f) =>
        store.queueOutgoingDocument({
          counterpartyId: out.counterpartyId,
          counterpartyName,
          title: signed.length > 1 ? `${out.title} (${f.name})` : out.title,
          kind: out.kind ?? 'document',
          fileName: f.name,
          blobHash: f.blob.hash,
          size: f.blob.size,
          needsReceipt: out.needsReceipt,
          signatureRequested: out.signatureRequested,
          signature: { cms: f.cms, valid: null, signer: key.description, signingTime: f.signingTime },
          ...(poa ? { signerPowerOfAttorney: poa.checked } : {}),
        }).documentId,
    ),
  );
}
