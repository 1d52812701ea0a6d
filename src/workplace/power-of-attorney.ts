// Attaching an МЧД to the profile's personal signing certificate (docs/architecture.md §7): its
// files kept in the store, the profile's setting naming it for that certificate (one per
// certificate: a new one replaces the old). `edo-clerk poa use` and the local sandbox's first
// start do it, once the hub has registered the МЧД.
import { certificateSha256 } from '../exchange/representative';
import type { ClerkProfile } from '../exchange/profile';
import type { PowerOfAttorneyRecord } from '../protocol';
import type { PowerOfAttorneySetting } from '../settings/settings';

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
