// Every error the hub returns has one shape: {error, message, requestId}, with the HTTP status
// that fits. `error` is a stable code the client can branch on; `message` names the problem.
import { z } from 'zod';

export const errorCodes = {
  /** 400: body, parameters, query or headers do not match the schema; `issues` says where. */
  'invalid-request': 400,
  /** 400: the Idempotency-Key header is missing on a route that needs it. */
  'idempotency-key-required': 400,
  /** 401: no bearer token, or it is unknown or expired: authenticate again. */
  unauthorized: 401,
  /** 401: challenge unknown, expired or already used. */
  'challenge-invalid': 401,
  /** 401: the CMS over the login content does not verify, or its certificate is not acceptable. */
  'signature-invalid': 401,
  /** 401: the certificate is valid but not registered to any user. */
  'certificate-unknown': 401,
  /** 401: the certificate is expired or not yet valid. */
  'certificate-expired': 401,
  /** 401: the certificate does not chain to a CA the operator trusts. */
  'certificate-untrusted': 401,
  /** 401: wrong login or password. */
  'login-failed': 401,
  /** 403: the action is not allowed for this subscriber (not a contact, not a party, ...). */
  forbidden: 403,
  /** 404: nothing with this id that this subscriber may see. */
  'not-found': 404,
  /** 409: the same Idempotency-Key was used with a different body. */
  'idempotency-conflict': 409,
  /** 409: a request with this Idempotency-Key is still being processed; retry after Retry-After. */
  'request-in-progress': 409,
  /** 409: the state does not allow it (contact already connected, receipt already posted, ...). */
  conflict: 409,
  /** 409: the document was sent without a request for the recipient's signature. */
  'signature-not-requested': 409,
  /** 409: the recipient already signed the document (a second signature, or refusing a signed one). */
  'document-already-signed': 409,
  /** 409: the recipient already refused to sign the document. */
  'signature-already-refused': 409,
  /** 409: the document is annulled: nothing more is signed, refused or proposed on it. */
  'document-annulled': 409,
  /** 409: an annulment proposal on the document waits for its answer. */
  'annulment-pending': 409,
  /** 409: the annulment proposal answered is not the one waiting for an answer. */
  'annulment-not-pending': 409,
  /** 403: a side answering its own annulment proposal, or the sender signing or refusing its own document. */
  'not-your-turn': 403,
  /** 414: a path parameter is longer than any id the hub gives (a mistyped or hostile URL). */
  'uri-too-long': 414,
  /** 431: the request's headers are larger than the hub's HTTP server reads (Node's limit, 16 KiB by default). */
  'headers-too-large': 431,
  /** 408: the request did not arrive whole within the HTTP server's time. */
  'request-timeout': 408,
  /** 413: a JSON body is larger than the hub accepts. */
  'body-too-large': 413,
  /** 415: the body is not of the media type the route takes (JSON, or octet-stream for blobs). */
  'unsupported-media-type': 415,
  /** 413: the blob is larger than the hub's limit. */
  'blob-too-large': 413,
  /** 422: the uploaded bytes do not hash to the name they were PUT under. */
  'blob-hash-mismatch': 422,
  /** 422: a document references a blob the hub does not have. */
  'blob-missing': 422,
  /** 422: the document's or service document's signature does not verify over its content. */
  'document-signature-invalid': 422,
  /** 422: a certificate of the signature's chain was revoked before the signature's trusted time. */
  'signer-certificate-revoked': 422,
  /** 422: the signer's certificate is not registered to a user of the sending organization. */
  'signer-not-member': 422,
  /** 422: the service document's XML is not the expected FNS format, or does not match its parent. */
  'service-document-invalid': 422,
  /** 422: the МЧД file is not of format EMCHD_1 (the message names the field). */
  'poa-format-invalid': 422,
  /** 422: the МЧД's principal is not the caller's organization (INN, KPP, OGRN). */
  'poa-principal-mismatch': 422,
  /** 422: the detached CMS over the МЧД does not verify, or its certificate is not acceptable. */
  'poa-signature-invalid': 422,
  /** 422: the МЧД is signed by someone who does not act for the principal without a power of attorney. */
  'poa-signer-not-director': 422,
  /** 422: the МЧД's dates do not hold (signed outside its term). */
  'poa-dates-invalid': 422,
  /** 422: the МЧД's representative is no user of the organization (by the INN or SNILS of a certificate). */
  'poa-representative-unknown': 422,
  /** 409: an МЧД with this number is registered already. */
  'poa-exists': 409,
  /** 422: a signature with a personal certificate came without the МЧД it is made under. */
  'poa-required': 422,
  /** 422: the МЧД the signature names is not registered for that principal. */
  'poa-unknown': 422,
  /** 422: the МЧД is not in force at the signing time (not begun, or its term is over). */
  'poa-not-in-force': 422,
  /** 422: the principal revoked the МЧД before the signing time. */
  'poa-revoked': 422,
  /** 422: the МЧД names another representative than the signer's certificate. */
  'poa-other-person': 422,
  /** 422: the МЧД grants none of the powers the action needs (an organization setting). */
  'poa-power-missing': 422,
  /** 429: too many failed logins; wait Retry-After seconds. */
  'too-many-attempts': 429,
  /** 500: the hub failed; the requestId is in its log. */
  internal: 500,
  /** 503: the hub is shutting down. */
  unavailable: 503,
} as const;

export type ErrorCode = keyof typeof errorCodes;

export const ErrorBody = z.object({
  error: z.enum(Object.keys(errorCodes) as [ErrorCode, ...ErrorCode[]]),
  message: z.string(),
  requestId: z.string(),
  /** For invalid-request: where each problem is (path) and what it is. */
  issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
});
export type ErrorBody = z.infer<typeof ErrorBody>;
