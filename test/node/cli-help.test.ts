// `edo-clerk help COMMAND` and `edo-clerk COMMAND --help` as a clerk types them: the real CLI.
import { describe, expect, it } from 'vitest';
import { clerk, expectExit } from './session-harness';

describe('edo-clerk per-command help', () => {
  it('shows one command with its options, either way it is asked, and does nothing else', async () => {
    const [asHelp, asOption, withArgument] = await Promise.all([clerk(['help', 'send']), clerk(['send', '--help']), clerk(['send', 'akt.pdf', '--help'])]);
    for (const run of [asHelp, asOption, withArgument]) {
      const out = expectExit(run, 0).stdout;
      expect(out).toMatch(/^Usage: edo-clerk\n {2}send FILE --to SUBSCRIBER/);
      expect(out).toContain('sign, put into the outbox, and run an exchange session');
      expect(out).toContain('Every command takes --profile DIR');
      expect(out).not.toContain('inbox | outbox');
    }
  }, 120_000);

  it('refuses an unknown command, naming it', async () => {
    const run = await clerk(['help', 'sendd'], { env: { ...process.env, LC_ALL: 'en_US.UTF-8' } });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('edo-clerk: unknown command "sendd"');
  }, 60_000);
});
