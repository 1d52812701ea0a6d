// Stored records as the protocol shows them: only the fields of the schema, nothing internal.
import type { CertificateIdentity } from '../src/crypto/certificates';
import { certificateFingerprint } from '../src/crypto/certificates';
import type {
  CertificateSummary,
  Contact,
  Document,
  OperatingMode,
  OwnSubscriber,
  Party,
  ServiceDocument,
  Subscriber,
  User,
} from '../src/protocol';
import {
  contactStateFor,
  type ContactRecord,
  type DocumentRecord,
  type SubscriberRecord,
  type UserRecord,
} from './storage/storage';

export function certificateSummary(id: CertificateIdentity): CertificateSummary {
  const optional = <K extends keyof CertificateIdentity>(key: K) => (id[key] ? { [key]: id[key] } : {});
  return {
    ...optional('commonName'),
    ...optional('surname'),
    ...optional('givenNames'),
    ...optional('position'),
    ...optional('organization'),
    ...optional('orgInn'),
    ...optional('personInn'),
    subject: id.subject,
    issuer: id.issuer,
    serialNumber: id.serialNumber,
    notBefore: id.notBefore.toISOString(),
    notAfter: id.notAfter.toISOString(),
    fingerprint: certificateFingerprint(id.certificate),
  } as CertificateSummary;
}

export const subscriberView = (s: SubscriberRecord): Subscriber => ({
  id: s.id,
  name: s.name,
  inn: s.inn,
  ...(s.kpp ? { kpp: s.kpp } : {}),
  ...(s.ogrn ? { ogrn: s.ogrn } : {}),
  revision: s.revision,
  updatedAt: s.updatedAt,
});

/** Our own organization; its operating mode lives in the organization settings (docs/architecture.md §11). */
export const ownSubscriberView = (s: SubscriberRecord, operatingMode: OperatingMode): OwnSubscriber => ({
  ...subscriberView(s),
  operatingMode,
});

export const userView = (u: UserRecord): User => ({
  id: u.id,
  subscriberId: u.subscriberId,
  kind: u.kind,
  name: u.name,
  ...(u.login ? { login: u.login } : {}),
  ...(u.certificate ? { certificate: u.certificate.summary } : {}),
});

export const partyOf = (s: SubscriberRecord): Party => ({
  subscriberId: s.id,
  name: s.name,
  inn: s.inn,
  ...(s.kpp ? { kpp: s.kpp } : {}),
});

export function contactView(c: ContactRecord, viewer: string, other: SubscriberRecord): Contact {
  return {
    subscriber: { id: other.id, name: other.name, inn: other.inn, ...(other.kpp ? { kpp: other.kpp } : {}) },
    state: contactStateFor(c, viewer),
    ...(c.message ? { message: c.message } : {}),
    revision: c.revision,
    updatedAt: c.updatedAt,
  };
}

export function documentView(d: DocumentRecord, serviceDocuments: ServiceDocument[]): Document {
  const { senderId: _s, recipientId: _r, ...view } = d;
  return { ...view, serviceDocuments };
}
