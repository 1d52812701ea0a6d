// Certificate login of an information system: after the hub has verified the CMS over its
// challenge (with the operator certificate among the trusted roots, since generated
// certificates are issued by it), an active information system's certificate logs in as a
// service user of its organization. The user row is made at the first login, without the
// certificate, so revoking the system in the settings is enough to stop its logins; and the
// hub asks at every request whether the system is still active, so its live tokens stop too.
import type { HubStorage, UserRecord } from '../storage/storage';
import type { OrganizationSettingsService } from './service';

const userIdPrefix = 'is-';

/** The hub user an information system logs in as: stable per system. */
export const informationSystemUserId = (informationSystemId: string): string => `${userIdPrefix}${informationSystemId}`;

/** Why this user may no longer act, if it is the service user of a revoked (or removed) information system. */
export async function revokedInformationSystem(
  settings: Pick<OrganizationSettingsService, 'informationSystemRevokedAt'>,
  user: UserRecord,
): Promise<string | undefined> {
  if (user.kind !== 'service' || !user.id.startsWith(userIdPrefix)) return undefined;
  const revokedAt = await settings.informationSystemRevokedAt(user.id.slice(userIdPrefix.length));
  if (revokedAt === null) return undefined;
  return `The information system ${user.name} was revoked${revokedAt ? ` on ${revokedAt}` : ''}: its tokens no longer work`;
}

/**
 * The user for a certificate fingerprint that belongs to an active (not revoked) information
 * system, or undefined. Call it where `findUserByCertificate` found nobody.
 */
export async function informationSystemUser(
  settings: Pick<OrganizationSettingsService, 'informationSystemByCertificate'>,
  storage: Pick<HubStorage, 'getUser' | 'addUser'>,
  fingerprint: string,
): Promise<UserRecord | undefined> {
  const system = await settings.informationSystemByCertificate(fingerprint);
  if (!system) return undefined;
  const id = informationSystemUserId(system.id);
  const existing = await storage.getUser(id);
  if (existing) return existing;
  try {
    return await storage.addUser({ id, subscriberId: system.orgId, kind: 'service', name: system.name });
  } catch (e) {
    // Two first logins at once: the other one made the row.
    const made = await storage.getUser(id);
    if (made) return made;
    throw e;
  }
}
