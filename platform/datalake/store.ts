/** Ingested business records, unique per (tenant, cell, table, eventId) so a re-sent batch is a no-op. */
import type { Db } from '../shared/db';

export type LakeRecord = Record<string, unknown> & { eventId: string };

export interface LakeStore {
  ingest(
    tenantId: string,
    cellId: string,
    table: string,
    records: LakeRecord[],
  ): { inserted: number; duplicates: number };
  table(tenantId: string, cellId: string, table: string): LakeRecord[];
}

export function createLakeStore(db: Db): LakeStore {
  db.exec(`CREATE TABLE IF NOT EXISTS lake_records (
    tenant_id TEXT NOT NULL, cell_id TEXT NOT NULL, tbl TEXT NOT NULL, event_id TEXT NOT NULL,
    data TEXT NOT NULL, ingested_at TEXT NOT NULL, PRIMARY KEY (tenant_id, cell_id, tbl, event_id))`);
  const insert = db.prepare('INSERT OR IGNORE INTO lake_records VALUES (?, ?, ?, ?, ?, ?)');
  const select = db.prepare<[string, string, string], { data: string }>(
    'SELECT data FROM lake_records WHERE tenant_id = ? AND cell_id = ? AND tbl = ? ORDER BY ingested_at, rowid',
  );
  const ingest = db.transaction((tenantId: string, cellId: string, table: string, records: LakeRecord[]) => {
    const now = new Date().toISOString();
    let inserted = 0;
    for (const r of records) inserted += insert.run(tenantId, cellId, table, r.eventId, JSON.stringify(r), now).changes;
    return { inserted, duplicates: records.length - inserted };
  });
  return {
    ingest,
    table: (tenantId, cellId, table) =>
      select.all(tenantId, cellId, table).map((r) => JSON.parse(r.data) as LakeRecord),
  };
}
