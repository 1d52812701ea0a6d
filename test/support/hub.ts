// A real exchange hub for tests: `edo-hub serve` started as a child process on loopback (port
// 0), with a temporary data directory, and its administration commands run the same way.
//
//   const hub = await startHub();                  // or startHub({ dataDir, args: ['--max-blob-size', '1024'] })
//   await hub.admin(['trust', 'add', pki.caCertificateFile]);
//   const org = await hub.admin(['org', 'add', '--name', 'ООО "Ромашка"', '--inn', '7701234560', '--kpp', '770101001']);
//   await hub.admin(['user', 'add', '--org', org.id, '--cert', certFile]);
//   await hub.admin(['user', 'add', '--org', org.id, '--login', 'agent'], { stdin: 'secret' });
//   fetch(`${hub.url}/v1/health`);
//   await hub.stop();                              // SIGTERM, waits for the exit; removes a temp data dir
//
// admin(args) appends `--data DIR --json` and returns the command's parsed JSON output; a
// failing command rejects with its stderr. `hub.log()` is what the hub wrote to stderr so far
// (pino JSON lines, one per request).
//
// On PostgreSQL: `startHub({ backend })` with a backend of test/support/databases.ts (a fresh
// database; the admin commands get the same --database), or `{ databaseUrl }` to reopen one.
// `hub.query(sql, params)` reads the hub's database on either backend, for tests that count rows.
//
// For calling the hub without the real client: `new HubApi(hub.url)`, `api.call(method, path,
// {json, body, headers})` → {status, headers, json, body}, and `loginWithSigner(hub.url, signer)`
// (challenge → detached CMS over loginSignedContent → POST /v1/auth/certificate) → {api, login}.
// `registerOrganization(hub, {name, inn, kpp, certificatePems})` adds an organization and one
// certificate user per PEM (the CA must be trusted with `trust add` for them to log in);
// `registerTokenOrganization(hub, pki.tokens[0], {kpp, mode})` does it for the organization of
// a test token's holder, with a certificate user for every key on the token.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { signDetached } from '../../src/crypto/cms';
import type { Signer } from '../../src/crypto/signer';
import {
  loginSignedContent,
  type ChallengeResponse,
  type LoginResponse,
  type OwnSubscriber,
  type User,
} from '../../src/protocol';
import { PostgresDatabase } from '../../server/storage/postgres-db';
import type { SqlDatabase, SqlValue } from '../../server/storage/sql';
import { SqliteDatabase } from '../../server/storage/sqlite-db';
import type { TestBackend } from './databases';

const root = resolve(import.meta.dirname, '../..');
const cli = join(root, 'server/cli.ts');
const nodeArgs = ['--import', 'tsx', cli];

export interface StartedHub {
  url: string;
  dataDir: string;
  /** The PostgreSQL database it serves, or undefined for SQLite files in dataDir. */
  databaseUrl: string | undefined;
  pid: number;
  /** Runs `edo-hub ARGS --data DIR --json`; resolves to its JSON output. */
  admin<T = any>(args: string[], options?: { stdin?: string }): Promise<T>; // eslint-disable-line @typescript-eslint/no-explicit-any
  /** The hub's stderr (structured log lines) so far. */
  log(): string;
  /** Runs one SQL statement on the hub's database (hub.sqlite or its PostgreSQL database). */
  query<T>(text: string, params?: readonly SqlValue[]): Promise<T[]>;
  /** SIGTERM and wait for a graceful exit; resolves to the exit code. */
  stop(): Promise<number | null>;
  process: ChildProcess;
}

export interface StartHubOptions {
  /** Reuse a data directory (kept at stop); default: a new temporary one (removed at stop). */
  dataDir?: string;
  /** More `serve` options: --max-blob-size, --token-ttl, --log-level. */
  args?: string[];
  /** The storage backend; default SQLite in the data directory. */
  backend?: TestBackend;
  /** A PostgreSQL database to serve (another instance's, or a restarted hub's). */
  databaseUrl?: string;
}

/** Opens the hub's database the way the hub does, for a test's look at its rows. */
export function openHubDatabase(hub: Pick<StartedHub, 'dataDir' | 'databaseUrl'>): SqlDatabase {
  return hub.databaseUrl
    ? new PostgresDatabase(hub.databaseUrl, { max: 1 })
    : new SqliteDatabase(join(hub.dataDir, 'hub.sqlite'));
}

export function runHubCommand(
  args: string[],
  options: { stdin?: string } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [...nodeArgs, ...args], { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code, stdout, stderr }));
    child.stdin.end(options.stdin ?? '');
  });
}

export async function startHub(options: StartHubOptions = {}): Promise<StartedHub> {
  const ownDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'edo-hub-'));
  const databaseArgs = options.databaseUrl
    ? ['--database', options.databaseUrl]
    : ((await options.backend?.serveArgs()) ?? []);
  const databaseUrl = databaseArgs[1];
  const child = spawn(
    process.execPath,
    [...nodeArgs, 'serve', '--data', dataDir, '--port', '0', '--json', ...databaseArgs, ...(options.args ?? [])],
    {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));

  const started = await new Promise<{ url: string; pid: number }>((resolveStart, reject) => {
    const lines = createInterface({ input: child.stdout! });
    const timer = setTimeout(() => reject(new Error(`edo-hub did not start within 30 s:\n${stderr}`)), 30_000);
    lines.once('line', (line) => {
      clearTimeout(timer);
      try {
        resolveStart(JSON.parse(line) as { url: string; pid: number });
      } catch {
        reject(new Error(`edo-hub printed "${line}" instead of its JSON line:\n${stderr}`));
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`edo-hub exited with ${code} before listening:\n${stderr}`));
    });
  });

  let stopping: Promise<number | null> | undefined;
  return {
    url: started.url,
    dataDir,
    databaseUrl,
    pid: started.pid,
    process: child,
    log: () => stderr,
    async query<T>(text: string, params?: readonly SqlValue[]) {
      const db = openHubDatabase({ dataDir, databaseUrl });
      try {
        return await db.all<T>(text, params);
      } finally {
        await db.close();
      }
    },
    async admin(args, adminOptions = {}) {
      const result = await runHubCommand([...args, '--data', dataDir, ...databaseArgs, '--json'], adminOptions);
      if (result.code !== 0)
        throw new Error(`edo-hub ${args.join(' ')} failed (${result.code}): ${result.stderr.trim()}`);
      return JSON.parse(result.stdout);
    },
    stop() {
      stopping ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
        const code = await exited;
        if (ownDir) rmSync(dataDir, { recursive: true, force: true });
        return code;
      })();
      return stopping;
    },
  };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export interface HubAnswer<T = any> {
  status: number;
  headers: Headers;
  /** The parsed JSON body (undefined when the body is not JSON). */
  json: T;
  /** The raw body. */
  body: Buffer;
}

/** A thin fetch wrapper over the hub, for tests that look at statuses and error bodies. */
export class HubApi {
  constructor(
    readonly url: string,
    readonly token?: string,
  ) {}

  withToken(token: string): HubApi {
    return new HubApi(this.url, token);
  }

  async call<T = any>( // eslint-disable-line @typescript-eslint/no-explicit-any
    method: string,
    path: string,
    options: { json?: unknown; body?: Buffer | string | ReadableStream; headers?: Record<string, string> } = {},
  ): Promise<HubAnswer<T>> {
    const headers: Record<string, string> = {
      ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
      ...options.headers,
    };
    let body: RequestInit['body'];
    if (options.json !== undefined) {
      headers['content-type'] ??= 'application/json';
      body = JSON.stringify(options.json);
    } else if (options.body !== undefined) {
      headers['content-type'] ??= 'application/octet-stream';
      body = options.body as RequestInit['body'];
    }
    const response = await fetch(`${this.url}${path}`, {
      method,
      headers,
      body,
      ...(body instanceof ReadableStream ? { duplex: 'half' } : {}),
    } as RequestInit);
    const raw = Buffer.from(await response.arrayBuffer());
    let json: T = undefined as T;
    if (response.headers.get('content-type')?.includes('application/json') && raw.length > 0)
      json = JSON.parse(raw.toString('utf8')) as T;
    return { status: response.status, headers: response.headers, json, body: raw };
  }
}

/** Logs in by signing the login content for the hub's challenge with `signer` (a token key, or any Signer). */
export async function loginWithSigner(url: string, signer: Signer): Promise<{ api: HubApi; login: LoginResponse }> {
  const anonymous = new HubApi(url);
  const challenge = await anonymous.call<ChallengeResponse>('POST', '/v1/auth/challenge', { json: {} });
  if (challenge.status !== 200) throw new Error(`challenge failed: ${challenge.status} ${challenge.body.toString()}`);
  const signature = await signDetached(
    Buffer.from(
      loginSignedContent({ origin: url, challengeId: challenge.json.challengeId, nonce: challenge.json.nonce }),
    ),
    signer,
  );
  const answer = await anonymous.call<LoginResponse>('POST', '/v1/auth/certificate', {
    json: { challengeId: challenge.json.challengeId, signature: signature.toString('base64') },
  });
  if (answer.status !== 200) throw new Error(`certificate login failed: ${answer.status} ${answer.body.toString()}`);
  return { api: anonymous.withToken(answer.json.accessToken), login: answer.json };
}

/** Registers an organization and a certificate user for each PEM; returns both as the hub shows them. */
export async function registerOrganization(
  hub: StartedHub,
  o: {
    name: string;
    inn: string;
    kpp?: string;
    ogrn?: string;
    mode?: 'server' | 'workstation' | 'manual';
    certificatePems?: string[];
  },
): Promise<{ org: OwnSubscriber; users: User[] }> {
  const org = await hub.admin<OwnSubscriber>([
    'org',
    'add',
    '--name',
    o.name,
    '--inn',
    o.inn,
    ...(o.kpp ? ['--kpp', o.kpp] : []),
    ...(o.ogrn ? ['--ogrn', o.ogrn] : []),
    ...(o.mode ? ['--mode', o.mode] : []),
  ]);
  const users: User[] = [];
  for (const pem of o.certificatePems ?? []) {
    const dir = mkdtempSync(join(tmpdir(), 'edo-hub-cert-'));
    const file = join(dir, 'user.pem');
    writeFileSync(file, pem);
    users.push(await hub.admin<User>(['user', 'add', '--org', org.id, '--cert', file]));
    rmSync(dir, { recursive: true, force: true });
  }
  return { org, users };
}

/** A test token as test-pki makes it, typed by what is used here (the e2e suites load test-pki untyped). */
export interface HeldToken {
  /** A personal certificate's holder names no organization. */
  keys: { person: { surname: string; organization?: string; orgInn?: string }; certificatePem: string }[];
}

/** Registers the organization of the token's holder (the person of its first key) and a certificate user for every key on the token. */
export function registerTokenOrganization(
  hub: StartedHub,
  token: HeldToken,
  o: { kpp: string; mode?: 'server' | 'workstation' | 'manual' },
): Promise<{ org: OwnSubscriber; users: User[] }> {
  const holder = token.keys[0]!.person;
  if (!holder.organization || !holder.orgInn)
    throw new Error(
      "The token's first key is a personal certificate, which names no organization: use registerOrganization",
    );
  return registerOrganization(hub, {
    name: holder.organization,
    inn: holder.orgInn,
    ...o,
    certificatePems: token.keys.map((k) => k.certificatePem),
  });
}
