// The agent's web client for its organization's staff (issue 14): `edo-clerk agent --web` as a
// real child process over HTTPS with a throwaway certificate made by OpenSSL, the real hub on
// 127.0.0.1, software keys. A staff user logs in with their hub login and password and the
// Inbox lists what the agent received; a wrong password is refused and then throttled, a user
// of another organization is refused, and a request without the cookie, from another site
// (Origin) or under another name (Host) is refused. Off loopback the agent will not serve
// without TLS.
import { request } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ClerkProfile } from '../../src/exchange/profile';
import { LoginThrottle } from '../../src/protocol/login-throttle';
import { staffAccess, staffThrottle } from '../../src/web/staff';
import {
  agentOrganizationName,
  receivedTitle,
  staffUsers,
  startStaffAgent,
  type StaffAgent,
} from '../support/staff-agent';
import { softhsm } from '../support/system';
import { clerk } from './session-harness';

const hsm = softhsm();
/** The TLS name checked, whatever Host a request sends (the certificate has it besides 127.0.0.1). */
const tlsName = 'localhost';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

describe.skipIf(!hsm.ok)(`the agent's web client for its organization's staff ${hsm.reason ?? ''}`, () => {
  let setup: StaffAgent;
  let base: string;
  let ca: string;
  let cookie: string;
  const profAgent = () => setup.agentProfile;
  const { staff, throttled, other } = staffUsers;

  /** One HTTPS request with exactly these headers (fetch would not let a test set Host or Origin). */
  function call(method: string, path: string, headers: Record<string, string> = {}, body?: unknown): Promise<Reply> {
    return new Promise((resolve, reject) => {
      const json = body === undefined ? undefined : JSON.stringify(body);
      const req = request(
        new URL(path, base),
        {
          method,
          ca,
          servername: tlsName,
          headers: { ...(json ? { 'Content-Type': 'application/json' } : {}), ...headers },
        },
        (res) => {
          let text = '';
          res.on('data', (d: Buffer) => (text += d.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
        },
      );
      req.once('error', reject);
      req.end(json);
    });
  }
  const origin = () => new URL(base).origin;
  const logIn = (login: string, password: string) => call('POST', '/login', { Origin: origin() }, { login, password });

  /** The HTTP status an upgrade to the WebSocket gets (101 when it is let in). */
  function upgrade(headers: Record<string, string>): Promise<{ status: number; ws?: WebSocket }> {
    return new Promise((resolve) => {
      // ws hands its options to tls.connect, servername included (its types leave it out).
      const ws = new WebSocket(`wss://${new URL(base).host}/api`, {
        headers,
        ca,
        servername: tlsName,
      } as WebSocket.ClientOptions);
      ws.once('open', () => resolve({ status: 101, ws }));
      ws.once('unexpected-response', (_req, res) => resolve({ status: res.statusCode ?? 0 }));
      ws.once('error', () => resolve({ status: 0 }));
    });
  }

  /** Calls the registry over the socket, as the page does; the answer carries the call's id. */
  function invoke(
    ws: WebSocket,
    id: number,
    channel: string,
    args?: unknown,
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
  ): Promise<{ result?: any; error?: { name: string; message: string } }> {
    return new Promise((resolve) => {
      const onMessage = (m: Buffer) => {
        const answer = JSON.parse(m.toString());
        if (answer.id !== id) return;
        ws.off('message', onMessage);
        resolve(answer);
      };
      ws.on('message', onMessage);
      ws.send(JSON.stringify({ id, channel, args }));
    });
  }

  beforeAll(async () => {
    setup = await startStaffAgent();
    ({ base, ca } = setup);
  }, 240_000);

  afterAll(async () => {
    await setup?.stop();
  });

  it('will not serve off this machine without TLS, and says what to give', async () => {
    // In Russian by default (the C locale names no language), in English when asked.
    const refused = await clerk(['agent', '--profile', profAgent(), '--web', '0.0.0.0:8443']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('там нужен HTTPS, укажите --tls-cert ФАЙЛ и --tls-key ФАЙЛ (PEM)');
    const english = await clerk(['agent', '--profile', profAgent(), '--web', '0.0.0.0:8443', '--lang', 'en']);
    expect(english.stderr).toContain('HTTPS is required there, give --tls-cert FILE and --tls-key FILE');
    const halfTls = await clerk([
      'agent',
      '--profile',
      profAgent(),
      '--web',
      '0.0.0.0:8443',
      '--tls-cert',
      setup.certFile,
      '--lang',
      'en',
    ]);
    expect(halfTls.stderr).toContain('--tls-cert FILE and --tls-key FILE go together');
  });

  it('a staff user logs in with the hub login and password and sees the received document in the Inbox', async () => {
    expect(JSON.parse((await call('GET', '/session')).body)).toEqual({ access: 'staff', user: null });
    const login = await logIn(staff.login, staff.password);
    expect(login.status).toBe(200);
    expect(JSON.parse(login.body)).toEqual({
      access: 'staff',
      user: { login: staff.login, name: staff.name, organization: agentOrganizationName },
    });
    const setCookie = login.headers['set-cookie']!;
    expect(setCookie).toHaveLength(1);
    expect(setCookie[0]).toMatch(
      /^edo-clerk-session=[\w-]{43}; HttpOnly; SameSite=Strict; Path=\/; Secure; Max-Age=\d+$/,
    );
    cookie = setCookie[0]!.split(';')[0]!;
    expect(JSON.parse((await call('GET', '/session', { Cookie: cookie })).body).user.login).toBe(staff.login);
    const page = await call('GET', '/', { Cookie: cookie });
    expect(page.status).toBe(200);
    expect(page.headers['content-security-policy']).toContain("default-src 'self'");

    const { status, ws } = await upgrade({ Cookie: cookie, Origin: origin() });
    expect(status).toBe(101);
    try {
      const inbox = await invoke(ws!, 1, 'documents:list', { direction: 'in', offset: 0, limit: 10 });
      expect(inbox.result.rows.map((r: { title: string }) => r.title)).toEqual([receivedTitle]);
      // The agent signed its receipt notice as before.
      expect(inbox.result.rows[0].status).toBe('receipt-sent');
      expect((await invoke(ws!, 2, 'archive:status')).error).toBeUndefined();
      // What is the agent's own (its token, settings, sending) is not open to staff; arguments are checked as for IPC.
      for (const [n, channel, args] of [
        [3, 'token:status'],
        [4, 'settings:set', { language: 'en' }],
        [5, 'outbox:send'],
        [6, 'pending:sign', { all: true }],
      ] as const) {
        expect((await invoke(ws!, n, channel, args)).error).toEqual({
          name: 'InvalidMessageError',
          message: expect.stringContaining(`${channel} is not open to staff`),
        });
      }
      expect(
        (await invoke(ws!, 7, 'documents:list', { direction: 'trash', offset: 0, limit: 10 })).error?.message,
      ).toMatch(/^Invalid arguments for documents:list/);
    } finally {
      ws!.close();
    }
  });

  it('refuses a request without the cookie, with a forged one, from another site or under another name', async () => {
    expect((await upgrade({ Origin: origin() })).status).toBe(401);
    expect((await upgrade({ Origin: origin(), Cookie: 'edo-clerk-session=forged' })).status).toBe(401);
    expect((await upgrade({ Cookie: cookie })).status).toBe(403);
    expect((await upgrade({ Cookie: cookie, Origin: 'https://evil.example' })).status).toBe(403);
    expect((await upgrade({ Cookie: cookie, Origin: origin(), Host: 'rebound.example' })).status).toBe(421);
    expect((await call('GET', '/', { Cookie: cookie, Host: `rebound.example:${new URL(base).port}` })).status).toBe(
      421,
    );
    // A login form on another site cannot post here, and neither can a request that hides its Origin.
    expect(
      (
        await call(
          'POST',
          '/login',
          { Origin: 'https://evil.example' },
          { login: staff.login, password: staff.password },
        )
      ).status,
    ).toBe(403);
    expect((await call('POST', '/login', {}, { login: staff.login, password: staff.password })).status).toBe(403);
    const malformed = await call('POST', '/login', { Origin: origin() }, { login: staff.login });
    expect(malformed.status).toBe(400);
    expect(JSON.parse(malformed.body).error).toBe('invalid-request');
  });

  it('refuses a user of another organization, with a clear reason and no session', async () => {
    const refused = await logIn(other.login, other.password);
    expect(refused.status).toBe(403);
    expect(JSON.parse(refused.body)).toMatchObject({
      error: 'other-organization',
      message: expect.stringContaining('another organization'),
    });
    expect(refused.headers['set-cookie']).toBeUndefined();
  });

  it('ends the session at logout: the cookie lets nothing in any more', async () => {
    const out = await call('POST', '/logout', { Cookie: cookie, Origin: origin() });
    expect(out.headers['set-cookie']![0]).toMatch(/Max-Age=0/);
    expect((await upgrade({ Cookie: cookie, Origin: origin() })).status).toBe(401);
  });

  it('refuses a wrong password, then throttles it with the time to try again', async () => {
    const first = await logIn(throttled.login, 'wrong-password');
    expect(first.status).toBe(401);
    expect(JSON.parse(first.body)).toEqual({ error: 'login-failed', message: 'Wrong login or password' });
    let answer = first;
    for (let i = 0; i < 10 && answer.status === 401; i++) answer = await logIn(throttled.login, 'wrong-password');
    expect(answer.status).toBe(429);
    const refusal = JSON.parse(answer.body);
    expect(refusal).toMatchObject({
      error: 'too-many-attempts',
      message: expect.stringMatching(/^Too many failed logins: try again at /),
    });
    expect(refusal.retryAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    expect(Number(answer.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('counts wrong logins per client address too, whatever login they name', async () => {
    // The agent's own rule, here with a wait too long to run out during the test.
    const access = staffAccess(
      new ClerkProfile(profAgent()),
      new LoginThrottle({ ...staffThrottle, freeFailures: { account: 3, address: 2 }, firstWaitMs: 10 * 60_000 }),
    );
    const attempt = (login: string, address: string) => access.login({ login, password: 'guess-1' }, address);
    expect(await attempt('nobody-1', '198.51.100.7')).toMatchObject({
      status: 401,
      refusal: { error: 'login-failed' },
    });
    expect(await attempt('nobody-2', '198.51.100.7')).toMatchObject({ status: 401 });
    expect(await attempt('nobody-3', '198.51.100.7')).toMatchObject({
      status: 429,
      refusal: { error: 'too-many-attempts', retryAt: expect.any(String) },
    });
    // Another client is not held up by this one.
    expect(await attempt('nobody-4', '198.51.100.8')).toMatchObject({
      status: 401,
      refusal: { error: 'login-failed' },
    });
  });
});
