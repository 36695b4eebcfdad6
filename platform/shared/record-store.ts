/**
 * The record table all four cells share: each record is one JSON document keyed by id, scoped by tenant.
 * Lookups always include the tenant, so another tenant's record is indistinguishable from a missing one.
 */
import { randomBytes } from 'node:crypto';
import type { Statement } from 'better-sqlite3';
import type { Db } from './db';

export interface BaseRecord {
  id: string;
  tenantId: string;
  createdAt: string;
  updatedAt: string;
  [key: string]: unknown;
}

export interface RecordStore {
  insert<T extends BaseRecord>(collection: string, record: T): T;
  get<T extends BaseRecord>(collection: string, tenantId: string, id: string): T | undefined;
  update<T extends BaseRecord>(collection: string, record: T, changes: Partial<T>): T;
  /** filters: JSON path below the record (e.g. `formData.sourceId`) → exact value. */
  list<T extends BaseRecord>(collection: string, tenantId: string, filters?: Record<string, string>): T[];
  /** Next value of a per-tenant counter (document numbers). */
  nextNumber(tenantId: string, name: string): number;
  /** An index for lookups by a JSON path (a business source, looked up on every create); made once. */
  indexPath(path: string): void;
}

export function newId(prefix: string): string {
  return `${prefix}_${randomBytes(10).toString('hex')}`;
}

const SAFE_PATH = /^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)*$/;

export function createRecordStore(db: Db): RecordStore {
  db.exec(`CREATE TABLE IF NOT EXISTS records (
      collection TEXT NOT NULL, id TEXT NOT NULL PRIMARY KEY, tenant_id TEXT NOT NULL, data TEXT NOT NULL,
      created_at TEXT NOT NULL);
    CREATE INDEX IF NOT EXISTS records_tenant ON records (collection, tenant_id, created_at);
    CREATE TABLE IF NOT EXISTS counters (
      tenant_id TEXT NOT NULL, name TEXT NOT NULL, value INTEGER NOT NULL, PRIMARY KEY (tenant_id, name));`);
  const insert = db.prepare('INSERT INTO records (collection, id, tenant_id, data, created_at) VALUES (?, ?, ?, ?, ?)');
  const select = db.prepare<[string, string, string], { data: string }>(
    'SELECT data FROM records WHERE collection = ? AND tenant_id = ? AND id = ?',
  );
  const update = db.prepare('UPDATE records SET data = ? WHERE collection = ? AND tenant_id = ? AND id = ?');
  const bump = db.prepare<[string, string], { value: number }>(
    `INSERT INTO counters VALUES (?, ?, 1)
     ON CONFLICT (tenant_id, name) DO UPDATE SET value = value + 1 RETURNING value`,
  );
  const listStatements = new Map<string, Statement<unknown[], { data: string }>>();
  const indexed = new Set<string>();

  function listStatement(paths: string[]): Statement<unknown[], { data: string }> {
    const sql =
      'SELECT data FROM records WHERE collection = ? AND tenant_id = ?' +
      paths.map((p) => ` AND json_extract(data, '$.${p}') = ?`).join('') +
      ' ORDER BY created_at, rowid';
    let stmt = listStatements.get(sql);
    if (!stmt) listStatements.set(sql, (stmt = db.prepare<unknown[], { data: string }>(sql)));
    return stmt;
  }

  return {
    insert(collection, record) {
      insert.run(collection, record.id, record.tenantId, JSON.stringify(record), record.createdAt);
      return record;
    },
    get<T extends BaseRecord>(collection: string, tenantId: string, id: string) {
      const row = select.get(collection, tenantId, id);
      return row ? (JSON.parse(row.data) as T) : undefined;
    },
    update(collection, record, changes) {
      const next = { ...record, ...changes, updatedAt: new Date().toISOString() };
      update.run(JSON.stringify(next), collection, record.tenantId, record.id);
      return next;
    },
    list<T extends BaseRecord>(collection: string, tenantId: string, filters: Record<string, string> = {}) {
      const entries = Object.entries(filters).sort(([a], [b]) => a.localeCompare(b));
      for (const [p] of entries) if (!SAFE_PATH.test(p)) throw new Error(`unsafe filter path ${p}`);
      const rows = listStatement(entries.map(([p]) => p)).all(collection, tenantId, ...entries.map(([, v]) => v));
      return rows.map((r) => JSON.parse(r.data) as T);
    },
    indexPath(path) {
      if (indexed.has(path)) return;
      if (!SAFE_PATH.test(path)) throw new Error(`unsafe index path ${path}`);
      const name = `records_by_${path.replace(/\./g, '_')}`;
      db.exec(
        `CREATE INDEX IF NOT EXISTS ${name} ON records (collection, tenant_id, json_extract(data, '$.${path}'), created_at)`,
      );
      indexed.add(path);
    },
    nextNumber(tenantId, name) {
      return (bump.get(tenantId, name) as { value: number }).value;
    },
  };
}
