// Builds the installed command-line programs into plain JavaScript, part of `npm run build`:
// out/cli/edo-clerk.js and out/hub/edo-hub.js, run by bin/edo-clerk.js and bin/edo-hub.js with
// plain Node. Vite's SSR build bundles our sources and leaves every package (the native ones,
// pkcs11js, better-sqlite3, @napi-rs/keyring, among them) to be imported from node_modules.
import { build } from 'vite';

// out/cli/session-host.js: the session host `edo-clerk web` forks (src/host/node-host.ts).
const programs = [
  { input: { 'edo-clerk': 'src/cli/main.ts', 'session-host': 'src/host/child.ts' }, outDir: 'out/cli' },
  { input: { 'edo-hub': 'server/cli.ts' }, outDir: 'out/hub' },
];

for (const p of programs) {
  await build({
    configFile: false,
    logLevel: 'warn',
    build: {
      ssr: true,
      outDir: p.outDir,
      emptyOutDir: true,
      target: 'node22',
      rollupOptions: { input: p.input, output: { entryFileNames: '[name].js' } },
    },
  });
}
