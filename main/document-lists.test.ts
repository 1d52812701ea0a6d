// Runs in: Node (vitest); no electron involved. The Inbox and Outbox lists through main's
// handler registry over the REAL services (a profile's SQLite store behind createCoreServices):
// each status filter returns exactly its documents, with the right total and pages; the derived
// statuses ("receipt pending", "signature invalid", "signature unchecked") come from the store's query. The same table
// then runs against the UI's in-memory double holding the same rows, so the double cannot drift.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DocumentPage, DocumentQuery, Direction } from '../src/ipc/contract';
import { listStatusesOf } from '../src/vocabulary';
import { ProfileSettingsFile } from '../src/settings/settings';
import { ClerkStore } from '../src/store';
import { counterparties, MemoryClerk, noWorkflow } from '../test/e2e/support/memory-services';
import { handlersOver } from '../test/support/memory-handlers';
import { MemorySecrets } from '../test/support/memory-secrets';
import { seedDocument } from '../test/support/store-seed';
import { createCoreServices, type CoreServices } from './core-services';
import { createDispatcher, type Dispatch, type Platform } from './handlers';

const platform: Platform = {
  appInfo: () => ({ name: 'EDO Clerk', version: '1.0.0' }),
  openExternal: async () => {},
  setStartAtLogin: () => {},
};

/** Three documents in every status a list shows, from different counterparties and days. */
const fixtures = (['in', 'out'] as const).flatMap((direction) =>
  listStatusesOf[direction].flatMap((status) =>
    [0, 1, 2].map((n) => ({
      direction,
      status,
      title: `${status} ${n}`,
      counterparty: counterparties[n]!,
      day: 10 + n,
    })),
  ),
);

const titlesOf = (page: DocumentPage) => page.rows.map((r) => r.title).sort();
const all = (direction: Direction): DocumentQuery => ({ direction, offset: 0, limit: 1000 });

let dir: string;
let services: CoreServices;
let real: Dispatch;
let memory: Dispatch;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'clerk-lists-'));
  new ProfileSettingsFile(dir).write({ serverUrl: 'https://edo.example.ru' });
  const store = ClerkStore.open(dir);
  for (const c of counterparties) store.upsertSubscriber({ id: c.id, name: c.name, inn: c.inn });
  fixtures.forEach((f, i) =>
    seedDocument(store, { ...f, sentAt: `2026-11-${f.day}T10:00:${String(i % 60).padStart(2, '0')}.000Z` }, i),
  );
  store.close();
  services = await createCoreServices(dir, {
    secrets: new MemorySecrets(),
    tokenWatch: { intervalMs: 60_000, settleMs: 60_000 },
  });
  real = createDispatcher(handlersOver(services, { platform, externalOrigins: [] }));

  // The double holds the very rows the real services list, in their order.
  const clerk = new MemoryClerk();
  for (const direction of ['in', 'out'] as const) {
    const { rows } = (await real('documents:list', all(direction))) as DocumentPage;
    for (const row of rows.reverse())
      clerk.documents.push({
        row,
        content: Buffer.from(row.title),
        mediaType: 'text/plain',
        detail: { signatures: [], serviceDocuments: [] },
        workflow: noWorkflow(),
      });
  }
  memory = createDispatcher(handlersOver(clerk.services(), { platform, externalOrigins: [] }));
});

afterAll(() => {
  services?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The table both services answer alike: every status filter, pages of one, and the other filters. */
const queries: [string, DocumentQuery][] = [
  ...(['in', 'out'] as const).flatMap((direction) => [
    [`${direction}: everything`, all(direction)] as [string, DocumentQuery],
    ...listStatusesOf[direction].map((status): [string, DocumentQuery] => [
      `${direction}: ${status}`,
      { ...all(direction), status },
    ]),
    ...listStatusesOf[direction].map((status): [string, DocumentQuery] => [
      `${direction}: ${status}, second page of one`,
      { direction, status, offset: 1, limit: 1 },
    ]),
    [`${direction}: one counterparty`, { ...all(direction), counterpartyId: counterparties[1]!.id }] as [
      string,
      DocumentQuery,
    ],
  ]),
  [
    'in: a status of one counterparty',
    { ...all('in'), status: 'receipt-pending', counterpartyId: counterparties[2]!.id },
  ],
  ['in: sent on one day', { ...all('in'), from: '2026-11-11', to: '2026-11-11' }],
  ['out: searched by title', { ...all('out'), search: 'rejected' }],
];

describe('the Inbox and Outbox on the real services', () => {
  it.each((['in', 'out'] as const).flatMap((d) => listStatusesOf[d].map((s) => [d, s] as const)))(
    '%s: the filter "%s" returns exactly its documents',
    async (direction, status) => {
      const page = (await real('documents:list', { ...all(direction), status })) as DocumentPage;
      const expected = fixtures
        .filter((f) => f.direction === direction && f.status === status)
        .map((f) => f.title)
        .sort();
      expect(titlesOf(page)).toEqual(expected);
      expect(page.total).toBe(expected.length);
      expect(page.rows.every((r) => r.status === status && r.direction === direction)).toBe(true);
    },
  );

  it('counts every document of a direction once, in exactly one status', async () => {
    for (const direction of ['in', 'out'] as const) {
      const page = (await real('documents:list', all(direction))) as DocumentPage;
      expect(page.total).toBe(fixtures.filter((f) => f.direction === direction).length);
      expect(new Set(page.rows.map((r) => r.id)).size).toBe(page.total);
    }
  });

  it("pages a filter: a page of one is the filter's second document, the total the filter's", async () => {
    const whole = (await real('documents:list', { ...all('in'), status: 'receipt-pending' })) as DocumentPage;
    const second = (await real('documents:list', {
      direction: 'in',
      status: 'receipt-pending',
      offset: 1,
      limit: 1,
    })) as DocumentPage;
    expect(second).toEqual({ total: 3, offset: 1, rows: [whole.rows[1]] });
  });
});

describe('the in-memory double answers the list queries as the real services do', () => {
  it.each(queries)('%s', async (_name, query) => {
    expect(await memory('documents:list', query)).toEqual(await real('documents:list', query));
  });
});
