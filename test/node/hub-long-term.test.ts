// Every signature the hub accepts leaves it as CAdES-X Long Type 1: stamped by the operator's
// TSA, with the status evidence of OpenSSL's OCSP responder; the recipient gets it, OpenSSL
// verifies it, and offline years later it is still valid. A revoked signer is refused.
// Runs in: node (vitest), a real hub child process, the test PKI's OpenSSL OCSP/CRL on loopback.
import { execFileSync } from 'node:child_process';
import { createHash, generateKeyPairSync, X509Certificate } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyLongTerm } from '../../src/crypto/cades';
import { signDetached } from '../../src/crypto/cms';
import { KeySigner } from '../../src/crypto/key-signer';
import { RevocationChecker } from '../../src/crypto/revocation';
import type { Document, OperatorInfo, ServiceDocument } from '../../src/protocol';
import { buildReceiptNotice } from '../../src/formats';
import { loginWithSigner, registerOrganization, startHub, type HubApi, type StartedHub } from '../support/hub';
import { createTestPki, samplePeople, type TestPerson, type TestPki } from '../support/test-pki';

let pki: TestPki;
let hub: StartedHub;
let root: Buffer;
let operatorCertificate: Buffer;
const parties: Record<'a' | 'b', { api: HubApi; signer: KeySigner; org: string }> = {} as never;
const dir = mkdtempSync(join(tmpdir(), 'edo-hub-ltv-'));
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const years = (n: number) => new Date(Date.now() + n * 365 * 24 * 3600_000);

async function party(person: TestPerson, kpp: string) {
  const keys = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const certificate = await pki.issue(keys.publicKey, person);
  const { org } = await registerOrganization(hub, {
    name: person.organization,
    inn: person.orgInn,
    kpp,
    certificatePems: [certificate.toString('pem')],
  });
  const signer = new KeySigner(keys.privateKey, Buffer.from(certificate.rawData));
  return { api: (await loginWithSigner(hub.url, signer)).api, signer, org: org.id };
}

/** Another certificate of Иванова's, registered as a user of A's organization: one whose status the hub has not asked yet. */
async function newSigner(name: string): Promise<KeySigner> {
  const keys = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const certificate = await pki.issue(keys.publicKey, samplePeople.ivanova);
  writeFileSync(join(dir, `${name}.pem`), certificate.toString('pem'));
  await hub.admin(['user', 'add', '--org', parties.a.org, '--cert', join(dir, `${name}.pem`)]);
  return new KeySigner(keys.privateKey, Buffer.from(certificate.rawData));
}

const serialOf = (signer: KeySigner) => new X509Certificate(signer.certificate).serialNumber;

async function send(from: { api: HubApi; signer: KeySigner }, to: string, title: string, signer = from.signer) {
  const content = Buffer.from(`${title}\n`.repeat(40));
  await from.api.call('PUT', `/v1/blobs/${sha(content)}`, { body: content });
  const signature = await signDetached(content, signer);
  const answer = await from.api.call<Document>('POST', '/v1/documents', {
    headers: { 'idempotency-key': `send-${sha(Buffer.from(title)).slice(0, 16)}` },
    json: {
      recipientId: to,
      title,
      kind: 'invoice',
      fileName: `${title}.txt`,
      sha256: sha(content),
      signature: signature.toString('base64'),
    },
  });
  return { answer, content, signature };
}

beforeAll(async () => {
  pki = await createTestPki([], { revocation: true });
  root = Buffer.from(pki.caCertificate.rawData);
  hub = await startHub();
  await hub.admin(['trust', 'add', pki.caCertificateFile]);
  parties.a = await party(samplePeople.ivanova, '770101001');
  parties.b = await party(samplePeople.petrov, '780101001');
  await parties.a.api.call('POST', '/v1/contacts', { json: { subscriberId: parties.b.org } });
  await parties.b.api.call('POST', `/v1/contacts/${parties.a.org}/accept`, { json: {} });
  const operator = await parties.a.api.call<OperatorInfo>('GET', '/v1/operator');
  operatorCertificate = Buffer.from(operator.json.certificate, 'base64');
}, 240_000);
afterAll(async () => {
  await hub?.stop();
  await pki?.cleanup();
});

describe('the hub extends what it accepts', () => {
  it('the recipient gets CAdES-X Long Type 1 over the unchanged signature; OpenSSL verifies it; offline years later it is valid', async () => {
    const { answer, content, signature } = await send(parties.a, parties.b.org, 'Счёт 101');
    expect(answer.status, answer.body.toString()).toBe(201);
    const received = await parties.b.api.call<Document>('GET', `/v1/documents/${answer.json.id}`);
    const extended = Buffer.from(received.json.signature, 'base64');
    expect(extended.length).toBeGreaterThan(signature.length);

    writeFileSync(join(dir, 'doc.txt'), content);
    writeFileSync(join(dir, 'doc.p7s'), extended);
    const opensslVerify = (extra: string[] = []) =>
      execFileSync(
        'openssl',
        [
          'cms',
          '-verify',
          '-binary',
          '-inform',
          'DER',
          '-in',
          join(dir, 'doc.p7s'),
          '-content',
          join(dir, 'doc.txt'),
          '-CAfile',
          pki.caCertificateFile,
          '-purpose',
          'any',
          '-out',
          '/dev/null',
          ...extra,
        ],
        { stdio: 'pipe' },
      );
    expect(() => opensslVerify()).not.toThrow();
    expect(() => opensslVerify(['-attime', String(Math.floor(years(5).getTime() / 1000))])).toThrow(
      /certificate has expired/,
    );

    const later = await verifyLongTerm(extended, content, {
      trustedRoots: [root],
      tsaRoots: [operatorCertificate],
      now: years(5),
      revocation: new RevocationChecker({ offline: true }),
    });
    expect(later).toMatchObject({ verdict: 'valid', form: 'CAdES-X-L1', timeSource: 'timestamp' });
    expect(later.timestamp!.tsa.commonName).toMatch(/TSA$/);
    expect(later.status!.certificates[0]!.evidence).toMatchObject({ source: 'ocsp', from: 'embedded' });
  });

  it('a receipt notice is extended too, and references the extended document signature the recipient got', async () => {
    const { answer } = await send(parties.a, parties.b.org, 'Счёт 102');
    const received = await parties.b.api.call<Document>('GET', `/v1/documents/${answer.json.id}`);
    const file = buildReceiptNotice({
      sender: {
        id: parties.b.org,
        organization: { name: samplePeople.petrov.organization, inn: samplePeople.petrov.orgInn, kpp: '780101001' },
      },
      receiver: {
        id: parties.a.org,
        organization: { name: samplePeople.ivanova.organization, inn: samplePeople.ivanova.orgInn, kpp: '770101001' },
      },
      receivedAt: new Date(),
      receivedFile: { name: 'Счёт 102.txt', signatures: [Buffer.from(received.json.signature, 'base64')] },
      signer: { surname: 'Петров', name: 'Сергей', patronymic: 'Иванович', position: samplePeople.petrov.position },
    });
    const posted = await parties.b.api.call<ServiceDocument>(
      'POST',
      `/v1/documents/${answer.json.id}/service-documents`,
      {
        headers: { 'idempotency-key': 'receipt-102' },
        json: {
          type: 'receipt',
          fileName: file.fileName,
          xml: file.xml.toString('base64'),
          signature: (await signDetached(file.xml, parties.b.signer)).toString('base64'),
        },
      },
    );
    expect(posted.status, posted.body.toString()).toBe(201);
    const verdict = await verifyLongTerm(Buffer.from(posted.json.signature, 'base64'), file.xml, {
      trustedRoots: [root],
      tsaRoots: [operatorCertificate],
      revocation: new RevocationChecker({ offline: true }),
    });
    expect(verdict).toMatchObject({ verdict: 'valid', form: 'CAdES-X-L1' });
  });

  it('refuses the document of a signer whose certificate is revoked, naming the revocation', async () => {
    const revoked = await newSigner('second');
    pki.revocation!.revoke(serialOf(revoked), 'keyCompromise', new Date(Date.now() - 60_000));
    const { answer } = await send(parties.a, parties.b.org, 'Счёт 103', revoked);
    expect(answer.status).toBe(422);
    expect(answer.json).toMatchObject({ error: 'signer-certificate-revoked' });
    expect((answer.json as unknown as { message: string }).message).toMatch(
      /was revoked on .*keyCompromise, by CN=EDO Clerk Test OCSP Responder/,
    );
  });

  it('with the responders down, keeps the document as CAdES-T: undetermined offline, valid once they are back', async () => {
    // A signer the hub has no OCSP answer for yet (it keeps one until its nextUpdate).
    const signer = await newSigner('third');
    pki.revocation!.setAvailable(false);
    let sent;
    try {
      sent = await send(parties.a, parties.b.org, 'Счёт 104', signer);
    } finally {
      pki.revocation!.setAvailable(true);
    }
    expect(sent.answer.status, sent.answer.body.toString()).toBe(201);
    const signature = Buffer.from(
      (await parties.b.api.call<Document>('GET', `/v1/documents/${sent.answer.json.id}`)).json.signature,
      'base64',
    );
    const options = { trustedRoots: [root], tsaRoots: [operatorCertificate] };
    expect(
      await verifyLongTerm(signature, sent.content, {
        ...options,
        revocation: new RevocationChecker({ offline: true }),
      }),
    ).toMatchObject({ verdict: 'undetermined', form: 'CAdES-T' });
    expect(
      await verifyLongTerm(signature, sent.content, { ...options, revocation: new RevocationChecker() }),
    ).toMatchObject({ verdict: 'valid', timeSource: 'timestamp' });
  });

  it("a burst of one signer's documents asks the responder once, each carrying the answer; a revoked signer's answer is kept too", async () => {
    const signer = await newSigner('burst');
    const before = pki.revocation!.requests.ocsp;
    const burst = await Promise.all(
      Array.from({ length: 6 }, (_, i) => send(parties.a, parties.b.org, `Счёт 2${i}`, signer)),
    );
    expect(burst.map((b) => b.answer.status)).toEqual(Array(6).fill(201));
    expect(pki.revocation!.requests.ocsp).toBe(before + 1);
    for (const { answer, content } of burst) {
      const verdict = await verifyLongTerm(Buffer.from(answer.json.signature, 'base64'), content, {
        trustedRoots: [root],
        tsaRoots: [operatorCertificate],
        revocation: new RevocationChecker({ offline: true }),
      });
      expect(verdict).toMatchObject({ verdict: 'valid', form: 'CAdES-X-L1' });
    }

    const revoked = await newSigner('burst-revoked');
    pki.revocation!.revoke(serialOf(revoked), 'keyCompromise', new Date(Date.now() - 60_000));
    const refused = [
      await send(parties.a, parties.b.org, 'Счёт 301', revoked),
      await send(parties.a, parties.b.org, 'Счёт 302', revoked),
    ];
    expect(refused.map((r) => [r.answer.status, (r.answer.json as unknown as { error: string }).error])).toEqual(
      Array(2).fill([422, 'signer-certificate-revoked']),
    );
    expect(pki.revocation!.requests.ocsp).toBe(before + 2);
  });
});
