// Shared by the exchange benchmarks (bench/session, bench/host): two profiles made contacts at
// the hub, A inviting and B accepting, each logged in with its own token.
import type { ClerkProfile, PinSource } from '../src/exchange/profile';
import type { Org } from '../test/node/session-harness';

export async function connectContacts(
  a: ClerkProfile,
  aOrg: Org,
  b: ClerkProfile,
  bOrg: Org,
  pins: PinSource,
): Promise<void> {
  const connect = async (from: ClerkProfile, to: Org, accept: boolean) => {
    const hubSide = await from.connect(pins);
    await (accept ? hubSide.client.accept(to.id) : hubSide.client.invite(to.id));
    hubSide.close();
  };
  await connect(a, bOrg, false);
  await connect(b, aOrg, true);
}
