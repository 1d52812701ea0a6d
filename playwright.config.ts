import { defineConfig } from '@playwright/test';
import { chromiumLaunchOptions } from './test/e2e/chromium';

export default defineConfig({
  testDir: 'test/e2e',
  // Not test-results/ itself: Playwright empties its output folder, and vitest's report lives there.
  outputDir: 'test-results/playwright',
  timeout: 120_000,
  workers: 1,
  forbidOnly: true,
  use: {
    headless: true,
    launchOptions: chromiumLaunchOptions(),
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
});
