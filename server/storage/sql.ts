// The one storage layer under the hub's stores (exchange, organization settings, archive log,
// webhook log): a SQL database with async queries and transactions, implemented by SQLite
// (embedded, one process) and PostgreSQL (several hub instances), and one versioned migration
// runner for every component's schema. SQL is written once with `?` placeholders; the two
// dialects differ only in DDL, which each migration gives per dialect.

export type SqlValue = string | number | Buffer | null;
export type Dialect = 'sqlite' | 'postgres';

export interface Sql {
  readonly dialect: Dialect;
  all<T>(text: string, params?: readonly SqlValue[]): Promise<T[]>;
  get<T>(text: string, params?: readonly SqlValue[]): Promise<T | undefined>;
  /** Returns the number of rows changed. */
  run(text: string, params?: readonly SqlValue[]): Promise<number>;
  /** Runs statements without parameters (DDL). */
  exec(text: string): Promise<void>;
}

export interface SqlTransaction extends Sql {
  /**
   * Serializes this transaction with every other one taking the same lock, in any process on
   * the database, until it ends (PostgreSQL: an advisory lock; SQLite writes are serialized anyway).
   */
  lock(name: string): Promise<void>;
}

export interface SqlDatabase extends Sql {
  /**
   * Runs `fn` in a write transaction: committed when it resolves, rolled back when it throws.
   * On PostgreSQL a deadlock or serialization failure runs `fn` again, so it must have no
   * effects outside the transaction.
   */
  transaction<T>(fn: (tx: SqlTransaction) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** One step of a component's schema; versions count from 1, in order, never changed once released. */
export interface Migration {
  sqlite: string;
  postgres: string;
}

/** The same DDL on both dialects. */
export const both = (ddl: string): Migration => ({ sqlite: ddl, postgres: ddl });

export interface SchemaComponent {
  name: string;
  migrations: readonly Migration[];
  /**
   * For a SQLite file from before the runner: the version its schema is at (the exchange's
   * tables used PRAGMA user_version). Called once, when the component has no recorded version.
   */
  adopt?: (db: Sql) => Promise<number>;
}

/**
 * Applies the components' missing migrations in one transaction, each recorded in
 * schema_migrations. Instances starting at once on one PostgreSQL take turns (advisory lock).
 * Returns what was applied, "component@version".
 */
export async function migrate(db: SqlDatabase, components: readonly SchemaComponent[]): Promise<string[]> {
  return db.transaction(async (tx) => {
    await tx.lock('schema_migrations');
    await tx.exec(
      'CREATE TABLE IF NOT EXISTS schema_migrations (component TEXT NOT NULL, version INTEGER NOT NULL, applied_at TEXT NOT NULL, PRIMARY KEY (component, version))',
    );
    const applied: string[] = [];
    const at = new Date().toISOString();
    const record = (name: string, version: number) =>
      tx.run('INSERT INTO schema_migrations (component, version, applied_at) VALUES (?, ?, ?)', [name, version, at]);
    for (const component of components) {
      const row = await tx.get<{ version: number | null }>(
        'SELECT MAX(version) AS version FROM schema_migrations WHERE component = ?',
        [component.name],
      );
      let version = row?.version ?? 0;
      if (row?.version == null && component.adopt) {
        version = await component.adopt(tx);
        for (let v = 1; v <= version; v++) await record(component.name, v);
      }
      if (version > component.migrations.length) {
        throw new Error(
          `the database's ${component.name} schema is at version ${version}, this hub knows ${component.migrations.length}: run a newer edo-hub`,
        );
      }
      for (let v = version; v < component.migrations.length; v++) {
        const ddl = component.migrations[v]![db.dialect];
        if (ddl.trim()) await tx.exec(ddl);
        await record(component.name, v + 1);
        applied.push(`${component.name}@${v + 1}`);
      }
    }
    return applied;
  });
}

/** Whether the database URL names a PostgreSQL server (otherwise the hub uses its SQLite files). */
export function isPostgresUrl(url: string | undefined): url is string {
  return url !== undefined && /^postgres(ql)?:\/\//.test(url);
}
