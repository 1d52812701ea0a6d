// What the hub benches share: a person certificate of the test PKI with a software key (the
// benches measure the hub, not a token), and two organizations on a hub's storage, a service
// user each, the signer's CA trusted, connected as contacts, with a bearer token each and a
// fetch wrapper.
import { createHash, generateKeyPairSync, randomUUID } from 'node:crypto';
import 'reflect-metadata';
import { describeCertificate } from '../../src/crypto/certificates';
import { KeySigner } from '../../src/crypto/key-signer';
import { hashPassword } from '../../server/auth/passwords';
import type { HubData } from '../../server/data-dir';
import { certificateSummary } from '../../server/views';
import { samplePeople, type TestPki } from '../../test/support/test-pki';

export type BenchSigner = Awaited<ReturnType<typeof pkiSigner>>;

/** A person certificate of the test CA (AIA: its OCSP responder) with a software key. */
export async function pkiSigner(pki: TestPki) {
  const keys = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const certificate = await pki.issue(keys.publicKey, samplePeople.ivanova);
  return {
    ca: Buffer.from(pki.caCertificate.rawData),
    signer: new KeySigner(keys.privateKey, Buffer.from(certificate.rawData)),
  };
}

/** A (signing with `a`) and B on `data`'s storage, logged in at `hubUrl`: `call(token, method, path, json?, headers?, url?)`. */
export async function twoOrganizations(data: Pick<HubData, 'storage'>, hubUrl: string, a: BenchSigner) {
  const now = new Date().toISOString();
  await data.storage.addTrustedCa({
    fingerprint: createHash('sha256').update(a.ca).digest('hex'),
    der: a.ca,
    subject: 'CN=EDO Clerk Test Root CA',
    addedAt: now,
  });
  const orgA = await data.storage.addSubscriber({
    id: `2EC${randomUUID().replace(/-/g, '')}`,
    name: 'ООО "Отправитель"',
    inn: '7701234560',
    kpp: '770101001',
    operatingMode: 'server',
    at: now,
  });
  const orgB = await data.storage.addSubscriber({
    id: `2EC${randomUUID().replace(/-/g, '')}`,
    name: 'АО "Получатель"',
    inn: '7809876549',
    kpp: '780101001',
    operatingMode: 'server',
    at: now,
  });
  const passwordHash = await hashPassword('bench');
  await data.storage.addUser({
    id: randomUUID(),
    subscriberId: orgA.id,
    kind: 'service',
    name: 'a',
    login: 'a',
    passwordHash,
    certificate: {
      der: a.signer.certificate,
      summary: certificateSummary(describeCertificate(a.signer.certificate)),
    },
  });
  await data.storage.addUser({
    id: randomUUID(),
    subscriberId: orgB.id,
    kind: 'service',
    name: 'b',
    login: 'b',
    passwordHash,
  });
  const login = async (name: string) => {
    const r = await fetch(`${hubUrl}/v1/auth/password`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ login: name, password: 'bench' }),
    });
    return ((await r.json()) as { accessToken: string }).accessToken;
  };
  const tokenA = await login('a');
  const tokenB = await login('b');
  const call = (
    token: string,
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
    url = hubUrl,
  ) =>
    fetch(`${url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  await (await call(tokenA, 'POST', '/v1/contacts', { subscriberId: orgB.id })).arrayBuffer();
  await (await call(tokenB, 'POST', `/v1/contacts/${orgA.id}/accept`, {})).arrayBuffer();
  return { orgA, orgB, tokenA, tokenB, call };
}
