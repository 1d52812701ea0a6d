import { defineConfig } from 'vitest/config';
import react from '@vitejs/plugin-react';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'node',
          include: ['src/**/*.test.ts', 'server/**/*.test.ts', 'main/**/*.test.ts', 'test/node/**/*.test.ts'],
          environment: 'node',
          // One process per file: SoftHSM reads SOFTHSM2_CONF once per process, and each file
          // brings its own token directory.
          pool: 'forks',
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        plugins: [react()],
        test: {
          name: 'renderer',
          include: ['renderer/**/*.test.ts', 'renderer/**/*.test.tsx'],
          environment: 'jsdom',
        },
      },
    ],
  },
});
