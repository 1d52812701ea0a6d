// The hub's two storage backends for parameterized tests: SQLite (always) and PostgreSQL when
// EDO_TEST_POSTGRES names a server (postgres://USER@127.0.0.1:PORT/postgres; .ci/run starts a
// throwaway cluster, see scripts/test-postgres.sh). Without it the PostgreSQL cases skip, or
// fail under CI=true. Each PostgreSQL database is created for one test and dropped after it.
//
//   describe.each(backends)('storage on %s', (backend) => {
//     it('…', async () => { const db = await backend.open(dir); … });
//   });
//   afterEach(closeDatabases);
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import pg from 'pg';
import { PostgresDatabase } from '../../server/storage/postgres-db';
import { migrate, type SchemaComponent, type SqlDatabase } from '../../server/storage/sql';
import { SqliteDatabase } from '../../server/storage/sqlite-db';
import { systemPart, type SystemPart } from './system';

export const postgresServer = process.env.EDO_TEST_POSTGRES || undefined;

export function postgres(): SystemPart {
  return systemPart(
    'PostgreSQL',
    postgresServer !== undefined,
    'EDO_TEST_POSTGRES is not set; start a cluster with eval "$(scripts/test-postgres.sh start)"',
  );
}

const created: string[] = [];
const opened: SqlDatabase[] = [];

/** A new empty database on the test server; its URL. Dropped by closeDatabases. */
export async function freshPostgresDatabase(): Promise<string> {
  const server = postgresServer!;
  const name = `edo_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: server });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  created.push(name);
  const url = new URL(server);
  url.pathname = `/${name}`;
  return url.toString();
}

export interface TestBackend {
  name: 'sqlite' | 'postgres';
  /** For `describe.skipIf`: why this backend cannot run here, or undefined. */
  skip: string | undefined;
  /**
   * A database with the components' schema: a new one per call (SQLite: a new file in `dir`),
   * or the one at `reopen` (an earlier database's `location`).
   */
  open(
    components: readonly SchemaComponent[],
    where: { dir: string; reopen?: string },
  ): Promise<SqlDatabase & { location: string }>;
  /** For a hub child process: the `serve`/admin options that select this backend (a fresh database). */
  serveArgs(): Promise<string[]>;
}

let files = 0;

const sqliteBackend: TestBackend = {
  name: 'sqlite',
  skip: undefined,
  async open(components, where) {
    const location = where.reopen ?? join(where.dir, `hub-${++files}.sqlite`);
    const db = Object.assign(new SqliteDatabase(location), { location });
    opened.push(db);
    await migrate(db, components);
    return db;
  },
  serveArgs: async () => [],
};

const postgresBackend: TestBackend = {
  name: 'postgres',
  skip: (() => {
    const part = postgres();
    return part.ok ? undefined : part.reason;
  })(),
  async open(components, where) {
    const location = where.reopen ?? (await freshPostgresDatabase());
    const db = Object.assign(new PostgresDatabase(location), { location });
    opened.push(db);
    await migrate(db, components);
    return db;
  },
  serveArgs: async () => ['--database', await freshPostgresDatabase()],
};

export const backends: readonly TestBackend[] = [sqliteBackend, postgresBackend];

/** Closes what `open` opened and drops the PostgreSQL databases made since the last call. */
export async function closeDatabases(): Promise<void> {
  await Promise.allSettled(opened.splice(0).map((db) => db.close()));
  if (created.length === 0) return;
  const admin = new pg.Client({ connectionString: postgresServer! });
  await admin.connect();
  try {
    for (const name of created.splice(0)) await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}
