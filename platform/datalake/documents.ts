/**
 * The documents of one tenant with their current status, as SQL the reports build on. A document is
 * (cell, type, id); its creation record (the earliest, when re-created under another eventId) says it
 * exists, pending. Its current status is the one of highest lifecycle rank among pending, an approval
 * record's own decision and every status change recorded for it: pending → approved / rejected →
 * cancelled (platform/shared/lifecycle.ts), so a compensated order reads cancelled however its records
 * arrived. Parameters: `$tenantId`.
 */
import { STATUS_CHANGES_TABLE } from '../../common/lake';
import { sqlString } from './duckdb';

/** Lifecycle rank of a status: later statuses win. */
const rank = (status: string): string => `CASE ${status} WHEN 9 THEN 2 WHEN 2 THEN 1 WHEN 3 THEN 1 ELSE 0 END`;

const sqlList = (values: readonly string[]): string => values.map(sqlString).join(', ');

/**
 * `WITH created AS (…), changes AS (…), documents AS (…)` for the given document types. Columns of
 * `documents`: cell_id, doc_type, doc_key, party_id, amount_cents, type_code, status, created_event_at (the
 * creation record's occurredAt), created_at / completed_at (approvals), changed_at (when the winning
 * status change happened, if one won), decided_at (approvals: completedAt, else the record's occurredAt, else
 * the deciding change's). `changesOnly`: also documents known from status changes alone (a withdrawn
 * approval has no completion record).
 */
export function documentsCte(docTypes: readonly string[], changesOnly = false): string {
  const types = sqlList(docTypes);
  return `WITH created AS (
  SELECT cell_id, doc_type, doc_key, unnest(earliest),
         CASE WHEN doc_type = 'approval' AND earliest.status IN (2, 3) THEN earliest.status ELSE 1 END AS own_status
  FROM (
    SELECT cell_id, doc_type, coalesce(doc_id, '#' || event_id) AS doc_key,
           arg_min({party_id: party_id, amount_cents: amount_cents, type_code: type_code, occurred_at: occurred_at,
                    created_at: created_at, completed_at: completed_at, status: status},
                   (occurred_at IS NULL, occurred_at, seq)) AS earliest
    FROM lake_records
    WHERE tenant_id = $tenantId AND tbl <> '${STATUS_CHANGES_TABLE}' AND doc_type IN (${types})
    GROUP BY cell_id, doc_type, doc_key
  )
),
changes AS (
  SELECT cell_id, doc_type, doc_id AS doc_key,
         arg_max(status, (${rank('status')}, occurred_at, seq)) AS change_status,
         arg_max(occurred_at, (${rank('status')}, occurred_at, seq)) AS changed_at,
         any_value(type_code) AS type_code
  FROM lake_records
  WHERE tenant_id = $tenantId AND tbl = '${STATUS_CHANGES_TABLE}' AND doc_type IN (${types})
    AND doc_id IS NOT NULL AND status IN (2, 3, 9)
  GROUP BY cell_id, doc_type, doc_id
),
ranked AS (
  SELECT coalesce(c.cell_id, s.cell_id) AS cell_id, coalesce(c.doc_type, s.doc_type) AS doc_type,
         coalesce(c.doc_key, s.doc_key) AS doc_key, c.party_id, c.amount_cents,
         coalesce(c.type_code, s.type_code) AS type_code,
         c.occurred_at AS created_event_at, c.created_at, c.completed_at,
         coalesce(${rank('s.change_status')} > ${rank('coalesce(c.own_status, 1)')}, false) AS change_won,
         s.change_status, s.changed_at, c.own_status
  FROM created c ${changesOnly ? 'FULL' : 'LEFT'} JOIN changes s
    ON s.cell_id = c.cell_id AND s.doc_type = c.doc_type AND s.doc_key = c.doc_key
),
documents AS (
  SELECT * EXCLUDE (change_won, change_status, own_status),
         CASE WHEN change_won THEN change_status ELSE coalesce(own_status, 1) END AS status,
         CASE WHEN change_won AND change_status = 9 THEN changed_at
              ELSE coalesce(completed_at, created_event_at, changed_at) END AS decided_at
  FROM ranked
)`;
}

/**
 * The month of an instant, 'YYYY-MM', at `offsetMinutes` east of UTC (a validated integer, inlined): through
 * a zone-less timestamp, so no time-zone lookup per row.
 */
export const monthOf = (column: string, offsetMinutes = 0): string =>
  `strftime(make_timestamp(epoch_us(${column}) + ${Math.trunc(offsetMinutes) * 60_000_000}), '%Y-%m')`;

/** `AND column >= $from AND column < $to`, for the bounds that are set. */
export function rangeSql(column: string, range: { from?: number; to?: number }): string {
  return [
    range.from === undefined ? '' : ` AND ${column} >= $from`,
    range.to === undefined ? '' : ` AND ${column} < $to`,
  ].join('');
}
