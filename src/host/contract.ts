// The one contract between Electron's main process and the session host (the child process that
// runs the exchange session over the profile's store, docs/architecture.md §8): every message
// either way, as zod schemas, checked by both sides. Binary data travels as base64, the same
// over Electron's utilityProcess port and Node's child_process channel.
// Runs in: main (client.ts) and the session host (serve.ts).
import { z } from 'zod';
import type { SessionItems } from '../exchange/session';
import { invokeContract, SessionProgress, SessionSummary, SignOutcome } from '../ipc/contract';
import type { SignatureAlgorithm } from '../crypto/signer';
import { LocalId, PendingReason, SessionTrigger } from '../vocabulary';

const base64 = z.base64();
/** Correlates an answer with its question; each side numbers its own questions. */
const callId = z.number().int().positive();

/** The store's reads the host answers for main, with the arguments and results of their IPC channels. */
export const readChannels = [
  'documents:list',
  'documents:open',
  'pending:list',
  'contacts:list',
  'subscribers:search',
  'session:log',
  'workflow:awaiting',
] as const;
export type ReadChannel = (typeof readChannels)[number];

export const HostRequest = z.discriminatedUnion('type', [
  /** One exchange session; `signOnly`: exactly these pending service documents are signed. */
  z.object({ type: z.literal('run-session'), trigger: SessionTrigger, signOnly: z.array(LocalId).optional() }),
  // JSON drops an undefined property: the channels that take no arguments send none.
  z.object({ type: z.literal('read'), channel: z.enum(readChannels), args: z.unknown().optional() }),
  z.object({ type: z.literal('last-session') }),
  /** What became of the pending service documents the clerk chose, after the session that signed them. */
  z.object({
    type: z.literal('sign-outcome'),
    wanted: z.array(LocalId),
    items: z.lazy(() => SessionItemsSchema).optional(),
  }),
]);
export type HostRequest = z.infer<typeof HostRequest>;

const SessionItemsSchema = z.object({
  received: z.array(LocalId),
  sent: z.array(LocalId),
  signed: z.array(LocalId),
  serviceDocumentsSent: z.array(LocalId),
  notSigned: z.array(z.object({ id: LocalId, reason: PendingReason, message: z.string().optional() })),
  refused: z.array(
    z.object({
      itemType: z.enum(['document', 'service-document', 'workflow-step']),
      id: LocalId,
      refusal: z.string(),
      message: z.string(),
    }),
  ),
}) satisfies z.ZodType<SessionItems>;

/** src/workplace/sessions' SessionReport: what one session did, for the tray and the notifications. */
export const SessionReportSchema = z.object({
  summary: SessionSummary,
  items: SessionItemsSchema,
  receivedTitles: z.array(z.string()),
});

/** What each request answers: a read answers what its IPC channel does. */
export function resultSchema(request: HostRequest): z.ZodType {
  if (request.type === 'run-session') return SessionReportSchema;
  if (request.type === 'last-session') return SessionSummary.nullable();
  if (request.type === 'sign-outcome') return SignOutcome;
  return invokeContract[request.channel].result;
}

/** An error as it crosses: its words, and the code (a token problem, a МЧД refusal) the session acts on. */
export const ErrorInfo = z.object({
  message: z.string(),
  code: z.string().optional(),
  pinStatus: z
    .object({ countLow: z.boolean(), finalTry: z.boolean(), locked: z.boolean(), toBeChanged: z.boolean() })
    .optional(),
});
export type ErrorInfo = z.infer<typeof ErrorInfo>;

const algorithms = [
  'RSA-PKCS1-SHA256',
  'ECDSA-P256-SHA256',
  'ECDSA-P384-SHA384',
  'GOST2012-256',
  'GOST2012-512',
] as const satisfies readonly SignatureAlgorithm[];

/**
 * What the host asks main during a session: the day's signer (its certificate; the key stays on
 * the token in main), a signature over `data` (for CMS, the DER of the signed attributes), and
 * the service password for a password login. The PIN never crosses.
 */
export const HostCall = z.discriminatedUnion('type', [
  z.object({ type: z.literal('acquire-signer') }),
  z.object({ type: z.literal('sign'), data: base64 }),
  z.object({ type: z.literal('service-password') }),
]);
export type HostCall = z.infer<typeof HostCall>;

export const CallResult = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('signer'),
    certificate: base64,
    algorithm: z.enum(algorithms),
    description: z.string(),
  }),
  z.object({ type: z.literal('signature'), signature: base64 }),
  z.object({ type: z.literal('service-password'), password: z.string().nullable() }),
]);
export type CallResult = z.infer<typeof CallResult>;

/** Main → host. */
export const ToHost = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('request'), id: callId, request: HostRequest }),
  z.object({ kind: z.literal('answer'), call: callId, result: CallResult }),
  z.object({ kind: z.literal('answer-failed'), call: callId, error: ErrorInfo }),
]);
export type ToHost = z.infer<typeof ToHost>;

/** Host → main. */
export const FromHost = z.discriminatedUnion('kind', [
  /** Listening: main sends nothing before it. */
  z.object({ kind: z.literal('ready') }),
  z.object({ kind: z.literal('result'), id: callId, result: z.unknown() }),
  z.object({ kind: z.literal('failed'), id: callId, error: ErrorInfo }),
  z.object({ kind: z.literal('progress'), id: callId, progress: SessionProgress }),
  /** A question of the session running for request `id`. */
  z.object({ kind: z.literal('call'), id: callId, call: callId, ask: HostCall }),
  /** A message from main outside this contract, refused naming the problem (`id`: the request it claimed to be). */
  z.object({ kind: z.literal('refused'), id: callId.optional(), problem: z.string() }),
]);
export type FromHost = z.infer<typeof FromHost>;

/** Where a message breaks the contract, in words: "request.trigger: Invalid option: expected one of …". */
export function problemOf(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join('.') || '(message)'}: ${i.message}`).join('; ');
}

/** An error's words and code, to cross the boundary. */
export function errorInfoOf(e: unknown): ErrorInfo {
  const code = (e as { code?: unknown } | null)?.code;
  const parsed = ErrorInfo.shape.pinStatus.safeParse((e as { pinStatus?: unknown } | null)?.pinStatus);
  return {
    message: e instanceof Error ? e.message : String(e),
    ...(typeof code === 'string' ? { code } : {}),
    ...(parsed.success && parsed.data ? { pinStatus: parsed.data } : {}),
  };
}

/** The error again on the other side: clerkNeededBy (src/exchange/session) reads its code and PIN flags. */
export function errorOf(info: ErrorInfo): Error {
  const pinStatus = info.pinStatus ? { pinStatus: info.pinStatus } : {};
  return Object.assign(new Error(info.message), info.code ? { code: info.code } : {}, pinStatus);
}
