// The clerk's own signing acts (the outbox, a workflow step) as the desktop reports them: a token
// or key that needs the clerk, or a МЧД that does not let the signer act, is the act's reason,
// never an exception; and a software key (the
// local sandbox's demo key, a server's .pfx) shown as the day's token, logged in for good.
import { basename } from 'node:path';
import { describeCertificate } from '../crypto/certificates';
import { certificateSha256, PowerOfAttorneyRefused } from '../exchange/representative';
import { clerkNeededBy, type SignerSource } from '../exchange/session';
import type { ClerkNeededReason, PowerOfAttorneyRefusal, TokenStatus } from '../ipc/contract';

/** PIN flags of a signer that has no PIN. */
export const noPinFlags = { countLow: false, finalTry: false, locked: false };

type Refused = { failed: { reason: ClerkNeededReason | PowerOfAttorneyRefusal; message: string } };

/**
 * Runs a signing act; what stops it before anything is signed comes back as the act's reason: a
 * token or key that needs the clerk, or a МЧД that does not let the signer act (the hub's code).
 * Anything else throws.
 */
export async function signingRefusal<T extends object>(act: () => Promise<T>): Promise<T | Refused> {
  try {
    return await act();
  } catch (e) {
    if (e instanceof PowerOfAttorneyRefused) return { failed: { reason: e.code, message: e.message } };
    const needed = clerkNeededBy(e);
    if (!needed) throw e;
    return { failed: { reason: needed.code, message: needed.message } };
  }
}

/** The token view of a software key: logged in while its key loads, absent (with why) when it does not. */
export async function softwareKeyStatus(keyFile: string, source: SignerSource): Promise<TokenStatus> {
  try {
    const { certificate } = await source.acquire();
    const who = describeCertificate(certificate);
    return {
      state: 'logged-in',
      token: { label: basename(keyFile), serial: '', model: 'software key', pinPad: false },
      owner: {
        name: who.commonName,
        position: who.position,
        organization: who.organization ?? '',
        inn: who.orgInn,
        validTo: who.notAfter.toISOString(),
        sha256: certificateSha256(certificate),
      },
      pinFlags: noPinFlags,
    };
  } catch (e) {
    return { state: 'absent', pinFlags: noPinFlags, message: e instanceof Error ? e.message : String(e) };
  }
}
