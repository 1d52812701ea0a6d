// The director's side and the employee's of an МЧД (docs/architecture.md §7). Issuing: the
// director's signer makes the МЧД for the organization as the hub knows it, and the hub
// registers it (`edo-clerk poa create`, the desktop Organization view, the local sandbox).
// Attaching: its files kept in the store, the profile's setting naming it for that certificate
// (one per certificate: a new one replaces the old) — `edo-clerk poa use` and the sandbox's
// first start do it, once the hub has registered the МЧД.
import { readCertificates } from '../crypto/certificates';
import type { Signer } from '../crypto/signer';
import { HubError, type HttpExchangeClient } from '../exchange/http-client';
import { issuePowerOfAttorney, PowerOfAttorneyIssueError } from '../exchange/power-of-attorney';
import { certificateSha256 } from '../exchange/representative';
import type { ClerkProfile } from '../exchange/profile';
import type { SignerSource } from '../exchange/session';
import type { PowerOfAttorneyIssueArgs, PowerOfAttorneyIssued } from '../ipc/contract';
import type { PowerOfAttorneyFile } from '../formats';
import { powerOfAttorneyPath, type PowerOfAttorneyRecord } from '../protocol';
import type { PowerOfAttorneySetting } from '../settings/settings';
import { ClerkNeededReason } from '../vocabulary';
import { isHubPowerOfAttorneyCode } from '../vocabulary/power-of-attorney';
import { signingRefusal } from './signing';

export interface OrganizationPowerOfAttorneyRequest {
  /** DER of the employee's certificate. */
  representativeCertificate: Buffer;
  /** Codes of the FNS classifier; none and no text: the defaults. */
  powerCodes: string[];
  powerText?: string;
  /** YYYY-MM-DD. */
  validUntil: string;
  redelegation: boolean;
}

/**
 * The МЧД `director` signs for the organization the hub knows its login by (name, INN, KPP),
 * its status told at `serverUrl`. A signer who is not the organization's director, or an
 * organization without a KPP at the hub, is a PowerOfAttorneyIssueError: nothing is signed.
 */
export async function issueOrganizationPowerOfAttorney(
  serverUrl: string,
  subscriber: { name: string; inn: string; kpp?: string | undefined },
  director: Signer,
  request: OrganizationPowerOfAttorneyRequest,
): Promise<PowerOfAttorneyFile & { signature: Buffer }> {
  const { name, inn, kpp } = subscriber;
  if (!kpp) throw new PowerOfAttorneyIssueError(`the hub knows no KPP of ${name}`, 'organization', 'no-kpp', { name });
  const base = serverUrl.replace(/\/+$/, '');
  return issuePowerOfAttorney({
    director,
    organization: { name, inn, kpp },
    ...request,
    statusService: (number) => `${base}${powerOfAttorneyPath(number)}`,
  });
}

/** Registers an МЧД (its XML and the director's signature) at the organization's hub: the hub's record. */
export function registerPowerOfAttorney(
  client: HttpExchangeClient,
  files: { fileName: string; xml: Buffer; signature: Buffer },
): Promise<PowerOfAttorneyRecord> {
  return client.call('registerPowerOfAttorney', {
    body: {
      fileName: files.fileName,
      xml: files.xml.toString('base64'),
      signature: files.signature.toString('base64'),
    },
  });
}

/** What the desktop's issuing came to: the files and the hub's record, or why nothing was issued. */
export type IssuedAtHub =
  | { files: { fileName: string; xml: Buffer; signature: Buffer }; record: PowerOfAttorneyRecord }
  | { refused: Pick<PowerOfAttorneyIssued, 'problem' | 'facts' | 'tokenReason' | 'hubRefusal'> };

/**
 * The desktop's `poa create`: the day's signer (the director's token, or the profile's key)
 * logs in, signs the МЧД for its organization, and the hub registers it at once. A signer who is
 * not the director, a token that needs the clerk, a hub refusing the registration come back by
 * code, for the renderer to word; nothing is registered then.
 */
export async function issueAtHub(
  hub: () => Promise<{ client: HttpExchangeClient; me: { subscriber: { name: string; inn: string; kpp?: string } } }>,
  source: SignerSource,
  serverUrl: string,
  args: PowerOfAttorneyIssueArgs,
): Promise<IssuedAtHub> {
  let representativeCertificate: Buffer | undefined;
  try {
    representativeCertificate = readCertificates(Buffer.from(args.representativeCertificate, 'base64'))[0];
  } catch {
    // Not a certificate at all: the same answer as an empty file.
  }
  if (!representativeCertificate) return { refused: { problem: 'no-certificate', facts: {} } };
  const request = {
    representativeCertificate,
    powerCodes: args.powerCodes,
    validUntil: args.validUntil,
    redelegation: !args.noRedelegation,
  };
  const done = await signingRefusal(async (): Promise<IssuedAtHub> => {
    const { client, me } = await hub();
    try {
      const files = await issueOrganizationPowerOfAttorney(serverUrl, me.subscriber, await source.acquire(), request);
      return { files, record: await registerPowerOfAttorney(client, files) };
    } catch (e) {
      if (e instanceof PowerOfAttorneyIssueError) return { refused: { problem: e.problem, facts: e.facts } };
      if (e instanceof HubError && isHubPowerOfAttorneyCode(e.code))
        return {
          refused: { hubRefusal: { code: e.code, message: e.message }, facts: { organization: me.subscriber.name } },
        };
      throw e;
    }
  });
  if (!('failed' in done)) return done;
  const tokenReason = ClerkNeededReason.safeParse(done.failed.reason);
  // The director signs with the organization's own certificate: no МЧД of theirs is ever asked.
  if (!tokenReason.success) throw new Error(done.failed.message);
  return { refused: { tokenReason: tokenReason.data } };
}

export async function attachPowerOfAttorney(
  profile: ClerkProfile,
  certificate: Buffer,
  files: { fileName: string; xml: Buffer; signature: Buffer },
  record: PowerOfAttorneyRecord,
): Promise<PowerOfAttorneySetting> {
  const reference = { number: record.number, principalInn: record.principalInn };
  const [x, sig] = await Promise.all([
    profile.store.blobs.write(files.xml),
    profile.store.blobs.write(files.signature),
  ]);
  profile.store.keepPowerOfAttorney({
    ...reference,
    fileName: files.fileName,
    xmlHash: x.hash,
    signatureHash: sig.hash,
    record,
  });
  const entry = {
    certificateSha256: certificateSha256(certificate),
    ...reference,
    issuedOn: record.issuedOn,
    validUntil: record.validUntil,
    fileName: files.fileName,
  };
  const others = profile.settings.powersOfAttorney.filter((p) => p.certificateSha256 !== entry.certificateSha256);
  profile.settingsFile.update({ powersOfAttorney: [...others, entry] });
  return entry;
}
