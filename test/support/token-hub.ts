// Test-PKI tokens at a real hub, for tests that call the hub without the client (Node only:
// the e2e config cannot compile test-pki, see test/e2e/support/node-fixtures.ts).
//
//   const { pki, hub, a, b } = await startTwoOrganizations({ b: 'server' });
//   const signerA = await tokenSigner(pki, sessions, 'clerk-a');    // sessions: closed by the test
import type { Signer } from '../../src/crypto/signer';
import type { OwnSubscriber, User } from '../../src/protocol';
import { openToken, type TokenSession } from '../../src/token/session';
import { registerTokenOrganization, startHub, type StartedHub, type StartHubOptions } from './hub';
import { createTestPki, samplePeople, type TestPki } from './test-pki';

/** Logs in to the token `label` with its PIN and gives the signer of its (first) key; the session goes to `sessions` for the caller to close. */
export async function tokenSigner(pki: TestPki, sessions: TokenSession[], label: string): Promise<Signer> {
  const token = pki.tokens.find((t) => t.label === label);
  if (!token) throw new Error(`the test PKI has no token "${label}"`);
  const session = openToken({ modulePath: pki.modulePath, token: label });
  sessions.push(session);
  await session.login(token.pin);
  return session.signer(token.keys[0]!.id.toString('hex'));
}

type OperatingMode = 'server' | 'workstation' | 'manual';

/**
 * A new hub that trusts a new test PKI, with two organizations whose first (administrator) user
 * is their token's holder: a, ООО "Ромашка" (Иванова, token clerk-a, ECDSA-P256, KPP 770101001);
 * b, АО "Василёк" (Петров, token clerk-b, RSA-2048, KPP 780101001). The caller stops the hub and
 * cleans up the PKI. `hubOptions` pick the backend (startHub).
 */
export async function startTwoOrganizations(
  modes: { a?: OperatingMode; b?: OperatingMode } = {},
  hubOptions: StartHubOptions = {},
): Promise<{
  pki: TestPki;
  hub: StartedHub;
  a: { org: OwnSubscriber; users: User[] };
  b: { org: OwnSubscriber; users: User[] };
}> {
  const pki = await createTestPki([
    { label: 'clerk-a', keys: [{ algorithm: 'ECDSA-P256', person: samplePeople.ivanova }] },
    { label: 'clerk-b', keys: [{ algorithm: 'RSA-2048', person: samplePeople.petrov }] },
  ]);
  let hub: StartedHub | undefined;
  try {
    hub = await startHub(hubOptions);
    await hub.admin(['trust', 'add', pki.caCertificateFile]);
    const a = await registerTokenOrganization(hub, pki.tokens[0]!, { kpp: '770101001', mode: modes.a });
    const b = await registerTokenOrganization(hub, pki.tokens[1]!, { kpp: '780101001', mode: modes.b });
    return { pki, hub, a, b };
  } catch (e) {
    await hub?.stop();
    pki.cleanup();
    throw e;
  }
}
