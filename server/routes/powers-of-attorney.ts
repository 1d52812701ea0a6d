// The organization's registry of powers of attorney over HTTP (docs/architecture.md §7): register
// (checked by server/powers-of-attorney/checks.ts), list, show, revoke by the principal, and
// the pre-check a client makes before signing under an МЧД. Every route acts on the caller's
// organization only.
import type { FastifyInstance } from 'fastify';
import { verifyDetached } from '../../src/crypto/cms';
import { describeCertificate } from '../../src/crypto/certificates';
import type { HubContext } from '../hub';
import { HubError, registerRoute } from '../http';
import { actsWithoutPowerOfAttorney, checkRegistration, checkRepresentative } from '../powers-of-attorney/checks';
import { PowerOfAttorneyError, recordView, type StoredPowerOfAttorney } from '../powers-of-attorney/registry';
import { partyDocument } from './documents';
import { trustedRoots } from './auth';

const asHubError = (e: unknown): unknown => (e instanceof PowerOfAttorneyError ? new HubError(e.code, e.message) : e);

export function registerPowerOfAttorneyRoutes(app: FastifyInstance, ctx: HubContext): void {
  const registry = ctx.powersOfAttorney;

  registerRoute(app, ctx, 'registerPowerOfAttorney', async ({ body, caller }) => {
    const me = caller.subscriber;
    try {
      const now = ctx.now();
      const checked = await checkRegistration(
        {
          fileName: body.fileName,
          xml: Buffer.from(body.xml, 'base64'),
          signature: Buffer.from(body.signature, 'base64'),
        },
        {
          subscriber: me,
          users: await ctx.storage.listUsers(me.id),
          verify: async (signature, xml) =>
            verifyDetached(signature, xml, { trustedRoots: await trustedRoots(ctx), at: now }),
          now,
        },
      );
      const stored = await registry.register({
        ...checked,
        orgId: me.id,
        registeredAt: now.toISOString(),
        registeredBy: caller.user.id,
      });
      return { status: 201, body: recordView(stored, now) };
    } catch (e) {
      throw asHubError(e);
    }
  });

  registerRoute(app, ctx, 'listPowersOfAttorney', async ({ caller }) => {
    const now = ctx.now();
    return {
      status: 200,
      body: { powersOfAttorney: (await registry.list(caller.subscriber.id)).map((p) => recordView(p, now)) },
    };
  });

  const withFiles = (poa: StoredPowerOfAttorney) => ({
    ...recordView(poa, ctx.now()),
    xml: poa.xml.toString('base64'),
    signature: poa.signature.toString('base64'),
  });

  registerRoute(app, ctx, 'getPowerOfAttorney', async ({ params, caller }) => {
    const poa = await registry.get(caller.subscriber.id, params.number);
    if (!poa) throw new HubError('not-found', `Your organization has no МЧД ${params.number}`);
    return { status: 200, body: withFiles(poa) };
  });

  // Either party of a document may read the МЧД a signature of its chain was made under, and no other.
  registerRoute(app, ctx, 'getDocumentPowerOfAttorney', async ({ params, caller }) => {
    const document = await partyDocument(ctx, params.documentId, caller.subscriber.id);
    const serviceDocuments = await ctx.storage.listServiceDocuments(document.id);
    const number = params.number.toLowerCase();
    const named = [
      document.signerPowerOfAttorney,
      document.recipientSignature?.signerPowerOfAttorney,
      ...serviceDocuments.map((sd) => sd.signerPowerOfAttorney),
    ].find((p) => p?.number === number);
    const poa = named && (await registry.find(named.principalInn, named.number));
    if (!poa)
      throw new HubError('not-found', `No signature of document ${document.id} was made under an МЧД ${params.number}`);
    return { status: 200, body: withFiles(poa) };
  });

  registerRoute(app, ctx, 'revokePowerOfAttorney', async ({ params, body, caller }) => {
    const me = caller.subscriber;
    // The principal revokes: its director (the certificate names the organization) or a settings administrator.
    const director =
      caller.user.certificate && actsWithoutPowerOfAttorney(describeCertificate(caller.user.certificate.der), me);
    if (!director && !(await ctx.settings.hasPermission(me.id, caller.user.id, 'change-organization-settings'))) {
      throw new HubError(
        'forbidden',
        `${caller.user.name} may not revoke ${me.name}'s МЧД: only its director or a settings administrator (change-organization-settings) may`,
      );
    }
    try {
      const now = ctx.now();
      const revoked = await registry.revoke(me.id, params.number, {
        actor: caller.user.id,
        reason: body.reason,
        at: now.toISOString(),
      });
      return { status: 200, body: recordView(revoked, now) };
    } catch (e) {
      throw asHubError(e);
    }
  });

  registerRoute(app, ctx, 'checkPowerOfAttorney', async ({ body, caller }) => {
    let signer;
    try {
      signer = describeCertificate(Buffer.from(body.certificate, 'base64'));
    } catch (e) {
      throw new HubError('invalid-request', `certificate is not a readable X.509 certificate: ${(e as Error).message}`);
    }
    try {
      const found = await checkRepresentative(
        ctx.signingUnderPowerOfAttorney,
        signer,
        caller.subscriber,
        body.reference,
        body.action,
        ctx.now(),
      );
      return { status: 200, body: { ok: true, ...(found ? { powerOfAttorney: found } : {}) } };
    } catch (e) {
      if (e instanceof PowerOfAttorneyError)
        return { status: 200, body: { ok: false, error: e.code, message: e.message } };
      throw e;
    }
  });
}
