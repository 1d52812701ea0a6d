// Shared by the session tests and the bench: `edo-clerk` run as a real child process (the way a
// scheduled task or the agent runs it). Organizations are registered on the hub with
// registerTokenOrganization (test/support/hub.ts); twoClerks() is the two-organization setup
// the session suites share.
import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { signDetached } from '../../src/crypto/cms';
import { KeySigner } from '../../src/crypto/key-signer';
import type { Signer } from '../../src/crypto/signer';
import { issuePowerOfAttorney } from '../../src/exchange/power-of-attorney';
import { ClerkStore } from '../../src/store';
import { openToken } from '../../src/token/session';
import { registerOrganization, registerTokenOrganization, startHub, type StartedHub } from '../support/hub';
import type { PersonalCertificatePerson } from '../../src/crypto/qualified-subject';
import { createTestPki, samplePeople, type TestKeySpec, type TestPerson, type TestPki } from '../support/test-pki';

const root = resolve(import.meta.dirname, '../..');
const cli = join(root, 'src/cli/main.ts');

export interface ClerkRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON (with --json), else undefined. */
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export interface ClerkOptions {
  stdin?: string;
  /** The child's environment (default: this process's, its locale pinned to C so the CLI speaks its default, Russian). */
  env?: NodeJS.ProcessEnv;
  /** Called with each stderr line (progress); return true to SIGKILL the process right there. */
  killWhen?: (line: string, index: number) => boolean;
}

export function startClerk(
  args: string[],
  options: ClerkOptions = {},
): { child: ChildProcess; done: Promise<ClerkRun> } {
  const env = options.env ?? { ...process.env, LC_ALL: 'C.UTF-8' };
  const child = spawn(process.execPath, ['--import', 'tsx', cli, ...args], {
    cwd: root,
    env,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let lines = 0;
  let pendingLine = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => {
    const text = d.toString();
    stderr += text;
    pendingLine += text;
    const parts = pendingLine.split('\n');
    pendingLine = parts.pop() ?? '';
    for (const line of parts) {
      if (options.killWhen?.(line, lines++) && child.exitCode === null) child.kill('SIGKILL');
    }
  });
  child.stdin!.end(options.stdin ?? '');
  const done = new Promise<ClerkRun>((r, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      let json: unknown;
      try {
        json = JSON.parse(stdout);
      } catch {
        json = undefined;
      }
      r({ code, signal, stdout, stderr, json });
    });
  });
  return { child, done };
}

export function clerk(args: string[], options: ClerkOptions = {}): Promise<ClerkRun> {
  return startClerk(args, options).done;
}

/** `edo-clerk ARGS --profile PROFILE --json`: a clerk's command in its own profile. */
export function inProfile(profile: string, args: string[], stdin?: string): Promise<ClerkRun> {
  return clerk([...args, '--profile', profile, '--json'], { stdin });
}

/**
 * A's people when A signs under an МЧД (the representative suites): the organization, its director
 * (whose certificate names it: INNLE, OGRN) and the employee holding a personal certificate.
 */
export const poaOrganization = { name: 'ООО "Ромашка"', inn: '7701234560', kpp: '770101001' };
export const poaDirector: TestPerson = {
  surname: 'Сергеева',
  givenNames: 'Ольга Николаевна',
  position: 'Генеральный директор',
  organization: poaOrganization.name,
  orgInn: poaOrganization.inn,
  personInn: '770100000079',
  ogrn: '1027700000019',
};
export const poaEmployee: PersonalCertificatePerson = {
  surname: 'Иванова',
  givenNames: 'Мария Петровна',
  personInn: '770200000065',
  snils: '11223344595',
};

/** A's director of the representative suites and the МЧД they issue. */
export interface PoaDirector {
  signer: KeySigner;
  /** Issues an МЧД to `to` (DER) as `edo-clerk poa create` does, written with its signature (.sig) where `poa use` reads them. */
  issue(to: Buffer, extra?: { powerCodes?: string[]; powerText?: string; validUntil?: string }): Promise<string>;
  /** Writes an МЧД's XML and the director's signature beside it; returns the XML's path. */
  write(file: { fileName: string; xml: Buffer; signature: Buffer }): string;
}

/** poaDirector on a software key of the suite's PKI, registered as a user of A (twoClerks with aOrganization: poaOrganization). */
export async function poaDirectorOf(t: TwoClerks): Promise<PoaDirector> {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const certificate = await t.pki.issue(publicKey, poaDirector);
  const signer = new KeySigner(privateKey, Buffer.from(certificate.rawData));
  const pem = join(t.dir, 'director.pem');
  writeFileSync(pem, certificate.toString('pem'));
  await t.hub.admin(['user', 'add', '--org', t.a.id, '--cert', pem]);
  const write: PoaDirector['write'] = (file) => {
    const path = join(t.dir, file.fileName);
    writeFileSync(path, file.xml);
    writeFileSync(`${path}.sig`, file.signature);
    return path;
  };
  return {
    signer,
    write,
    issue: async (to, extra = {}) =>
      write(
        await issuePowerOfAttorney({
          director: signer,
          representativeCertificate: to,
          organization: poaOrganization,
          powerCodes: extra.powerCodes ?? [],
          ...(extra.powerText ? { powerText: extra.powerText } : {}),
          validUntil: extra.validUntil ?? '2099-12-31',
          redelegation: false,
          statusService: (number) => `${t.hub.url}/v1/powers-of-attorney/${number}`,
        }),
      ),
  };
}

/** Fails with everything the CLI said when it did not exit as expected. */
export function expectExit(run: ClerkRun, code: number): ClerkRun {
  if (run.code !== code)
    throw new Error(
      `edo-clerk exited with ${run.code}${run.signal ? ` (${run.signal})` : ''}, expected ${code}\nstdout: ${run.stdout}\nstderr: ${run.stderr}`,
    );
  return run;
}

export interface Org {
  id: string;
  name: string;
  inn: string;
}

/** Two clerks of two organizations on SoftHSM tokens of one test PKI, through the real hub, connected as contacts. */
export interface TwoClerks {
  pki: TestPki;
  hub: StartedHub;
  dir: string;
  a: Org;
  b: Org;
  profA: string;
  profB: string;
  pinA: string;
  pinB: string;
  /** `edo-clerk ARGS --json` as A or B, the token's PIN on standard input. */
  runA(args: string[]): Promise<ClerkRun>;
  runB(args: string[]): Promise<ClerkRun>;
  /** `edo-clerk ARGS --json` on a profile, no PIN (lists, the store). */
  read(args: string[], profile: string): Promise<ClerkRun>;
  /** Reads a profile's database after its CLI process ended. */
  withStore<T>(profile: string, fn: (s: ClerkStore) => T): T;
  stop(): Promise<void>;
}

export interface TwoClerksOptions {
  /** The temporary folder's prefix. */
  prefix: string;
  /** A's token key; default Иванова of ООО "Ромашка" (RSA), as B's is Петров of АО "Василёк" (ECDSA). */
  aKey?: TestKeySpec;
  /** A registered as this organization with these certificates besides its token's; default: the token holder's. */
  aOrganization?: { name: string; inn: string; certificatePems: string[] };
}

/**
 * The setup the session suites share: the PKI with the tokens clerk-a (PIN 1111) and clerk-b
 * (PIN 2222), the hub trusting its CA, A and B registered, each profile on its token, a first
 * session each, and A's invitation accepted by B. The CA's OCSP responder and CRL answer for every
 * certificate, so a signature's status is known and a document arrives verified.
 */
export async function twoClerks(o: TwoClerksOptions): Promise<TwoClerks> {
  const pinA = '1111';
  const pinB = '2222';
  const pki = await createTestPki(
    [
      { label: 'clerk-a', pin: pinA, keys: [o.aKey ?? { algorithm: 'RSA-2048', person: samplePeople.ivanova }] },
      { label: 'clerk-b', pin: pinB, keys: [{ algorithm: 'ECDSA-P256', person: samplePeople.petrov }] },
    ],
    { revocation: true },
  );
  const dir = mkdtempSync(join(tmpdir(), o.prefix));
  const hub = await startHub();
  const profA = join(dir, 'profile-a');
  const profB = join(dir, 'profile-b');
  const read = (args: string[], profile: string) => clerk([...args, '--profile', profile, '--json']);
  const clerks: TwoClerks = {
    pki,
    hub,
    dir,
    a: undefined as unknown as Org,
    b: undefined as unknown as Org,
    profA,
    profB,
    pinA,
    pinB,
    runA: (args) => clerk([...args, '--profile', profA, '--json', '--pin-stdin'], { stdin: pinA }),
    runB: (args) => clerk([...args, '--profile', profB, '--json', '--pin-stdin'], { stdin: pinB }),
    read,
    withStore(profile, fn) {
      const store = ClerkStore.open(profile);
      try {
        return fn(store);
      } finally {
        store.close();
      }
    },
    async stop() {
      await hub.stop();
      pki.cleanup();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await hub.admin(['trust', 'add', pki.caCertificateFile]);
  const tokenA = pki.tokens[0]!;
  clerks.a = o.aOrganization
    ? (
        await registerOrganization(hub, {
          ...o.aOrganization,
          kpp: '770101001',
          certificatePems: [...o.aOrganization.certificatePems, ...tokenA.keys.map((k) => k.certificatePem)],
        })
      ).org
    : (await registerTokenOrganization(hub, tokenA, { kpp: '770101001' })).org;
  clerks.b = (await registerTokenOrganization(hub, pki.tokens[1]!, { kpp: '780901001' })).org;
  for (const [profile, token] of [
    [profA, 'clerk-a'],
    [profB, 'clerk-b'],
  ] as const) {
    expectExit(
      await read(
        [
          'profile',
          'init',
          '--server',
          hub.url,
          '--trust',
          pki.caCertificateFile,
          '--module',
          pki.modulePath,
          '--token',
          token,
        ],
        profile,
      ),
      0,
    );
  }
  expectExit(await clerks.runA(['session']), 0);
  expectExit(await clerks.runB(['session']), 0);
  expectExit(await clerks.runA(['contact', 'invite', clerks.b.inn]), 0);
  expectExit(await clerks.runB(['contact', 'accept', clerks.a.inn]), 0);
  return clerks;
}

export type Side = 'a' | 'b';

/**
 * The crash tests' two clerks, before any hub: tokens clerk-a (PIN 1111, Иванова of ООО
 * "Ромашка") and clerk-b (PIN 2222, Петров of АО "Василёк"), ECDSA P-256, a profile folder for
 * each, and the CA's CRL in a folder for the hub's --crl-folder (checked before any OCSP
 * responder: hundreds of documents cost no OpenSSL responder run each, and every signature
 * arrives with its CRL embedded).
 */
export interface CrashClerks {
  pki: TestPki;
  dir: string;
  crlFolder: string;
  pin: Record<Side, string>;
  label: Record<Side, string>;
  profile(side: Side): string;
  /** `work` with the side's store and its token's signer, in this process between sessions, as the clerk's own act is. */
  withSide(side: Side, work: (store: ClerkStore, signer: Signer) => Promise<void>): Promise<void>;
  /** Signs and queues `count` documents titled A-0, A-1, … the way `send --queue-only` does, in this process (faster than N CLI runs). */
  queueDocuments(side: Side, to: Org, count: number, signatureRequested?: (i: number) => boolean): Promise<void>;
  cleanup(): void;
}

export async function crashClerks(prefix: string): Promise<CrashClerks> {
  const pin = { a: '1111', b: '2222' };
  const label = { a: 'clerk-a', b: 'clerk-b' };
  const pki = await createTestPki(
    [
      { label: label.a, pin: pin.a, keys: [{ algorithm: 'ECDSA-P256', person: samplePeople.ivanova }] },
      { label: label.b, pin: pin.b, keys: [{ algorithm: 'ECDSA-P256', person: samplePeople.petrov }] },
    ],
    { revocation: true },
  );
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const crlFolder = join(dir, 'crls');
  mkdirSync(crlFolder);
  copyFileSync(pki.revocation!.crlFile, join(crlFolder, 'ca.crl'));
  const profile = (side: Side) => join(dir, `profile-${side}`);
  const withSide: CrashClerks['withSide'] = async (side, work) => {
    const token = openToken({ modulePath: pki.modulePath, token: label[side] });
    await token.login(pin[side]);
    const store = ClerkStore.open(profile(side));
    try {
      await work(store, token.signer());
    } finally {
      store.close();
      token.close();
    }
  };
  return {
    pki,
    dir,
    crlFolder,
    pin,
    label,
    profile,
    withSide,
    queueDocuments: (side, to, count, signatureRequested = () => false) =>
      withSide(side, async (store, signer) => {
        for (let i = 0; i < count; i++) {
          const content = Buffer.concat([Buffer.from(`Документ ${side.toUpperCase()}-${i}\n`), randomBytes(2_000 + i)]);
          const blob = await store.blobs.write(content);
          const cms = await signDetached(content, signer);
          store.queueOutgoingDocument({
            counterpartyId: to.id,
            counterpartyName: to.name,
            title: `${side.toUpperCase()}-${i}`,
            kind: 'letter',
            fileName: `${side}-${i}.txt`,
            blobHash: blob.hash,
            size: blob.size,
            signatureRequested: signatureRequested(i),
            signature: { cms, valid: null },
          });
        }
      }),
    cleanup() {
      pki.cleanup();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
