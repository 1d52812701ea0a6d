// The МЧД of the day (docs/architecture.md §7): which machine-readable power of attorney the day's
// certificate signs under, as the token prompt shows it: its number, the principal, its last day,
// and whether it is in force, ends within two weeks, or would get every signature refused
// (expired, revoked, not registered at the hub, none attached to a personal certificate). The
// profile's setting (powersOfAttorney, per certificate) names it; once the day's login reaches the
// hub, the hub's registry says its status and dates, which then stand over the profile's.
import type { DayPowerOfAttorney, DayPowerOfAttorneyState, TokenStatus } from '../ipc/contract';
import { HubError, type HttpExchangeClient } from '../exchange/http-client';
import type { ClerkProfile } from '../exchange/profile';
import { moscowDate } from '../formats';
import type { PowerOfAttorneyRecord } from '../protocol';
import type { PowerOfAttorneySetting } from '../settings/settings';

/** How many days before its last day an МЧД is shown as ending (two weeks). */
export const EXPIRY_WARNING_DAYS = 14;

export interface DayFacts {
  /** The day's certificate: the organization INN it names (INNLE), its DER's SHA-256. */
  owner: { inn?: string; sha256: string };
  powersOfAttorney: readonly PowerOfAttorneySetting[];
  /** The organization the profile signs for, once a session has named it. */
  organization?: { name: string; inn: string };
  /** The hub's record of the МЧД, asked this day; null: the hub has none under its number. */
  hub?: PowerOfAttorneyRecord | null;
  /** Today in Moscow's calendar (YYYY-MM-DD), as the hub counts an МЧД's term. */
  today: string;
}

const daysFrom = (from: string, to: string) => Math.round((Date.parse(to) - Date.parse(from)) / 86_400_000);

/** The МЧД the day's certificate signs under; undefined when the certificate names the organization (no МЧД needed). */
export function dayPowerOfAttorney(f: DayFacts): DayPowerOfAttorney | undefined {
  const org = f.organization;
  // The hub's rule (INNLE of the organization): before the first session names it, any organization's.
  if (f.owner.inn && (!org || f.owner.inn === org.inn)) return undefined;
  const attached = f.powersOfAttorney.find(
    (p) => p.certificateSha256 === f.owner.sha256 && (!org || p.principalInn === org.inn),
  );
  if (!attached) return { state: 'missing', checkedAtHub: false };
  const { hub } = f;
  const validUntil = hub?.validUntil ?? attached.validUntil;
  const issuedOn = hub?.issuedOn ?? attached.issuedOn;
  const daysLeft = daysFrom(f.today, validUntil);
  const state: DayPowerOfAttorneyState =
    hub === null
      ? 'unregistered'
      : hub?.status === 'revoked'
        ? 'revoked'
        : hub?.status === 'expired' || daysLeft < 0
          ? 'expired'
          : hub?.status === 'created' || f.today < issuedOn
            ? 'not-begun'
            : daysLeft <= EXPIRY_WARNING_DAYS
              ? 'expiring'
              : 'in-force';
  return {
    state,
    number: attached.number,
    principal: org?.name ?? attached.principalInn,
    validUntil,
    daysLeft,
    checkedAtHub: hub !== undefined,
  };
}

/** How long the hub's answer about an МЧД (or its silence) stands before it is asked again. */
const ANSWER_MS = 10 * 60_000;

/**
 * The token status with the day's МЧД: from the profile at once, and from the hub once the day's
 * login can sign in there (asked in the background; `changed` is called when it answers).
 */
export class DayPowersOfAttorney {
  private readonly answers = new Map<string, { at: number; record?: PowerOfAttorneyRecord | null }>();

  constructor(
    private readonly profile: ClerkProfile,
    /** A hub client signed in with the day's login. */
    private readonly hub: () => Promise<{ client: HttpExchangeClient }>,
    private readonly changed: () => void,
    private readonly now: () => Date = () => new Date(),
  ) {}

  of(status: TokenStatus): TokenStatus {
    if (!status.owner || !this.profile.settingsFile.exists()) return status;
    const store = this.profile.store;
    const ownId = store.ownSubscriberId();
    const own = ownId ? store.subscriber(ownId) : undefined;
    const settings = this.profile.settings;
    const facts = {
      owner: status.owner,
      powersOfAttorney: settings.powersOfAttorney,
      ...(own?.inn ? { organization: { name: own.name, inn: own.inn } } : {}),
      today: moscowDate(this.now()),
    };
    const local = dayPowerOfAttorney(facts);
    if (!local?.number) return local ? { ...status, powerOfAttorney: local } : status;
    const answer = this.answers.get(local.number);
    if (status.state === 'logged-in' && (!answer || this.now().getTime() - answer.at > ANSWER_MS))
      this.ask(local.number);
    const poa = answer?.record === undefined ? local : dayPowerOfAttorney({ ...facts, hub: answer.record });
    return { ...status, powerOfAttorney: poa ?? local };
  }

  private ask(number: string): void {
    // Marked at once, so one login asks once however often the status is read meanwhile.
    this.answers.set(number, { ...this.answers.get(number), at: this.now().getTime() });
    void this.record(number).then(
      (record) => {
        this.answers.set(number, { at: this.now().getTime(), record });
        this.changed();
      },
      // The hub out of reach: the profile's dates stand; the signing pre-check asks again anyway.
      () => undefined,
    );
  }

  private async record(number: string): Promise<PowerOfAttorneyRecord | null> {
    const { client } = await this.hub();
    try {
      const {
        xml: _xml,
        signature: _signature,
        ...record
      } = await client.call('getPowerOfAttorney', {
        params: { number },
      });
      return record;
    } catch (e) {
      if (e instanceof HubError && e.code === 'not-found') return null;
      throw e;
    }
  }
}
