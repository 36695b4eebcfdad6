/**
 * Activities that call the cells through the gateway proxy (`/api/v1/<cell>/<path>`). A create is one
 * HTTP call, idempotent twice over: by its X-Request-ID (workflow, run and step) and by its business
 * source, since the cells keep one live document per source (docs/failure-handling.md). Compensations are idempotent by
 * state: cancelling a cancelled document or withdrawing a withdrawn approval changes nothing.
 */
import { STATUS } from '../common/events';
import type { DocumentStatusChange } from '../common/lake';
import type { HttpClient } from './http-client';
import type { RuleGuard, RuleGuardContext } from './rule-guard';

const withdrawPath = (id: string) => `/api/v1/oa/approvals/${encodeURIComponent(id)}/withdraw`;

/** Who a call is for and its idempotency key. */
export interface CallContext extends RuleGuardContext {
  tenantId: string;
  requestId: string;
}

export interface CreatedRecord {
  id: string;
  [field: string]: unknown;
}

interface DocumentApi {
  /** The collection's path; a record is `<list>/<id>`. */
  list: string;
  statusField: string;
  /** The approvals made for such a document (formData source), withdrawn when it is cancelled. */
  approvals?: { sourceCell: string; sourceType: string };
}

/** Documents whose status the linkages write: write-back (2 / 3) and compensation (9). */
export const DOCUMENTS = {
  'erp:order': {
    list: '/api/v1/erp/orders',
    statusField: 'orderStatus',
    approvals: { sourceCell: 'erp', sourceType: 'order' },
  },
  'erp:purchase_order': {
    list: '/api/v1/erp/mm/purchase-orders',
    statusField: 'status',
    approvals: { sourceCell: 'erp', sourceType: 'purchase_order' },
  },
  'crm:contract': { list: '/api/v1/crm/contracts', statusField: 'status' },
  'srm:rfq': { list: '/api/v1/srm/rfqs', statusField: 'status' },
} as const satisfies Record<string, DocumentApi>;
export type DocumentKind = keyof typeof DOCUMENTS;

/** What of a call context goes on the wire: the tenant and the request id. */
const callOf = ({ tenantId, requestId }: CallContext) => ({ tenantId, requestId });

const documentPath = (kind: DocumentKind, id: string) => `${DOCUMENTS[kind].list}/${encodeURIComponent(id)}`;

/** The source an OA approval is for: one live approval per (sourceCell, sourceId, sourceType, typeCode). */
export interface ApprovalSource {
  sourceCell: string;
  sourceId: string;
  sourceType: string;
  typeCode?: string;
}

/** The status changes a call made (or found made), for the data lake's lifecycle records (common/lake.ts). */
export interface StatusChanges {
  changes: DocumentStatusChange[];
}

export interface CancelResult extends StatusChanges {
  /** Documents set to cancelled (9) now or before. */
  cancelled: string[];
  /** Open approvals of those documents withdrawn (the cascade). */
  withdrawn: string[];
}

/** A document's status as its cell answered it: `kind` is `<cell>:<type>` (a DocumentKind or `oa:approval`). */
export function statusChangeOf(kind: DocumentKind | 'oa:approval', record: CreatedRecord): DocumentStatusChange {
  const [cell, type] = kind.split(':');
  const statusField = kind === 'oa:approval' ? 'status' : DOCUMENTS[kind].statusField;
  const typeCode = typeof record.typeCode === 'string' ? record.typeCode : undefined;
  return {
    cell,
    type,
    id: record.id,
    status: record[statusField] as number,
    changedAt: String(record.updatedAt ?? record.createdAt ?? ''),
    ...(typeCode ? { typeCode } : {}),
  };
}

export interface ErpOrderBody {
  customerId: string;
  totalAmountCents: number;
  currency: string;
  sourceContractId: string;
}
export interface ApprovalBody {
  typeCode: 'contract' | 'sales_order' | 'purchase_order';
  title?: string;
  formData: { sourceCell: string; sourceId: string; sourceType: string; [k: string]: unknown };
}
export interface RfqBody {
  requisitionId: string;
  demandDesc: string;
  totalAmountCents: number;
}
export interface PurchaseOrderBody {
  supplierId: string;
  totalAmountCents: number;
  currency: string;
  rfqId: string;
  quoteId: string;
}

export function createCellActivities(gateway: HttpClient, guard: RuleGuard) {
  // Every call of a step checks its rule first (a paused rule holds the run); compensations name no rule.
  const post = (ctx: CallContext, path: string, body: unknown) =>
    guard.run(ctx, () => gateway.call<CreatedRecord>({ method: 'POST', path, body, ...callOf(ctx) }));
  // A cascade must see every approval of its source: all pages.
  const list = (ctx: CallContext, path: string, query: Record<string, string>) =>
    gateway.listAll<CreatedRecord>({ path, query, tenantId: ctx.tenantId });
  const setStatus = (ctx: CallContext, kind: DocumentKind, id: string, status: number) =>
    guard.run(ctx, () =>
      gateway.call<CreatedRecord>({
        method: 'PATCH',
        path: documentPath(kind, id),
        body: { [DOCUMENTS[kind].statusField]: status },
        ...callOf(ctx),
      }),
    );

  /** Withdraws every pending approval of a source; decided ones stand (they are not open). */
  async function withdrawApprovalsOf(ctx: CallContext, source: ApprovalSource): Promise<CancelResult> {
    const query: Record<string, string> = { ...source };
    const open = (await list(ctx, '/api/v1/oa/approvals', query)).filter((a) => a.status === STATUS.pending);
    const changes: DocumentStatusChange[] = [];
    for (const a of open) {
      const withdrawn = await post({ ...ctx, requestId: `${ctx.requestId}:${a.id}` }, withdrawPath(a.id), {});
      changes.push(statusChangeOf('oa:approval', withdrawn));
    }
    return { cancelled: [], withdrawn: open.map((a) => a.id), changes };
  }

  /** Cancels a document (9) and withdraws the approvals still open for it: nothing stays pending on it. */
  async function cancel(ctx: CallContext, kind: DocumentKind, id: string): Promise<CancelResult> {
    const cancelled = await setStatus(ctx, kind, id, STATUS.cancelled);
    const doc: DocumentApi = DOCUMENTS[kind];
    const cascade = doc.approvals
      ? await withdrawApprovalsOf({ ...ctx, requestId: `${ctx.requestId}:cascade` }, { ...doc.approvals, sourceId: id })
      : { withdrawn: [], changes: [] };
    return {
      cancelled: [id],
      withdrawn: cascade.withdrawn,
      changes: [statusChangeOf(kind, cancelled), ...cascade.changes],
    };
  }

  return {
    async createErpOrder(ctx: CallContext, body: ErpOrderBody): Promise<CreatedRecord> {
      return post(ctx, '/api/v1/erp/orders', body);
    },
    async createApproval(ctx: CallContext, body: ApprovalBody): Promise<CreatedRecord> {
      return post(ctx, '/api/v1/oa/approvals', body);
    },
    async withdrawApproval(ctx: CallContext, approvalId: string): Promise<CreatedRecord & StatusChanges> {
      const approval = await post(ctx, withdrawPath(approvalId), {});
      return { ...approval, changes: [statusChangeOf('oa:approval', approval)] };
    },
    /** Compensation of a step cancelled in flight: whatever it may have made is found by its source. */
    async withdrawApprovalsBySource(ctx: CallContext, source: ApprovalSource): Promise<CancelResult> {
      return withdrawApprovalsOf(ctx, source);
    },
    async createRfq(ctx: CallContext, body: RfqBody): Promise<CreatedRecord> {
      return post(ctx, '/api/v1/srm/rfqs', body);
    },
    async createPurchaseOrder(ctx: CallContext, body: PurchaseOrderBody): Promise<CreatedRecord> {
      return post(ctx, '/api/v1/erp/mm/purchase-orders', body);
    },
    /** PATCH a document's status: approval write-back (2 / 3) or cancellation (9). */
    async setDocumentStatus(
      ctx: CallContext,
      kind: DocumentKind,
      id: string,
      status: number,
    ): Promise<CreatedRecord & StatusChanges> {
      const doc = await setStatus(ctx, kind, id, status);
      return { ...doc, changes: [statusChangeOf(kind, doc)] };
    },
    /** Compensation of a document the run made: cancelled (9), and its open approvals withdrawn. */
    async cancelDocument(ctx: CallContext, kind: DocumentKind, id: string): Promise<CancelResult> {
      return cancel(ctx, kind, id);
    },
    /** Compensation of a create cancelled in flight: every live document of the source is cancelled. */
    async cancelBySource(ctx: CallContext, kind: DocumentKind, source: Record<string, string>): Promise<CancelResult> {
      const statusField = DOCUMENTS[kind].statusField;
      const live = (await list(ctx, DOCUMENTS[kind].list, source)).filter((d) => d[statusField] !== STATUS.cancelled);
      const result: CancelResult = { cancelled: [], withdrawn: [], changes: [] };
      for (const d of live) {
        const r = await cancel({ ...ctx, requestId: `${ctx.requestId}:${d.id}` }, kind, d.id);
        result.cancelled.push(...r.cancelled);
        result.withdrawn.push(...r.withdrawn);
        result.changes.push(...r.changes);
      }
      return result;
    },
    /** The current status of a document (the cascade check of an approval made for it). */
    async documentStatus(ctx: CallContext, kind: DocumentKind, id: string): Promise<{ id: string; status: number }> {
      const doc = await gateway.call<CreatedRecord>({
        method: 'GET',
        path: documentPath(kind, id),
        tenantId: ctx.tenantId,
      });
      return { id, status: doc[DOCUMENTS[kind].statusField] as number };
    },
  };
}
