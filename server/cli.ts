// edo-hub: the exchange hub's administration command line. Runs in: Node.
import { readFileSync } from 'node:fs';

const usage = `edo-hub — the EDO Clerk exchange hub (operator service and signed-data archive)

Usage: edo-hub <command> [options]

Commands:
  help        this text
  version     the program's version`;

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
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
      console.error(`edo-hub: unknown command "${command}"\n\n${usage}`);
      return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
