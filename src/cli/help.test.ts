import { describe, expect, it } from 'vitest';
import { commandHelp } from './help';

const usage = `edo-clerk — EDO Clerk on the command line

Usage: edo-clerk <command> [options]

Commands:
  token list [--module PATH]         tokens plugged in
  send FILE --to SUBSCRIBER [--title T]
                                     sign, put into the outbox, and run an exchange session
  inbox | outbox [--search TEXT] [--limit N]
  contact invite|accept|reject SUBSCRIBER [--message TEXT]
                                     change a contact at the hub
  archive status | list | verify [--operator-cert CERT.pem]
                                     the archive at the hub, checked here
  archive get N [--out DIR]          download archived entry N
  help | version

Every command takes --profile DIR.`;
const trailer = 'Every command takes --profile DIR.';

describe('per-command help, cut from the one usage text', () => {
  it("gives a command's lines with their continuation, and the options every command takes", () => {
    expect(commandHelp(usage, 'send', trailer)).toBe(
      `Usage: edo-clerk\n  send FILE --to SUBSCRIBER [--title T]\n                                     sign, put into the outbox, and run an exchange session\n\n${trailer}`,
    );
  });

  it('finds each of "inbox | outbox", a command with subcommands whole, and one subcommand alone', () => {
    expect(commandHelp(usage, 'outbox', trailer)).toContain('  inbox | outbox [--search TEXT]');
    const archive = commandHelp(usage, 'archive', trailer)!;
    expect(archive).toContain('archive status | list | verify');
    expect(archive).toContain('archive get N');
    const get = commandHelp(usage, 'archive get', trailer)!;
    expect(get).toContain('archive get N');
    expect(get).not.toContain('archive status');
    expect(commandHelp(usage, 'contact accept', trailer)).toContain('contact invite|accept|reject SUBSCRIBER');
  });

  it('names no command that is only a word inside another', () => {
    expect(commandHelp(usage, 'list', trailer)).toBeUndefined();
    expect(commandHelp(usage, 'invite', trailer)).toBeUndefined();
    expect(commandHelp(usage, 'sendd', trailer)).toBeUndefined();
  });
});
