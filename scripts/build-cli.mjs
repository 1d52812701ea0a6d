// Builds the installed command-line programs into plain JavaScript, part of `npm run build`:
// out/cli/edo-clerk.js and out/hub/edo-hub.js, run by bin/edo-clerk.js and bin/edo-hub.js with
// plain Node. Vite's SSR build bundles our sources and leaves every package (the native ones,
// pkcs11js, better-sqlite3, @napi-rs/keyring, among them) to be imported from node_modules.
import { build } from 'vite';

const programs = [
  { entry: 'src/cli/main.ts', outDir: 'out/cli', file: 'edo-clerk.js' },
  { entry: 'server/cli.ts', outDir: 'out/hub', file: 'edo-hub.js' },
];

for (const p of programs) {
  await build({
    configFile: false,
    logLevel: 'warn',
    build: { ssr: p.entry, outDir: p.outDir, emptyOutDir: true, target: 'node22', rollupOptions: { output: { entryFileNames: p.file } } },
  });
}
