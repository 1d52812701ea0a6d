// The session engine run in this process against the real hub (test/support/hub.ts), for the
// suites that reach into it (a client's answers changed, a store inspected between runs).
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signDetached } from '../../src/crypto/cms';
import { KeySigner } from '../../src/crypto/key-signer';
import type { HttpExchangeClient } from '../../src/exchange/http-client';
import { formatsServiceDocuments } from '../../src/exchange/service-documents';
import {
  runExchangeSession,
  type ServiceDocumentFactory,
  type SessionDeps,
  type SessionResult,
} from '../../src/exchange/session';
import { ClerkStore } from '../../src/store';
import { registerOrganization, startHub, type StartedHub } from '../support/hub';
import { createTestPki, samplePeople, type TestPki } from '../support/test-pki';

export interface InProcessClerk<C extends HttpExchangeClient> {
  /** The profile folder. */
  dir: string;
  store: ClerkStore;
  /** Logs in. */
  login: KeySigner;
  /** Signs documents and service documents: the login key, or a second certificate of the same person. */
  signer: KeySigner;
  client: C;
  /** The organization's subscriber id. */
  id: string;
  factory: ServiceDocumentFactory;
  session(extra?: Partial<SessionDeps>): Promise<SessionResult>;
}

export interface InProcessExchange<C extends HttpExchangeClient> {
  pki: TestPki;
  hub: StartedHub;
  dir: string;
  a: InProcessClerk<C>;
  b: InProcessClerk<C>;
  stop(): Promise<void>;
}

/**
 * A test PKI whose CA answers OCSP and CRL requests (OpenSSL), a real hub trusting it, and
 * Иванова's and Петров's organizations, each with an ECDSA key (and a second one to sign with,
 * with `separateSigner`), each profile in `dir/profile-N`, a first session each, connected as
 * contacts.
 */
export async function inProcessExchange<C extends HttpExchangeClient>(
  prefix: string,
  client: (url: string) => C,
  options: { separateSigner?: boolean } = {},
): Promise<InProcessExchange<C>> {
  const pki = await createTestPki([{ label: 'unused', keys: [] }], { revocation: true });
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const hub = await startHub();
  await hub.admin(['trust', 'add', pki.caCertificateFile]);
  const caDer = Buffer.from(pki.caCertificatePem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
  const clerks: InProcessClerk<C>[] = [];
  for (const [i, person] of [samplePeople.ivanova, samplePeople.petrov].entries()) {
    const issue = async () => {
      const keys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const issued = await pki.issue(keys.publicKey, person);
      return { signer: new KeySigner(keys.privateKey, Buffer.from(issued.rawData)), pem: issued.toString('pem') };
    };
    const login = await issue();
    const signing = options.separateSigner ? await issue() : login;
    const certificatePems = [...new Set([login.pem, signing.pem])];
    const { org } = await registerOrganization(hub, {
      name: person.organization,
      inn: person.orgInn,
      kpp: `77010100${i}`,
      certificatePems,
    });
    const profile = join(dir, `profile-${i}`);
    const store = ClerkStore.open(profile);
    const side: InProcessClerk<C> = {
      dir: profile,
      store,
      login: login.signer,
      signer: signing.signer,
      client: client(hub.url),
      id: org.id,
      factory: formatsServiceDocuments({ counterparty: (id) => store.subscriber(id) }),
      session: (extra = {}) =>
        runExchangeSession({
          store: side.store,
          client: side.client,
          trigger: 'manual',
          mode: 'workstation',
          authenticator: async () => ({
            method: 'certificate',
            signLogin: (content) => signDetached(content, side.login),
          }),
          trustedRoots: [caDer],
          signer: { acquire: async () => side.signer },
          serviceDocuments: side.factory,
          ...extra,
        }),
    };
    clerks.push(side);
  }
  const [a, b] = clerks as [InProcessClerk<C>, InProcessClerk<C>];
  for (const side of clerks) {
    const first = await side.session();
    if (first.outcome !== 'done')
      throw new Error(`the first session of ${side.id} ended ${first.outcome}: ${first.error ?? ''}`);
  }
  await a.client.invite(b.id);
  await b.client.accept(a.id);
  return {
    pki,
    hub,
    dir,
    a,
    b,
    async stop() {
      for (const side of clerks) side.store.close();
      await hub.stop();
      pki.cleanup();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
