// What the page and the web client's server say outside the handler registry: who is there
// (GET /session) and, when the agent serves its organization's staff, the login (POST /login).
// Checked with zod on the server; the renderer takes the types only.
import { z } from 'zod';
import { StaffLoginProblem } from '../vocabulary';

export const StaffLoginRequest = z.strictObject({
  login: z.string().trim().min(1).max(200),
  password: z.string().min(1).max(1000),
});
export type StaffLoginRequest = z.infer<typeof StaffLoginRequest>;

/** A staff user as the hub knows them. */
export const StaffUser = z.object({ login: z.string(), name: z.string(), organization: z.string() });
export type StaffUser = z.infer<typeof StaffUser>;

/** GET /session: the local clerk's web client, or the agent's for staff (user null: not logged in). */
export const WebAccess = z.discriminatedUnion('access', [
  z.object({ access: z.literal('local') }),
  z.object({ access: z.literal('staff'), user: StaffUser.nullable() }),
]);
export type WebAccess = z.infer<typeof WebAccess>;

/** POST /login's refusal (status 401, 403, 429, 502 or 400); `retryAt` with too-many-attempts. */
export const StaffLoginRefusal = z.object({
  error: StaffLoginProblem,
  message: z.string(),
  retryAt: z.iso.datetime().optional(),
});
export type StaffLoginRefusal = z.infer<typeof StaffLoginRefusal>;
