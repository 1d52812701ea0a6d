import { describe, expect, it } from 'vitest';
import { sessionPolicy } from './policy';

describe('operating modes decide who runs sessions and who signs', () => {
  it('server: only the agent signs; a clerk may still exchange by hand; no background schedule', () => {
    expect(sessionPolicy('server', 'agent')).toMatchObject({ allowed: true, sign: true, interactive: false });
    expect(sessionPolicy('server', 'manual')).toMatchObject({
      allowed: true,
      sign: false,
      reason: expect.stringMatching(/agent signs/),
    });
    expect(sessionPolicy('server', 'schedule')).toMatchObject({
      allowed: false,
      reason: expect.stringMatching(/only in "workstation"/),
    });
  });

  it('workstation: the background schedule and the clerk sign with the token; no agent', () => {
    expect(sessionPolicy('workstation', 'schedule')).toMatchObject({ allowed: true, sign: true, interactive: false });
    expect(sessionPolicy('workstation', 'manual')).toMatchObject({ allowed: true, sign: true, interactive: true });
    expect(sessionPolicy('workstation', 'agent')).toMatchObject({
      allowed: false,
      reason: expect.stringMatching(/only in "server"/),
    });
  });

  it('manual: only on demand', () => {
    expect(sessionPolicy('manual', 'manual')).toMatchObject({ allowed: true, sign: true });
    expect(sessionPolicy('manual', 'schedule').allowed).toBe(false);
    expect(sessionPolicy('manual', 'agent').allowed).toBe(false);
  });
});
