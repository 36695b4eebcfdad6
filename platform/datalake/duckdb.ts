/**
 * The lake's DuckDB database: one file in the data directory, opened once per process. Results come back
 * as plain JS values, integers (BIGINT counts, HUGEINT sums) as numbers: the lake's sums are cents, far
 * below 2^53.
 */
import {
  DuckDBInstance,
  DuckDBTimestampTZValue,
  JSDuckDBValueConverter,
  type DuckDBConnection,
  type DuckDBValue,
  type DuckDBValueConverter,
  type JS,
} from '@duckdb/node-api';

export type SqlParams = Record<string, DuckDBValue>;
export type SqlRow = Record<string, JS | null>;

/** DATALAKE_THREADS / DATALAKE_MEMORY_LIMIT (platform/shared/config.ts). */
export interface DuckDbSizing {
  threads?: number;
  /** A DuckDB size: 1GB, 512MiB … */
  memoryLimit?: string;
}

/**
 * By default one thread: the platform shares its machine with the cells, the gateway and the linkage
 * worker, and the lake's load is single-record ingests (one per linkage run), for which a second thread only
 * adds scheduling, about a quarter of an ingest's CPU. DATALAKE_THREADS gives the reports
 * more. A 1 GB cap holds the million-row benchmark with room to spare; DuckDB spills past it
 * rather than grow. Extensions are never downloaded (json and icu are built in).
 */
function settings(sizing: DuckDbSizing): Record<string, string> {
  return {
    threads: String(sizing.threads ?? 1),
    memory_limit: sizing.memoryLimit ?? '1GB',
    autoinstall_known_extensions: 'false',
    autoload_known_extensions: 'false',
  };
}

export async function openDuckDb(file: string, sizing: DuckDbSizing = {}): Promise<DuckDBInstance> {
  const instance = await DuckDBInstance.create(file, settings(sizing));
  const conn = await instance.connect();
  try {
    // A record's datetime without an offset is UTC, whatever the server's zone (TimeZone needs icu, loaded by now).
    await conn.run("SET GLOBAL TimeZone = 'UTC'");
  } finally {
    conn.closeSync();
  }
  return instance;
}

const numbers: DuckDBValueConverter<JS> = (value, type, self) =>
  typeof value === 'bigint' ? Number(value) : JSDuckDBValueConverter(value, type, self);

/** Runs one statement and reads all its rows. */
export async function queryRows<T = SqlRow>(conn: DuckDBConnection, sql: string, params?: SqlParams): Promise<T[]> {
  const reader = await conn.runAndReadAll(sql, params);
  return reader.convertRowObjects(numbers) as T[];
}

/** A SQL string literal (for the names and keys the lake inlines into its statements). */
export const sqlString = (s: string): string => `'${s.replace(/'/g, "''")}'`;

/** Epoch milliseconds as a DuckDB TIMESTAMPTZ value. */
export const timestampTZ = (ms: number): DuckDBTimestampTZValue => new DuckDBTimestampTZValue(BigInt(ms) * 1000n);
