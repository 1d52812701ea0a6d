// The subject of a qualified certificate issued to a person acting for an organization (order
// of the FSB No. 795): used where we issue certificates ourselves — the test PKI and the local
// sandbox's demo keys.
import 'reflect-metadata'; // @peculiar/x509 resolves its services through tsyringe
import type { KeyObject } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { sequence, tlv } from './der';

export interface CertificatePerson {
  surname: string;
  givenNames: string;
  position: string;
  organization: string;
  /** The organization's INN (ИНН ЮЛ, 10 digits) or, in Kazakhstan, its BIN (12 digits). */
  orgInn: string;
  /** The person's INN (12 digits). */
  personInn: string;
  /** The organization's OGRN (13 digits): CAs write it in the certificate of the director. */
  ogrn?: string;
  /** The person's SNILS (11 digits): the FNS CA writes it in the director's certificate too. */
  snils?: string;
  city?: string;
}

/** A private person's qualified certificate (an employee signing under a power of attorney): no organization. */
export interface PersonalCertificatePerson {
  surname: string;
  givenNames: string;
  personInn: string;
  /** 11 digits. */
  snils: string;
  city?: string;
}

const oid = {
  title: '2.5.4.12',
  surname: '2.5.4.4',
  givenName: '2.5.4.42',
  inn: '1.2.643.3.131.1.1',
  innLe: '1.2.643.100.4',
  ogrn: '1.2.643.100.1',
  snils: '1.2.643.100.3',
};
// Values as explicit objects: plain strings are re-parsed by @peculiar/x509 and lose quotes.
const utf8 = (v: string) => [{ utf8String: v }];
const printable = (v: string) => [{ printableString: v }];

export function qualifiedSubject(person: CertificatePerson): x509.Name {
  return new x509.Name([
    { '2.5.4.6': printable('RU') },
    ...(person.city ? [{ '2.5.4.7': utf8(person.city) }] : []),
    { '2.5.4.10': utf8(person.organization) },
    { [oid.title]: utf8(person.position) },
    { [oid.surname]: utf8(person.surname) },
    { [oid.givenName]: utf8(person.givenNames) },
    { '2.5.4.3': utf8(`${person.surname} ${person.givenNames}`) },
    { [oid.innLe]: printable(person.orgInn) },
    { [oid.inn]: printable(person.personInn) },
    ...(person.ogrn ? [{ [oid.ogrn]: printable(person.ogrn) }] : []),
    ...(person.snils ? [{ [oid.snils]: printable(person.snils) }] : []),
  ]);
}

export function personalSubject(person: PersonalCertificatePerson): x509.Name {
  return new x509.Name([
    { '2.5.4.6': printable('RU') },
    ...(person.city ? [{ '2.5.4.7': utf8(person.city) }] : []),
    { [oid.surname]: utf8(person.surname) },
    { [oid.givenName]: utf8(person.givenNames) },
    { '2.5.4.3': utf8(`${person.surname} ${person.givenNames}`) },
    { [oid.inn]: printable(person.personInn) },
    { [oid.snils]: printable(person.snils) },
  ]);
}

/**
 * subjectSignTool (1.2.643.100.111) and issuerSignTool (1.2.643.100.112), which a qualified
 * certificate must carry (order 795 §3): the signer's and the CA's certified tools, here named
 * for what they are — test and demo software, certified by no one.
 */
export function signToolExtensions(
  subjectTool: string,
  issuer: { signTool: string; caTool: string; signToolCertificate: string; caToolCertificate: string },
): x509.Extension[] {
  const utf8String = (v: string) => tlv(0x0c, Buffer.from(v, 'utf8'));
  return [
    new x509.Extension('1.2.643.100.111', false, utf8String(subjectTool)),
    new x509.Extension(
      '1.2.643.100.112',
      false,
      sequence(
        utf8String(issuer.signTool),
        utf8String(issuer.caTool),
        utf8String(issuer.signToolCertificate),
        utf8String(issuer.caToolCertificate),
      ),
    ),
  ];
}

/** A public key as the SubjectPublicKeyInfo bytes @peculiar/x509 takes. */
export function spkiOf(key: KeyObject): ArrayBuffer {
  const der = key.export({ type: 'spki', format: 'der' });
  return der.buffer.slice(der.byteOffset, der.byteOffset + der.byteLength) as ArrayBuffer;
}
