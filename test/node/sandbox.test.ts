// The local sandbox (issue 5): a real hub child process inside a temporary profile, real
// SQLite stores, real keychain secrets. The clerk's side runs ordinary exchange sessions
// through its profile; the demo counterparty answers on its own timers. OpenSSL with its GOST
// engine checks independently that the demo PKI, the demo counterparty's signature and the
// operator's confirmation are GOST R 34.10-2012 256-bit and valid.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseServiceDocument } from '../../src/formats';
import { ClerkProfile } from '../../src/exchange/profile';
import { makeOutput, type Output } from '../../src/cli/output';
import { demo } from '../../src/sandbox/cli';
import { hubAdmin } from '../../src/sandbox/hub-process';
import {
  demoDirector,
  readSandboxState,
  SandboxBusyError,
  sandboxPaths,
  startSandbox,
  type RunningSandbox,
  type SandboxEvent,
} from '../../src/sandbox/sandbox';
import { secretNames } from '../../src/exchange/profile';
import { OsKeychain } from '../../src/settings/keychain';
import { keychainScope } from '../../src/settings/profile-dir';
import { ProfileSettingsFile } from '../../src/settings/settings';
import { ClerkStore, type DocumentRow } from '../../src/store';
import { createClerkMain, type ClerkMain } from '../../main/clerk-main';
import { createCoreServices, type CoreServices } from '../../main/core-services';
import { AppSandbox, wakesClerk } from '../../main/sandbox';
import type { InvokeArgs, InvokeChannel, InvokeResult } from '../../src/ipc/contract';
import { eventually } from '../support/eventually';
import { keychain, opensslGost } from '../support/system';
import { queueOutgoing } from '../../src/workplace/outbox';
import { takeWorkflowStep } from '../../src/workplace/workflow';

const kc = keychain();
const gost = opensslGost();
/** `openssl COMMAND -engine gost ARGS`, its output; throws with what OpenSSL said when it fails. */
const openssl = (command: string, ...args: string[]) =>
  execFileSync('openssl', [command, '-engine', 'gost', ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe.skipIf(!kc.ok || !gost.ok)(`the local sandbox ${kc.reason ?? ''}${gost.reason}`, () => {
  let dir: string;
  let profileDir: string;
  let sandbox: RunningSandbox | undefined;
  let clerk: ClerkProfile;
  const events: SandboxEvent[] = [];
  const pids: number[] = [];
  const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

  const start = async () => {
    const s = await startSandbox({
      profileDir,
      // The counterparty's first document soon, no more after it; its agent every half second.
      schedule: { firstDocumentMs: 200, documentEveryMs: 0, sessionEveryMs: 500 },
      onEvent: (e) => events.push(e),
    });
    pids.push(s.hub.pid);
    return s;
  };

  /** Reads the demo counterparty's database beside the sandbox's own connection. */
  function counterpartyStore<T>(fn: (s: ClerkStore) => T): T {
    const store = ClerkStore.open(sandboxPaths(profileDir).counterpartyProfile);
    try {
      return fn(store);
    } finally {
      store.close();
    }
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'clerk-sandbox-'));
    profileDir = join(dir, 'profile');
    sandbox = await start();
    clerk = new ClerkProfile(profileDir);
  }, 120_000);

  afterAll(async () => {
    clerk?.close();
    await sandbox?.stop();
    for (const d of [profileDir, sandboxPaths(profileDir).counterpartyProfile])
      await new OsKeychain(keychainScope(d)).delete(secretNames.keyPassword).catch(() => false);
    rmSync(dir, { recursive: true, force: true });
  });

  it('sets the profile up for the sandbox hub with a software demo key whose password is only in the keychain', async () => {
    expect(sandbox!.created).toBe(true);
    const settings = clerk.settings;
    expect(settings.serverUrl).toBe(sandbox!.url);
    expect(new URL(settings.serverUrl).hostname).toBe('127.0.0.1');
    expect(settings.mode).toBe('workstation');
    expect(settings.signer).toMatchObject({ kind: 'software', encrypted: true });
    const keyFile = join(profileDir, 'sandbox/clerk-key.pem');
    expect(readFileSync(keyFile, 'utf8')).toMatch(/^-----BEGIN ENCRYPTED PRIVATE KEY-----/);
    const password = await clerk.secrets.get(secretNames.keyPassword);
    expect(password).toMatch(/^[\w-]{32}$/);
    // GOST R 34.10-2012 256 throughout, with a qualified certificate's subject, as OpenSSL's GOST engine reads it.
    // OpenSSL prints the scalar without its leading zeros: one key in sixteen has fewer than 64 digits.
    expect(openssl('pkey', '-in', keyFile, '-passin', `pass:${password}`, '-noout', '-text')).toMatch(
      /^Private key: [0-9A-F]{1,64}$/m,
    );
    const certificateFile = join(profileDir, 'sandbox/clerk-certificate.pem');
    const certificate = openssl('x509', '-in', certificateFile, '-noout', '-text', '-nameopt', 'utf8,sep_multiline');
    expect(certificate).toContain('Public Key Algorithm: GOST R 34.10-2012 with 256 bit modulus');
    expect(certificate).toContain('Signature Algorithm: GOST R 34.10-2012 with GOST R 34.11-2012 (256 bit)');
    // A personal certificate: the clerk's INN and SNILS, no organization (OpenSSL would name INNLE 1.2.643.100.4 by its OID).
    for (const field of ['INN=770112345695', 'SNILS=13579246894', 'SN=Иванова', 'GN=Мария Петровна'])
      expect(certificate).toContain(field);
    const subject = certificate.slice(certificate.indexOf('Subject:'), certificate.indexOf('Subject Public Key Info'));
    for (const field of ['1.2.643.100.4=', 'OGRN=', 'O=', 'title=']) expect(subject).not.toContain(field);
    expect(certificate).toMatch(/Signing Tool of Subject:\s+"EDO Clerk"/);
    expect(certificate).toMatch(/Signing Tool of Issuer:/);
    expect(openssl('verify', '-CAfile', sandboxPaths(profileDir).ca, certificateFile)).toContain(
      `${certificateFile}: OK`,
    );
    // The password appears in no file of the profile.
    const files = execFileSync('find', [profileDir, '-type', 'f'], { encoding: 'utf8' }).trim().split('\n');
    for (const f of files) expect(readFileSync(f).includes(Buffer.from(password!)), f).toBe(false);
    const signer = await clerk.signerSource()!.acquire();
    expect(signer.description).toContain('clerk-key.pem');
    // One sandbox per profile: another process (the app, edo-clerk demo) would use this one.
    await expect(startSandbox({ profileDir })).rejects.toBeInstanceOf(SandboxBusyError);
  });

  let received: DocumentRow;

  it("delivers the demo counterparty's document to the clerk's store through a normal exchange session, with a valid signature", async () => {
    received = await eventually('a document from the demo counterparty in the inbox', async () => {
      const result = await clerk.runSession({ trigger: 'manual' });
      expect(result.outcome, result.error).toBe('done');
      return clerk.store.listDocuments({ direction: 'in', limit: 10 }).items[0];
    });
    expect(received.counterpartyName).toBe('АО "Демо-контрагент"');
    expect(received.counterpartyId).toBe(readSandboxState(profileDir)!.counterparty.id);
    expect(received.title).toMatch(/^Счёт на оплату № 1 от \d\d\.\d\d\.\d{4}$/);
    expect(received.fileName).toBe('invoice-1.xml');
    const [signature] = clerk.store.signatures(received.id);
    expect(signature?.valid).toBe(true);
    expect(signature?.signer).toContain('Петров Сергей Иванович');
    // OpenSSL, independently, against the demo CA.
    const sig = join(dir, 'invoice.sig');
    writeFileSync(sig, signature!.cms);
    const content = clerk.store.blobs.pathOf(received.blobHash);
    expect(readFileSync(content, 'utf8')).toContain('<СчётНаОплату Номер="1"');
    openssl(
      'cms',
      '-verify',
      '-binary',
      '-inform',
      'DER',
      '-in',
      sig,
      '-content',
      content,
      '-CAfile',
      sandboxPaths(profileDir).ca,
      '-purpose',
      'any',
      '-out',
      '/dev/null',
    );
    expect(openssl('cms', '-cmsout', '-print', '-inform', 'DER', '-in', sig)).toMatch(
      /signatureAlgorithm: \n\s+algorithm: GOST R 34.10-2012 with 256 bit modulus \(1\.2\.643\.7\.1\.1\.1\.1\)/,
    );

    // The hub's confirmation of the send date (ПДОТПР), signed with its GOST operator key.
    const confirmation = clerk.store.serviceDocumentsOf(received.id).find((s) => s.type === 'send-confirmation')!;
    expect(confirmation.signatureState).toBe('valid');
    const operatorCertificate = join(sandboxPaths(profileDir).hubData, 'operator', 'certificate.pem');
    expect(openssl('x509', '-in', operatorCertificate, '-noout', '-text')).toContain(
      'Public Key Algorithm: GOST R 34.10-2012 with 256 bit modulus',
    );
    const confirmationSig = join(dir, 'confirmation.sig');
    writeFileSync(confirmationSig, confirmation.signature!);
    openssl(
      'cms',
      '-verify',
      '-binary',
      '-inform',
      'DER',
      '-in',
      confirmationSig,
      '-content',
      clerk.store.blobs.pathOf(confirmation.xmlHash!),
      '-CAfile',
      operatorCertificate,
      '-purpose',
      'any',
      '-out',
      '/dev/null',
    );
  }, 120_000);

  it("signs the clerk's receipt notice, sends it, and the demo counterparty receives it", async () => {
    // The session that received the document signed its receipt notice with the demo key (workstation mode), or the next one does.
    const receipt = await eventually('the receipt notice sent', async () => {
      const sent = clerk.store.serviceDocumentsOf(received.id).find((s) => s.type === 'receipt' && s.status === 'sent');
      if (!sent) await clerk.runSession({ trigger: 'manual' });
      return sent;
    });
    expect(receipt.direction).toBe('out');
    expect(clerk.store.document(received.id)!.status).toBe('receipt-sent');
    // The clerk's personal certificate signs under the demo director's МЧД: СтатПодп 2 with СвДоверЭл.
    const poa = clerk.settings.powersOfAttorney[0]!;
    expect(receipt.signerPowerOfAttorney).toMatchObject({ number: poa.number, status: 'active' });
    expect(parseServiceDocument(clerk.store.blobs.read(receipt.xmlHash!), receipt.fileName!).signer).toMatchObject({
      authority: 'electronic-poa',
      powerOfAttorney: { kind: 'electronic', number: poa.number },
    });
    expect(clerk.store.countPendingServiceDocuments()).toBe(0);
    const theirs = await eventually("the receipt notice in the demo counterparty's store", () =>
      counterpartyStore((s) => {
        const doc = s.documentByHubId(received.hubId!);
        return doc?.status === 'receipt-confirmed'
          ? s.serviceDocumentsOf(doc.id).find((sd) => sd.type === 'receipt')
          : undefined;
      }),
    );
    expect(theirs.signatureState).toBe('valid');
  }, 120_000);

  it('answers a document the clerk sends with a signed receipt notice', async () => {
    const state = readSandboxState(profileDir)!;
    const source = clerk.signerSource()!;
    const letter = {
      title: 'Письмо о сверке',
      counterpartyId: state.counterparty.id,
      files: [{ name: 'letter.txt', content: Buffer.from('Письмо о сверке расчётов за III квартал\n', 'utf8') }],
    };
    const [documentId] = await queueOutgoing(clerk.store, source, letter, clerk.representativeCheck(source));
    const sent = await clerk.runSession({ trigger: 'manual' });
    expect(sent.summary.documentsSent).toBe(1);
    const receipt = await eventually("the demo counterparty's receipt notice", async () => {
      await clerk.runSession({ trigger: 'manual' });
      return clerk.store.serviceDocumentsOf(documentId!).find((s) => s.type === 'receipt' && s.direction === 'in');
    });
    expect(receipt.signatureState).toBe('valid');
    // The clerk signed it as the representative, under the demo director's МЧД.
    const poa = clerk.settings.powersOfAttorney[0]!;
    expect(clerk.store.document(documentId!)!).toMatchObject({
      status: 'receipt-confirmed',
      signerPowerOfAttorney: { number: poa.number, principalInn: demoDirector.orgInn, status: 'active' },
    });
    expect(events.filter((e) => e.type === 'error')).toEqual([]);
  }, 120_000);

  it("signs a document the clerk sends with a signature request, and accepts the clerk's annulment proposal", async () => {
    const state = readSandboxState(profileDir)!;
    const source = clerk.signerSource()!;
    const outgoing = {
      title: 'Договор оказания услуг № 7',
      counterpartyId: state.counterparty.id,
      signatureRequested: true,
      files: [{ name: 'dogovor-7.txt', content: Buffer.from('Договор оказания услуг № 7\n', 'utf8') }],
    };
    const [documentId] = await queueOutgoing(clerk.store, source, outgoing, clerk.representativeCheck(source));
    expect((await clerk.runSession({ trigger: 'manual' })).summary.documentsSent).toBe(1);
    const signed = await eventually("the demo counterparty's signature", async () => {
      await clerk.runSession({ trigger: 'manual' });
      const doc = clerk.store.document(documentId!)!;
      return doc.recipientSignatureState === 'signed-by-both' ? doc : undefined;
    });
    // OpenSSL, independently: the counterparty's signature is over the very bytes we sent.
    const sig = join(dir, 'recipient.sig');
    writeFileSync(sig, signed.recipientSignature!);
    openssl(
      'cms',
      '-verify',
      '-binary',
      '-inform',
      'DER',
      '-in',
      sig,
      '-content',
      clerk.store.blobs.pathOf(signed.blobHash),
      '-CAfile',
      sandboxPaths(profileDir).ca,
      '-purpose',
      'any',
      '-out',
      '/dev/null',
    );

    await takeWorkflowStep(
      clerk.store,
      { source, representative: clerk.representativeCheck(source) },
      documentId!,
      'propose-annulment',
      'Условия договора изменились',
    );
    await clerk.runSession({ trigger: 'manual' });
    await eventually('the annulment accepted', async () => {
      await clerk.runSession({ trigger: 'manual' });
      return clerk.store.document(documentId!)!.annulmentState === 'annulled' ? true : undefined;
    });
    // The hub's answer reaches the counterparty's store when its own session writes it, which may be after ours saw it.
    await eventually("the annulment in the demo counterparty's store", () =>
      counterpartyStore((s) => (s.documentByHubId(signed.hubId!)?.annulmentState === 'annulled' ? true : undefined)),
    );
    expect(
      events.filter((e) => e.type === 'workflow-step').map((e) => e.type === 'workflow-step' && [e.step, e.title]),
    ).toEqual([
      ['sign', 'Договор оказания услуг № 7'],
      ['accept-annulment', 'Договор оказания услуг № 7'],
    ]);
    expect(events.filter((e) => e.type === 'error')).toEqual([]);
  }, 180_000);

  it("refuses every third signature request with a reason, and asks for the clerk's signature on its reconciliation statement", async () => {
    const state = readSandboxState(profileDir)!;
    const source = clerk.signerSource()!;
    const ask = async (n: number) => {
      const outgoing = {
        title: `Акт оказанных услуг № ${n}`,
        counterpartyId: state.counterparty.id,
        signatureRequested: true,
        files: [{ name: `akt-${n}.txt`, content: Buffer.from(`Акт № ${n}\n`, 'utf8') }],
      };
      const [id] = await queueOutgoing(clerk.store, source, outgoing, clerk.representativeCheck(source));
      return id!;
    };
    // The annulled contract above was the first answer; these are the second and the third.
    const [second, third] = [await ask(2), await ask(3)];
    const answered = await eventually('both answered', async () => {
      await clerk.runSession({ trigger: 'manual' });
      const docs = [second, third].map((id) => clerk.store.document(id)!);
      return docs.every((d) => d.recipientSignatureState !== 'signature-requested') ? docs : undefined;
    });
    // Which of the two it answers third depends on the order they reach it: one is signed, the other refused.
    expect(answered.map((d) => d.recipientSignatureState).sort()).toEqual(['signature-refused', 'signed-by-both']);
    const refused = answered.find((d) => d.recipientSignatureState === 'signature-refused')!;
    const refusal = clerk.store.serviceDocumentsOf(refused.id).find((d) => d.type === 'signature-refusal')!;
    expect(refusal).toMatchObject({ direction: 'in', signatureState: 'valid', text: 'Не указаны реквизиты договора' });

    // Its documents 2 and 3: a letter, then a reconciliation statement, which waits for the clerk's signature.
    await sandbox!.counterparty.sendDocument();
    await sandbox!.counterparty.sendDocument();
    const reconciliation = await eventually('the reconciliation statement', async () => {
      await clerk.runSession({ trigger: 'manual' });
      return clerk.store.awaitingOurAnswer().signature.find((d) => d.title.startsWith('Акт сверки № 3'));
    });
    expect(reconciliation).toMatchObject({
      direction: 'in',
      signatureRequested: true,
      recipientSignatureState: 'signature-requested',
      signatureState: 'valid',
    });
    expect(clerk.store.awaitingOurAnswer().signature.map((d) => d.title)).toEqual([reconciliation.title]);
    await takeWorkflowStep(
      clerk.store,
      { source, representative: clerk.representativeCheck(source) },
      reconciliation.id,
      'sign',
    );
    await clerk.runSession({ trigger: 'manual' });
    await eventually('signed by both at the counterparty', () =>
      counterpartyStore((s) =>
        s.documentByHubId(reconciliation.hubId!)?.recipientSignatureState === 'signed-by-both' ? true : undefined,
      ),
    );
    expect(events.filter((e) => e.type === 'workflow-step').map((e) => e.type === 'workflow-step' && e.step)).toEqual([
      'sign',
      'accept-annulment',
      'sign',
      'refuse-signature',
    ]);
    expect(events.filter((e) => e.type === 'error')).toEqual([]);
  }, 240_000);

  it('stops its hub: no child process is left', async () => {
    const pid = sandbox!.hub.pid;
    expect(alive(pid)).toBe(true);
    await sandbox!.stop();
    sandbox = undefined;
    expect(alive(pid)).toBe(false);
  }, 60_000);

  it('starts again with the same organizations, keys and settings, and no duplicates', async () => {
    const paths = sandboxPaths(profileDir);
    const before = {
      state: readSandboxState(profileDir)!,
      key: sha(join(profileDir, 'sandbox/clerk-key.pem')),
      ca: sha(paths.ca),
      inbox: clerk.store.listDocuments({ direction: 'in', limit: 100 }).total,
    };
    sandbox = await start();
    expect(sandbox.created).toBe(false);
    expect(sandbox.state.clerk).toEqual(before.state.clerk);
    expect(sandbox.state.counterparty).toEqual(before.state.counterparty);
    expect(sha(join(profileDir, 'sandbox/clerk-key.pem'))).toBe(before.key);
    expect(sha(paths.ca)).toBe(before.ca);
    expect(clerk.settings.serverUrl).toBe(sandbox.url);
    const orgs = await hubAdmin<{ id: string }[]>(paths.hubData, ['org', 'list']);
    expect(orgs.map((o) => o.id).sort()).toEqual([before.state.clerk.id, before.state.counterparty.id].sort());
    // The demo director, the clerk and the counterparty's director.
    expect(await hubAdmin<unknown[]>(paths.hubData, ['user', 'list'])).toHaveLength(3);
    // The restarted counterparty sends its next document (No. 2), which arrives like the first.
    const second = await eventually('the second demo document', async () => {
      await clerk.runSession({ trigger: 'manual' });
      const page = clerk.store.listDocuments({ direction: 'in', limit: 100 });
      return page.total > before.inbox ? page.items.find((d) => d.fileName === 'letter-2.txt') : undefined;
    });
    expect(second.signatureState).toBe('valid');
    const pid = sandbox.hub.pid;
    await sandbox.stop();
    sandbox = undefined;
    expect(alive(pid)).toBe(false);
    expect(pids.every((p) => !alive(p))).toBe(true);
  }, 180_000);

  it('edo-clerk demo runs the same sandbox in the foreground, says what to do next, and stops when told', async () => {
    const lines: string[] = [];
    let answer: { url: string; created: boolean; counterparty: { inn: string } } | undefined;
    const out: Output = {
      ...makeOutput(false, 'en'),
      result: (value, human) => {
        answer = value as typeof answer;
        lines.push(human());
      },
      progress: () => {},
      info: (m) => lines.push(m),
    };
    const stop = new AbortController();
    const done = demo(clerk, {}, [], out, stop.signal, {
      schedule: { firstDocumentMs: 60_000, documentEveryMs: 0, sessionEveryMs: 60_000 },
    });
    const shown = await eventually('the demo command printing the hub address', () => answer);
    expect(shown.created).toBe(false);
    expect((await fetch(`${shown.url}/v1/health`)).status).toBe(200);
    const text = lines.join('\n');
    expect(text).toContain(`The local sandbox is running: exchange hub ${shown.url}`);
    expect(text).toContain('a software demo key (GOST R 34.10-2012, 256 bits)');
    expect(text).not.toContain('ECDSA');
    expect(text).toContain(`edo-clerk send FILE --to ${shown.counterparty.inn} --profile ${profileDir}`);
    stop.abort();
    expect(await done).toBe(0);
    expect(lines.at(-1)).toBe('the sandbox stopped');
    await expect(fetch(`${shown.url}/v1/health`)).rejects.toThrow();
  }, 120_000);

  it('refuses a profile that already uses a real exchange server', async () => {
    const other = join(dir, 'real-profile');
    new ProfileSettingsFile(other).write({ serverUrl: 'https://edo.example.ru' });
    await expect(startSandbox({ profileDir: other })).rejects.toThrow(
      /already uses the exchange server https:\/\/edo\.example\.ru/,
    );
  });
});

// The desktop app's way in: "Try it with a local sandbox" on a first start, through main's
// handler registry over the real core services (as the Electron window and the e2e bindings reach it).
describe.skipIf(!kc.ok)(`the local sandbox in the desktop app ${kc.reason ?? ''}`, () => {
  let dir: string;
  let profileDir: string;
  let services: CoreServices;
  let appSandbox: AppSandbox;
  let main: ClerkMain;
  const call = <C extends InvokeChannel>(channel: C, args: InvokeArgs<C>) =>
    main.dispatch(channel, args) as Promise<InvokeResult<C>>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'clerk-app-sandbox-'));
    profileDir = join(dir, 'profile');
    const clerkRef: { current?: ClerkMain } = {};
    appSandbox = new AppSandbox({
      profileDir,
      schedule: { firstDocumentMs: 200, documentEveryMs: 0, sessionEveryMs: 500 },
      onEvent: (e) => {
        if (wakesClerk(e)) void clerkRef.current?.scheduler.trigger('schedule');
      },
    });
    expect(appSandbox.inUse()).toBe(false);
    services = await createCoreServices(profileDir);
    main = await createClerkMain({
      services,
      platform: {
        appInfo: () => ({ name: 'EDO Clerk', version: '1' }),
        openExternal: async () => {},
        setStartAtLogin: () => {},
        startSandbox: () => appSandbox.start(),
      },
      externalOrigins: [],
      notify: () => {},
      onTrayState: () => {},
    });
    clerkRef.current = main;
  });

  afterAll(async () => {
    await main?.stop();
    await appSandbox?.stop();
    services?.close();
    for (const d of [profileDir, sandboxPaths(profileDir).counterpartyProfile])
      await new OsKeychain(keychainScope(d)).delete(secretNames.keyPassword).catch(() => false);
    rmSync(dir, { recursive: true, force: true });
  });

  it('starts on the first start, signs with the demo key without a token, and the whole flow runs in both directions', async () => {
    expect((await call('settings:get', undefined)).serverUrl).toBe('');
    const settings = await call('sandbox:start', undefined);
    expect(settings.serverUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(appSandbox.inUse()).toBe(true);
    await expect(call('sandbox:start', undefined)).rejects.toThrow(/only for a first start/);
    const token = await call('token:status', undefined);
    expect(token).toMatchObject({
      state: 'logged-in',
      token: { label: 'clerk-key.pem' },
      owner: { name: 'Иванова Мария Петровна', organization: '' },
      powerOfAttorney: { state: 'in-force', number: expect.any(String) },
    });

    const incoming = await eventually('the demo document in the Inbox, its receipt notice sent', async () => {
      await call('session:run', undefined);
      await main.scheduler.idle();
      return (await call('documents:list', { direction: 'in', offset: 0, limit: 10 })).rows.find(
        (r) => r.status === 'receipt-sent',
      );
    });
    expect(incoming.counterparty.name).toBe('АО "Демо-контрагент"');
    const opened = await call('documents:open', { id: incoming.id });
    expect(opened.signatures).toMatchObject([
      { signer: 'Петров Сергей Иванович', algorithm: 'GOST2012-256', valid: true, problems: [] },
    ]);
    expect(opened.preview.kind).toBe('xml');

    const counterpartyId = readSandboxState(profileDir)!.counterparty.id;
    const added = await call('outbox:add', {
      title: 'Договор поставки',
      counterpartyId,
      files: [{ name: 'contract.txt', contentBase64: Buffer.from('Договор поставки № 7\n').toString('base64') }],
    });
    expect(added).toEqual({ queued: [expect.any(Number)] });
    const answered = await eventually("the demo counterparty's receipt notice for the clerk's document", async () => {
      await call('outbox:send', undefined);
      await main.scheduler.idle();
      return (await call('documents:list', { direction: 'out', offset: 0, limit: 10 })).rows.find(
        (r) => r.id === added.queued[0] && r.status === 'receipt-confirmed',
      );
    });
    expect((await call('documents:open', { id: answered.id })).serviceDocuments).toContainEqual(
      expect.objectContaining({ type: 'receipt', direction: 'in' }),
    );
    expect(await call('pending:list', undefined)).toEqual([]);

    const pid = appSandbox.current()!.hub.pid;
    await appSandbox.stop();
    expect(alive(pid)).toBe(false);
  }, 180_000);
});
