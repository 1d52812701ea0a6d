// Authentication: a signed single-use nonce for certificate holders (the key signs the
// protocol's loginSignedContent, bound to this hub's origin), login/password for service users;
// both end in a bearer token that expires. Failed attempts are slowed down.
import { randomBytes, randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { certificateFingerprint } from '../../src/crypto/certificates';
import { verifyDetached, type VerificationProblem } from '../../src/crypto/cms';
import { loginOrigin, loginSignedContent, type LoginResponse } from '../../src/protocol';
import { verifyPassword } from '../auth/passwords';
import type { HubContext } from '../hub';
import { HubError, registerRoute, sha256Hex, type Caller } from '../http';
import { informationSystemUser } from '../organization';
import type { SubscriberRecord, UserRecord } from '../storage/storage';
import { ownSubscriberView, userView } from '../views';

export async function trustedRoots(ctx: HubContext): Promise<Buffer[]> {
  return (await ctx.storage.listTrustedCas()).map((ca) => ca.der);
}

/** The protocol error for a failed CMS check: forged signatures first, then trust, then time. */
export function signatureFailure(problems: VerificationProblem[]): {
  code: 'signature-invalid' | 'certificate-untrusted' | 'certificate-expired';
  message: string;
} {
  const has = (...codes: VerificationProblem['code'][]) => problems.some((p) => codes.includes(p.code));
  const message = problems.map((p) => p.message).join('; ') || 'the signature does not verify';
  if (has('malformed', 'digest-mismatch', 'bad-signature', 'unsupported-algorithm'))
    return { code: 'signature-invalid', message };
  if (has('untrusted-chain', 'no-signer-certificate')) return { code: 'certificate-untrusted', message };
  if (has('expired', 'not-yet-valid')) return { code: 'certificate-expired', message };
  return { code: 'signature-invalid', message };
}

async function issueToken(ctx: HubContext, user: UserRecord, subscriber: SubscriberRecord): Promise<LoginResponse> {
  const token = randomBytes(32).toString('base64url');
  const expiresAt = new Date(ctx.now().getTime() + ctx.tokenTtlMs).toISOString();
  await ctx.storage.createAccessToken(sha256Hex(token), { userId: user.id, subscriberId: subscriber.id, expiresAt });
  return {
    accessToken: token,
    expiresAt,
    user: userView(user),
    subscriber: ownSubscriberView(subscriber, await ctx.settings.operatingMode(subscriber.id)),
  };
}

const loopbackNames = new Set(['localhost', '127.0.0.1', '::1']);
const bareAddress = (address: string) => address.replace(/^\[|\]$/g, '').replace(/^::ffff:(?=\d+\.)/, '');
const isLoopback = (address: string) => address === '::1' || address.startsWith('127.');

/**
 * The origin the client reached this hub at (protocol and Host header, or a trusted proxy's
 * X-Forwarded-Proto and -Host), if it is one of the hub's own: a configured public origin, or the address and port the connection arrived at (the
 * loopback names 127.0.0.1, localhost and [::1] standing for each other).
 */
export function ownOrigin(ctx: Pick<HubContext, 'publicOrigins'>, req: FastifyRequest): string {
  const host = req.host;
  let origin: string;
  try {
    origin = loginOrigin(`${req.protocol}://${host}`);
  } catch {
    throw new HubError('invalid-request', `The Host header "${host}" does not name a hub origin`);
  }
  if (ctx.publicOrigins.includes(origin)) return origin;
  const hostname = bareAddress(new URL(origin).hostname);
  const local = bareAddress(req.socket.localAddress ?? '');
  const samePort = new URL(origin).port === String(req.socket.localPort);
  if (samePort && (hostname === local || (isLoopback(local) && loopbackNames.has(hostname)))) return origin;
  throw new HubError(
    'invalid-request',
    `This hub is not ${origin}: it signs logins only for its own origin (${ctx.publicOrigins.length ? ctx.publicOrigins.join(', ') : 'the address it listens on'}); behind a proxy, start it with --public-origin`,
  );
}

async function meView(ctx: HubContext, { user, subscriber }: Caller) {
  return {
    user: userView(user),
    subscriber: ownSubscriberView(subscriber, await ctx.settings.operatingMode(subscriber.id)),
  };
}

/** Runs a login attempt under the throttle: refused while a wait is due; failures counted. */
async function throttled<T>(
  ctx: HubContext,
  req: FastifyRequest,
  account: string | undefined,
  attempt: () => Promise<T>,
): Promise<T> {
  const keys = { address: req.ip, ...(account ? { account } : {}) };
  const wait = await ctx.throttle.waitFor(keys);
  if (wait > 0) {
    const seconds = Math.ceil(wait / 1000);
    throw new HubError('too-many-attempts', `Too many failed logins; try again in ${seconds} s`, {
      headers: { 'retry-after': String(seconds) },
    });
  }
  try {
    const result = await attempt();
    await ctx.throttle.succeeded(keys);
    return result;
  } catch (e) {
    if (e instanceof HubError && e.status === 401) await ctx.throttle.failed(keys);
    throw e;
  }
}

export function registerAuthRoutes(app: FastifyInstance, ctx: HubContext): void {
  registerRoute(app, ctx, 'challenge', async () => {
    const id = randomUUID();
    const nonce = randomBytes(32);
    const expiresAt = new Date(ctx.now().getTime() + ctx.challengeTtlMs).toISOString();
    await ctx.storage.createChallenge({ id, nonce, expiresAt });
    return { status: 200, body: { challengeId: id, nonce: nonce.toString('base64'), expiresAt } };
  });

  registerRoute(app, ctx, 'loginWithCertificate', async ({ body, req }) =>
    throttled(ctx, req, undefined, async () => {
      const origin = ownOrigin(ctx, req);
      const now = ctx.now();
      // Used up before the signature is even looked at: a nonce never gets a second try.
      const use = await ctx.storage.useChallenge(body.challengeId, now.toISOString());
      if (use.kind !== 'ok') {
        const why = { unknown: 'is unknown', expired: 'has expired', used: 'was already used' }[use.kind];
        throw new HubError('challenge-invalid', `The challenge ${why}; request a new one at /v1/auth/challenge`);
      }
      // The operator certificate is a root for logins only: it issues the information systems' certificates.
      const roots = [...(await trustedRoots(ctx)), ctx.operator.certificate];
      const signature = Buffer.from(body.signature, 'base64');
      const content = Buffer.from(
        loginSignedContent({ origin, challengeId: body.challengeId, nonce: use.nonce.toString('base64') }),
      );
      const result = await verifyDetached(signature, content, { trustedRoots: roots, at: now });
      if (!result.valid || !result.signer) {
        if (result.problems.some((p) => p.code === 'digest-mismatch')) {
          // Only to name the mistake: a signature over the bare nonce is still refused.
          const bare = await verifyDetached(signature, use.nonce, { trustedRoots: roots, at: now });
          const what = bare.problems.some((p) => p.code === 'digest-mismatch')
            ? `the signature is not over the login content for ${origin}`
            : 'the signature is over the bare nonce (the login before protocol v1 content)';
          throw new HubError(
            'signature-invalid',
            `Certificate login refused: ${what}; sign loginSignedContent ("EDO Clerk login v1", the hub origin ${origin}, the challenge id, the nonce in base64)`,
          );
        }
        const failure = signatureFailure(result.problems);
        throw new HubError(failure.code, `Certificate login refused: ${failure.message}`);
      }
      const fingerprint = certificateFingerprint(result.signer.certificate);
      const user =
        (await ctx.storage.findUserByCertificate(fingerprint)) ??
        (await informationSystemUser(ctx.settings, ctx.storage, fingerprint));
      if (!user)
        throw new HubError(
          'certificate-unknown',
          `The certificate of ${result.signer.commonName} (serial ${result.signer.serialNumber}) is not registered to any user of this hub`,
        );
      const subscriber = await ctx.storage.getSubscriber(user.subscriberId);
      if (!subscriber) throw new HubError('certificate-unknown', 'The user of this certificate has no organization');
      return { status: 200, body: await issueToken(ctx, user, subscriber) };
    }),
  );

  registerRoute(app, ctx, 'loginWithPassword', async ({ body, req }) =>
    throttled(ctx, req, `login:${body.login}`, async () => {
      const user = await ctx.storage.findUserByLogin(body.login);
      const ok = await verifyPassword(body.password, user?.passwordHash);
      const subscriber = user && ok ? await ctx.storage.getSubscriber(user.subscriberId) : undefined;
      if (!user || !subscriber) throw new HubError('login-failed', 'Wrong login or password');
      return { status: 200, body: await issueToken(ctx, user, subscriber) };
    }),
  );

  registerRoute(app, ctx, 'me', async ({ caller }) => ({
    status: 200,
    body: { ...(await meView(ctx, caller)), expiresAt: caller.tokenExpiresAt },
  }));

  registerRoute(app, ctx, 'operator', async () => {
    const { identity, certificate } = ctx.operator;
    return {
      status: 200,
      body: {
        name: identity.name,
        inn: identity.inn,
        kpp: identity.kpp,
        edoId: identity.edoId,
        certificate: certificate.toString('base64'),
      },
    };
  });
}
