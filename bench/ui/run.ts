// UI benchmark, in Debian's Chromium: time to first render of an Inbox holding 100,000
// documents, and of a filter over it, each against the same on an empty Inbox in the same run
// (the limit: what the page costs with nothing to show). The renderer is the built one
// (`npm run build` first); window.clerk is bound to main's handler registry over the real services
// (createCoreServices: a profile's SQLite store, read through the session host), as the app runs.
// Run: npx tsx bench/ui/run.ts [documents=100000] [rounds=5]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from '@playwright/test';
import { createCoreServices, type CoreServices } from '../../main/core-services';
import { ProfileSettingsFile } from '../../src/settings/settings';
import { ClerkStore } from '../../src/store';
import type { ListStatus } from '../../src/vocabulary';
import { chromiumLaunchOptions } from '../../test/e2e/chromium';
import { installClerk } from '../../test/e2e/support/clerk-page';
import { counterparties, documentTitles } from '../../test/e2e/support/memory-services';
import { MemorySecrets } from '../../test/support/memory-secrets';
import { serveFolder } from '../../test/support/static-server';
import { seedDocument } from '../../test/support/store-seed';

const documents = Number(process.argv[2] ?? 100_000);
const rounds = Number(process.argv[3] ?? 5);

interface Times {
  firstRender: number;
  filter: number;
}

/**
 * Runs in the page, as a string (tsx would add helpers a function cannot take into the page):
 * resolves with performance.now() at the first animation frame where the selector matches a
 * node whose text matches the pattern.
 */
const frameWhen = (selector: string, pattern: string) => `new Promise((resolve) => {
  const check = () => {
    const hit = [...document.querySelectorAll(${JSON.stringify(selector)})].some((n) => new RegExp(${JSON.stringify(pattern)}).test(n.textContent));
    if (hit) resolve(performance.now()); else requestAnimationFrame(check);
  };
  check();
})`;

// A fifth of each list in the status the bench filters by; every status one the session leaves settled.
const statuses = {
  in: ['received', 'receipt-sent', 'receipt-sent', 'receipt-sent', 'clarification-sent'],
  out: ['delivered', 'receipt-confirmed', 'receipt-confirmed', 'sent', 'clarification-requested'],
} as const satisfies Record<string, readonly ListStatus[]>;

/** A configured profile holding `count` documents each way, and the real services over it. */
async function profileWith(count: number): Promise<{ services: CoreServices; full: boolean; remove(): void }> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-ui-'));
  new ProfileSettingsFile(dir).write({ serverUrl: 'https://edo.example.ru' });
  const store = ClerkStore.open(dir);
  for (const c of counterparties) store.upsertSubscriber({ id: c.id, name: c.name, inn: c.inn });
  const start = Date.UTC(2024, 0, 1);
  store.transaction(() => {
    for (const direction of ['in', 'out'] as const)
      for (let i = 0; i < count; i++)
        seedDocument(
          store,
          {
            direction,
            status: statuses[direction][i % 5]!,
            title: `${documentTitles[i % documentTitles.length]} № ${i + 1}`,
            counterparty: counterparties[i % counterparties.length]!,
            sentAt: new Date(start + i * 600_000).toISOString(),
          },
          direction === 'in' ? i : count + i,
        );
  });
  store.close();
  const services = await createCoreServices(dir, {
    secrets: new MemorySecrets(),
    tokenWatch: { intervalMs: 60_000, settleMs: 60_000 },
  });
  return {
    services,
    full: count > 0,
    remove() {
      services.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The title of the Inbox's first row: the newest document. */
const newestTitle = `${documentTitles[(documents - 1) % documentTitles.length]} № ${documents}`;

type Profile = Awaited<ReturnType<typeof profileWith>>;

async function measure(browser: Browser, url: string, { services, full }: Profile): Promise<Times> {
  const page = await browser.newPage({ viewport: { width: 1360, height: 840 } });
  const harness = await installClerk(page, services);
  page.on('pageerror', (e) => console.error('page error:', e.message));
  try {
    await page.goto(url, { waitUntil: 'commit' });
    // First render: from navigation start to the frame showing the first row (or the empty-table message).
    const firstRender = (await page.evaluate(
      full ? frameWhen('[role="row"][aria-rowindex="2"]', newestTitle) : frameWhen('.empty', '.'),
    )) as number;

    // Filter: from the clerk's choice of a status to the frame showing the filtered count and first row.
    const filter = (await page.evaluate(`(async () => {
      const select = [...document.querySelectorAll('select')].find((s) => s.querySelector('option[value="clarification-sent"]'));
      const start = performance.now();
      const setValue = Object.getOwnPropertyDescriptor(HTMLSelectElement.prototype, 'value').set;
      setValue.call(select, 'clarification-sent');
      select.dispatchEvent(new Event('change', { bubbles: true }));
      await ${frameWhen('[role="table"][aria-busy="false"] [role="row"][aria-rowindex="2"], [role="table"][aria-busy="false"] .empty', full ? 'Уточнение отправлено' : '.')};
      return performance.now() - start;
    })()`)) as number;
    return { firstRender, filter };
  } finally {
    await harness.stop();
    await page.close();
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main() {
  const seeding = performance.now();
  const big = await profileWith(documents);
  const empty = await profileWith(0);
  console.log(`seeded ${documents} documents each way in ${((performance.now() - seeding) / 1000).toFixed(1)} s`);
  const server = await serveFolder('out/renderer');
  const browser = await chromium.launch(chromiumLaunchOptions());
  try {
    // One warm-up each: the browser's first page pays for compiling the bundle.
    await measure(browser, server.url, empty);
    await measure(browser, server.url, big);
    const results = { empty: [] as Times[], big: [] as Times[] };
    for (let i = 0; i < rounds; i++) {
      results.empty.push(await measure(browser, server.url, empty));
      results.big.push(await measure(browser, server.url, big));
    }
    const row = (name: string, key: keyof Times) => {
      const e = median(results.empty.map((r) => r[key]));
      const b = median(results.big.map((r) => r[key]));
      console.log(
        `${name.padEnd(34)} empty ${e.toFixed(0).padStart(5)} ms   ${documents} docs ${b.toFixed(0).padStart(5)} ms   ratio ${(b / e).toFixed(2)}`,
      );
    };
    console.log(`UI bench, Chromium, median of ${rounds} rounds (Inbox of ${documents} documents vs an empty Inbox)`);
    row('time to first render of the Inbox', 'firstRender');
    row('filter by status (to 20% of rows)', 'filter');
  } finally {
    await browser.close();
    await server.close();
    big.remove();
    empty.remove();
  }
}

await main();
