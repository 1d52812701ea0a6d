// Builds main, preload and renderer into out/ without needing the Electron binary.
import { resolve } from 'node:path';
import { defineConfig, externalizeDepsPlugin } from 'electron-vite';
import react from '@vitejs/plugin-react';

export default defineConfig({
  main: {
    plugins: [externalizeDepsPlugin()],
    build: {
      outDir: 'out/main',
      // session-host: the exchange session's own process (src/host), forked by main with utilityProcess.
      rollupOptions: { input: { index: resolve('main/index.ts'), 'session-host': resolve('src/host/child.ts') } },
    },
  },
  preload: {
    // Bundled whole: a sandboxed preload can require nothing but electron.
    build: {
      outDir: 'out/preload',
      rollupOptions: {
        input: { index: resolve('main/preload.ts') },
        external: ['electron'],
        // A sandboxed preload cannot be an ES module.
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: 'renderer',
    plugins: [react()],
    build: {
      outDir: 'out/renderer',
      // web.html: the same app for `edo-clerk web`, its window.clerk over a WebSocket.
      rollupOptions: { input: { index: resolve('renderer/index.html'), web: resolve('renderer/web.html') } },
    },
  },
});
