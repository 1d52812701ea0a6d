// Two organizations, two SoftHSM tokens of one test PKI, the real hub, and `edo-clerk` as a
// child process: the document flow of issue 4 end to end, and what happens when the token or
// its PIN is not there. A third organization in mode "server" runs the unattended agent with
// a software key.
import { execFileSync } from 'node:child_process';
import { createHash, generateKeyPairSync, randomBytes, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cadesOids } from '../../src/crypto/cades';
import { readAttribute } from '../../src/crypto/cades/attributes';
import { readSignedData } from '../../src/crypto/signed-data';
import { acquireSessionLock } from '../../src/exchange/lock';
import { readOperatorPin } from '../../src/exchange/operator-pin';
import { OsKeychain } from '../../src/settings/keychain';
import { keychainScope } from '../../src/settings/profile-dir';
import { ClerkStore } from '../../src/store';
import { opensslCmsVerify } from '../support/openssl-cms';
import { registerOrganization, registerTokenOrganization, startHub, type StartedHub } from '../support/hub';
import { keychain, softhsm } from '../support/system';
import { createTestPki, samplePeople, type TestPki } from '../support/test-pki';
import { clerk, expectExit, inProfile as run, startClerk, type Org } from './session-harness';

const hsm = softhsm();
const kc = keychain();

describe.skipIf(!hsm.ok)(`exchange between two organizations through the hub ${hsm.reason ?? ''}`, () => {
  let pki: TestPki;
  let hub: StartedHub;
  let dir: string;
  let a: Org;
  let b: Org;
  let c: Org;
  const profA = () => join(dir, 'profile-a');
  const profB = () => join(dir, 'profile-b');
  const profC = () => join(dir, 'profile-c');
  const pinA = '1111';
  const pinB = '2222';
  const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

  function newFile(name: string): { path: string; content: Buffer } {
    const content = Buffer.concat([Buffer.from(`%PDF-1.7 ${name}\n`), randomBytes(20_000)]);
    const path = join(dir, name);
    writeFileSync(path, content);
    return { path, content };
  }

  /** Reads a profile's database after its CLI process ended. */
  function withStore<T>(profile: string, fn: (s: ClerkStore) => T): T {
    const store = ClerkStore.open(profile);
    try {
      return fn(store);
    } finally {
      store.close();
    }
  }

  beforeAll(async () => {
    pki = await createTestPki(
      [
        { label: 'clerk-a', pin: pinA, keys: [{ algorithm: 'RSA-2048', person: samplePeople.ivanova }] },
        { label: 'clerk-b', pin: pinB, keys: [{ algorithm: 'ECDSA-P256', person: samplePeople.petrov }] },
      ],
      { revocation: true },
    );
    dir = mkdtempSync(join(tmpdir(), 'clerk-exchange-'));
    // Each acceptance asks the responder: the status-services-down case needs the hub to find them down too, not its cached answer.
    hub = await startHub({ args: ['--ocsp-cache', '0'] });
    await hub.admin(['trust', 'add', pki.caCertificateFile]);
    a = (await registerTokenOrganization(hub, pki.tokens[0]!, { kpp: '770101001' })).org;
    b = (await registerTokenOrganization(hub, pki.tokens[1]!, { kpp: '780901001' })).org;

    // The third organization's agent signs with a software key (PEM) issued by the same CA.
    const agentPerson = {
      ...samplePeople.petrov,
      surname: 'Сидорова',
      givenNames: 'Анна Павловна',
      position: 'Оператор обмена',
      organization: 'ПАО "Лютик"',
      orgInn: '5401234566',
      personInn: '540112345605',
    };
    const keys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const certificate = await pki.issue(keys.publicKey, agentPerson);
    writeFileSync(join(dir, 'agent-key.pem'), keys.privateKey.export({ type: 'pkcs8', format: 'pem' }));
    writeFileSync(join(dir, 'agent-cert.pem'), certificate.toString('pem'));
    c = (
      await registerOrganization(hub, {
        name: agentPerson.organization,
        inn: agentPerson.orgInn,
        kpp: '540101001',
        mode: 'server',
        certificatePems: [certificate.toString('pem')],
      })
    ).org;

    const init = (profile: string, extra: string[]) =>
      run(profile, ['profile', 'init', '--server', hub.url, '--trust', pki.caCertificateFile, ...extra]);
    expectExit(await init(profA(), ['--module', pki.modulePath, '--token', 'clerk-a']), 0);
    expectExit(await init(profB(), ['--module', pki.modulePath, '--token', 'clerk-b']), 0);
    expectExit(
      await init(profC(), [
        '--mode',
        'server',
        '--key-file',
        join(dir, 'agent-key.pem'),
        '--cert-file',
        join(dir, 'agent-cert.pem'),
      ]),
      0,
    );
    // Three CLI processes and the PKI's OpenSSL status services: on a loaded machine more than the default two minutes.
  }, 300_000);

  afterAll(async () => {
    await hub?.stop();
    pki?.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('each clerk logs in with the token certificate, syncs the directory, and the two connect as contacts', async () => {
    const sa = expectExit(await run(profA(), ['session', '--pin-stdin'], pinA), 0).json;
    expect(sa).toMatchObject({ outcome: 'done', mode: 'workstation' });
    expect(sa.summary.subscribers).toBeGreaterThanOrEqual(3);
    expectExit(await run(profB(), ['session', '--pin-stdin'], pinB), 0);
    expect(
      expectExit(await run(profA(), ['contact', 'invite', b.inn, '--pin-stdin'], pinA), 0).json.contact.state,
    ).toBe('invited-by-me');
    expect(
      expectExit(await run(profB(), ['contact', 'accept', a.inn, '--pin-stdin'], pinB), 0).json.contact.state,
    ).toBe('connected');

    // One session at a time per profile, whoever starts it: here the test process holds B's lock.
    const lock = acquireSessionLock(profB());
    try {
      expect(expectExit(await run(profB(), ['session', '--pin-stdin'], pinB), 1).json).toMatchObject({
        code: 'session-busy',
        error: expect.stringMatching(new RegExp(`процесс ${process.pid}`)), // the CLI speaks Russian by default
      });
    } finally {
      lock.release();
    }
  });

  let sentTitle = '';
  it('A sends a signed document; B receives and verifies it and sends the receipt notice; A sees "receipt received"', async () => {
    const file = newFile('dogovor-15.pdf');
    sentTitle = 'Договор поставки №15';
    const sent = expectExit(
      await run(profA(), ['send', file.path, '--to', b.inn, '--title', sentTitle, '--pin-stdin'], pinA),
      0,
    ).json;
    expect(sent.summary.documentsSent).toBe(1);

    const received = expectExit(await run(profB(), ['session', '--pin-stdin'], pinB), 0).json;
    expect(received.summary).toMatchObject({
      documentsReceived: 1,
      invalidSignatures: 0,
      serviceDocumentsSigned: 1,
      serviceDocumentsSent: 1,
      pending: 0,
    });
    const inbox = expectExit(await run(profB(), ['inbox']), 0).json;
    expect(inbox.items[0]).toMatchObject({
      title: sentTitle,
      direction: 'in',
      signatureState: 'valid',
      status: 'receipt-sent',
      counterpartyId: a.id,
      fileName: 'dogovor-15.pdf',
    });
    expect(inbox.items[0].blobHash).toBe(sha(file.content));

    // OpenSSL, an independent verifier, accepts B's receipt notice and its signature.
    withStore(profB(), (s) => {
      const [receipt] = s.serviceDocumentsOf(inbox.items[0].id).filter((d) => d.type === 'receipt');
      expect(receipt).toMatchObject({ direction: 'out', status: 'sent' });
      expect(receipt!.fileName).toMatch(/^DP_IZVPOL_.*\.xml$/);
      writeFileSync(join(dir, 'iop.sig'), receipt!.signature!);
      opensslCmsVerify(join(dir, 'iop.sig'), s.blobs.pathOf(receipt!.xmlHash!), pki.caCertificateFile);
      // the operator's confirmation of the send date came with the document
      expect(
        s.serviceDocumentsOf(inbox.items[0].id).some((d) => d.type === 'send-confirmation' && d.direction === 'in'),
      ).toBe(true);
    });

    expectExit(await run(profA(), ['session', '--pin-stdin'], pinA), 0);
    const outbox = expectExit(await run(profA(), ['outbox']), 0).json;
    expect(outbox.items[0]).toMatchObject({ title: sentTitle, status: 'receipt-confirmed' });
    // A stamped its own signature with the hub's RFC 3161 service before sending (CAdES-T); OpenSSL verifies the token.
    withStore(profA(), (s) => {
      const { signerInfo, unsignedAttributes } = readSignedData(s.signatures(outbox.items[0].id)[0]!.cms);
      const stamp = unsignedAttributes.map(readAttribute).find((x) => x.type === cadesOids.signatureTimeStamp);
      expect(stamp).toBeDefined();
      writeFileSync(join(dir, 'own-stamp.tst'), stamp!.value);
      writeFileSync(join(dir, 'operator.der'), Buffer.from(readOperatorPin(profA())!.certificate, 'base64'));
      execFileSync('openssl', [
        'x509',
        '-inform',
        'DER',
        '-in',
        join(dir, 'operator.der'),
        '-out',
        join(dir, 'operator.pem'),
      ]);
      const digest = createHash('sha256').update(signerInfo.signature).digest('hex');
      const verified = execFileSync(
        'openssl',
        [
          'ts',
          '-verify',
          '-token_in',
          '-in',
          join(dir, 'own-stamp.tst'),
          '-digest',
          digest,
          '-CAfile',
          join(dir, 'operator.pem'),
        ],
        { encoding: 'utf8' },
      );
      expect(verified).toMatch(/Verification: OK/);
    });
    withStore(profA(), (s) => {
      const chain = s.serviceDocumentsOf(outbox.items[0].id);
      expect(chain.find((d) => d.type === 'receipt')).toMatchObject({
        direction: 'in',
        status: 'received',
        signatureState: 'valid',
      });
      expect(chain.find((d) => d.type === 'send-confirmation')).toMatchObject({ signatureState: 'valid' });
    });
  });

  it('B sends a clarification request; A sees it', async () => {
    const inbox = expectExit(await run(profB(), ['inbox', '--search', 'поставки']), 0).json;
    const clarified = expectExit(
      await run(
        profB(),
        ['clarify', String(inbox.items[0].id), '--text', 'Уточните сумму в пункте 3', '--pin-stdin'],
        pinB,
      ),
      0,
    ).json;
    expect(clarified.summary).toMatchObject({ serviceDocumentsSigned: 1, serviceDocumentsSent: 1, pending: 0 });
    const a2 = expectExit(await run(profA(), ['session', '--pin-stdin'], pinA), 0).json;
    expect(a2.summary.serviceDocumentsReceived).toBe(1);
    const outbox = expectExit(await run(profA(), ['outbox', '--status', 'clarification-requested']), 0).json;
    expect(outbox.items.map((d: { title: string }) => d.title)).toEqual([sentTitle]);
    withStore(profA(), (s) => {
      const clarification = s.serviceDocumentsOf(outbox.items[0].id).find((d) => d.type === 'clarification');
      expect(clarification).toMatchObject({ direction: 'in', signatureState: 'valid' });
      expect(clarification!.fileName).toMatch(/^DP_UVUTOCH_/);
    });
  });

  it("the test PKI's status services down: B keeps the document, flagged signature-unchecked, receipt sent; back up, B's next session finds it valid", async () => {
    const file = newFile('schet-40.pdf');
    const inboxItem = async () => expectExit(await run(profB(), ['inbox', '--search', 'Счёт №40']), 0).json.items[0];
    pki.revocation!.setAvailable(false);
    try {
      expectExit(await run(profA(), ['send', file.path, '--to', b.inn, '--title', 'Счёт №40', '--pin-stdin'], pinA), 0);
      const down = expectExit(await run(profB(), ['session', '--pin-stdin'], pinB), 0).json;
      // The receipt notice confirms receipt, not validity: it is signed and sent all the same.
      expect(down.summary).toMatchObject({
        documentsReceived: 1,
        uncheckedSignatures: 1,
        invalidSignatures: 0,
        serviceDocumentsSent: 1,
      });
      const flagged = await inboxItem();
      expect(flagged).toMatchObject({
        listStatus: 'signature-unchecked',
        signatureState: 'unverified',
        status: 'receipt-sent',
        blobHash: sha(file.content),
      });
      expect(flagged.signatures).toMatchObject([
        { verdict: 'undetermined', statusLine: { certificateStatus: 'unknown', timeSource: 'timestamp' } },
      ]);
      expect(flagged.signatures[0].text).toMatch(
        /^Не удалось проверить статус сертификата на \d\d\.\d\d\.\d{4} \d\d:\d\d UTC: .*OCSP http:\/\/127\.0\.0\.1/,
      );
      expect(expectExit(await run(profB(), ['inbox', '--status', 'signature-unchecked']), 0).json.total).toBe(1);
      // Still down: the recheck step tries again and leaves it flagged.
      expect(expectExit(await run(profB(), ['session', '--pin-stdin'], pinB), 0).json.summary).toMatchObject({
        uncheckedSignatures: 1,
        signaturesResolved: 0,
      });
    } finally {
      pki.revocation!.setAvailable(true);
    }
    expect(expectExit(await run(profB(), ['session', '--pin-stdin'], pinB), 0).json.summary).toMatchObject({
      signaturesResolved: 1,
      uncheckedSignatures: 0,
    });
    const resolved = await inboxItem();
    expect(resolved).toMatchObject({ listStatus: 'receipt-sent', signatureState: 'valid' });
    expect(resolved.signatures[0]).toMatchObject({
      verdict: 'valid',
      statusLine: {
        certificateStatus: 'good',
        source: 'ocsp',
        by: 'CN=EDO Clerk Test OCSP Responder',
        from: pki.revocation!.ocspUrl,
      },
    });
    expect(resolved.signatures[0].text).toMatch(
      /^Сертификат действовал и не был отозван на .* \(OCSP CN=EDO Clerk Test OCSP Responder, http:\/\/127\.0\.0\.1/,
    );
    expect(expectExit(await run(profB(), ['inbox', '--status', 'signature-unchecked']), 0).json.total).toBe(0);
  });

  it('mode "server": the agent receives and signs the receipt with its software key; other entry points honour the mode', async () => {
    expectExit(await run(profC(), ['session']), 0);
    expectExit(await run(profA(), ['session', '--pin-stdin'], pinA), 0);
    // Not a contact yet: the hub refuses, the clerk is told why, the document stays as rejected.
    const refused = expectExit(
      await run(
        profA(),
        ['send', newFile('pismo-0.pdf').path, '--to', c.inn, '--title', 'Письмо до приглашения', '--pin-stdin'],
        pinA,
      ),
      1,
    ).json;
    expect(refused).toMatchObject({
      code: 'rejected',
      error: expect.stringMatching(/Сервер обмена отклонил «Письмо до приглашения»/),
    });
    expect(
      expectExit(await run(profA(), ['outbox', '--status', 'rejected']), 0).json.items.map(
        (d: { title: string }) => d.title,
      ),
    ).toEqual(['Письмо до приглашения']);
    expectExit(await run(profA(), ['contact', 'invite', c.inn, '--pin-stdin'], pinA), 0);
    expectExit(await run(profC(), ['contact', 'accept', a.inn]), 0);
    const file = newFile('akt-7.pdf');
    expectExit(await run(profA(), ['send', file.path, '--to', c.inn, '--title', 'Акт №7', '--pin-stdin'], pinA), 0);

    // The clerk's own run in server mode exchanges but leaves signing to the agent.
    const manual = expectExit(await run(profC(), ['session']), 0).json;
    expect(manual.summary).toMatchObject({ documentsReceived: 1, serviceDocumentsSigned: 0, pending: 1 });
    expect(expectExit(await run(profC(), ['pending']), 0).json.pending[0]).toMatchObject({
      reason: 'agent-signs',
      message: expect.stringMatching(/agent signs/),
    });
    // A background (workstation) schedule does not run in server mode; the agent does not run in workstation mode.
    expect(expectExit(await run(profC(), ['session', '--background']), 1).json.outcome).toBe('not-allowed');
    expect(JSON.parse(expectExit(await run(profB(), ['agent', '--once']), 1).stdout).error).toMatch(
      /only in "server" mode/,
    );

    const agent = startClerk(['agent', '--interval', '1', '--profile', profC(), '--json']);
    let status = '';
    for (let i = 0; i < 30 && status !== 'receipt-confirmed'; i++) {
      await new Promise((r) => setTimeout(r, 1000));
      expectExit(await run(profA(), ['session', '--pin-stdin'], pinA), 0);
      status = expectExit(await run(profA(), ['outbox', '--search', 'Акт']), 0).json.items[0].status;
    }
    agent.child.kill('SIGTERM');
    const stopped = await agent.done;
    expect(status).toBe('receipt-confirmed');
    expect(stopped.code).toBe(0); // stopped cleanly on SIGTERM
    const results = stopped.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(results.some((r) => r.summary.serviceDocumentsSent === 1)).toBe(true);
    expect(expectExit(await run(profC(), ['pending']), 0).json.pending).toEqual([]);

    // The letter refused before the invitation: its cause is put right now, so the clerk sends it again as it is.
    const letter = expectExit(await run(profA(), ['outbox', '--status', 'rejected']), 0).json.items[0];
    expect(letter).toMatchObject({ title: 'Письмо до приглашения', statusReason: expect.stringMatching(/contact/i) });
    expect((await clerk(['outbox', '--status', 'rejected', '--profile', profA(), '--lang', 'en'])).stdout).toMatch(
      /REFUSED: /,
    );
    expectExit(await run(profA(), ['outbox', 'retry', String(letter.id), '--pin-stdin'], pinA), 0);
    expect(expectExit(await run(profA(), ['outbox', '--search', 'приглашения']), 0).json.items[0]).toMatchObject({
      status: 'sent',
      hubId: expect.any(String),
    });
    // Accepted by the hub, it is no longer the clerk's alone to retry or remove.
    expect(expectExit(await run(profA(), ['outbox', 'remove', String(letter.id)]), 1).json).toMatchObject({
      code: 'not-refused',
    });
  });

  it('a signer revoked after the hub accepted the document: still valid for the recipient, on the OCSP answer the hub embedded', async () => {
    const file = newFile('akt-8.pdf');
    expectExit(await run(profC(), ['send', file.path, '--to', a.inn, '--title', 'Акт №8']), 0);
    const serial = new X509Certificate(readFileSync(join(dir, 'agent-cert.pem'))).serialNumber;
    await new Promise((ok) => setTimeout(ok, 1100)); // OpenSSL's CA database keeps revocation times in seconds
    pki.revocation!.revoke(serial, 'keyCompromise');
    expect(expectExit(await run(profA(), ['session', '--pin-stdin'], pinA), 0).json.summary).toMatchObject({
      documentsReceived: 1,
      invalidSignatures: 0,
      uncheckedSignatures: 0,
    });
    const [received] = expectExit(await run(profA(), ['inbox', '--search', 'akt-8']), 0).json.items;
    expect(received).toMatchObject({ title: 'Акт №8', signatureState: 'valid', listStatus: 'receipt-sent' });
    expect(received.signatures[0]).toMatchObject({
      verdict: 'valid',
      statusLine: { certificateStatus: 'good', timeSource: 'timestamp', source: 'ocsp', from: 'embedded' },
    });
    expect(received.signatures[0].text).toMatch(
      /^Сертификат действовал и не был отозван на .* \(OCSP CN=EDO Clerk Test OCSP Responder, embedded, .*штампом времени/,
    );
  });

  describe.skipIf(!kc.ok)(
    `without the clerk's token or PIN (B logs in as a service user; its password in the keychain) ${kc.reason ?? ''}`,
    () => {
      beforeAll(async () => {
        await hub.admin(['user', 'add', '--org', b.id, '--login', 'vasilek-robot'], { stdin: 'robot-secret-1' });
        expectExit(
          await run(profB(), ['profile', 'init', '--login', 'vasilek-robot', '--password-stdin'], 'robot-secret-1\n'),
          0,
        );
      });

      it('a wrong PIN stops signing and reports the PIN state; the session still receives everything', async () => {
        expectExit(
          await run(
            profA(),
            ['send', newFile('schet-21.pdf').path, '--to', b.inn, '--title', 'Счёт №21', '--pin-stdin'],
            pinA,
          ),
          0,
        );
        const wrong = expectExit(await run(profB(), ['session', '--pin-stdin'], '9999'), 2).json;
        expect(wrong.outcome).toBe('needs-clerk');
        expect(wrong.clerkNeeded.code).toBe('pin-incorrect');
        expect(wrong.clerkNeeded.message).toMatch(/clerk-b/);
        expect(wrong.clerkNeeded.pinStatus).toHaveProperty('locked', false);
        expect(wrong.summary).toMatchObject({ documentsReceived: 1, serviceDocumentsSigned: 0, pending: 1 });
        const pending = expectExit(await run(profB(), ['pending']), 0).json.pending;
        expect(pending).toHaveLength(1);
        expect(pending[0]).toMatchObject({ type: 'receipt', status: 'pending', document: { title: 'Счёт №21' } });
        expect(pending[0]).toMatchObject({
          reason: 'pin-incorrect',
          message: expect.stringMatching(/refused the PIN/),
        });

        // A background run never asks for a PIN and never burns a try: it needs the clerk.
        const background = expectExit(await run(profB(), ['session', '--background']), 2).json;
        expect(background.clerkNeeded.code).toBe('pin-required');

        // A kept PIN the token refuses is dropped at once: the next background run does not try it again.
        const secrets = new OsKeychain(keychainScope(profB()));
        const serial = pki.tokens[1]!.serial;
        await secrets.set(`pin/${serial}`, '8888');
        expect(expectExit(await run(profB(), ['session', '--background']), 2).json.clerkNeeded.code).toBe(
          'pin-incorrect',
        );
        expect(await secrets.get(`pin/${serial}`)).toBeUndefined();

        // The clerk logs in and keeps the PIN: the background session signs and sends the receipt.
        expectExit(await run(profB(), ['token', 'login', '--keep', '--pin-stdin'], pinB), 0);
        const signed = expectExit(await run(profB(), ['session', '--background']), 0).json;
        expect(signed.summary).toMatchObject({ serviceDocumentsSigned: 1, serviceDocumentsSent: 1, pending: 0 });
        await secrets.delete(`pin/${serial}`);
      });

      it("with B's token absent the receipt waits as pending and the session still receives everything", async () => {
        expectExit(
          await run(
            profA(),
            ['send', newFile('nakladnaya-3.pdf').path, '--to', b.inn, '--title', 'Накладная №3', '--pin-stdin'],
            pinA,
          ),
          0,
        );
        expectExit(
          await run(
            profA(),
            ['send', newFile('pismo-9.pdf').path, '--to', b.inn, '--title', 'Письмо №9', '--pin-stdin'],
            pinA,
          ),
          0,
        );
        // The token is pulled out: SoftHSM drops it from its slots.
        execFileSync('softhsm2-util', ['--delete-token', '--serial', pki.tokens[1]!.serial], {
          env: process.env,
          stdio: 'pipe',
        });
        const absent = expectExit(await run(profB(), ['session', '--pin-stdin'], pinB), 2).json;
        expect(absent.clerkNeeded.code).toBe('token-not-present');
        expect(absent.summary).toMatchObject({ documentsReceived: 2, serviceDocumentsSigned: 0, pending: 2 });
        const titles = expectExit(await run(profB(), ['inbox', '--limit', '2']), 0).json.items.map(
          (d: { title: string }) => d.title,
        );
        expect(titles.sort()).toEqual(['Накладная №3', 'Письмо №9']);
        const pending = expectExit(await run(profB(), ['pending']), 0).json.pending;
        const waiting = { reason: 'token-not-present', message: expect.stringMatching(/not present/) };
        expect(pending).toEqual([expect.objectContaining(waiting), expect.objectContaining(waiting)]);
        // The blobs arrived whole.
        withStore(profB(), (s) => {
          for (const p of pending)
            expect(sha(readFileSync(s.blobs.pathOf(s.document(p.document.id)!.blobHash)))).toBe(
              s.document(p.document.id)!.blobHash,
            );
        });
      });
    },
  );
});
