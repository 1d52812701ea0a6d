// The setup of the agent's staff web client tests (node and Playwright): the real hub, two
// organizations with software keys, the sender's document received by the other's agent, run
// as `edo-clerk agent --web` over HTTPS with a throwaway certificate made by OpenSSL, and staff
// users at the hub: two of the agent's organization, one of the sender's.
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signDetached } from '../../src/crypto/cms';
import { HttpExchangeClient } from '../../src/exchange/http-client';
import { SoftwareSigner } from '../../src/token/software-signer';
import { clerk, expectExit, startClerk, type Org } from '../node/session-harness';
import { MemorySecrets } from './memory-secrets';
import { registerOrganization, startHub, type StartedHub } from './hub';
import { createTestPki, samplePeople } from './test-pki';

export const staffUsers = {
  /** Of the agent's organization. */
  staff: { login: 'buh-lyutik', name: 'Бухгалтер Лютика', password: 'staff-password-1' },
  /** Of the agent's organization too, for the wrong passwords (the hub throttles per login). */
  throttled: { login: 'kassa-lyutik', name: 'Касса Лютика', password: 'throttled-password-1' },
  /** Of the sender's organization. */
  other: { login: 'buh-romashka', name: 'Бухгалтер Ромашки', password: 'other-password-1' },
};
export const agentOrganizationName = 'ПАО "Лютик"';
export const receivedTitle = 'Счёт № 7';

export interface StaffAgent {
  hub: StartedHub;
  dir: string;
  agentProfile: string;
  /** The staff web client's address, https://127.0.0.1:PORT/ */
  base: string;
  /** The TLS certificate (PEM), to trust. */
  ca: string;
  certFile: string;
  stop(): Promise<void>;
}

export async function startStaffAgent(): Promise<StaffAgent> {
  // OCSP and CRL for the signatures' certificates: the agent checks the sender's signature at once.
  const pki = await createTestPki([], { revocation: true });
  const dir = mkdtempSync(join(tmpdir(), 'edo-staff-web-'));
  const hub = await startHub();
  let agent: ReturnType<typeof startClerk> | undefined;
  const cleanup = async () => {
    if (agent) {
      agent.child.kill('SIGTERM');
      await agent.done;
    }
    await hub.stop();
    await pki.cleanup();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await hub.admin(['trust', 'add', pki.caCertificateFile]);
    const run = (profile: string, args: string[]) => clerk([...args, '--profile', profile, '--json']);
    const people = {
      sender: { ...samplePeople.ivanova, organization: 'ООО "Ромашка"' },
      agent: {
        ...samplePeople.petrov,
        surname: 'Сидорова',
        givenNames: 'Анна Павловна',
        position: 'Оператор обмена',
        organization: agentOrganizationName,
        orgInn: '5401234566',
        personInn: '540112345605',
      },
    };
    const keyOf = async (name: string, person: typeof people.sender) => {
      const keys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const certificate = await pki.issue(keys.publicKey, person);
      writeFileSync(join(dir, `${name}-key.pem`), keys.privateKey.export({ type: 'pkcs8', format: 'pem' }));
      writeFileSync(join(dir, `${name}-cert.pem`), certificate.toString('pem'));
      return certificate.toString('pem');
    };
    const sender: Org = (
      await registerOrganization(hub, {
        name: people.sender.organization,
        inn: people.sender.orgInn,
        kpp: '770101001',
        certificatePems: [await keyOf('sender', people.sender)],
      })
    ).org;
    const agentOrg: Org = (
      await registerOrganization(hub, {
        name: people.agent.organization,
        inn: people.agent.orgInn,
        kpp: '540101001',
        mode: 'server',
        certificatePems: [await keyOf('agent', people.agent)],
      })
    ).org;
    const senderProfile = join(dir, 'sender');
    const agentProfile = join(dir, 'agent');
    const init = (profile: string, name: string, extra: string[]) =>
      run(profile, [
        'profile',
        'init',
        '--server',
        hub.url,
        '--trust',
        pki.caCertificateFile,
        '--key-file',
        join(dir, `${name}-key.pem`),
        '--cert-file',
        join(dir, `${name}-cert.pem`),
        ...extra,
      ]);
    expectExit(await init(senderProfile, 'sender', []), 0);
    expectExit(await init(agentProfile, 'agent', ['--mode', 'server']), 0);
    // Contacts straight at the hub: fewer CLI processes to start on a loaded machine.
    const hubClient = async (name: string) => {
      const signer = await SoftwareSigner.load(
        { kind: 'pem', keyPath: join(dir, `${name}-key.pem`), certificatePath: join(dir, `${name}-cert.pem`) },
        new MemorySecrets(),
      );
      const client = new HttpExchangeClient(hub.url);
      await client.authenticate({ method: 'certificate', signLogin: (content) => signDetached(content, signer) });
      return client;
    };
    await (await hubClient('sender')).invite(agentOrg.id);
    await (await hubClient('agent')).accept(sender.id);
    // The sender's session fetches the directory and the contact; `send` signs and sends in its own.
    expectExit(await run(senderProfile, ['session']), 0);
    writeFileSync(join(dir, 'schet-7.pdf'), `%PDF-1.7 ${receivedTitle}\n`);
    expectExit(
      await run(senderProfile, ['send', join(dir, 'schet-7.pdf'), '--to', agentOrg.inn, '--title', receivedTitle]),
      0,
    );

    for (const [org, user] of [
      [agentOrg, staffUsers.staff],
      [agentOrg, staffUsers.throttled],
      [sender, staffUsers.other],
    ] as const) {
      await hub.admin(['user', 'add', '--org', org.id, '--login', user.login, '--name', user.name], {
        stdin: `${user.password}\n`,
      });
    }

    const certFile = join(dir, 'tls-cert.pem');
    const keyFile = join(dir, 'tls-key.pem');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-keyout',
        keyFile,
        '-out',
        certFile,
        '-days',
        '1',
        '-subj',
        '/CN=edo-clerk agent',
        '-addext',
        'subjectAltName=IP:127.0.0.1,DNS:localhost',
      ],
      { stdio: 'pipe' },
    );

    agent = startClerk([
      'agent',
      '--profile',
      agentProfile,
      '--lang',
      'en',
      '--interval',
      '3600',
      '--web',
      '127.0.0.1:0',
      '--tls-cert',
      certFile,
      '--tls-key',
      keyFile,
    ]);
    let stderr = '';
    agent.child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    // The web client starts first, then the agent's first session receives the document and signs its receipt.
    for (
      const until = Date.now() + 60_000;
      !/^session .*: \w+/m.test(stderr);
      await new Promise((r) => setTimeout(r, 200))
    ) {
      if (agent.child.exitCode !== null || Date.now() > until)
        throw new Error(`the agent did not start its web client and first session: ${stderr}`);
    }
    if (!/^session .*: done/m.test(stderr)) throw new Error(`the agent's first session did not end well: ${stderr}`);
    return {
      hub,
      dir,
      agentProfile,
      base: /The staff web client: (https:\/\/127\.0\.0\.1:\d+\/)/.exec(stderr)![1]!,
      ca: readFileSync(certFile, 'utf8'),
      certFile,
      stop: cleanup,
    };
  } catch (e) {
    await cleanup();
    throw e;
  }
}
