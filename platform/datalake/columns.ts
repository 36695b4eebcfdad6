/**
 * The lake's table and how a record becomes a row of it. A batch lands in a temp staging table as the
 * record's JSON text plus its address (tenant, cell, table, eventId); one INSERT … SELECT then extracts the
 * typed columns the reports group on, in DuckDB's vectorized JSON reader rather than per record in JS.
 * Which field is a document's id, party and amount depends on its table (common/lake.ts).
 */
import { createHash } from 'node:crypto';
import { STATUS_CHANGES_TABLE } from '../../common/lake';
import { sqlString } from './duckdb';

export type LakeRecord = Record<string, unknown> & { eventId: string };

/** The creation table of each document type: the record that says a document exists (pending). */
export const CREATION_TABLES: Readonly<Record<string, CreationTable>> = {
  'crm/contracts': { docType: 'contract', id: 'contractId', party: 'customerId', amount: 'amountCents' },
  'erp/orders': { docType: 'order', id: 'orderId', party: 'customerId', amount: 'totalAmountCents' },
  'erp/purchase_orders': { docType: 'purchase_order', id: 'poId', party: 'supplierId', amount: 'totalAmountCents' },
  'srm/quotes': { docType: 'quote', id: 'quoteId', party: 'supplierId', amount: 'amountCents' },
  'oa/approvals': { docType: 'approval', id: 'instanceId' },
};

interface CreationTable {
  docType: string;
  /** The record fields holding the document's id, its customer or supplier, and its amount in cents. */
  id: string;
  party?: string;
  amount?: string;
}

/** One staged record: what the appender writes, in this column order. */
export interface StagedRecord {
  /** recordKey() of its address. */
  key: string;
  seq: number;
  tenantId: string;
  cellId: string;
  tbl: string;
  eventId: string;
  /** Epoch milliseconds. */
  ingestedAt: number;
  /** The record exactly as ingested (JSON text). */
  record: string;
}

export const STAGING_DDL = `CREATE TEMP TABLE IF NOT EXISTS lake_staging (
  record_key VARCHAR, seq BIGINT, tenant_id VARCHAR, cell_id VARCHAR, tbl VARCHAR, event_id VARCHAR,
  ingested_at TIMESTAMPTZ, record VARCHAR)`;

/**
 * `record_key` identifies (tenant, cell, table, eventId): the first 128 bits of a SHA-256 of the four, as a
 * UUID. One fixed-size key makes the primary-key index small and its point lookups cheap; the store looks
 * the keys of a batch up before inserting (DuckDB's INSERT OR IGNORE joins the batch against the whole
 * table instead: 100 ms a batch at a million rows). `record` is JSON text in a VARCHAR, so a record that
 * DuckDB cannot read as JSON (lone UTF-16 surrogates) is still kept, only without typed columns.
 */
export const TABLE_DDL = `CREATE TABLE IF NOT EXISTS lake_records (
  record_key UUID PRIMARY KEY,
  seq BIGINT NOT NULL,
  tenant_id VARCHAR NOT NULL, cell_id VARCHAR NOT NULL, tbl VARCHAR NOT NULL, event_id VARCHAR NOT NULL,
  event_type VARCHAR, occurred_at TIMESTAMPTZ,
  doc_type VARCHAR, doc_id VARCHAR, party_id VARCHAR, amount_cents BIGINT, status INTEGER, type_code VARCHAR,
  created_at TIMESTAMPTZ, completed_at TIMESTAMPTZ,
  ingested_at TIMESTAMPTZ NOT NULL,
  record VARCHAR NOT NULL)`;

/** Every record field a column reads; DuckDB parses each record once and extracts them all (`v`). */
const FIELDS = [
  ...new Set([
    'eventType',
    'occurredAt',
    'documentType',
    'documentId',
    'status',
    'typeCode',
    'createdAt',
    'completedAt',
    ...Object.values(CREATION_TABLES).flatMap((t) => [t.id, t.party ?? [], t.amount ?? []].flat()),
  ]),
];
const field = (name: string): string => `v[${FIELDS.indexOf(name) + 1}]`;

/** A non-empty JSON string, else NULL. */
const text = (name: string): string =>
  `CASE WHEN json_type(${field(name)}) = 'VARCHAR' THEN nullif(${field(name)}->>'$', '') END`;
/** A JSON integer that JS numbers hold exactly (|n| < 2^53), else NULL. */
const whole = (name: string): string =>
  `CASE WHEN json_type(${field(name)}) IN ('BIGINT', 'UBIGINT')
        AND abs(TRY_CAST(${field(name)}->>'$' AS DOUBLE)) <= 9007199254740991
   THEN TRY_CAST(${field(name)}->>'$' AS BIGINT) END`;
/** An ISO date or datetime (no offset: UTC), else NULL. */
const instant = (name: string): string =>
  `CASE WHEN json_type(${field(name)}) = 'VARCHAR' THEN TRY_CAST(${field(name)}->>'$' AS TIMESTAMPTZ) END`;

/** `CASE cell/table WHEN … THEN <expr of that table's creation fields> … ELSE <otherwise> END`. */
function perTable(expr: (t: CreationTable) => string | undefined, otherwise = 'NULL'): string {
  const whens = Object.entries(CREATION_TABLES)
    .map(([table, t]) => [table, expr(t)] as const)
    .filter(([, e]) => e !== undefined)
    .map(([table, e]) => `WHEN ${sqlString(table)} THEN ${e}`);
  return `CASE cell_id || '/' || tbl ${whens.join(' ')} ELSE ${otherwise} END`;
}
const ifChange = (expr: string): string => `CASE WHEN tbl = ${sqlString(STATUS_CHANGES_TABLE)} THEN ${expr} END`;

/** The key of a record's address: hyphenated lowercase, as DuckDB prints a UUID. */
export function recordKey(tenantId: string, cellId: string, tbl: string, eventId: string): string {
  const hex = createHash('sha256')
    .update(JSON.stringify([tenantId, cellId, tbl, eventId]))
    .digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** The keys among `keys` already stored (an IN list of literals: DuckDB answers it from the index). */
export const storedKeysSql = (keys: readonly string[]): string =>
  `SELECT record_key::VARCHAR AS key FROM lake_records WHERE record_key IN (${keys.map(sqlString).join(', ')})`;

/** Moves the staged records into `lake_records`, typed (none of them is stored yet). */
export const INSERT_STAGED = `INSERT INTO lake_records BY NAME
SELECT record_key::UUID AS record_key, seq, tenant_id, cell_id, tbl, event_id,
       ${text('eventType')} AS event_type,
       ${instant('occurredAt')} AS occurred_at,
       ${perTable((t) => sqlString(t.docType), ifChange(text('documentType')))} AS doc_type,
       ${perTable((t) => text(t.id), ifChange(text('documentId')))} AS doc_id,
       ${perTable((t) => t.party && text(t.party))} AS party_id,
       ${perTable((t) => t.amount && whole(t.amount))} AS amount_cents,
       TRY_CAST(${whole('status')} AS INTEGER) AS status,
       ${text('typeCode')} AS type_code,
       ${instant('createdAt')} AS created_at,
       ${instant('completedAt')} AS completed_at,
       ingested_at, record
FROM (SELECT *, TRY(json_extract(record, [${FIELDS.map((f) => sqlString(`$.${f}`)).join(', ')}])) AS v FROM lake_staging)`;
