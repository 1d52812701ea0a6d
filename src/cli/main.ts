// edo-clerk: the clerk's command line. Runs in: Node (a terminal, a scheduled task, the agent).
import { readFileSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ClerkProfile } from '../exchange/profile';
import { SessionBusyError } from '../exchange/lock';
import { defaultProfileDir } from '../settings/profile-dir';
import { archiveGet, archiveList, archiveStatus, archiveVerify } from './archive';
import * as commands from './commands';
import { card, evidence, verifyEvidence } from './evidence';
import { poaCreate, poaUse } from './poa';
import { demo } from '../sandbox/cli';
import { web } from '../web/cli';
import { commandHelp } from './help';
import { str } from './options';
import { cliLanguage, cliText, LanguageError, type CliLanguage } from './i18n';
import { CliError, makeOutput, type Output } from './output';

const commonOptions = `Every command takes --profile DIR (default: $EDO_CLERK_PROFILE or the app's profile), --json and
--lang ru|en (default: the locale's language from LC_ALL, LC_MESSAGES or LANG, else the profile's,
else Russian; times are shown in the machine's time zone, TZ, and --json keeps them ISO in UTC);
edo-clerk help COMMAND or edo-clerk COMMAND --help shows one command.
Token commands take --module PATH and --token LABEL|SERIAL (else the profile's), and ask for
the PIN on the terminal, or read it from standard input with --pin-stdin.`;

const usage = `edo-clerk — EDO Clerk on the command line

Usage: edo-clerk <command> [options]

Commands:
  profile init --server URL [--mode server|workstation|manual] [--login LOGIN --password-stdin]
               [--token LABEL|SERIAL] [--module PATH] [--key-file FILE [--cert-file FILE] [--key-password-stdin]]
               [--trust CA.pem]... [--schedule MINUTES]
               [--tsa-url URL] [--crl-folder DIR] [--ocsp-proxy URL] [--offline-checks | --online-checks]
                                     create or update a profile (the last four: time-stamps of our own
                                     signatures, and certificate status in closed networks)
  profile show                       settings and counts
  token list [--module PATH]         tokens plugged in, their PIN state and certificates
  token login [--keep]               check the PIN (and keep it in the OS keychain for background sessions)
  sign FILE [--out FILE.sig]         detached CMS signature with the token
  verify FILE FILE.sig [--trust CA.pem]... [--at ISO] [--offline]
                                     check a signature at its time-stamp's time (else --at, else now) with the
                                     certificate status it carries, then OCSP/CRL unless offline: exit 0 valid,
                                     1 not valid (revoked included), 3 the status could not be determined
  send FILE --to SUBSCRIBER [--title T] [--kind K] [--no-receipt] [--request-signature] [--queue-only]
                                     sign, put into the outbox, and run an exchange session
                                     (--request-signature: the recipient is asked to sign it too)
  inbox | outbox [--search TEXT] [--counterparty ID] [--status S[,S]] [--from ISO] [--to ISO] [--limit N] [--offset N]
  outbox retry|remove DOCUMENT [--queue-only]
                                     a document the hub refused (the outbox says why): send it again once the
                                     cause is put right, or take it out of the outbox
  contacts                           the organizations we exchange with, and invitations
  contact invite|accept|reject SUBSCRIBER [--message TEXT]
                                     change a contact at the hub (SUBSCRIBER: id, INN or a part of the name)
  pending                            service documents waiting for a signature
  clarify DOCUMENT --text TEXT [--queue-only]
                                     ask the sender to correct a received document (УОУ)
  awaiting                           documents waiting for your signature, annulment proposals waiting for your answer
  sign-document DOCUMENT [--queue-only]
                                     sign a received document its sender asked you to sign (the same content)
  refuse DOCUMENT --reason TEXT [--queue-only]
                                     refuse to sign it, stating why (a signed УОУ)
  annul DOCUMENT --reason TEXT [--queue-only]
                                     propose to annul a document (a signed ПРА, DP_PRANNUL 1.02)
  annulment accept|reject DOCUMENT [--reason TEXT] [--queue-only]
                                     answer the other side's proposal: sign it, or reject it stating why
  session [--background]             one exchange session: exit 0 done, 2 the clerk is needed (token or PIN), 1 error
  agent [--interval SECONDS] [--once] [--web HOST:PORT --tls-cert FILE --tls-key FILE]
                                     the unattended exchange agent (operating mode "server") with the profile's
                                     software key, or a server token whose PIN was kept (token login --keep);
                                     stops cleanly on SIGTERM; --web: the organization's staff read Inbox,
                                     Outbox and the archive in a browser, logging in with their hub login and
                                     password (HTTPS with the PEM certificate and key; required off loopback)
  demo                               the local sandbox: an exchange hub and a demo counterparty on this
                                     machine, in the foreground until Ctrl+C (a new profile, or one it made)
  web [--port N] [--sandbox] [--open]
                                     the app in a browser on this machine (127.0.0.1), until Ctrl+C; --sandbox:
                                     a new profile gets the local sandbox at once; --open: the default browser
  archive status | list | verify [--operator-cert CERT.pem]
                                     the organization's signed-data archive at the hub, checked here
  archive get N [--out DIR]          download archived entry N and its signatures
  card DOCUMENT --out FILE.pdf [--lang ru|en]
                                     the document card: its facts, a stamp per signature, the service
                                     documents, the archive entry, a QR code on each page (DOCUMENT: its
                                     number in the inbox or outbox, or its hub id)
  evidence DOCUMENT --out FILE.zip [--lang ru|en]
                                     the evidence package: the original, the signatures as extended CMS,
                                     the service documents, the МЧД files, the archive proof, the
                                     certificates, the card, and a manifest signed with the profile's token
                                     or key
  verify-evidence FILE.zip [--at ISO] [--trust CA.pem]... [--operator-cert CERT.pem]
                                     check an evidence package offline, a verdict per part (exit 1: a part
                                     fails, named; 3: a certificate status could not be determined)
  poa create --representative CERT.pem [--powers CODE[,CODE]] [--text TEXT] --valid-until YYYY-MM-DD
             [--no-redelegation] --out DIR
                                     the director issues a machine-readable power of attorney (МЧД) to the
                                     employee's certificate: ON_EMCHD_<date>_<number>.xml and its .sig
  poa use FILE.xml [--signature FILE.sig] [--cert CERT.pem]
                                     sign under this МЧД with the profile's personal certificate (or --cert's):
                                     registered at the hub, checked for sending and for service documents, kept
                                     in the profile; every later signature by that certificate carries it
  help | version

${commonOptions}`;



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

type Handler = (profile: ClerkProfile, options: commands.Options, positional: string[], out: Output) => number | Promise<number>;

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
  'token login': { options: { ...token, keep: { type: 'boolean' } }, run: (p, o, _a, out) => commands.tokenLogin(p, o, out) },
  sign: { options: { ...token, out: { type: 'string' } }, positional: 1, run: commands.sign },
  verify: { options: { trust: { type: 'string', multiple: true }, at: { type: 'string' }, offline: { type: 'boolean' } }, positional: 2, run: commands.verify },
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
  'outbox retry': { options: { ...token, 'queue-only': { type: 'boolean' } }, positional: 1, run: commands.refusedDocumentCommand('retry') },
  'outbox remove': { options: {}, positional: 1, run: commands.refusedDocumentCommand('remove') },
  contacts: { options: {}, run: (p, o, _a, out) => commands.contacts(p, o, out) },
  'contact invite': { options: { ...token, message: { type: 'string' } }, positional: 1, run: commands.contactAction('invite') },
  'contact accept': { options: token, positional: 1, run: commands.contactAction('accept') },
  'contact reject': { options: token, positional: 1, run: commands.contactAction('reject') },
  pending: { options: {}, run: (p, o, _a, out) => commands.pending(p, o, out) },
  clarify: { options: { ...token, text: { type: 'string' }, 'queue-only': { type: 'boolean' } }, positional: 1, run: commands.clarify },
  awaiting: { options: {}, run: (p, o, _a, out) => commands.awaiting(p, o, out) },
  'sign-document': { options: { ...token, 'queue-only': { type: 'boolean' } }, positional: 1, run: commands.workflowCommand('sign', 'sign-document') },
  refuse: { options: { ...token, reason: { type: 'string' }, 'queue-only': { type: 'boolean' } }, positional: 1, run: commands.workflowCommand('refuse-signature', 'refuse') },
  annul: { options: { ...token, reason: { type: 'string' }, 'queue-only': { type: 'boolean' } }, positional: 1, run: commands.workflowCommand('propose-annulment', 'annul') },
  'annulment accept': { options: { ...token, 'queue-only': { type: 'boolean' } }, positional: 1, run: commands.workflowCommand('accept-annulment', 'annulment accept') },
  'annulment reject': {
    options: { ...token, reason: { type: 'string' }, 'queue-only': { type: 'boolean' } },
    positional: 1,
    run: commands.workflowCommand('reject-annulment', 'annulment reject'),
  },
  session: { options: { ...token, background: { type: 'boolean' } }, run: (p, o, _a, out) => commands.session(p, o, out) },
  agent: { options: { interval: { type: 'string' }, once: { type: 'boolean' }, web: { type: 'string' }, 'tls-cert': { type: 'string' }, 'tls-key': { type: 'string' } }, run: (p, o, _a, out) => commands.agent(p, o, out) },
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
  'poa use': { options: { ...token, signature: { type: 'string' }, cert: { type: 'string' } }, positional: 1, run: poaUse },
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
  const asked = first === 'help' ? argv.slice(1) : argv.includes('--help') || argv.includes('-h') ? argv.filter((a) => !a.startsWith('-')).slice(0, 2) : undefined;
  const unknown = (command: string) => `edo-clerk: ${cliText(earlyLanguage(argv), 'command.unknown', { command })}\n\n${usage}`;
  if (first === '--help' || first === '-h' || (asked && asked.length === 0)) {
    console.log(usage);
    return 0;
  }
  if (asked) {
    // "help archive get", "archive get --help"; a second word that is no subcommand is an argument.
    const help = commandHelp(usage, asked.join(' '), commonOptions) ?? commandHelp(usage, asked[0]!, commonOptions);
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
    parsed = parseArgs({ args: rest, options: { ...common, ...command.options }, allowPositionals: true, strict: true });
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
  const out = makeOutput(options.json === true, language);
  if (parsed.positionals.length > (command.positional ?? 0)) {
    profile.close();
    console.error(`edo-clerk ${name}: ${out.t('argument.unexpected', { value: parsed.positionals[command.positional ?? 0]! })}`);
    return 1;
  }
  try {
    return await command.run(profile, options, parsed.positionals, out);
  } catch (e) {
    const exitCode = e instanceof CliError ? e.exitCode : 1;
    const code = e instanceof CliError ? e.code : e instanceof SessionBusyError ? 'session-busy' : (e as { code?: string }).code;
    const message = e instanceof CliError ? e.text(language) : e instanceof Error ? e.message : String(e);
    if (out.json) process.stdout.write(`${JSON.stringify({ error: message, code, exitCode })}\n`);
    else console.error(`edo-clerk ${name}: ${message}`);
    return exitCode;
  } finally {
    profile.close();
  }
}

process.exitCode = await main(process.argv.slice(2));
