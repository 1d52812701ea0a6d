// Debian's Chromium, as root and on a machine without outside network: no sandbox, and none
// of the background services that would try to reach the internet.
import type { LaunchOptions } from '@playwright/test';

export const chromiumPath = process.env.EDO_CHROMIUM ?? '/usr/bin/chromium';

export function chromiumLaunchOptions(): LaunchOptions {
  return {
    executablePath: chromiumPath,
    args: [
      '--no-sandbox',
      '--headless',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  };
}
