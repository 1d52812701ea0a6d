// An archive entry: one archived signed document or signed service document. Its canonical
// encoding is the Merkle leaf, so the client recomputes the leaf hash from the entry the hub
// lists: any changed byte in the listed entry no longer matches the signed tree.
import { z } from 'zod';
import { leafHash } from './merkle';

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'a lowercase hex SHA-256');

export const archiveEntrySchema = z.object({
  orgId: z.string().min(1),
  /** The user (person) whose signature put the document into the archive. */
  userId: z.string().min(1),
  documentId: z.string().min(1),
  /** document | receipt-notice | clarification-request | operator-confirmation, open for more. */
  kind: z.string().regex(/^[a-z][a-z0-9-]*$/, 'a lowercase kind such as "document" or "receipt-notice"'),
  fileName: z.string().min(1),
  blobSha256: sha256Hex,
  size: z.number().int().nonnegative(),
  /** Each detached CMS signature over the blob, base64 DER. */
  signatures: z.array(z.base64()).min(1, 'an archived document carries at least one signature'),
  /** ISO 8601 UTC, set by the hub when it archives. */
  archivedAt: z.iso.datetime(),
});
export type ArchiveEntry = z.infer<typeof archiveEntrySchema>;

/** An entry as the hub lists it: its position in the log and the leaf hash it claims. */
export const archivedEntrySchema = archiveEntrySchema.extend({
  index: z.number().int().nonnegative(),
  leafHash: sha256Hex,
});
export type ArchivedEntry = z.infer<typeof archivedEntrySchema>;

/**
 * The leaf data: JSON with the keys in one fixed order and a version tag, so hub and client
 * produce the same bytes without a canonicalization library.
 */
export function encodeArchiveEntry(entry: ArchiveEntry): Buffer {
  return encodeValidEntry(archiveEntrySchema.parse(entry));
}

/** For entries already parsed with archiveEntrySchema (the hub's append path). */
export function encodeValidEntry(e: ArchiveEntry): Buffer {
  return Buffer.from(
    JSON.stringify({
      v: 1,
      orgId: e.orgId,
      userId: e.userId,
      documentId: e.documentId,
      kind: e.kind,
      fileName: e.fileName,
      blobSha256: e.blobSha256,
      size: e.size,
      signatures: e.signatures,
      archivedAt: e.archivedAt,
    }),
    'utf8',
  );
}

export function archiveEntryLeafHash(entry: ArchiveEntry): Buffer {
  return leafHash(encodeArchiveEntry(entry));
}

export function validEntryLeafHash(entry: ArchiveEntry): Buffer {
  return leafHash(encodeValidEntry(entry));
}
