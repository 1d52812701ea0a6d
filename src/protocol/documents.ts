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

/**
 * receipt: ИОП; clarification: УОУ; the document's own workflow (docs/architecture.md §5a):
 * signature-refusal: the recipient's refusal to sign (УОУ); annulment-proposal: ПРА (DP_PRANNUL
 * 1.02); annulment-acceptance: the other side's signature over the same ПРА; annulment-rejection:
 * УОУ answering the ПРА.
 */
export const ServiceDocumentType = z.enum([
  'receipt',
  'clarification',
  'signature-refusal',
  'annulment-proposal',
  'annulment-acceptance',
  'annulment-rejection',
]);
export type ServiceDocumentType = z.infer<typeof ServiceDocumentType>;

/** What POST /v1/documents/{id}/service-documents takes; the workflow's have their own routes. */
export const PostedServiceDocumentType = ServiceDocumentType.extract(['receipt', 'clarification']);

/**
 * The recipient's signature on a document sent with a signature request (docs/architecture.md §5a):
 * signature-requested: waiting for it; signed-by-both: the hub accepted it; signature-refused: the
 * recipient refused with a reason; recipient-signature-invalid: the hub accepted it but a party's
 * own verification fails it (the client's verdict, never the hub's).
 */
export const RecipientSignatureState = z.enum([
  'signature-requested',
  'signed-by-both',
  'signature-refused',
  'recipient-signature-invalid',
]);
export type RecipientSignatureState = z.infer<typeof RecipientSignatureState>;

/** Annulment: proposed by one side, then annulled (the other signed the proposal) or rejected (it may be proposed again). */
export const AnnulmentState = z.enum(['annulment-proposed', 'annulled', 'annulment-rejected']);
export type AnnulmentState = z.infer<typeof AnnulmentState>;

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
  /** The text a refusal, a clarification request, an annulment proposal or rejection states, as read from its XML. */
  reason: z.string().optional(),
  /** In the answer to its POST, when the signer's organization archives it and it was archived. */
  archive: ArchiveReceipt.optional(),
});
export type ServiceDocument = z.infer<typeof ServiceDocument>;

/** The recipient's detached CMS over the same blob as the sender's. */
export const RecipientSignature = z.object({
  signature: Base64,
  signer: CertificateSummary,
  /** The МЧД the signer signed under (a personal certificate), as the hub found it. */
  signerPowerOfAttorney: SignedUnderPowerOfAttorney.optional(),
  signedAt: Timestamp,
});
export type RecipientSignature = z.infer<typeof RecipientSignature>;

/** The document's own workflow as both sides see it; each transition sends it whole to both. */
export const DocumentWorkflow = z.object({
  /** Present when the sender asked for the recipient's signature. */
  signatureState: RecipientSignatureState.optional(),
  recipientSignature: RecipientSignature.optional(),
  annulmentState: AnnulmentState.optional(),
});
export type DocumentWorkflow = z.infer<typeof DocumentWorkflow>;

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
  /** Whether the recipient is asked to sign it too; its answer is in the workflow fields. */
  signatureRequested: z.boolean().default(false),
  ...DocumentWorkflow.shape,
  sentAt: Timestamp,
  status: DocumentStatus,
  deliveredAt: Timestamp.optional(),
  confirmation: OperatorConfirmation,
  /** Receipt notices, clarification requests and the workflow's service documents, oldest first. */
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
  /** Ask the recipient to sign it too (a contract, an act): docs/architecture.md §5a. */
  signatureRequested: z.boolean().default(false),
});
export type SendDocumentRequest = z.input<typeof SendDocumentRequest>;

/** POST /v1/documents/{documentId}/service-documents, by the recipient. */
export const PostServiceDocumentRequest = z.object({
  type: PostedServiceDocumentType,
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

// ---- the document's own workflow (docs/architecture.md §5a); each POST takes an Idempotency-Key

/** POST /v1/documents/{documentId}/recipient-signature: the recipient's detached CMS over the blob's bytes. */
export const RecipientSignatureRequest = z.object({
  signature: Base64,
  /** Required when the signature is made with a personal certificate: the МЧД it is made under. */
  powerOfAttorney: PowerOfAttorneyReference.optional(),
});
export type RecipientSignatureRequest = z.input<typeof RecipientSignatureRequest>;

/** A signed FNS XML file: its name (equal to ИдФайл plus ".xml"), its bytes and a detached CMS over them. */
const SignedXml = {
  fileName: z.string().min(1).max(255),
  /** The XML file's bytes (windows-1251), base64. */
  xml: Base64,
  /** Detached CMS over the XML bytes, base64. */
  signature: Base64,
  /** Required when the signature is made with a personal certificate: the МЧД it is made under. */
  powerOfAttorney: PowerOfAttorneyReference.optional(),
};

/** POST .../signature-refusal: a УОУ over the document, its text the reason. */
export const SignatureRefusalRequest = z.object(SignedXml);
export type SignatureRefusalRequest = z.input<typeof SignatureRefusalRequest>;

/** POST .../annulment-proposals: a ПРА over the document, its text the reason. */
export const AnnulmentProposalRequest = z.object(SignedXml);
export type AnnulmentProposalRequest = z.input<typeof AnnulmentProposalRequest>;

export const AnnulmentProposalParams = z.object({ documentId: Id, proposalId: Id });

/** POST .../annulment-proposals/{proposalId}/acceptance: the other side's detached CMS over the ПРА's bytes. */
export const AnnulmentAcceptanceRequest = RecipientSignatureRequest;
export type AnnulmentAcceptanceRequest = z.input<typeof AnnulmentAcceptanceRequest>;

/** POST .../annulment-proposals/{proposalId}/rejection: a УОУ over the ПРА, its text the reason. */
export const AnnulmentRejectionRequest = z.object(SignedXml);
export type AnnulmentRejectionRequest = z.input<typeof AnnulmentRejectionRequest>;

/** The body of any workflow POST, as the client keeps it from before its first attempt. */
export type WorkflowStepBody = RecipientSignatureRequest | SignatureRefusalRequest;

/** The answer of every workflow POST: the service document it recorded (none for the recipient's signature) and the workflow after it. */
export const WorkflowStepResult = z.object({
  documentId: Id,
  workflow: DocumentWorkflow,
  serviceDocument: ServiceDocument.optional(),
});
export type WorkflowStepResult = z.infer<typeof WorkflowStepResult>;
