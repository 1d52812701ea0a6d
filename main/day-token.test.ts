// Runs in: Node (vitest); no electron involved. The day's token on real SoftHSM tokens with a
// PIN the clerk chose to keep: it logs in once when the token appears; a kept PIN the token
// refuses is deleted from the keychain at once, never tried again, and the clerk is asked.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { softhsm } from '../test/support/system';
import { createTestPki, samplePeople, type TestPki } from '../test/support/test-pki';
import { DayToken, type KeptPins } from './day-token';

const hsm = softhsm();

/** The keychain's kept PINs, counting every read. */
function keptPins(initial: Record<string, string>) {
  const pins = new Map(Object.entries(initial));
  const reads: string[] = [];
  const store: KeptPins = {
    get: async (serial) => {
      reads.push(serial);
      return pins.get(serial);
    },
    delete: async (serial) => void pins.delete(serial),
  };
  return { pins, reads, store };
}

describe.skipIf(!hsm.ok)(`the day's token with a kept PIN ${hsm.reason}`, () => {
  let pki: TestPki;
  const made: DayToken[] = [];
  const dayToken = (label: string, kept: KeptPins) => {
    const t = new DayToken(
      { modulePath: pki.modulePath, token: label },
      undefined,
      { intervalMs: 30, settleMs: 60 },
      kept,
    );
    made.push(t);
    return t;
  };

  beforeAll(async () => {
    pki = await createTestPki([
      { label: 'kept-right', pin: '1111', keys: [{ algorithm: 'ECDSA-P256', person: samplePeople.ivanova }] },
      { label: 'kept-wrong', pin: '2222', keys: [{ algorithm: 'ECDSA-P256', person: samplePeople.petrov }] },
    ]);
  });

  afterAll(() => {
    for (const t of made) t.close();
    pki?.cleanup();
  });

  const serialOf = (label: string) => pki.tokens.find((t) => t.label === label)!.serial;

  it('logs in with the kept PIN when the token appears, and signs without the clerk', async () => {
    const kept = keptPins({ [serialOf('kept-right')]: '1111' });
    const token = dayToken('kept-right', kept.store);
    const heard: string[] = [];
    token.onChange((s) => heard.push(s.state));
    await expect.poll(() => token.status().state).toBe('logged-in');
    // Its arrival is announced logged in already: the session it starts needs no clerk.
    expect(heard[0]).toBe('logged-in');
    const signer = await token.signerSource.acquire();
    expect(signer.certificate.length).toBeGreaterThan(0);
    expect(kept.reads).toEqual([serialOf('kept-right')]);
    expect(kept.pins.size).toBe(1);
  });

  it('a kept PIN the token refuses is deleted at once, not tried again, and the clerk is asked', async () => {
    const serial = serialOf('kept-wrong');
    const kept = keptPins({ [serial]: '9999' });
    const token = dayToken('kept-wrong', kept.store);
    await expect.poll(() => kept.pins.has(serial)).toBe(false);
    expect(token.status().state).toBe('present');
    await expect(token.signerSource.acquire()).rejects.toMatchObject({ code: 'pin-required' });
    // The same refused PIN back in the keychain (one that failed to delete it) is read when the
    // token appears to a new DayToken (the settings changed), but not tried: it stays unused.
    kept.pins.set(serial, '9999');
    token.close();
    const again = dayToken('kept-wrong', kept.store);
    await expect.poll(() => kept.reads.length).toBe(2);
    expect(kept.pins.get(serial)).toBe('9999');
    expect(again.status().state).toBe('present');
    // The clerk's own login still works.
    expect(await again.login('2222')).toMatchObject({ ok: true, status: { state: 'logged-in' } });
  });
});
