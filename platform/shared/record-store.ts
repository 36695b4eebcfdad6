/**
 * The record table all four cells share: each record is one JSON document keyed by id, scoped by tenant.
 * Lookups always include the tenant, so another tenant's record is indistinguishable from a missing one.
 */
import { randomBytes } from 'node:crypto';
import type { Statement } from 'better-sqlite3';
import { z } from 'zod';
import type { Db } from './db';
import type { ListPage } from '../../common/paging';
import { pageOf, pageQuery } from './paging';

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
  /** Every match, for lookups known to be small (one source's documents). filters: JSON path → exact value. */
  list<T extends BaseRecord>(collection: string, tenantId: string, filters?: Record<string, string>): T[];
  /** One page of the matches, in list order, after `page.after` (the key of a previous page's last row). */
  page<T extends BaseRecord>(
    collection: string,
    tenantId: string,
    filters: Record<string, string>,
    page: RecordPage,
  ): ListPage<T>;
  /** Next value of a per-tenant counter (document numbers). */
  nextNumber(tenantId: string, name: string): number;
  /** An index for lookups by a JSON path (a business source, looked up on every create); made once. */
  indexPath(path: string): void;
}

interface Row {
  data: string;
  rowid: number;
}

export function newId(prefix: string): string {
  return `${prefix}_${randomBytes(10).toString('hex')}`;
}

/**
 * A list's order and cursor key: the rowid, i.e. insertion (= creation) order. It only grows (records are
 * never deleted, the file never vacuumed), so a row added while a caller pages lands after its cursor: pages
 * never skip or repeat a row, which a clock-based order could not promise.
 */
export const RecordPageQuery = pageQuery(z.number().int().positive().max(Number.MAX_SAFE_INTEGER));
export type RecordPage = z.infer<typeof RecordPageQuery>;

const SAFE_PATH = /^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)*$/;

/** The index of lookups by a JSON path (RecordStore.indexPath). */
const indexName = (path: string): string => `records_by_${path.replace(/\./g, '_')}`;

export function createRecordStore(db: Db): RecordStore {
  db.exec(`CREATE TABLE IF NOT EXISTS records (
      collection TEXT NOT NULL, id TEXT NOT NULL PRIMARY KEY, tenant_id TEXT NOT NULL, data TEXT NOT NULL,
      created_at TEXT NOT NULL);
    DROP INDEX IF EXISTS records_tenant;
    CREATE INDEX IF NOT EXISTS records_list ON records (collection, tenant_id);
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
  const listStatements = new Map<string, Statement<unknown[], Row>>();
  // The paths indexed already (by an earlier process on this file), so a lookup is searched by its index
  // from the first request on, not only after the first create that asks for it.
  const indexed = new Set<string>(
    db
      .prepare<[], { sql: string }>("SELECT sql FROM sqlite_master WHERE type = 'index' AND name LIKE 'records_by_%'")
      .all()
      .map((r) => /json_extract\(data, '\$\.([A-Za-z0-9_.]+)'\)/.exec(r.sql)?.[1])
      .filter((p): p is string => !!p && SAFE_PATH.test(p)),
  );

  /** The rows of a list, in rowid order (an index entry ends with the rowid): all, or one page + 1. */
  function rowsOf(collection: string, tenantId: string, filters: Record<string, string>, page?: RecordPage): Row[] {
    const entries = Object.entries(filters).sort(([a], [b]) => a.localeCompare(b));
    for (const [p] of entries) if (!SAFE_PATH.test(p)) throw new Error(`unsafe filter path ${p}`);
    // Without statistics (the file is never ANALYZEd) SQLite prefers records_list, which reads every record
    // of the tenant's collection: a lookup by source would grow with the data. A path with its own index
    // is searched by it.
    const byIndex = entries.find(([p]) => indexed.has(p));
    const sql =
      `SELECT data, rowid FROM records${byIndex ? ` INDEXED BY ${indexName(byIndex[0])}` : ''}` +
      ' WHERE collection = ? AND tenant_id = ?' +
      entries.map(([p]) => ` AND json_extract(data, '$.${p}') = ?`).join('') +
      (page ? ' AND rowid > ? ORDER BY rowid LIMIT ?' : ' ORDER BY rowid');
    let stmt = listStatements.get(sql);
    if (!stmt) listStatements.set(sql, (stmt = db.prepare<unknown[], Row>(sql)));
    const params = [collection, tenantId, ...entries.map(([, v]) => v)];
    return page ? stmt.all(...params, page.after ?? 0, page.limit + 1) : stmt.all(...params);
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
      return rowsOf(collection, tenantId, filters).map((r) => JSON.parse(r.data) as T);
    },
    page<T extends BaseRecord>(
      collection: string,
      tenantId: string,
      filters: Record<string, string>,
      page: RecordPage,
    ) {
      const rows = rowsOf(collection, tenantId, filters, page);
      return pageOf(
        rows,
        page.limit,
        (r) => JSON.parse(r.data) as T,
        (r) => r.rowid,
      );
    },
    indexPath(path) {
      if (indexed.has(path)) return;
      if (!SAFE_PATH.test(path)) throw new Error(`unsafe index path ${path}`);
      db.exec(
        `CREATE INDEX IF NOT EXISTS ${indexName(path)} ON records (collection, tenant_id, json_extract(data, '$.${path}'), created_at)`,
      );
      indexed.add(path);
    },
    nextNumber(tenantId, name) {
      return (bump.get(tenantId, name) as { value: number }).value;
    },
  };
}
