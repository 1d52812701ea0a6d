// Everything about one document, gathered for the card and the evidence package
// (docs/architecture.md §7, §11): the original from the profile's blob store, and from the hub
// the signatures as it keeps them (CAdES-X Long Type 1), the operator's confirmation, the
// service documents of the chain, and, where the organization archives, the archive entry with
// its inclusion proof and the operator-signed tree head.
import { createHash } from 'node:crypto';
import type { ArchivedEntry } from '../archive/entry';
import { treeHeadToJson, type SignedTreeHeadJson } from '../archive/tree-head';
import type { InclusionProofJson } from '../archive/verify';
import { digestContent } from '../crypto/digest';
import type { HttpArchiveSource } from '../exchange/archive-client';
import type { HttpExchangeClient } from '../exchange/http-client';
import { readOperatorPin } from '../exchange/operator-pin';
import type { Party, ServiceDocumentType } from '../protocol';
import type { ClerkStore } from '../store';

/** The service documents of a chain, in the protocol's words plus the operator's confirmation. */
export type EvidenceServiceType = 'send-confirmation' | ServiceDocumentType;

export interface EvidenceServiceDocument {
  type: EvidenceServiceType;
  fileName: string;
  /** windows-1251 bytes, as signed. */
  xml: Buffer;
  /** Detached CMS over `xml`. */
  signature: Buffer;
  /** When the hub took it (or issued it). */
  at: string;
}

export interface EvidenceArchive {
  entry: ArchivedEntry;
  proof: InclusionProofJson;
  treeHead: SignedTreeHeadJson;
}

export interface DocumentFacts {
  hubId: string;
  title: string;
  kind: string;
  fileName: string;
  size: number;
  sha256: string;
  streebog256: string;
  sender: Party;
  recipient: Party;
  sentAt: string;
}

export interface Evidence {
  document: DocumentFacts;
  original: Buffer;
  /** Each signature over the original as the hub keeps it (extended CMS). */
  signatures: Buffer[];
  serviceDocuments: EvidenceServiceDocument[];
  archive?: EvidenceArchive;
  /** The operator certificate pinned in the profile (it signs confirmations, tree heads and the TSA's certificate). */
  operatorCertificate: Buffer;
  /** The roots the profile trusts for signers' certificates. */
  trustedRoots: Buffer[];
}

/** What a QR code and the card carry: enough to find the document at the operator and to check its bytes. */
export function verificationReference(d: Pick<DocumentFacts, 'hubId' | 'sha256'>): string {
  return `edo-clerk:verify?document=${encodeURIComponent(d.hubId)}&sha256=${d.sha256}`;
}

export class EvidenceError extends Error {
  constructor(
    message: string,
    readonly code: 'not-found' | 'not-sent' | 'missing-original' | 'original-changed',
  ) {
    super(message);
    this.name = 'EvidenceError';
  }
}

/** DOCUMENT as the clerk names it: the local number (inbox/outbox) or the hub's id. */
export function findDocument(store: ClerkStore, ref: string) {
  const doc = (/^\d+$/.test(ref) ? store.document(Number(ref)) : undefined) ?? store.documentByHubId(ref);
  if (!doc) throw new EvidenceError(`No document "${ref}" in this profile: give its number from "edo-clerk inbox" or "outbox", or its hub id`, 'not-found');
  return doc;
}

export interface HubAccess {
  client: HttpExchangeClient;
  archive: HttpArchiveSource;
}

export async function collectEvidence(store: ClerkStore, ref: string, hub: HubAccess, trustedRoots: Buffer[]): Promise<Evidence> {
  const local = findDocument(store, ref);
  if (!local.hubId) throw new EvidenceError(`"${local.title}" has not been sent through the hub yet: it has no operator confirmation to prove`, 'not-sent');
  if (!store.blobs.has(local.blobHash)) throw new EvidenceError(`The file of "${local.title}" (SHA-256 ${local.blobHash}) is missing from the profile's blob store`, 'missing-original');
  const original = store.blobs.read(local.blobHash);
  const sha256 = createHash('sha256').update(original).digest('hex');
  if (sha256 !== local.blobHash) throw new EvidenceError(`The stored file of "${local.title}" hashes to ${sha256}, not ${local.blobHash}`, 'original-changed');

  const doc = await hub.client.document(local.hubId);
  const pinned = readOperatorPin(store.dir);
  const operatorCertificate = pinned ? Buffer.from(pinned.certificate, 'base64') : Buffer.from((await hub.client.operator()).certificate, 'base64');
  const c = doc.confirmation;
  const serviceDocuments: EvidenceServiceDocument[] = [
    { type: 'send-confirmation', fileName: c.fileName, xml: Buffer.from(c.xml, 'base64'), signature: Buffer.from(c.signature, 'base64'), at: c.issuedAt },
    ...doc.serviceDocuments.map((s) => ({ type: s.type, fileName: s.fileName, xml: Buffer.from(s.xml, 'base64'), signature: Buffer.from(s.signature, 'base64'), at: s.postedAt })),
  ];

  let archive: EvidenceArchive | undefined;
  if (doc.archive) {
    const entry = await hub.archive.entry(doc.archive.index);
    if (entry) {
      const head = await hub.archive.treeHead();
      archive = { entry, proof: await hub.archive.inclusionProof(entry.index, head.treeSize), treeHead: treeHeadToJson(head) };
    }
  }
  return {
    document: {
      hubId: doc.id,
      title: doc.title,
      kind: doc.kind,
      fileName: doc.fileName,
      size: original.length,
      sha256,
      streebog256: (await digestContent(original, 'streebog256')).toString('hex'),
      sender: doc.sender,
      recipient: doc.recipient,
      sentAt: doc.sentAt,
    },
    original,
    signatures: [Buffer.from(doc.signature, 'base64')],
    serviceDocuments,
    archive,
    operatorCertificate,
    trustedRoots,
  };
}
