// Everything about one document, gathered for the card and the evidence package
// (docs/architecture.md §7, §11): the original from the profile's blob store, and from the hub
// the signatures as it keeps them (CAdES-X Long Type 1), the operator's confirmation, the
// service documents of the chain, and, where the organization archives, the archive entry with
// its inclusion proof and the operator-signed tree head; and the МЧД every signature of the
// chain was made under, its files as the profile keeps them (else as the hub gives them).
import { createHash } from 'node:crypto';
import type { ArchivedEntry } from '../archive/entry';
import { treeHeadToJson, type SignedTreeHeadJson } from '../archive/tree-head';
import type { InclusionProofJson } from '../archive/verify';
import { digestContent } from '../crypto/digest';
import type { RevocationChecker, StatusEvidence } from '../crypto/revocation';
import type { HttpArchiveSource } from '../exchange/archive-client';
import type { HttpExchangeClient } from '../exchange/http-client';
import { readOperatorPin } from '../exchange/operator-pin';
import type { AnnulmentState, Party, RecipientSignatureState, ServiceDocumentType } from '../protocol';
import type { PowerOfAttorneyRecord, SignedUnderPowerOfAttorney } from '../protocol/powers-of-attorney';
import type { ClerkStore } from '../store';
import type { EvidenceProblem } from '../vocabulary';
import { analyzeSignature } from './analyze';

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
  /** The МЧД its signer signed under, as the hub accounted for it. */
  powerOfAttorney?: SignedUnderPowerOfAttorney;
  /** The signer's certificate status where its signature carries none that decides it (statusBeside). */
  statusEvidence?: Pick<StatusEvidence, 'source' | 'der'>[];
}

/** A signature over the original, as the hub keeps it (extended CMS). */
export interface EvidenceSignature {
  cms: Buffer;
  /** The sender's, or the recipient's countersignature (docs/architecture.md §5a). */
  by: 'sender' | 'recipient';
  /** When the hub accepted it: the time that counts without a timestamp of its own. */
  at: string;
  /** The МЧД its signer signed under, as the hub accounted for it. */
  powerOfAttorney?: SignedUnderPowerOfAttorney;
  /** The signer's certificate status where the signature carries none that decides it (statusBeside). */
  statusEvidence?: Pick<StatusEvidence, 'source' | 'der'>[];
}

/** An МЧД a signature of the chain was made under, with its files as registered at the hub. */
export interface EvidencePowerOfAttorney {
  record: PowerOfAttorneyRecord;
  /** When the hub gave the record (its status is the one of that moment). */
  recordAt: string;
  /** The МЧД XML (EMCHD_1, UTF-8). */
  xml: Buffer;
  /** The principal's detached CMS over `xml` (a CAdES-BES: it carries no status evidence of its own). */
  signature: Buffer;
  /**
   * The principal's certificate status when the hub registered the МЧД, asked when the package is
   * made (a later answer covers an earlier time: revocations are permanent), so it verifies offline.
   */
  statusEvidence: Pick<StatusEvidence, 'source' | 'der'>[];
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
  /** The document's own workflow as the hub says it (docs/architecture.md §5a). */
  signatureState?: RecipientSignatureState;
  annulmentState?: AnnulmentState;
}

export interface Evidence {
  document: DocumentFacts;
  original: Buffer;
  signatures: EvidenceSignature[];
  serviceDocuments: EvidenceServiceDocument[];
  powersOfAttorney: EvidencePowerOfAttorney[];
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
    readonly code: EvidenceProblem,
  ) {
    super(message);
    this.name = 'EvidenceError';
  }
}

/** DOCUMENT as the clerk names it: the local number (inbox/outbox) or the hub's id. */
export function findDocument(store: ClerkStore, ref: string) {
  const doc = (/^\d+$/.test(ref) ? store.document(Number(ref)) : undefined) ?? store.documentByHubId(ref);
  if (!doc)
    throw new EvidenceError(
      `No document "${ref}" in this profile: give its number from "edo-clerk inbox" or "outbox", or its hub id`,
      'not-found',
    );
  return doc;
}

export interface HubAccess {
  client: HttpExchangeClient;
  archive: HttpArchiveSource;
}

/**
 * The status evidence to keep beside a signature: none where what it carries decides its status
 * offline; else the answer asked now through `revocation` (a later answer covers an earlier time:
 * revocations are permanent), empty where that cannot decide it either.
 */
async function statusBeside(
  cms: Buffer,
  content: Buffer,
  at: string,
  o: { trustedRoots: Buffer[]; operatorCertificate: Buffer; revocation: RevocationChecker },
): Promise<Pick<StatusEvidence, 'source' | 'der'>[]> {
  const judged = { trustedRoots: o.trustedRoots, operatorCertificate: o.operatorCertificate, at: new Date(at) };
  if ((await analyzeSignature(cms, content, judged)).verdict !== 'undetermined') return [];
  const asked = await analyzeSignature(cms, content, { ...judged, revocation: o.revocation });
  return asked.statusEvidence.map(({ source, der }) => ({ source, der }));
}

export async function collectEvidence(
  store: ClerkStore,
  ref: string,
  hub: HubAccess,
  trustedRoots: Buffer[],
  revocation: RevocationChecker,
): Promise<Evidence> {
  const local = findDocument(store, ref);
  if (!local.hubId)
    throw new EvidenceError(
      `"${local.title}" has not been sent through the hub yet: it has no operator confirmation to prove`,
      'not-sent',
    );
  if (!store.blobs.has(local.blobHash))
    throw new EvidenceError(
      `The file of "${local.title}" (SHA-256 ${local.blobHash}) is missing from the profile's blob store`,
      'missing-original',
    );
  const original = store.blobs.read(local.blobHash);
  const sha256 = createHash('sha256').update(original).digest('hex');
  if (sha256 !== local.blobHash)
    throw new EvidenceError(
      `The stored file of "${local.title}" hashes to ${sha256}, not ${local.blobHash}`,
      'original-changed',
    );

  const doc = await hub.client.document(local.hubId);
  const pinned = readOperatorPin(store.dir);
  const operatorCertificate = pinned
    ? Buffer.from(pinned.certificate, 'base64')
    : Buffer.from((await hub.client.operator()).certificate, 'base64');
  const c = doc.confirmation;
  const serviceDocuments: EvidenceServiceDocument[] = [
    {
      type: 'send-confirmation',
      fileName: c.fileName,
      xml: Buffer.from(c.xml, 'base64'),
      signature: Buffer.from(c.signature, 'base64'),
      at: c.issuedAt,
    },
    ...doc.serviceDocuments.map((s) => ({
      type: s.type,
      fileName: s.fileName,
      xml: Buffer.from(s.xml, 'base64'),
      signature: Buffer.from(s.signature, 'base64'),
      at: s.postedAt,
      ...(s.signerPowerOfAttorney ? { powerOfAttorney: s.signerPowerOfAttorney } : {}),
    })),
  ];
  const countersignature = doc.recipientSignature;
  const signatures: EvidenceSignature[] = [
    {
      cms: Buffer.from(doc.signature, 'base64'),
      by: 'sender',
      at: doc.sentAt,
      ...(doc.signerPowerOfAttorney ? { powerOfAttorney: doc.signerPowerOfAttorney } : {}),
    },
    ...(countersignature
      ? [
          {
            cms: Buffer.from(countersignature.signature, 'base64'),
            by: 'recipient' as const,
            at: countersignature.signedAt,
            ...(countersignature.signerPowerOfAttorney
              ? { powerOfAttorney: countersignature.signerPowerOfAttorney }
              : {}),
          },
        ]
      : []),
  ];

  // A signer's certificate without an OCSP or CRL address leaves the hub nothing to embed (the
  // sandbox's demo CA publishes its CRL only into the profiles' CRL folder): its status is asked
  // where the profile asks it and kept beside the signature, so the package verifies offline.
  const judge = { trustedRoots, operatorCertificate, revocation };
  for (const s of signatures) s.statusEvidence = await statusBeside(s.cms, original, s.at, judge);
  for (const sd of serviceDocuments) sd.statusEvidence = await statusBeside(sd.signature, sd.xml, sd.at, judge);

  const powersOfAttorney: EvidencePowerOfAttorney[] = [];
  for (const used of [...signatures, ...serviceDocuments].flatMap((s) =>
    s.powerOfAttorney ? [s.powerOfAttorney] : [],
  )) {
    const number = used.number.toLowerCase();
    if (
      powersOfAttorney.some(
        (p) => p.record.number.toLowerCase() === number && p.record.principalInn === used.principalInn,
      )
    )
      continue;
    const files = await powerOfAttorneyFiles(store, hub.client, doc.id, used);
    const facts = await analyzeSignature(files.signature, files.xml, {
      trustedRoots,
      operatorCertificate,
      at: new Date(files.record.registeredAt),
      revocation,
    });
    powersOfAttorney.push({
      ...files,
      statusEvidence: facts.statusEvidence.map(({ source, der }) => ({ source, der })),
    });
  }

  let archive: EvidenceArchive | undefined;
  if (doc.archive) {
    const entry = await hub.archive.entry(doc.archive.index);
    if (entry) {
      const head = await hub.archive.treeHead();
      archive = {
        entry,
        proof: await hub.archive.inclusionProof(entry.index, head.treeSize),
        treeHead: treeHeadToJson(head),
      };
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
      ...(doc.signatureState ? { signatureState: doc.signatureState } : {}),
      ...(doc.annulmentState ? { annulmentState: doc.annulmentState } : {}),
    },
    original,
    signatures,
    serviceDocuments,
    powersOfAttorney,
    archive,
    operatorCertificate,
    trustedRoots,
  };
}

/** The МЧД's files as the profile keeps them (its own, or fetched once by the session), else as the hub gives them to a party of the document. */
async function powerOfAttorneyFiles(
  store: ClerkStore,
  client: HttpExchangeClient,
  documentHubId: string,
  used: SignedUnderPowerOfAttorney,
) {
  const kept = store.powerOfAttorney(used.principalInn, used.number);
  if (kept && store.blobs.has(kept.xmlHash) && store.blobs.has(kept.signatureHash)) {
    return {
      record: kept.record,
      recordAt: kept.storedAt,
      xml: store.blobs.read(kept.xmlHash),
      signature: store.blobs.read(kept.signatureHash),
    };
  }
  const { xml, signature, ...record } = await client.documentPowerOfAttorney(documentHubId, used.number);
  return {
    record,
    recordAt: new Date().toISOString(),
    xml: Buffer.from(xml, 'base64'),
    signature: Buffer.from(signature, 'base64'),
  };
}
