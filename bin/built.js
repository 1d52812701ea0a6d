// Runs a built program of out/ (npm run build writes them), or says how to build it. The
// checkout's `npm run clerk` and `npm run hub` run the TypeScript sources through tsx instead.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export async function runBuilt(name, relativePath) {
  const built = new URL(relativePath, import.meta.url);
  if (!existsSync(built)) {
    process.stderr.write(`${name} is not built: ${fileURLToPath(built)} is missing. Run "npm run build" first.\n`);
    process.exit(1);
  }
  await import(built.href);
}
