// Two hub instances on one PostgreSQL behind one public address (docs/architecture.md §8): a
// loopback reverse proxy in front of both, the instances started with --public-origin (the
// proxy's address) and --trust-proxy (the proxy's own address). A clerk logs in through the
// proxy whichever instance answers; the login throttle counts each client's address, not the
// proxy's, on both instances together; and forwarded headers from anyone but the proxy are
// not believed, as each instance's request log shows.
import { request } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Signer } from '../../src/crypto/signer';
import type { TokenSession } from '../../src/token/session';
import { backends, closeDatabases } from '../support/databases';
import { startHttpProxy, type HttpProxy } from '../support/http-proxy';
import { loginWithSigner, runHubCommand, startHub, type StartedHub } from '../support/hub';
import { softhsm } from '../support/system';
import type { TestPki } from '../support/test-pki';
import { startTwoOrganizations, tokenSigner } from '../support/token-hub';

const part = softhsm();
const postgres = backends.find((b) => b.name === 'postgres')!;
/** The proxy's own address, the one the instances trust; the clients' addresses are others of 127/8. */
const proxyAddress = '127.0.0.9';

/** One request from the loopback address `from`, as a client on that machine makes it. */
function callFrom(
  from: string,
  url: string,
  path: string,
  json: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; json: { error?: string; accessToken?: string } }> {
  const body = JSON.stringify(json);
  const target = new URL(url);
  const options = {
    host: target.hostname,
    port: target.port,
    localAddress: from,
    method: 'POST',
    path,
    headers: { 'content-type': 'application/json', ...headers },
  };
  return new Promise((resolve, reject) => {
    const req = request(options, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode!, json: JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') }),
      );
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** The addresses an instance's request log names for a path. */
const loggedAddresses = (hub: StartedHub, url: string) =>
  hub
    .log()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { msg?: string; url?: string; address?: string })
    .filter((l) => l.msg === 'request' && l.url === url)
    .map((l) => l.address);

describe.skipIf(!part.ok || postgres.skip !== undefined)(
  `two hub instances behind one proxy ${part.reason ?? ''} ${postgres.skip ?? ''}`,
  () => {
    let pki: TestPki;
    let dataDir: string;
    let proxy: HttpProxy;
    let one: StartedHub;
    let two: StartedHub;
    const sessions: TokenSession[] = [];
    let signerA: Signer;

    beforeAll(async () => {
      dataDir = mkdtempSync(join(tmpdir(), 'edo-hub-proxy-'));
      proxy = await startHttpProxy({ from: proxyAddress });
      const args = ['--public-origin', proxy.url, '--trust-proxy', proxyAddress];
      const { a, ...started } = await startTwoOrganizations({}, { backend: postgres, dataDir, args });
      ({ pki, hub: one } = started);
      two = await startHub({ dataDir, databaseUrl: one.databaseUrl!, args });
      proxy.forwardTo([one.url, two.url]);
      signerA = await tokenSigner(pki, sessions, 'clerk-a');
      await one.admin(['user', 'add', '--org', a.org.id, '--login', 'romashka-agent'], {
        stdin: 'correct horse battery staple\n',
      });
    });

    afterAll(async () => {
      for (const s of sessions) s.close();
      await two?.stop();
      await one?.stop();
      await proxy?.close();
      pki?.cleanup();
      await closeDatabases();
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    });

    it('logs a clerk in through the proxy, each instance signing logins for the public origin', async () => {
      const logins = [await loginWithSigner(proxy.url, signerA), await loginWithSigner(proxy.url, signerA)];
      // Challenge and login of each went to different instances in turn: the challenge is in the shared database.
      expect([...proxy.served.keys()].sort()).toEqual([one.url, two.url].sort());
      for (const { api, login } of logins) {
        const me = await api.call('GET', '/v1/me');
        expect(me.status, me.body.toString()).toBe(200);
        expect(me.json.user.id).toBe(login.user.id);
      }
    });

    it("throttles a client's address, not the proxy's, counted on both instances together", async () => {
      const login = (from: string, name: string, password: string) =>
        callFrom(from, proxy.url, '/v1/auth/password', { login: name, password });
      // Failed logins from 127.0.0.2, each under another name, so only the address's count grows.
      let failures = 0;
      let answer = await login('127.0.0.2', 'nobody-0', 'wrong');
      while (answer.status === 401 && failures < 40) answer = await login('127.0.0.2', `nobody-${++failures}`, 'wrong');
      expect(answer.status).toBe(429);
      expect(answer.json.error).toBe('too-many-attempts');
      expect(failures).toBeGreaterThanOrEqual(20); // the address's free failures
      expect((await login('127.0.0.2', 'romashka-agent', 'correct horse battery staple')).status).toBe(429);
      // Another client behind the same proxy is not held back.
      const other = await login('127.0.0.3', 'romashka-agent', 'correct horse battery staple');
      expect(other.status).toBe(200);
      expect(other.json.accessToken).toEqual(expect.any(String));
      // Both instances saw the client's address, none the proxy's (a log line may still be on its way).
      for (const hub of [one, two])
        await vi.waitFor(() => expect(loggedAddresses(hub, '/v1/auth/password')).toContain('127.0.0.2'));
      await vi.waitFor(() =>
        expect([one, two].flatMap((hub) => loggedAddresses(hub, '/v1/auth/password'))).toContain('127.0.0.3'),
      );
      for (const hub of [one, two]) expect(loggedAddresses(hub, '/v1/auth/password')).not.toContain(proxyAddress);
    });

    it('believes forwarded headers from the named proxy only', async () => {
      // Straight at instance one, claiming to be 127.0.0.3 (the client the throttle let through).
      const forged = await callFrom(
        '127.0.0.4',
        one.url,
        '/v1/auth/password',
        { login: 'nobody-forged', password: 'wrong' },
        { 'x-forwarded-for': '127.0.0.3' },
      );
      expect(forged.status).toBe(401);
      await vi.waitFor(() => expect(loggedAddresses(one, '/v1/auth/password')).toContain('127.0.0.4'));
      // 127.0.0.3 came once, through the proxy: the forged header was not believed.
      expect(
        [one, two].flatMap((hub) => loggedAddresses(hub, '/v1/auth/password')).filter((a) => a === '127.0.0.3'),
      ).toHaveLength(1);
    });

    it('refuses a --trust-proxy that names no address', async () => {
      const run = await runHubCommand([
        'serve',
        '--data',
        dataDir,
        '--database',
        one.databaseUrl!,
        '--port',
        '0',
        '--trust-proxy',
        '127.0.0.9,proxy.example',
      ]);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('--trust-proxy: IP-адреса или диапазоны CIDR прокси');
      expect(run.stderr).toContain('«proxy.example»');
    });
  },
);
