// The director issues an МЧД from the desktop's Organization view (docs/architecture.md §7), as
// `edo-clerk poa create` does: the representative's certificate (pasted PEM, or the file the
// clerk picked, read by the renderer), the powers from the FNS classifier, the last day, and
// whether it may be passed on. Main signs it with the day's token (or the profile's key),
// registers it at the hub, and saves the XML and the signature where the clerk chooses (main's
// folder dialog; the web client's downloads). A refusal comes back by code; the renderer words it.
// Runs in: main (validation) and renderer (types only).
import { z } from 'zod';
import {
  DEFAULT_POWER_CODES,
  KnownPowerCode,
  POWER_CLASSIFIER,
  PowerOfAttorneyNumber,
  PowerOfAttorneyStatus,
} from '../protocol/powers-of-attorney';
import { ClerkNeededReason, PowerOfAttorneyIssueProblem } from '../vocabulary';
import { BrowserDownload } from './download-contract';

export { DEFAULT_POWER_CODES, KnownPowerCode, POWER_CLASSIFIER, PowerOfAttorneyStatus };

export const PowerOfAttorneyIssueArgs = z
  .object({
    /** The representative's certificate file as given, base64: PEM text or DER. */
    representativeCertificate: z.base64().min(1).max(100_000),
    /** Codes of the FNS classifier; none: the defaults (DEFAULT_POWER_CODES), as the CLI does. */
    powerCodes: z.array(KnownPowerCode).max(KnownPowerCode.options.length),
    /** The last day of the term, YYYY-MM-DD. */
    validUntil: z.iso.date(),
    /** --no-redelegation: the representative may not pass the powers on. */
    noRedelegation: z.boolean(),
  })
  .strict();
export type PowerOfAttorneyIssueArgs = z.infer<typeof PowerOfAttorneyIssueArgs>;

export const PowerOfAttorneyIssued = z.object({
  /** false: the clerk closed the folder dialog, or one of the reasons below says why nothing was issued. */
  issued: z.boolean(),
  /** The registered МЧД as the hub keeps it. */
  number: PowerOfAttorneyNumber.optional(),
  validUntil: z.iso.date().optional(),
  status: PowerOfAttorneyStatus.optional(),
  /** Where the XML and its .sig went (main's folder dialog). */
  files: z.array(z.string()).optional(),
  /** The XML and its .sig for the browser to fetch (the web client). */
  downloads: z.array(BrowserDownload).optional(),
  /**
   * Why nothing was signed: the signer is not the director, the certificate or the organization
   * will not do; `facts` fill the words.
   */
  problem: PowerOfAttorneyIssueProblem.optional(),
  facts: z.record(z.string(), z.string()).optional(),
  /** The token or its PIN is needed first. */
  tokenReason: ClerkNeededReason.optional(),
  /** The hub refused to register it (a poa-* code) with its own message: nothing was saved. */
  hubRefusal: z.object({ code: z.string().max(100), message: z.string().max(2000) }).optional(),
  /** This build can neither ask where to save nor hand a download (a build without a hub). */
  unavailable: z.literal(true).optional(),
});
export type PowerOfAttorneyIssued = z.infer<typeof PowerOfAttorneyIssued>;

export const powerOfAttorneyInvokeContract = {
  'poa:issue': { args: PowerOfAttorneyIssueArgs, result: PowerOfAttorneyIssued },
} as const;
