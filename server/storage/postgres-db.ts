// The SqlDatabase of several hub instances: a node-postgres pool. `?` placeholders become
// $1, $2…; BIGINT and NUMERIC come back as numbers (counters and sizes stay below 2^53).
// Transactions run at READ COMMITTED; the stores take row locks (UPDATE … RETURNING) or
// advisory locks where they need order, and a deadlock between instances retries.
import pg from 'pg';
import type { SqlDatabase, SqlTransaction, SqlValue } from './sql';

const INT8 = 20;
const NUMERIC = 1700;
const RETRIED = new Set(['40P01', '40001']); // deadlock detected, serialization failure
const ATTEMPTS = 8;

const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8 || oid === NUMERIC
      ? (value: string) => Number(value)
      : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

const converted = new Map<string, string>();

/** `?` → `$n` (the stores' SQL has no `?` in literals). */
function positional(text: string): string {
  let out = converted.get(text);
  if (out === undefined) {
    let n = 0;
    out = text.replace(/\?/g, () => `$${++n}`);
    converted.set(text, out);
  }
  return out;
}

type Queryable = Pick<pg.Pool, 'query'> | pg.PoolClient;

function sqlOn(q: Queryable): SqlTransaction {
  const query = async (text: string, params?: readonly SqlValue[]) =>
    q.query({ text: positional(text), values: params ? [...params] : [] });
  return {
    dialect: 'postgres',
    all: async <T>(text: string, params?: readonly SqlValue[]) => (await query(text, params)).rows as T[],
    get: async <T>(text: string, params?: readonly SqlValue[]) => (await query(text, params)).rows[0] as T | undefined,
    run: async (text, params) => (await query(text, params)).rowCount ?? 0,
    exec: async (text) => void (await q.query(text)),
    lock: async (name) => void (await q.query('SELECT pg_advisory_xact_lock(hashtext($1))', [name])),
  };
}

export class PostgresDatabase implements SqlDatabase {
  readonly dialect = 'postgres' as const;
  readonly pool: pg.Pool;
  private readonly direct: SqlTransaction;

  constructor(
    readonly url: string,
    options: { max?: number } = {},
  ) {
    this.pool = new pg.Pool({ connectionString: url, max: options.max ?? 10, types });
    // An idle connection dropped by the server must not crash the hub; the next query reconnects.
    this.pool.on('error', () => undefined);
    this.direct = sqlOn(this.pool);
  }

  all<T>(text: string, params?: readonly SqlValue[]) {
    return this.direct.all<T>(text, params);
  }

  get<T>(text: string, params?: readonly SqlValue[]) {
    return this.direct.get<T>(text, params);
  }

  run(text: string, params?: readonly SqlValue[]) {
    return this.direct.run(text, params);
  }

  exec(text: string) {
    return this.direct.exec(text);
  }

  async transaction<T>(fn: (tx: SqlTransaction) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      for (let attempt = 1; ; attempt++) {
        await client.query('BEGIN');
        try {
          const result = await fn(sqlOn(client));
          await client.query('COMMIT');
          return result;
        } catch (e) {
          await client.query('ROLLBACK');
          if (!(attempt < ATTEMPTS && RETRIED.has((e as { code?: string }).code ?? ''))) throw e;
        }
      }
    } finally {
      client.release();
    }
  }

  /**
   * LISTENs on `channel` on a connection of its own, calling `onMessage` with each payload. A
   * lost connection is made again; `onReconnect` is called then, since notifications sent
   * meanwhile are gone. Resolves to the stop.
   */
  async listen(
    channel: string,
    onMessage: (payload: string) => void,
    onReconnect: () => void,
  ): Promise<() => Promise<void>> {
    let client: pg.Client | undefined;
    let stopped = false;
    let retry: NodeJS.Timeout | undefined;
    const reconnect = () => {
      if (stopped) return;
      retry = setTimeout(() => connect().then(onReconnect, reconnect), 1000);
    };
    const connect = async (): Promise<void> => {
      const next = new pg.Client({ connectionString: this.url });
      next.on('notification', (n) => n.channel === channel && onMessage(n.payload ?? ''));
      const lost = () => {
        void next.end().catch(() => undefined);
        if (client !== next) return;
        client = undefined;
        reconnect();
      };
      next.on('error', lost);
      next.on('end', lost);
      try {
        await next.connect();
        await next.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
      } catch (e) {
        await next.end().catch(() => undefined);
        throw e;
      }
      if (stopped) await next.end();
      else client = next;
    };
    await connect();
    return async () => {
      stopped = true;
      clearTimeout(retry);
      await client?.end().catch(() => undefined);
    };
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
