/**
 * Ingested business records in DuckDB (`<dataDir>/datalake.duckdb`): one table, unique per
 * (tenant, cell, table, eventId) so a re-sent record is a no-op, with the report columns typed at ingest
 * and the record kept whole (columns.ts). Writes go through the one writer (writer.ts); each read opens a
 * connection of its own and sees committed inserts only.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { Logger } from '../../common/logger';
import type { ListPage } from '../../common/paging';
import { pageOf, pageQuery } from '../shared/paging';
import { STAGING_DDL, TABLE_DDL, type LakeRecord } from './columns';
import { openDuckDb, queryRows, type DuckDbSizing, type SqlParams } from './duckdb';
import { legacyBatches, legacyFile } from './legacy';
import { openWriter, type LakeWriter } from './writer';

export type { LakeRecord } from './columns';

export interface IngestResult {
  inserted: number;
  duplicates: number;
}

export interface LakeStore {
  ingest(tenantId: string, cellId: string, table: string, records: readonly LakeRecord[]): Promise<IngestResult>;
  /** One page of a table's records exactly as ingested, in ingest order (by `seq`, after `page.after`). */
  table(tenantId: string, cellId: string, table: string, page: LakePage): Promise<ListPage<LakeRecord>>;
  /** One read-only statement on a connection of its own. */
  query<T>(sql: string, params?: SqlParams): Promise<T[]>;
  close(): Promise<void>;
}

/** A table's cursor key: `seq`, which the one writer only ever increases, so pages never skip or repeat. */
export const LakePageQuery = pageQuery(z.number().int().positive().max(Number.MAX_SAFE_INTEGER));
export type LakePage = z.infer<typeof LakePageQuery>;

export const DUCKDB_FILE = 'datalake.duckdb';

const SCHEMA = [
  TABLE_DDL,
  'CREATE TABLE IF NOT EXISTS lake_meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)',
  STAGING_DDL,
];

export async function openLakeStore(dataDir: string, logger?: Logger, sizing?: DuckDbSizing): Promise<LakeStore> {
  mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, DUCKDB_FILE);
  const isNew = !existsSync(file);
  const instance = await openDuckDb(file, sizing);
  const conn = await instance.connect();
  for (const sql of SCHEMA) await conn.run(sql);
  const writer = await openWriter(conn);
  await importLegacy(conn, writer, dataDir, isNew, logger);

  const reading = async <T>(fn: (conn: DuckDBConnection) => Promise<T>): Promise<T> => {
    const reader = await instance.connect();
    try {
      return await fn(reader);
    } finally {
      reader.closeSync();
    }
  };

  return {
    async ingest(tenantId, cellId, table, records) {
      const ingestedAt = Date.now();
      const inserted = await writer.insert(
        records.map((r) => ({
          tenantId,
          cellId,
          tbl: table,
          eventId: r.eventId,
          ingestedAt,
          record: JSON.stringify(r),
        })),
      );
      // Records repeated within the batch count as duplicates, like those stored earlier.
      return { inserted, duplicates: records.length - inserted };
    },
    table: (tenantId, cellId, table, { limit, after }) =>
      reading(async (reader) => {
        const rows = await queryRows<{ record: string; seq: number }>(
          reader,
          `SELECT record, seq FROM lake_records
           WHERE tenant_id = $tenantId AND cell_id = $cellId AND tbl = $table AND seq > $after
           ORDER BY seq LIMIT $limit`,
          { tenantId, cellId, table, after: after ?? 0, limit: limit + 1 },
        );
        return pageOf(
          rows,
          limit,
          (r) => JSON.parse(r.record) as LakeRecord,
          (r) => r.seq,
        );
      }),
    query: (sql, params) => reading((reader) => queryRows(reader, sql, params)),
    async close() {
      await writer.close();
      conn.closeSync();
      instance.closeSync();
    },
  };
}

/**
 * A data directory from before DuckDB holds `datalake.db` (SQLite): a new store takes its records over once.
 * The pending mark is written first, so an import cut short by a crash runs again (ingest is idempotent).
 */
async function importLegacy(
  conn: DuckDBConnection,
  writer: LakeWriter,
  dataDir: string,
  isNew: boolean,
  logger?: Logger,
): Promise<void> {
  const legacy = legacyFile(dataDir);
  if (isNew && legacy) {
    await conn.run("INSERT OR IGNORE INTO lake_meta VALUES ('legacy_import', 'pending')");
  }
  const [mark] = await queryRows<{ value: string }>(conn, "SELECT value FROM lake_meta WHERE key = 'legacy_import'");
  if (mark?.value !== 'pending' || !legacy) return;
  let inserted = 0;
  for (const batch of legacyBatches(legacy)) inserted += await writer.insert(batch);
  await conn.run("UPDATE lake_meta SET value = 'done' WHERE key = 'legacy_import'");
  logger?.info({ file: legacy, inserted }, 'imported the SQLite data lake');
}
