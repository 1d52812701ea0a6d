// `edo-clerk help COMMAND` and `edo-clerk COMMAND --help` as a clerk types them: the real CLI.
import { describe, expect, it } from 'vitest';
import { clerk, expectExit } from './session-harness';

describe('edo-clerk per-command help', () => {
  it('shows one command with its options, either way it is asked, and does nothing else', async () => {
    const [asHelp, asOption, withArgument] = await Promise.all([
      clerk(['help', 'send']),
      clerk(['send', '--help']),
      clerk(['send', 'akt.pdf', '--help']),
    ]);
    for (const run of [asHelp, asOption, withArgument]) {
      const out = expectExit(run, 0).stdout;
      expect(out).toMatch(/^Использование: edo-clerk\n {2}send FILE --to SUBSCRIBER/);
      expect(out).toContain('подписать, поместить в исходящие и провести сеанс обмена');
      expect(out).toContain('Все команды принимают --profile КАТАЛОГ');
      expect(out).not.toContain('inbox | outbox');
    }
    // The same lines to type, the words in English when asked.
    const english = expectExit(await clerk(['help', 'send', '--lang', 'en']), 0).stdout;
    expect(english).toMatch(/^Usage: edo-clerk\n {2}send FILE --to SUBSCRIBER/);
    expect(english).toContain('sign, put into the outbox, and run an exchange session');
    expect(english).toContain('Every command takes --profile DIR');
  }, 120_000);

  it('refuses an unknown command, naming it', async () => {
    const run = await clerk(['help', 'sendd'], { env: { ...process.env, LC_ALL: 'en_US.UTF-8' } });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('edo-clerk: unknown command "sendd"');
  }, 60_000);
});
