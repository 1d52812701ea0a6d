// The embedded SqlDatabase: one better-sqlite3 connection in WAL mode (the server and
// `edo-hub` administration commands may open the same file at once). Its calls are
// synchronous; transactions are made async by queueing: while one is open, every other
// statement of this process waits for it, so nothing slips into another's transaction.
import Database from 'better-sqlite3';
import type { SqlDatabase, SqlTransaction, SqlValue } from './sql';

export class SqliteDatabase implements SqlDatabase {
  readonly dialect = 'sqlite' as const;
  private readonly db: Database.Database;
  private readonly statements = new Map<string, Database.Statement>();
  /** Settles when the last queued transaction has ended. */
  private tail: Promise<void> = Promise.resolve();
  private queued = 0;
  private readonly tx: SqlTransaction;

  constructor(file: string) {
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('foreign_keys = ON');
    // The server and an administration command may write at once: wait instead of failing.
    this.db.pragma('busy_timeout = 5000');
    // SQLite's lower() folds ASCII only; names are Cyrillic.
    this.db.function('fold', { deterministic: true }, (value: unknown) =>
      typeof value === 'string' ? value.toLocaleLowerCase('ru') : value,
    );
    this.tx = {
      dialect: this.dialect,
      all: async (text, params) => this.statement(text).all(...(params ?? [])) as never,
      get: async (text, params) => this.statement(text).get(...(params ?? [])) as never,
      run: async (text, params) => this.statement(text).run(...(params ?? [])).changes,
      exec: async (text) => void this.db.exec(text),
      // Writes are serialized by BEGIN IMMEDIATE (across processes) and the queue (within this one).
      lock: async () => undefined,
    };
  }

  /** A prepared statement, compiled once per SQL text. */
  private statement(text: string): Database.Statement {
    let statement = this.statements.get(text);
    if (!statement) {
      statement = this.db.prepare(text);
      this.statements.set(text, statement);
    }
    return statement;
  }

  /** Runs `fn` now when no transaction is open or queued, else after them. */
  private async outside<T>(fn: () => Promise<T>): Promise<T> {
    if (this.queued === 0) return fn();
    return this.transactionLike(fn, false);
  }

  all<T>(text: string, params?: readonly SqlValue[]): Promise<T[]> {
    return this.outside(() => this.tx.all<T>(text, params));
  }

  get<T>(text: string, params?: readonly SqlValue[]): Promise<T | undefined> {
    return this.outside(() => this.tx.get<T>(text, params));
  }

  run(text: string, params?: readonly SqlValue[]): Promise<number> {
    return this.outside(() => this.tx.run(text, params));
  }

  exec(text: string): Promise<void> {
    return this.outside(() => this.tx.exec(text));
  }

  transaction<T>(fn: (tx: SqlTransaction) => Promise<T>): Promise<T> {
    return this.transactionLike(() => fn(this.tx), true);
  }

  private async transactionLike<T>(fn: () => Promise<T>, begin: boolean): Promise<T> {
    this.queued++;
    const previous = this.tail;
    let release!: () => void;
    this.tail = new Promise((resolve) => (release = resolve));
    try {
      await previous;
      if (!begin) return await fn();
      // Taken at the start: no upgrade deadlocks between processes.
      this.db.exec('BEGIN IMMEDIATE');
      try {
        const result = await fn();
        this.db.exec('COMMIT');
        return result;
      } catch (e) {
        if (this.db.inTransaction) this.db.exec('ROLLBACK');
        throw e;
      }
    } finally {
      this.queued--;
      release();
    }
  }

  async close(): Promise<void> {
    await this.tail;
    this.db.close();
  }
}
