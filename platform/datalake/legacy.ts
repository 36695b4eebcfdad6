/** The records of the SQLite data lake this one replaced (`datalake.db`, table `lake_records`), read-only. */
import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { AddressedRecord } from './writer';

/** The legacy file of `dataDir`, when there is one. */
export function legacyFile(dataDir: string): string | undefined {
  const file = path.join(dataDir, 'datalake.db');
  return existsSync(file) ? file : undefined;
}

/** Its records in ingest order, `size` at a time, their JSON text kept verbatim. */
export function* legacyBatches(file: string, size = 10_000): Generator<AddressedRecord[]> {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const hasTable = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'lake_records'").get();
    if (!hasTable) return;
    const rows = db
      .prepare<[], { tenant_id: string; cell_id: string; tbl: string; event_id: string; data: string; at: string }>(
        `SELECT tenant_id, cell_id, tbl, event_id, data, ingested_at AS at FROM lake_records
         ORDER BY ingested_at, rowid`,
      )
      .iterate();
    let batch: AddressedRecord[] = [];
    for (const r of rows) {
      const ingestedAt = Date.parse(r.at);
      batch.push({
        tenantId: r.tenant_id,
        cellId: r.cell_id,
        tbl: r.tbl,
        eventId: r.event_id,
        ingestedAt: Number.isFinite(ingestedAt) ? ingestedAt : Date.now(),
        record: r.data,
      });
      if (batch.length === size) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length) yield batch;
  } finally {
    db.close();
  }
}
