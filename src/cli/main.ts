// edo-clerk: the clerk's command line. Runs in: Node (a terminal, a scheduled task, the agent).
import { readFileSync } from 'node:fs';

const usage = `edo-clerk — EDO Clerk on the command line

Usage: edo-clerk <command> [options]

Commands:
  help        this text
  version     the program's version

Every command takes --profile DIR and --json.`;

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

export async function main(argv: string[]): Promise<number> {
  const [command = 'help'] = argv;
  switch (command) {
    case 'help':
    case '--help':
      console.log(usage);
      return 0;
    case 'version':
    case '--version':
      console.log(version());
      return 0;
    default:
      console.error(`edo-clerk: unknown command "${command}"\n\n${usage}`);
      return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
