// edo-clerk: the clerk's command line. Runs in: Node (a terminal, a scheduled task, the agent).
import { readFileSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ClerkProfile } from '../exchange/profile';
import { defaultProfileDir } from '../settings/profile-dir';
import { archiveGet, archiveList, archiveStatus, archiveVerify } from './archive';
import * as commands from './commands';
import { card, evidence, verifyEvidence } from './evidence';
import { poaCreate, poaUse } from './poa';
import { demo } from '../sandbox/cli';
import { web } from '../web/cli';
import { commandHelp } from './help';
import { str } from './options';
import { commonOptions, usage } from './usage';
import { cliLanguage, cliText, LanguageError, type CliLanguage } from './i18n';
import { coreErrorCode, coreErrorText } from './errors';
import { CliError, makeOutput, type Output } from './output';

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

type OptionSpec = NonNullable<ParseArgsConfig['options']>;
const common: OptionSpec = { profile: { type: 'string' }, json: { type: 'boolean' }, lang: { type: 'string' } };
const token: OptionSpec = { module: { type: 'string' }, token: { type: 'string' }, 'pin-stdin': { type: 'boolean' } };
const listing: OptionSpec = {
  search: { type: 'string' },
  counterparty: { type: 'string' },
  status: { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  limit: { type: 'string' },
  offset: { type: 'string' },
};

const archiveOptions: OptionSpec = { ...token, 'operator-cert': { type: 'string' } };

type Handler = (
  profile: ClerkProfile,
  options: commands.Options,
  positional: string[],
  out: Output,
) => number | Promise<number>;

interface Command {
  options: OptionSpec;
  /** Positional arguments allowed. */
  positional?: number;
  run: Handler;
}

const table: Record<string, Command> = {
  'profile init': {
    options: {
      server: { type: 'string' },
      mode: { type: 'string' },
      login: { type: 'string' },
      'certificate-login': { type: 'boolean' },
      'password-stdin': { type: 'boolean' },
      'key-file': { type: 'string' },
      'cert-file': { type: 'string' },
      'key-password-stdin': { type: 'boolean' },
      module: { type: 'string' },
      token: { type: 'string' },
      trust: { type: 'string', multiple: true },
      schedule: { type: 'string' },
      'tsa-url': { type: 'string' },
      'crl-folder': { type: 'string' },
      'ocsp-proxy': { type: 'string' },
      'offline-checks': { type: 'boolean' },
      'online-checks': { type: 'boolean' },
    },
    run: (p, o, _a, out) => commands.profileInit(p, o, out),
  },
  'profile show': { options: {}, run: (p, o, _a, out) => commands.profileShow(p, o, out) },
  'token list': { options: { module: { type: 'string' } }, run: (p, o, _a, out) => commands.tokenList(p, o, out) },
  'token login': {
    options: { ...token, keep: { type: 'boolean' } },
    run: (p, o, _a, out) => commands.tokenLogin(p, o, out),
  },
  sign: { options: { ...token, out: { type: 'string' } }, positional: 1, run: commands.sign },
  verify: {
    options: { trust: { type: 'string', multiple: true }, at: { type: 'string' }, offline: { type: 'boolean' } },
    positional: 2,
    run: commands.verify,
  },
  send: {
    options: {
      ...token,
      to: { type: 'string' },
      title: { type: 'string' },
      kind: { type: 'string' },
      'no-receipt': { type: 'boolean' },
      'request-signature': { type: 'boolean' },
      'queue-only': { type: 'boolean' },
    },
    positional: 1,
    run: commands.send,
  },
  inbox: { options: listing, run: (p, o, _a, out) => commands.listDocuments('in')(p, o, out) },
  outbox: { options: listing, run: (p, o, _a, out) => commands.listDocuments('out')(p, o, out) },
  'outbox retry': {
    options: { ...token, 'queue-only': { type: 'boolean' } },
    positional: 1,
    run: commands.refusedDocumentCommand('retry'),
  },
  'outbox remove': { options: {}, positional: 1, run: commands.refusedDocumentCommand('remove') },
  contacts: { options: {}, run: (p, o, _a, out) => commands.contacts(p, o, out) },
  'contact invite': {
    options: { ...token, message: { type: 'string' } },
    positional: 1,
    run: commands.contactAction('invite'),
  },
  'contact accept': { options: token, positional: 1, run: commands.contactAction('accept') },
  'contact reject': { options: token, positional: 1, run: commands.contactAction('reject') },
  pending: { options: {}, run: (p, o, _a, out) => commands.pending(p, o, out) },
  clarify: {
    options: { ...token, text: { type: 'string' }, 'queue-only': { type: 'boolean' } },
    positional: 1,
    run: commands.clarify,
  },
  awaiting: { options: {}, run: (p, o, _a, out) => commands.awaiting(p, o, out) },
  'sign-document': {
    options: { ...token, 'queue-only': { type: 'boolean' } },
    positional: 1,
    run: commands.workflowCommand('sign', 'sign-document'),
  },
  refuse: {
    options: { ...token, reason: { type: 'string' }, 'queue-only': { type: 'boolean' } },
    positional: 1,
    run: commands.workflowCommand('refuse-signature', 'refuse'),
  },
  annul: {
    options: { ...token, reason: { type: 'string' }, 'queue-only': { type: 'boolean' } },
    positional: 1,
    run: commands.workflowCommand('propose-annulment', 'annul'),
  },
  'annulment accept': {
    options: { ...token, 'queue-only': { type: 'boolean' } },
    positional: 1,
    run: commands.workflowCommand('accept-annulment', 'annulment accept'),
  },
  'annulment reject': {
    options: { ...token, reason: { type: 'string' }, 'queue-only': { type: 'boolean' } },
    positional: 1,
    run: commands.workflowCommand('reject-annulment', 'annulment reject'),
  },
  session: {
    options: { ...token, background: { type: 'boolean' } },
    run: (p, o, _a, out) => commands.session(p, o, out),
  },
  agent: {
    options: {
      interval: { type: 'string' },
      once: { type: 'boolean' },
      web: { type: 'string' },
      'tls-cert': { type: 'string' },
      'tls-key': { type: 'string' },
    },
    run: (p, o, _a, out) => commands.agent(p, o, out),
  },
  demo: { options: {}, run: demo },
  web: { options: { port: { type: 'string' }, sandbox: { type: 'boolean' }, open: { type: 'boolean' } }, run: web },
  'archive status': { options: archiveOptions, run: archiveStatus },
  'archive list': { options: archiveOptions, run: archiveList },
  'archive verify': { options: archiveOptions, run: archiveVerify },
  'archive get': { options: { ...archiveOptions, out: { type: 'string' } }, positional: 1, run: archiveGet },
  card: { options: { ...token, out: { type: 'string' } }, positional: 1, run: card },
  evidence: { options: { ...token, out: { type: 'string' } }, positional: 1, run: evidence },
  'verify-evidence': {
    options: { at: { type: 'string' }, trust: { type: 'string', multiple: true }, 'operator-cert': { type: 'string' } },
    positional: 1,
    run: verifyEvidence,
  },
  'poa create': {
    options: {
      ...token,
      representative: { type: 'string' },
      powers: { type: 'string' },
      text: { type: 'string' },
      'valid-until': { type: 'string' },
      'no-redelegation': { type: 'boolean' },
      out: { type: 'string' },
    },
    run: poaCreate,
  },
  'poa use': {
    options: { ...token, signature: { type: 'string' }, cert: { type: 'string' } },
    positional: 1,
    run: poaUse,
  },
};

/** The language before the command's options are parsed (an unknown command, a bad option): --lang as given, else the locale's. */
function earlyLanguage(argv: string[]): CliLanguage {
  const at = argv.findIndex((a) => a === '--lang' || a.startsWith('--lang='));
  const given = at < 0 ? undefined : argv[at]!.includes('=') ? argv[at]!.slice('--lang='.length) : argv[at + 1];
  try {
    return cliLanguage(given, process.env);
  } catch {
    return cliLanguage(undefined, process.env);
  }
}

export async function main(argv: string[]): Promise<number> {
  const [first = 'help', second] = argv;
  const asked =
    first === 'help'
      ? argv.slice(1)
      : argv.includes('--help') || argv.includes('-h')
        ? argv.filter((a) => !a.startsWith('-')).slice(0, 2)
        : undefined;
  const early = earlyLanguage(argv);
  const unknown = (command: string) =>
    `edo-clerk: ${cliText(early, 'command.unknown', { command })}\n\n${usage(early)}`;
  if (first === '--help' || first === '-h' || (asked && asked.length === 0)) {
    console.log(usage(early));
    return 0;
  }
  if (asked) {
    // "help archive get", "archive get --help"; a second word that is no subcommand is an argument.
    const help =
      commandHelp(usage(early), asked.join(' '), commonOptions(early)) ??
      commandHelp(usage(early), asked[0]!, commonOptions(early));
    if (!help) {
      console.error(unknown(asked.join(' ')));
      return 1;
    }
    console.log(help);
    return 0;
  }
  if (first === 'version' || first === '--version') {
    console.log(version());
    return 0;
  }
  const name = second !== undefined && table[`${first} ${second}`] ? `${first} ${second}` : first;
  const command = table[name];
  if (!command) {
    console.error(unknown(argv.slice(0, 2).join(' ')));
    return 1;
  }
  const rest = argv.slice(name.split(' ').length);
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: rest,
      options: { ...common, ...command.options },
      allowPositionals: true,
      strict: true,
    });
  } catch (e) {
    // node:util's own words ("Unknown option '--x'"), named by the command.
    console.error(`edo-clerk ${name}: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  }
  const options = parsed.values as commands.Options;
  const profile = new ClerkProfile(typeof options.profile === 'string' ? options.profile : defaultProfileDir());
  let language: CliLanguage;
  try {
    language = cliLanguage(str(options, 'lang'), process.env, commands.profileLanguage(profile));
  } catch (e) {
    profile.close();
    if (!(e instanceof LanguageError)) throw e;
    console.error(`edo-clerk ${name}: ${e.message}`);
    return 1;
  }
  // The МЧД's words the core makes (a refusal before signing, a session's pending reason) follow the command's language.
  profile.language = language;
  const out = makeOutput(options.json === true, language);
  if (parsed.positionals.length > (command.positional ?? 0)) {
    profile.close();
    console.error(
      `edo-clerk ${name}: ${out.t('argument.unexpected', { value: parsed.positionals[command.positional ?? 0]! })}`,
    );
    return 1;
  }
  try {
    return await command.run(profile, options, parsed.positionals, out);
  } catch (e) {
    const exitCode = e instanceof CliError ? e.exitCode : 1;
    // --json: a stable code beside the words: the core's code, else the words' key, else "failed".
    const code =
      (e instanceof CliError ? (e.code ?? e.words?.key ?? coreErrorCode(e.cause)) : coreErrorCode(e)) ?? 'failed';
    const message = e instanceof CliError ? e.text(language) : coreErrorText(e, language);
    if (out.json) process.stdout.write(`${JSON.stringify({ error: message, code, exitCode })}\n`);
    else console.error(`edo-clerk ${name}: ${message}`);
    return exitCode;
  } finally {
    profile.close();
  }
}

process.exitCode = await main(process.argv.slice(2));
