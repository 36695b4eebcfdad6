/** Staged records into the temp staging table through DuckDB's appender (the bulk path: no SQL per row). */
import type { DuckDBConnection } from '@duckdb/node-api';
import { timestampTZ } from './duckdb';
import type { StagedRecord } from './columns';

/** Empties `lake_staging`, then appends `records` (in its column order) and flushes them. */
export async function stage(conn: DuckDBConnection, records: readonly StagedRecord[]): Promise<void> {
  await conn.run('DELETE FROM lake_staging');
  const appender = await conn.createAppender('lake_staging', 'main', 'temp');
  try {
    for (const r of records) {
      appender.appendVarchar(r.key);
      appender.appendBigInt(BigInt(r.seq));
      appender.appendVarchar(r.tenantId);
      appender.appendVarchar(r.cellId);
      appender.appendVarchar(r.tbl);
      appender.appendVarchar(r.eventId);
      appender.appendTimestampTZ(timestampTZ(r.ingestedAt));
      appender.appendVarchar(r.record);
      appender.endRow();
    }
    appender.flushSync();
  } finally {
    appender.closeSync();
  }
}
