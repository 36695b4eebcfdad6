/**
 * Which documents an event's run may have changed, per event type, and the status changes a linkage records
 * of them: what the resync re-ingests into the lake's lifecycle tables (activities/resync-page.ts).
 */
import type { BusEvent } from '../common/events';
import { EVENT_TYPES } from '../common/events';
import { isRejection } from '../common/http-errors';
import type { DocumentStatusChange } from '../common/lake';
import { writeBackKindOf } from '../common/linkage';
import type { ResyncCounters } from '../common/resync';
import { DOCUMENTS, statusChangeOf, type CreatedRecord, type DocumentKind } from './cells';

/** The page's document reads (activities/resync-document-reads.ts) and what they count. */
export interface DocumentReads {
  readonly counters: ResyncCounters;
  /** Documents counted as checked already (`tenant\nkind:id`). */
  readonly seenDocuments: Set<string>;
  /** One document, or none when the cell answers 404 (counted as missing). */
  get(tenantId: string, path: string): Promise<CreatedRecord[]>;
  list(tenantId: string, path: string, query: Record<string, string>): Promise<CreatedRecord[]>;
}

/**
 * The statuses a linkage run writes, per document kind (write-back 2 / 3, compensation 9, approval withdrawn 9):
 * the only ones the resync records, so the lake's lifecycle tables hold the same records whether the linkage
 * or the resync wrote them. An approval's own decision (2 / 3) is its `oa.approval.completed` event, already
 * in `oa/approvals`.
 */
const LINKAGE_STATUSES: Record<string, readonly number[]> = {
  'erp:order': [2, 3, 9],
  'erp:purchase_order': [2, 3, 9],
  'crm:contract': [2, 3],
  'srm:rfq': [9],
  'oa:approval': [9],
};

/**
 * The current status of the documents the event's run may have changed, as the status changes a linkage
 * records (LINKAGE_STATUSES); null when a read was refused for good (the event's status letter stays open).
 */
export async function documentChanges(e: BusEvent, reads: DocumentReads): Promise<DocumentStatusChange[] | null> {
  const p = e.payload;
  const tenant = e.tenantId;
  const str = (v: unknown): string | null => (typeof v === 'string' && v ? v : null);
  const docs: Array<[DocumentKind | 'oa:approval', CreatedRecord]> = [];
  /** The approvals asked for a document (formData source): withdrawn (9) when it was cancelled. */
  const approvalsOf = async (source: { sourceCell: string; sourceType: string }, sourceId: string | null) => {
    if (!sourceId) return;
    const { sourceCell, sourceType } = source;
    const items = await reads.list(tenant, '/api/v1/oa/approvals', { sourceCell, sourceType, sourceId });
    for (const a of items) docs.push(['oa:approval', a]);
  };
  const one = async (kind: DocumentKind | 'oa:approval', id: string | null) => {
    if (!id) return;
    const list = kind === 'oa:approval' ? '/api/v1/oa/approvals' : DOCUMENTS[kind].list;
    for (const d of await reads.get(tenant, `${list}/${encodeURIComponent(id)}`)) docs.push([kind, d]);
  };
  const many = async (kind: DocumentKind, query: Record<string, string | null>) => {
    if (Object.values(query).some((v) => !v)) return;
    const items = await reads.list(tenant, DOCUMENTS[kind].list, query as Record<string, string>);
    for (const d of items) docs.push([kind, d]);
  };
  try {
    switch (e.eventType) {
      case EVENT_TYPES.contractSigned: {
        const contractId = str(p.contractId);
        await one('crm:contract', contractId);
        await many('erp:order', { sourceContractId: contractId });
        await approvalsOf({ sourceCell: 'crm', sourceType: 'contract' }, contractId);
        break;
      }
      case EVENT_TYPES.orderCreated:
        await one('erp:order', str(p.orderId));
        await approvalsOf(DOCUMENTS['erp:order'].approvals, str(p.orderId));
        break;
      case EVENT_TYPES.purchaseOrderCreated:
        await one('erp:purchase_order', str(p.poId));
        await approvalsOf(DOCUMENTS['erp:purchase_order'].approvals, str(p.poId));
        break;
      case EVENT_TYPES.requisitionCreated:
        await many('srm:rfq', { requisitionId: str(p.requisitionId) });
        break;
      case EVENT_TYPES.quoteAwarded:
        await many('erp:purchase_order', { quoteId: str(p.quoteId) });
        break;
      case EVENT_TYPES.approvalCompleted: {
        await one('oa:approval', str(p.instanceId));
        const fd = (p.formData ?? {}) as Record<string, unknown>;
        const [cell, type] = [str(fd.sourceCell), str(fd.sourceType)];
        const kind = cell && type ? writeBackKindOf(cell, type) : null;
        if (kind) await one(kind, str(fd.sourceId));
        break;
      }
      default:
        break;
    }
  } catch (err) {
    if (!isRejection(err)) throw err;
    reads.counters.refused++;
    return null;
  }
  const changes: DocumentStatusChange[] = [];
  for (const [kind, record] of docs) {
    const docKey = `${tenant}\n${kind}:${record.id}`;
    if (!reads.seenDocuments.has(docKey)) {
      reads.seenDocuments.add(docKey);
      reads.counters.documentsChecked++;
    }
    const change = statusChangeOf(kind, record);
    if ((LINKAGE_STATUSES[kind] ?? []).includes(change.status)) changes.push(change);
  }
  return changes;
}
