// The local sandbox: a whole exchange on this machine, for trying EDO Clerk without any
// infrastructure. Inside the clerk's profile (`<profile>/sandbox/`): an exchange hub run as a
// child process on loopback, a demo CA, the clerk's demo organization with a software demo key,
// and a demo counterparty organization whose agent answers on its own. Keys, CA and the hub's
// operator key are GOST R 34.10-2012 256-bit, as a Russian clerk's are (a sandbox made before
// keeps its ECDSA keys, which work as they did). Made once; every later
// start reuses it all. Key files are encrypted PKCS#8; their passwords are in the keychain, or,
// where no OS keychain runs, in a 0600 demo-only file in the sandbox folder.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { algorithmForKey } from '../crypto/algorithms';
import { describeCertificate, readCertificates } from '../crypto/certificates';
import { KeySigner } from '../crypto/key-signer';
import { readPrivateKey } from '../crypto/private-keys';
import type { Signer } from '../crypto/signer';
import { signDetached, type SignatureAlgorithm } from '../crypto/cms';
import { spkiOfCertificate } from '../crypto/gost-keys';
import { HttpExchangeClient } from '../exchange/http-client';
import { acquireSessionLock, SessionBusyError, type SessionLock } from '../exchange/lock';
import { ClerkProfile, secretNames } from '../exchange/profile';
import { moscowDate } from '../formats';
import { KeychainUnavailableError, OsKeychain, type SecretStore } from '../settings/keychain';
import { DemoSecretsFile } from '../settings/secret-stores';
import { keychainScope } from '../settings/profile-dir';
import { ProfileSettingsFile, type ProfileSettingsInput } from '../settings/settings';
import { SoftwareSigner } from '../token/software-signer';
import {
  attachPowerOfAttorney,
  issueOrganizationPowerOfAttorney,
  registerPowerOfAttorney,
} from '../workplace/power-of-attorney';
import {
  DemoCounterparty,
  defaultSchedule,
  realTimers,
  type CounterpartyEvent,
  type CounterpartySchedule,
  type Timers,
} from './demo-counterparty';
import { createDemoPki, type DemoEmployee, type DemoPerson } from './demo-pki';
import { hubAdmin, startHubProcess, type HubCommand, type HubProcess } from './hub-process';

/** The demo organization's director: acts for it without a power of attorney, and issues the clerk's МЧД. */
export const demoDirector: DemoPerson = {
  surname: 'Сергеева',
  givenNames: 'Ольга Николаевна',
  position: 'Генеральный директор',
  organization: 'ООО "Ромашка (песочница)"',
  orgInn: '7701234560',
  ogrn: '1027701234560',
  personInn: '770100000079',
  snils: '11223344595',
  city: 'Москва',
};

/** The clerk: a personal certificate, so every signature the clerk makes goes under the director's МЧД (docs/architecture.md §7). */
export const demoClerk: DemoEmployee = {
  surname: 'Иванова',
  givenNames: 'Мария Петровна',
  personInn: '770112345695',
  snils: '13579246894',
  city: 'Москва',
};

export const demoCounterparty: DemoPerson = {
  surname: 'Петров',
  givenNames: 'Сергей Иванович',
  position: 'Генеральный директор',
  organization: 'АО "Демо-контрагент"',
  orgInn: '7809876549',
  ogrn: '1027809876544',
  personInn: '780198765455',
  snils: '24681357994',
  city: 'Санкт-Петербург',
};

const kpp = { clerk: '770101001', counterparty: '780901001' };

const Org = z.object({ id: z.string(), name: z.string(), inn: z.string(), kpp: z.string().optional() });
type Org = z.infer<typeof Org>;

const SandboxState = z.object({
  version: z.literal(1),
  /** Where the hub answered last time; the clerk's profile points there while it is a sandbox profile. */
  hubUrl: z.url(),
  clerk: Org,
  counterparty: Org,
  createdAt: z.string(),
  /** Where the demo key passwords are: the OS keychain, or (none running at creation) the sandbox's demo file. */
  secrets: z.enum(['os-keychain', 'demo-file']).default('os-keychain'),
});
export type SandboxState = z.infer<typeof SandboxState>;

/** The sandbox's files, inside the clerk's profile; key and certificate paths are relative to the profile that uses them. */
export function sandboxPaths(profileDir: string) {
  const dir = join(resolve(profileDir), 'sandbox');
  return {
    dir,
    state: join(dir, 'sandbox.json'),
    hubData: join(dir, 'hub'),
    ca: join(dir, 'demo-ca.pem'),
    crlFolder: join(dir, 'crl'),
    counterpartyProfile: join(dir, 'counterparty'),
    /** The demo director's certificate (its key is never written: it signs the clerk's МЧД on the first start only). */
    directorCertificate: join(dir, 'director-certificate.pem'),
    clerkKey: 'sandbox/clerk-key.pem',
    clerkCertificate: 'sandbox/clerk-certificate.pem',
    clerkCa: 'sandbox/demo-ca.pem',
    clerkCrlFolder: 'sandbox/crl',
    counterpartyKey: 'key.pem',
    counterpartyCertificate: 'certificate.pem',
    counterpartyCa: '../demo-ca.pem',
    counterpartyCrlFolder: '../crl',
    clerkDemoSecrets: 'sandbox/demo-secrets.json',
    counterpartyDemoSecrets: 'demo-secrets.json',
  };
}

export function readSandboxState(profileDir: string): SandboxState | undefined {
  const file = sandboxPaths(profileDir).state;
  if (!existsSync(file)) return undefined;
  const parsed = SandboxState.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (!parsed.success)
    throw new Error(
      `The sandbox state ${file} is not valid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  return parsed.data;
}

/**
 * The profile was made by the sandbox and still uses it: the app starts the sandbox with it. A
 * clerk who has since set a real exchange server in Settings is no longer in the sandbox.
 */
export function isSandboxProfile(profileDir: string): boolean {
  const state = readSandboxState(profileDir);
  if (!state) return false;
  const settings = new ProfileSettingsFile(resolve(profileDir));
  return !settings.exists() || settings.read().serverUrl === state.hubUrl;
}

export type SandboxEvent = CounterpartyEvent | { type: 'hub-stopped'; code: number | null; log: string };

export interface SandboxOptions extends HubCommand {
  profileDir: string;
  schedule?: Partial<CounterpartySchedule>;
  timers?: Timers;
  onEvent?: (e: SandboxEvent) => void;
  /** The secrets of a profile folder; default: its OS keychain scope. */
  secretsFor?: (profileDir: string) => SecretStore;
}

export interface RunningSandbox {
  url: string;
  state: SandboxState;
  /** True when this start made the sandbox. */
  created: boolean;
  /** The demo keys' algorithm: GOST R 34.10-2012 256 since the sandbox made GOST keys; ECDSA P-256 in a sandbox made before. */
  algorithm: SignatureAlgorithm;
  hub: HubProcess;
  counterparty: DemoCounterparty;
  /** Stops the demo counterparty, then the hub; waits until the hub has exited. */
  stop(): Promise<void>;
}

/** Another process (the app, or `edo-clerk demo`) runs this profile's sandbox now: its hub is the profile's server already. */
export class SandboxBusyError extends Error {
  constructor(
    readonly pid: number,
    readonly since: string,
  ) {
    super(`The sandbox of this profile is already running (process ${pid}, since ${since})`);
    this.name = 'SandboxBusyError';
  }
}

/** The name acquireSessionLock gives its file: one sandbox per profile, as one session per profile. */
const lockFile = 'session.lock';

function lockSandbox(dir: string): SessionLock {
  mkdirSync(dir, { recursive: true });
  try {
    return acquireSessionLock(dir);
  } catch (e) {
    if (e instanceof SessionBusyError) throw new SandboxBusyError(e.pid, e.since);
    throw e;
  }
}

type SecretsKind = SandboxState['secrets'];
type SecretsFor = (dir: string) => SecretStore;

/**
 * Whether the OS keychain keeps a secret; where it cannot the sandbox keeps its demo passwords in
 * a file. A write, not a read: without a Secret Service a read may answer "none" and a write fail.
 */
async function keychainAnswers(profileDir: string): Promise<boolean> {
  const keychain = new OsKeychain(keychainScope(profileDir));
  try {
    await keychain.set('sandbox-probe', 'probe');
    await keychain.delete('sandbox-probe');
    return true;
  } catch (e) {
    if (e instanceof KeychainUnavailableError) return false;
    throw e;
  }
}

/** Each sandbox profile's secrets, before and after its settings exist. */
function sandboxSecrets(profileDir: string, kind: SecretsKind): SecretsFor {
  const paths = sandboxPaths(profileDir);
  if (kind === 'os-keychain') return (dir) => new OsKeychain(keychainScope(dir));
  return (dir) =>
    new DemoSecretsFile(
      dir === resolve(profileDir) ? join(dir, paths.clerkDemoSecrets) : join(dir, paths.counterpartyDemoSecrets),
    );
}

function certificateLogin(url: string, signer: Signer): Promise<HttpExchangeClient> {
  const client = new HttpExchangeClient(url);
  return client
    .authenticate({ method: 'certificate', signLogin: (content) => signDetached(content, signer) })
    .then(() => client);
}

/**
 * First start, before the hub runs: the PKI and the keys (passwords into the keychain). The
 * director's key lives only in memory, for the one МЧД it signs on this start: only its
 * certificate is kept.
 */
async function createKeys(profileDir: string, secretsFor: SecretsFor): Promise<KeySigner> {
  const paths = sandboxPaths(profileDir);
  // A sandbox whose setup stopped half way is thrown away and made again: it holds only demo data (the lock stays).
  for (const entry of readdirSync(paths.dir))
    if (entry !== lockFile) rmSync(join(paths.dir, entry), { recursive: true, force: true });
  mkdirSync(paths.counterpartyProfile, { recursive: true });
  const passwords = {
    clerk: randomBytes(24).toString('base64url'),
    counterparty: randomBytes(24).toString('base64url'),
  };
  await secretsFor(resolve(profileDir)).set(secretNames.keyPassword, passwords.clerk);
  await secretsFor(paths.counterpartyProfile).set(secretNames.keyPassword, passwords.counterparty);
  const directorPassword = randomBytes(24).toString('base64url');
  const pki = await createDemoPki([
    { person: demoClerk, password: passwords.clerk },
    { person: demoCounterparty, password: passwords.counterparty },
    { person: demoDirector, password: directorPassword },
  ]);
  type Key = (typeof pki.keys)[0];
  const [clerkKey, counterpartyKey, directorKey] = pki.keys as [Key, Key, Key];
  writeFileSync(paths.ca, pki.caCertificatePem);
  mkdirSync(paths.crlFolder);
  writeFileSync(join(paths.crlFolder, 'demo-ca.crl'), pki.crl);
  writeFileSync(join(profileDir, paths.clerkKey), clerkKey.keyPem, { mode: 0o600 });
  writeFileSync(join(profileDir, paths.clerkCertificate), clerkKey.certificatePem);
  writeFileSync(join(paths.counterpartyProfile, paths.counterpartyKey), counterpartyKey.keyPem, { mode: 0o600 });
  writeFileSync(join(paths.counterpartyProfile, paths.counterpartyCertificate), counterpartyKey.certificatePem);
  writeFileSync(paths.directorCertificate, directorKey.certificatePem);
  const [directorCertificate] = readCertificates(Buffer.from(directorKey.certificatePem));
  return new KeySigner(readPrivateKey(Buffer.from(directorKey.keyPem), directorPassword), directorCertificate!);
}

/** First start, once the hub runs (its operator key made GOST by `serve`): both organizations and their users. */
async function register(profileDir: string, options: SandboxOptions): Promise<{ clerk: Org; counterparty: Org }> {
  const paths = sandboxPaths(profileDir);
  const admin = <T>(args: string[]) => hubAdmin<T>(paths.hubData, args, options);
  await admin(['trust', 'add', paths.ca]);
  const add = async (person: DemoPerson, orgKpp: string, mode: string, certificateFile: string): Promise<Org> => {
    const org = Org.parse(
      await admin([
        'org',
        'add',
        '--name',
        person.organization,
        '--inn',
        person.orgInn,
        '--kpp',
        orgKpp,
        '--mode',
        mode,
      ]),
    );
    await admin(['user', 'add', '--org', org.id, '--cert', certificateFile]);
    return org;
  };
  const clerk = await add(demoDirector, kpp.clerk, 'workstation', paths.directorCertificate);
  await admin(['user', 'add', '--org', clerk.id, '--cert', join(profileDir, paths.clerkCertificate)]);
  return {
    clerk,
    counterparty: await add(
      demoCounterparty,
      kpp.counterparty,
      'server',
      join(paths.counterpartyProfile, paths.counterpartyCertificate),
    ),
  };
}

/** The two organizations become contacts: the counterparty invites, the clerk accepts. */
async function connect(
  profileDir: string,
  url: string,
  orgs: { clerk: Org; counterparty: Org },
  secretsFor: SecretsFor,
): Promise<void> {
  const paths = sandboxPaths(profileDir);
  const load = (dir: string, key: string, certificate: string) =>
    SoftwareSigner.load(
      {
        kind: 'pem',
        keyPath: join(dir, key),
        certificatePath: join(dir, certificate),
        passwordName: secretNames.keyPassword,
      },
      secretsFor(dir),
    );
  const counterparty = await certificateLogin(
    url,
    await load(paths.counterpartyProfile, paths.counterpartyKey, paths.counterpartyCertificate),
  );
  await counterparty.invite(orgs.clerk.id, 'Добрый день! Предлагаем обмениваться документами в песочнице EDO Clerk.');
  const clerk = await certificateLogin(url, await load(resolve(profileDir), paths.clerkKey, paths.clerkCertificate));
  await clerk.accept(orgs.counterparty.id);
}

/**
 * First start, once the clerk's profile is configured: the director issues the clerk an МЧД for
 * the whole term of the clerk's certificate with the default powers (sending documents, signing
 * service documents), registers it at the hub, and the clerk's profile attaches it, as `edo-clerk
 * poa create` and `poa use` would.
 */
async function issueClerkPowerOfAttorney(
  profileDir: string,
  url: string,
  clerkOrg: Org,
  director: KeySigner,
  secretsFor: SecretsFor,
): Promise<void> {
  const paths = sandboxPaths(profileDir);
  const [certificate] = readCertificates(readFileSync(join(profileDir, paths.clerkCertificate)));
  const organization = { name: clerkOrg.name, inn: clerkOrg.inn, kpp: kpp.clerk };
  const issued = await issueOrganizationPowerOfAttorney(url, organization, director, {
    representativeCertificate: certificate!,
    powerCodes: [],
    validUntil: moscowDate(describeCertificate(certificate!).notAfter),
    redelegation: false,
  });
  const client = await certificateLogin(url, director);
  const record = await registerPowerOfAttorney(client, issued);
  const profile = new ClerkProfile(resolve(profileDir), secretsFor(resolve(profileDir)));
  try {
    await attachPowerOfAttorney(profile, certificate!, issued, record);
  } finally {
    profile.close();
  }
}

/** The settings of both profiles, pointing at the hub's address of this start. */
function configure(profileDir: string, state: SandboxState, previousUrl: string | undefined): void {
  const paths = sandboxPaths(profileDir);
  const common = { serverUrl: state.hubUrl, auth: { method: 'certificate' as const }, startAtLogin: false };
  const demoFile = (file: string) => (state.secrets === 'demo-file' ? { demoSecretsFile: file } : {});
  const counterparty: ProfileSettingsInput = {
    ...common,
    ...demoFile(paths.counterpartyDemoSecrets),
    mode: 'server',
    scheduleMinutes: 0,
    signer: {
      kind: 'software',
      keyFile: paths.counterpartyKey,
      certificateFile: paths.counterpartyCertificate,
      encrypted: true,
    },
    trustedRoots: [paths.counterpartyCa],
    signatureChecks: { crlFolder: paths.counterpartyCrlFolder, offline: false },
  };
  new ProfileSettingsFile(paths.counterpartyProfile).write(counterparty);
  const clerkSettings = new ProfileSettingsFile(resolve(profileDir));
  if (!clerkSettings.exists()) {
    clerkSettings.write({
      ...common,
      mode: 'workstation',
      // Every minute, so the demo counterparty's documents and receipt notices show up soon.
      scheduleMinutes: 1,
      signer: { kind: 'software', keyFile: paths.clerkKey, certificateFile: paths.clerkCertificate, encrypted: true },
      trustedRoots: [paths.clerkCa],
      signatureChecks: { crlFolder: paths.clerkCrlFolder, offline: false },
      ...demoFile(paths.clerkDemoSecrets),
    });
  } else if (clerkSettings.read().serverUrl === previousUrl) {
    clerkSettings.update({ serverUrl: state.hubUrl });
  }
}

/**
 * Starts the sandbox for the clerk's profile: makes it on the first start (a profile that
 * already uses a real exchange server is refused), else reuses it; the hub listens on the
 * port it had before when that port is still free.
 */
export async function startSandbox(options: SandboxOptions): Promise<RunningSandbox> {
  const profileDir = resolve(options.profileDir);
  const paths = sandboxPaths(profileDir);
  const settings = new ProfileSettingsFile(profileDir);
  const existing = readSandboxState(profileDir);
  if (settings.exists() && !isSandboxProfile(profileDir)) {
    throw new Error(
      `The profile ${profileDir} already uses the exchange server ${settings.read().serverUrl}: the sandbox needs a profile of its own (give another profile folder)`,
    );
  }
  const lock = lockSandbox(paths.dir);
  let hub: HubProcess | undefined;
  try {
    const secretsKind: SecretsKind =
      existing?.secrets ?? (options.secretsFor || (await keychainAnswers(profileDir)) ? 'os-keychain' : 'demo-file');
    const secretsFor = options.secretsFor ?? sandboxSecrets(profileDir, secretsKind);
    const director = existing ? undefined : await createKeys(profileDir, secretsFor);
    const previousPort = existing ? Number(new URL(existing.hubUrl).port) : 0;
    // The operator key's kind is the hub's from its first start: a sandbox made before GOST keeps its ECDSA one.
    const serveArgs = existing ? [] : ['--operator-key', 'gost2012-256'];
    try {
      hub = await startHubProcess(paths.hubData, previousPort, options, serveArgs);
    } catch (e) {
      if (previousPort === 0) throw e;
      hub = await startHubProcess(paths.hubData, 0, options); // the old port is taken now
    }
    const started = hub;
    const orgs = existing ?? (await register(profileDir, options));
    const state: SandboxState = existing
      ? { ...existing, hubUrl: hub.url }
      : {
          version: 1,
          hubUrl: hub.url,
          clerk: orgs.clerk,
          counterparty: orgs.counterparty,
          createdAt: new Date().toISOString(),
          secrets: secretsKind,
        };
    if (!existing) await connect(profileDir, hub.url, orgs, secretsFor);
    writeFileSync(paths.state, `${JSON.stringify(state, null, 2)}\n`);
    configure(profileDir, state, existing?.hubUrl);
    if (director) await issueClerkPowerOfAttorney(profileDir, hub.url, state.clerk, director, secretsFor);
    const [clerkCertificate] = readCertificates(readFileSync(join(profileDir, paths.clerkCertificate)));
    const algorithm = algorithmForKey(spkiOfCertificate(clerkCertificate!))!.name;

    const onEvent = options.onEvent ?? (() => {});
    const counterparty = new DemoCounterparty(
      new ClerkProfile(paths.counterpartyProfile, secretsFor(paths.counterpartyProfile)),
      { from: state.counterparty, to: state.clerk },
      { ...defaultSchedule, ...options.schedule },
      options.timers ?? realTimers,
      onEvent,
    );
    let stopping = false;
    void started.exited.then((code) => {
      if (!stopping) onEvent({ type: 'hub-stopped', code, log: started.log() });
    });
    counterparty.start();
    return {
      url: started.url,
      state,
      created: !existing,
      algorithm,
      hub: started,
      counterparty,
      async stop() {
        stopping = true;
        try {
          await counterparty.stop();
          await started.stop();
        } finally {
          lock.release();
        }
      },
    };
  } catch (e) {
    await hub?.stop();
    lock.release();
    throw e;
  }
}
