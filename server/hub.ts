// The exchange hub as a Fastify application over its storage, blob files and operator key.
// One structured log line per request, with its id; graceful close wakes every long poll.
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { randomUUID } from 'node:crypto';
import { RevocationChecker, type RevocationSettings } from '../src/crypto/revocation';
import { loginOrigin } from '../src/protocol';
import type { ArchiveLog } from './archive/log';
import type { BlobStore } from './blobs';
import { authenticate, clientErrorHandler, frameworkErrors, installErrorHandling, type HttpContext } from './http';
import { registerOrganizationRoutes, revokedInformationSystem, type OrganizationSettingsService } from './organization';
import { EventNotifier } from './notifier';
import type { Operator } from './operator';
import { LoginThrottle } from './auth/throttle';
import type { HubStorage } from './storage/storage';
import { registerAuthRoutes } from './routes/auth';
import { registerBlobRoutes } from './routes/blobs';
import { registerDirectoryRoutes } from './routes/directory';
import { registerDocumentRoutes } from './routes/documents';
import { registerEventRoutes } from './routes/events';
import { registerMetaRoutes } from './routes/meta';
import { registerTspRoutes } from './routes/tsp';
import { registerWorkflowRoutes } from './routes/workflow';
import { registerPowerOfAttorneyRoutes } from './routes/powers-of-attorney';
import type { SigningDeps } from './powers-of-attorney/checks';
import type { PowerOfAttorneyRegistry } from './powers-of-attorney/registry';

export interface HubOptions {
  storage: HubStorage;
  blobs: BlobStore;
  operator: Operator;
  /** The organizations' settings: operating mode, access, archiving switches, information systems. */
  settings: OrganizationSettingsService;
  /** The signed-data archive (its own SQLite file). */
  archive: ArchiveLog;
  /** The organizations' registry of powers of attorney (МЧД). */
  powersOfAttorney: PowerOfAttorneyRegistry;
  version: string;
  logger: FastifyBaseLogger;
  /** Bearer token life. Default 1 hour. */
  tokenTtlSeconds?: number;
  /** Challenge nonce life. Default 2 minutes. */
  challengeTtlSeconds?: number;
  /** Largest JSON body. Default 4 MiB (signatures and service-document XML travel in JSON). */
  jsonBodyLimit?: number;
  validateResponses?: boolean;
  throttle?: LoginThrottle;
  now?: () => Date;
  /** Origins clients reach the hub at besides its listening address (a proxy's https://hub.example:443). */
  publicOrigins?: string[];
  /**
   * The proxies (addresses or CIDR ranges) whose X-Forwarded-For, -Proto and -Host are believed,
   * so the throttle and the log see the client's address; from anyone else those headers are ignored.
   */
  trustProxy?: string[];
  /** Where certificate status comes from (a CRL folder, an OCSP proxy) for closed networks. */
  revocation?: RevocationSettings;
  /** Accepted signatures extended to CAdES-T / X Long Type 1 (default true; off only to measure it). */
  longTermSignatures?: boolean;
}

/** The hub reuses an OCSP answer until its nextUpdate, an hour at most (`edo-hub serve --ocsp-cache`). */
export const defaultOcspCacheSeconds = 3600;

export interface HubContext extends HttpContext {
  blobs: BlobStore;
  operator: Operator;
  settings: OrganizationSettingsService;
  archive: ArchiveLog;
  powersOfAttorney: PowerOfAttorneyRegistry;
  /** What a signature under an МЧД is checked against: the registry and the organization's required powers. */
  signingUnderPowerOfAttorney: SigningDeps;
  notifier: EventNotifier;
  throttle: LoginThrottle;
  version: string;
  tokenTtlMs: number;
  challengeTtlMs: number;
  /** Normalized by loginOrigin: what certificate logins may be signed for, besides the listening address. */
  publicOrigins: string[];
  /** One per hub: its CRL cache is shared by every acceptance. */
  revocation: RevocationChecker;
  longTermSignatures: boolean;
}

export function createHub(options: HubOptions): { app: FastifyInstance; context: HubContext } {
  const context: HubContext = {
    storage: options.storage,
    blobs: options.blobs,
    operator: options.operator,
    settings: options.settings,
    archive: options.archive,
    powersOfAttorney: options.powersOfAttorney,
    signingUnderPowerOfAttorney: {
      registry: options.powersOfAttorney,
      requiredPowers: (orgId, action) => options.settings.requiredPowers(orgId, action),
    },
    notifier: new EventNotifier(),
    throttle: options.throttle ?? new LoginThrottle(),
    version: options.version,
    tokenTtlMs: (options.tokenTtlSeconds ?? 3600) * 1000,
    challengeTtlMs: (options.challengeTtlSeconds ?? 120) * 1000,
    now: options.now ?? (() => new Date()),
    validateResponses: options.validateResponses ?? true,
    publicOrigins: (options.publicOrigins ?? []).map(loginOrigin),
    // A burst of one signer's documents asks the responder once (RevocationSettings.ocspCacheSeconds).
    revocation: new RevocationChecker({
      ...options.revocation,
      ocspCacheSeconds: options.revocation?.ocspCacheSeconds ?? defaultOcspCacheSeconds,
    }),
    longTermSignatures: options.longTermSignatures ?? true,
    revokedReason: (user) => revokedInformationSystem(options.settings, user),
    callerOf: (req) => authenticate(context, req),
  };
  const app = Fastify({
    loggerInstance: options.logger,
    // Fastify's two lines per request are replaced by one (onResponse below).
    logController: new LogController({ disableRequestLogging: true }),
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && /^[\w.-]{1,100}$/.test(given) ? given : randomUUID();
    },
    bodyLimit: options.jsonBodyLimit ?? 4 * 1024 * 1024,
    trustProxy: options.trustProxy?.length ? options.trustProxy : false,
    exposeHeadRoutes: false,
    // Long polls are answered at close (the notifier wakes them); idle keep-alives are dropped.
    forceCloseConnections: 'idle',
    return503OnClosing: true,
    frameworkErrors,
    clientErrorHandler,
  });
  // Blob uploads are streamed by their route, never buffered by a parser.
  app.addContentTypeParser('application/octet-stream', (_req, payload, done) => done(null, payload));
  app.addHook('onRequest', async (req, reply) => {
    reply.header('x-request-id', String(req.id));
  });
  app.addHook('onResponse', async (req, reply) => {
    req.log.info(
      {
        method: req.method,
        url: req.url,
        address: req.ip,
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime * 10) / 10,
      },
      'request',
    );
  });
  // Before Fastify waits for in-flight requests: long polls answer now instead of holding the shutdown.
  app.addHook('preClose', async () => context.notifier.close());
  // Used-up challenges and expired tokens are dropped now and then, so the tables stay small.
  // So are uploads a day old and never finished (their hub was killed mid-upload).
  const purge = setInterval(() => {
    options.storage
      .purgeExpired(context.now().toISOString())
      .catch((err: unknown) => app.log.error({ err }, 'purging expired challenges and tokens failed'));
    options.blobs
      .purgeAbandoned(new Date(context.now().getTime() - 24 * 3600_000))
      .catch((err: unknown) => app.log.error({ err }, 'purging abandoned uploads failed'));
  }, 10 * 60_000);
  purge.unref();
  app.addHook('onClose', async () => clearInterval(purge));
  installErrorHandling(app);
  registerMetaRoutes(app, context);
  registerAuthRoutes(app, context);
  registerDirectoryRoutes(app, context);
  registerBlobRoutes(app, context);
  registerDocumentRoutes(app, context);
  registerWorkflowRoutes(app, context);
  registerEventRoutes(app, context);
  registerTspRoutes(app, context);
  registerPowerOfAttorneyRoutes(app, context);
  registerOrganizationRoutes(app, context, { settings: options.settings, archive: options.archive });
  return { app, context };
}
