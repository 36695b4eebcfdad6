/**
 * What the linkage writes into the data lake, in one place: the record of a bus event (docs/rules-and-configuration.md tables) and
 * the record of a document's status change (its lifecycle). The linkage workflows, the resync and the
 * reference lake all build or read these shapes from here. Pure data, no zod: workflows import it.
 */
import { boundedId } from './bounded';
import { builtinRule, datalakeTableOf } from './catalogue';
import { cellOf, STATUS } from './event-types';

/** One `POST /api/datalake/ingest` body. */
export interface LakeIngest {
  tenantId: string;
  cellId: string;
  table: string;
  records: Array<Record<string, unknown> & { eventId: string }>;
}

/** The bus event fields a lake record keeps beside the payload. */
export interface LakeEvent {
  eventId: string;
  eventType: string;
  tenantId: string;
  occurredAt: string;
  payload: Record<string, unknown>;
}

/**
 * The ingest of one bus event: its payload plus eventId / eventType / occurredAt, into its cell's table
 * (its rule's `lakeTable`, by default the built-in rule's).
 */
export function eventIngest(event: LakeEvent, table = datalakeTableOf(builtinRule(event.eventType))): LakeIngest {
  return {
    tenantId: event.tenantId,
    cellId: cellOf(event.eventType),
    table,
    records: [{ ...event.payload, eventId: event.eventId, eventType: event.eventType, occurredAt: event.occurredAt }],
  };
}

/** Status changes land in `<cell>/status_changes` of the document's cell. */
export const STATUS_CHANGES_TABLE = 'status_changes';
/** The eventType of a status-change record (it is not a bus event: the lake is its only reader). */
export const STATUS_CHANGED = 'lake.document.status_changed';

/**
 * A document's status, as a linkage step changed it (write-back 2 / 3, compensation 9, approval withdrawn 9)
 * or as a resync read it from its cell. Made by the activities from the cell's answer.
 */
export interface DocumentStatusChange {
  /** The document's cell and type, as in a business key: `erp` / `order`, `oa` / `approval`. */
  cell: string;
  type: string;
  id: string;
  status: number;
  /** When the cell made the change (the record's `updatedAt`), so a resync records the same time. */
  changedAt: string;
  /** Approvals only: what the report of approval efficiency groups by. */
  typeCode?: string;
}

/** Who wrote a status-change record: a linkage run, or a resync reading the cell. */
export interface StatusOrigin {
  by: 'linkage' | 'resync';
  workflowId: string;
}

/**
 * The record id of a status change: one per (document, status). The lifecycle never returns a document to
 * an earlier status (platform/shared/lifecycle.ts), so this key makes a retried, replayed or resynced
 * ingest of the same change a no-op, whoever sends it.
 */
export function statusChangeEventId(c: Pick<DocumentStatusChange, 'cell' | 'type' | 'id' | 'status'>): string {
  return boundedId(`status:${c.cell}:${c.type}:${c.id}:${c.status}`, 200);
}

/** The ingests of some status changes, one per cell (each cell's `status_changes` table). */
export function statusChangeIngests(
  tenantId: string,
  changes: readonly DocumentStatusChange[],
  origin: StatusOrigin,
): LakeIngest[] {
  const byCell = new Map<string, LakeIngest>();
  const seen = new Set<string>();
  for (const c of changes) {
    const eventId = statusChangeEventId(c);
    // A pending document needs no record: its creation record says as much.
    if (c.status === STATUS.pending || seen.has(eventId)) continue;
    seen.add(eventId);
    let ingest = byCell.get(c.cell);
    if (!ingest) byCell.set(c.cell, (ingest = { tenantId, cellId: c.cell, table: STATUS_CHANGES_TABLE, records: [] }));
    ingest.records.push({
      eventId,
      eventType: STATUS_CHANGED,
      occurredAt: c.changedAt,
      documentType: c.type,
      documentId: c.id,
      status: c.status,
      ...(c.typeCode ? { typeCode: c.typeCode } : {}),
      by: origin.by,
      workflowId: origin.workflowId,
    });
  }
  return [...byCell.values()];
}
