// Blobs, documents, the operator's confirmations and the service documents of the FNS flow
// (docs/architecture.md §3, §7).
import { z } from 'zod';
import { Base64, CertificateSummary, Id, IdempotencyKey, Inn, Kpp, Sha256, Timestamp } from './common';
import { PowerOfAttorneyReference, SignedUnderPowerOfAttorney } from './powers-of-attorney';

// ---- blobs

export const BlobParams = z.object({ sha256: Sha256 });

/** Answer to PUT /v1/blobs/{sha256}: 201 when stored now, 200 when the hub had it already. */
export const BlobStored = z.object({
  sha256: Sha256,
  size: z.number().int().min(0),
});
export type BlobStored = z.infer<typeof BlobStored>;

// ---- documents

export const Party = z.object({
  subscriberId: Id,
  name: z.string(),
  inn: Inn,
  kpp: Kpp.optional(),
});
export type Party = z.infer<typeof Party>;

/**
 * sent: accepted, the operator confirmed the send date to both sides;
 * delivered: the recipient fetched it;
 * receipt-confirmed: the recipient's signed receipt notice (ИОП) arrived;
 * clarification-requested: the recipient asked to correct it (УОУ).
 */
export const DocumentStatus = z.enum(['sent', 'delivered', 'receipt-confirmed', 'clarification-requested']);
export type DocumentStatus = z.infer<typeof DocumentStatus>;

export const ServiceDocumentType = z.enum(['receipt', 'clarification']);
export type ServiceDocumentType = z.infer<typeof ServiceDocumentType>;

/** The operator's signed confirmation of the send date (ПДОТПР, DP_PDOTPR). */
export const OperatorConfirmation = z.object({
  id: Id,
  type: z.literal('send-confirmation'),
  /** The document it confirms. */
  parentId: Id,
  fileName: z.string(),
  /** The XML file's bytes (windows-1251), base64. */
  xml: Base64,
  /** The operator's detached CMS over those bytes, base64. */
  signature: Base64,
  issuedAt: Timestamp,
});
export type OperatorConfirmation = z.infer<typeof OperatorConfirmation>;

/** Where the signed-data archive put a document: its entry index and RFC 9162 leaf hash (hex). */
export const ArchiveReceipt = z.object({
  index: z.number().int().min(0),
  leafHash: z.string().regex(/^[0-9a-f]{64}$/),
});
export type ArchiveReceipt = z.infer<typeof ArchiveReceipt>;

/** A signed service document in a document's chain. */
export const ServiceDocument = z.object({
  id: Id,
  documentId: Id,
  type: ServiceDocumentType,
  /** What it answers: the document itself or an earlier document of the chain. */
  parentId: Id,
  /** The subscriber that posted it. */
  fromSubscriberId: Id,
  fileName: z.string(),
  xml: Base64,
  signature: Base64,
  signer: CertificateSummary,
  /** The МЧД the signer signed under (a personal certificate), as the hub found it at the signing time. */
  signerPowerOfAttorney: SignedUnderPowerOfAttorney.optional(),
  postedAt: Timestamp,
  /** In the answer to its POST, when the signer's organization archives it and it was archived. */
  archive: ArchiveReceipt.optional(),
});
export type ServiceDocument = z.infer<typeof ServiceDocument>;

export const Document = z.object({
  id: Id,
  sender: Party,
  recipient: Party,
  title: z.string(),
  kind: z.string(),
  fileName: z.string(),
  blob: z.object({ sha256: Sha256, size: z.number().int().min(0) }),
  /** The sender's detached CMS over the blob's bytes, base64. */
  signature: Base64,
  signer: CertificateSummary,
  /** The МЧД the signer signed under (a personal certificate), as the hub found it at the signing time. */
  signerPowerOfAttorney: SignedUnderPowerOfAttorney.optional(),
  /** Whether the recipient is asked for a receipt notice (ИОП). */
  needsReceipt: z.boolean(),
  sentAt: Timestamp,
  status: DocumentStatus,
  deliveredAt: Timestamp.optional(),
  confirmation: OperatorConfirmation,
  /** Receipt notices and clarification requests, oldest first. */
  serviceDocuments: z.array(ServiceDocument),
  /** In the answer to POST /v1/documents, when the sender's organization archives it and it was archived. */
  archive: ArchiveReceipt.optional(),
});
export type Document = z.infer<typeof Document>;

export const DocumentParams = z.object({ documentId: Id });

/** Headers of the POSTs that create something. */
export const IdempotentHeaders = z.object({
  'idempotency-key': IdempotencyKey,
});

/** POST /v1/documents. The blob must be PUT first. */
export const SendDocumentRequest = z.object({
  recipientId: Id,
  title: z.string().min(1).max(500),
  /** The clerk's kind of document ("contract", "invoice", "letter", ...). */
  kind: z.string().min(1).max(100),
  /** The file's name as the recipient will save it (no folders). */
  fileName: z
    .string()
    .min(1)
    .max(255)
    .regex(/^[^/\\\0]+$/, 'a file name without folders'),
  sha256: Sha256,
  /** Detached CMS (DER, base64) over the blob's bytes, by a certificate of a user of the sending organization. */
  signature: Base64,
  needsReceipt: z.boolean().default(true),
  /** Required when the signature is made with a personal certificate: the МЧД it is made under. */
  powerOfAttorney: PowerOfAttorneyReference.optional(),
});
export type SendDocumentRequest = z.input<typeof SendDocumentRequest>;

/** POST /v1/documents/{documentId}/service-documents, by the recipient. */
export const PostServiceDocumentRequest = z.object({
  type: ServiceDocumentType,
  /** DP_IZVPOL_... or DP_UVUTOCH_... with the .xml extension; equals the XML's ИдФайл plus ".xml". */
  fileName: z.string().min(1).max(255),
  /** The XML file's bytes (windows-1251), base64. */
  xml: Base64,
  /** Detached CMS over the XML bytes, base64. */
  signature: Base64,
  /** What it answers; defaults to the document. */
  parentId: Id.optional(),
  /** Required when the signature is made with a personal certificate: the МЧД it is made under. */
  powerOfAttorney: PowerOfAttorneyReference.optional(),
});
export type PostServiceDocumentRequest = z.input<typeof PostServiceDocumentRequest>;
