// Service documents received by the client are judged the long-term way, as documents are: the
// session in this process against the real hub and the test CA's OCSP responder and CRL
// (OpenSSL itself). A receipt notice the hub accepted while the responders were down (kept as
// CAdES-T) and signed with a certificate revoked before its time-stamp is invalid for the
// sender, with the code; one whose status cannot be established is not "valid": it waits,
// flagged, and the recheck step finds it valid once the responders are back.
import { randomBytes, X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signDetached } from '../../src/crypto/cms';
import { HttpExchangeClient } from '../../src/exchange/http-client';
import { serviceDocumentEvidence } from '../../src/workplace/documents';
import { softhsm } from '../support/system';
import type { TestPki } from '../support/test-pki';
import { inProcessExchange, type InProcessClerk, type InProcessExchange } from './session-in-process';

const hsm = softhsm();

describe.skipIf(!hsm.ok)(`received service documents judged the long-term way ${hsm.reason ?? ''}`, () => {
  let pki: TestPki;
  let world: InProcessExchange<HttpExchangeClient>;
  const a = () => world.a;
  const b = () => world.b;
  const session = (side: InProcessClerk<HttpExchangeClient>) => side.session();

  /** A sends B a signed document (responders up: it arrives as CAdES-X Long Type 1); B's session gets it and posts its receipt notice. */
  async function sendToB(title: string): Promise<number> {
    const content = Buffer.concat([Buffer.from(`${title}\n`), randomBytes(1000)]);
    const blob = await a().store.blobs.write(content);
    const cms = await signDetached(content, a().signer);
    const { documentId } = a().store.queueOutgoingDocument({
      counterpartyId: b().id,
      title,
      fileName: `${title}.txt`,
      blobHash: blob.hash,
      size: blob.size,
      signature: { cms, valid: null },
    });
    expect(await session(a())).toMatchObject({ outcome: 'done', summary: { documentsSent: 1 } });
    return documentId;
  }

  const receiptOf = (documentId: number) =>
    a()
      .store.serviceDocumentsOf(documentId)
      .find((sd) => sd.type === 'receipt' && sd.direction === 'in');

  beforeAll(async () => {
    // B signs its receipt notices with a second certificate, the one revoked below; it logs in with the first.
    world = await inProcessExchange(
      'clerk-service-signatures-',
      (url) => new HttpExchangeClient(url, { retries: 1, backoffMs: 10 }),
      { separateSigner: true },
    );
    pki = world.pki;
  }, 120_000);

  afterAll(() => world?.stop());

  it('a receipt notice whose status is unknown is not valid: flagged, counted, and valid once the responder answers', async () => {
    const documentId = await sendToB('Счёт №1');
    pki.revocation!.setAvailable(false);
    try {
      // B's session: A's document verifies on the evidence it carries; the hub keeps B's receipt notice as CAdES-T.
      expect(await session(b())).toMatchObject({
        outcome: 'done',
        summary: { documentsReceived: 1, uncheckedSignatures: 0, serviceDocumentsSent: 1 },
      });
      expect(await session(a())).toMatchObject({
        outcome: 'done',
        summary: { serviceDocumentsReceived: 1, uncheckedSignatures: 1 },
      });
      expect(receiptOf(documentId)).toMatchObject({
        signatureState: 'unverified',
        signatureProblems: [],
        statusLine: { verdict: 'undetermined', certificateStatus: 'unknown', timeSource: 'timestamp' },
      });
      const [shown] = serviceDocumentEvidence(a().store, documentId, 'ru').filter((sd) => sd.type === 'receipt');
      expect(shown!.text).toMatch(/^Не удалось проверить статус сертификата на .*OCSP http:\/\/127\.0\.0\.1/);
      // Still down: checked again, still flagged.
      expect(await session(a())).toMatchObject({ summary: { uncheckedSignatures: 1, signaturesResolved: 0 } });
    } finally {
      pki.revocation!.setAvailable(true);
    }
    const requests = pki.revocation!.requests.ocsp;
    expect(await session(a())).toMatchObject({
      outcome: 'done',
      summary: { uncheckedSignatures: 0, signaturesResolved: 1 },
    });
    expect(pki.revocation!.requests.ocsp).toBeGreaterThan(requests);
    expect(receiptOf(documentId)).toMatchObject({
      signatureState: 'valid',
      statusLine: { verdict: 'valid', certificateStatus: 'good', source: 'ocsp', from: pki.revocation!.ocspUrl },
    });
    expect(serviceDocumentEvidence(a().store, documentId, 'en').find((sd) => sd.type === 'receipt')!.text).toMatch(
      /^The certificate was valid and not revoked at /,
    );
    // Nothing left to check: the next session asks no one.
    const after = pki.revocation!.requests.ocsp;
    expect(await session(a())).toMatchObject({ summary: { uncheckedSignatures: 0, signaturesResolved: 0 } });
    expect(pki.revocation!.requests.ocsp).toBe(after);
  });

  it('a receipt notice signed with a certificate revoked before its time-stamp is invalid for the sender, with the code', async () => {
    const documentId = await sendToB('Счёт №2');
    const serial = new X509Certificate(b().signer.certificate).serialNumber;
    // The CA revoked it a minute ago, but the hub could not ask: its responder was down when B posted the notice.
    pki.revocation!.setAvailable(false);
    try {
      pki.revocation!.revoke(serial, 'keyCompromise', new Date(Date.now() - 60_000));
      expect(await session(b())).toMatchObject({
        outcome: 'done',
        summary: { documentsReceived: 1, serviceDocumentsSent: 1 },
      });
    } finally {
      pki.revocation!.setAvailable(true);
    }
    expect(await session(a())).toMatchObject({
      outcome: 'done',
      summary: { serviceDocumentsReceived: 1, uncheckedSignatures: 0 },
    });
    const receipt = receiptOf(documentId)!;
    expect(receipt).toMatchObject({
      signatureState: 'invalid',
      statusLine: {
        verdict: 'invalid',
        certificateStatus: 'revoked',
        revocationReason: 'keyCompromise',
        source: 'ocsp',
      },
    });
    expect(receipt.signatureProblems.map((p) => p.code)).toEqual(['certificate-revoked']);
    // The hub said receipt-confirmed; nothing proves it: the document stays delivered, its notice kept.
    expect(a().store.document(documentId)).toMatchObject({ status: 'delivered' });
    expect(receipt.signatureProblem).toMatch(/^Revoked .*keyCompromise/);
    const [shown] = serviceDocumentEvidence(a().store, documentId, 'ru').filter((sd) => sd.type === 'receipt');
    expect(shown).toMatchObject({ signatureState: 'invalid', problems: ['certificate-revoked'] });
    expect(shown!.text).toMatch(/^Отозван .*\(keyCompromise\), до момента подписи .*: подпись недействительна/);
    // Determined: never checked again.
    const requests = pki.revocation!.requests.ocsp;
    expect(await session(a())).toMatchObject({ summary: { signaturesResolved: 0 } });
    expect(pki.revocation!.requests.ocsp).toBe(requests);
    // The operator's confirmations (pinned operator certificate) stay valid throughout.
    expect(
      a()
        .store.serviceDocumentsOf(documentId)
        .find((sd) => sd.type === 'send-confirmation'),
    ).toMatchObject({ signatureState: 'valid', statusLine: { verdict: 'valid' } });
  });
});
