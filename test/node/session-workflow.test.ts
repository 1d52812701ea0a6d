// The document's own workflow end to end (docs/architecture.md §5a): two organizations with
// SoftHSM tokens, the real hub, and `edo-clerk` as a child process. A asks B to sign, B signs
// (OpenSSL verifies both signatures over the same bytes); B refuses another with a reason and
// still sends its receipt notice; A proposes to annul a third, B accepts, both see it annulled;
// B rejects another proposal and A sees why. The session's own signing never signs any of these.
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { opensslCmsVerify } from '../support/openssl-cms';
import { softhsm } from '../support/system';
import { expectExit, twoClerks, type TwoClerks } from './session-harness';

const hsm = softhsm();

describe.skipIf(!hsm.ok)(`the document workflow between two clerks through the hub ${hsm.reason ?? ''}`, () => {
  let t: TwoClerks;
  const profA = () => t.profA;
  const profB = () => t.profB;
  const runA = (args: string[]) => t.runA(args);
  const runB = (args: string[]) => t.runB(args);
  const read = (args: string[], profile: string) => t.read(args, profile);
  const withStore: TwoClerks['withStore'] = (profile, fn) => t.withStore(profile, fn);

  /** A sends a new file; B's session receives it (and signs its receipt notice); returns both sides' local ids. */
  async function sendToB(name: string, requestSignature: boolean) {
    const content = Buffer.concat([Buffer.from(`${name}\n`), randomBytes(5000)]);
    const path = join(t.dir, name);
    writeFileSync(path, content);
    expectExit(
      await runA([
        'send',
        path,
        '--to',
        t.b.inn,
        '--title',
        name,
        ...(requestSignature ? ['--request-signature'] : []),
      ]),
      0,
    );
    expectExit(await runB(['session']), 0);
    const hubId = withStore(
      profA(),
      (s) => s.listDocuments({ direction: 'out', search: name, limit: 1 }).items[0]!.hubId!,
    );
    return {
      path,
      content,
      hubId,
      inA: withStore(profA(), (s) => s.documentByHubId(hubId)!.id),
      inB: withStore(profB(), (s) => s.documentByHubId(hubId)!.id),
    };
  }

  function opensslVerifies(cms: Buffer, contentPath: string) {
    const sig = join(t.dir, `sig-${randomBytes(4).toString('hex')}.p7s`);
    writeFileSync(sig, cms);
    opensslCmsVerify(sig, contentPath, t.pki.caCertificateFile);
  }

  // CLI processes and the PKI's OpenSSL status services: more than two minutes on a loaded machine.
  beforeAll(async () => {
    t = await twoClerks({ prefix: 'clerk-workflow-' });
  }, 300_000);

  afterAll(async () => {
    await t?.stop();
  });

  it("A requests B's signature; B's session signs only the receipt notice; B signs; both see signed-by-both and OpenSSL verifies both signatures", async () => {
    const doc = await sendToB('dogovor-1.pdf', true);
    // The session signed the receipt notice on its own, never the document itself: it waits for the clerk.
    const waiting = expectExit(await read(['awaiting'], profB()), 0).json;
    expect(waiting.signatureRequested).toMatchObject([{ id: doc.inB, title: 'dogovor-1.pdf' }]);
    expect(withStore(profB(), (s) => s.document(doc.inB))).toMatchObject({
      status: 'receipt-sent',
      recipientSignatureState: 'signature-requested',
    });

    const signed = expectExit(await runB(['sign-document', String(doc.inB)]), 0).json;
    expect(signed).toMatchObject({
      step: { step: 'sign', state: 'done' },
      document: { signatureState: 'signed-by-both' },
    });
    expect(expectExit(await read(['awaiting'], profB()), 0).json.signatureRequested).toEqual([]);
    expectExit(await runA(['session']), 0);

    for (const [profile, id] of [
      [profA(), doc.inA],
      [profB(), doc.inB],
    ] as const) {
      const row = withStore(profile, (s) => ({ doc: s.document(id)!, sender: s.signatures(id)[0]!.cms }));
      expect(row.doc.recipientSignatureState).toBe('signed-by-both');
      opensslVerifies(row.sender, doc.path);
      opensslVerifies(row.doc.recipientSignature!, doc.path);
    }
    // A second signature is refused before anything is signed or posted.
    const again = expectExit(await runB(['sign-document', String(doc.inB)]), 1).json;
    expect(again).toMatchObject({ code: 'document-already-signed' });
  });

  it("B refuses another with a reason; A sees the reason; B's receipt notice is still sent", async () => {
    const doc = await sendToB('akt-2.pdf', true);
    const reason = 'Сумма не совпадает с договором';
    expectExit(await runB(['refuse', String(doc.inB), '--reason', reason]), 0);
    expectExit(await runA(['session']), 0);
    const seen = withStore(profA(), (s) => ({ doc: s.document(doc.inA)!, sds: s.serviceDocumentsOf(doc.inA) }));
    expect(seen.doc).toMatchObject({ recipientSignatureState: 'signature-refused', status: 'receipt-confirmed' });
    expect(seen.sds.filter((x) => x.type === 'signature-refusal')).toMatchObject([
      { direction: 'in', text: reason, signatureState: 'valid' },
    ]);
    expect(expectExit(await runB(['refuse', String(doc.inB)]), 1).json).toMatchObject({ code: 'reason-required' });
  });

  it('A proposes to annul a third; B accepts; both see it annulled', async () => {
    const doc = await sendToB('schet-3.pdf', false);
    expectExit(await runA(['annul', String(doc.inA), '--reason', 'Отправлен по ошибке']), 0);
    expectExit(await runB(['session']), 0);
    expect(expectExit(await read(['awaiting'], profB()), 0).json.annulmentProposed).toMatchObject([{ id: doc.inB }]);
    // A cannot answer its own proposal.
    expect(expectExit(await runA(['annulment', 'accept', String(doc.inA)]), 1).json).toMatchObject({
      code: 'not-your-turn',
    });
    expectExit(await runB(['annulment', 'accept', String(doc.inB)]), 0);
    expectExit(await runA(['session']), 0);
    for (const [profile, id] of [
      [profA(), doc.inA],
      [profB(), doc.inB],
    ] as const) {
      expect(withStore(profile, (s) => s.document(id)!.annulmentState)).toBe('annulled');
    }
    expect(expectExit(await runA(['annul', String(doc.inA), '--reason', 'ещё раз']), 1).json).toMatchObject({
      code: 'document-annulled',
    });
  });

  it('B rejects another proposal; A sees why', async () => {
    const doc = await sendToB('dogovor-4.pdf', false);
    expectExit(await runA(['annul', String(doc.inA), '--reason', 'Ошибка в реквизитах']), 0);
    expectExit(await runB(['session']), 0);
    const why = 'Договор уже исполнен';
    expectExit(await runB(['annulment', 'reject', String(doc.inB), '--reason', why]), 0);
    expectExit(await runA(['session']), 0);
    const seen = withStore(profA(), (s) => ({ doc: s.document(doc.inA)!, sds: s.serviceDocumentsOf(doc.inA) }));
    expect(seen.doc.annulmentState).toBe('annulment-rejected');
    expect(seen.sds.filter((x) => x.type === 'annulment-rejection')).toMatchObject([{ direction: 'in', text: why }]);
  });
});
