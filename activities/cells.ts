/**
 * Activities that call the cells through the gateway proxy (`/api/v1/<cell>/<path>`). Each is one HTTP
 * call: idempotent through the X-Request-ID the workflow derives from its id, run and step.
 */
import type { HttpClient } from './http-client';

/** Who a call is for and its idempotency key. */
export interface CallContext {
  tenantId: string;
  requestId: string;
}

export interface CreatedRecord {
  id: string;
  [field: string]: unknown;
}

/** Documents whose status the linkages write: write-back (2 / 3) and compensation (9). */
export const DOCUMENTS = {
  'erp:order': { path: (id: string) => `/api/v1/erp/orders/${encodeURIComponent(id)}`, statusField: 'orderStatus' },
  'erp:purchase_order': {
    path: (id: string) => `/api/v1/erp/mm/purchase-orders/${encodeURIComponent(id)}`,
    statusField: 'status',
  },
  'crm:contract': { path: (id: string) => `/api/v1/crm/contracts/${encodeURIComponent(id)}`, statusField: 'status' },
  'srm:rfq': { path: (id: string) => `/api/v1/srm/rfqs/${encodeURIComponent(id)}`, statusField: 'status' },
} as const;
export type DocumentKind = keyof typeof DOCUMENTS;

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

export function createCellActivities(gateway: HttpClient) {
  const post = (ctx: CallContext, path: string, body: unknown) =>
    gateway.call<CreatedRecord>({ method: 'POST', path, body, ...ctx });

  return {
    async createErpOrder(ctx: CallContext, body: ErpOrderBody): Promise<CreatedRecord> {
      return post(ctx, '/api/v1/erp/orders', body);
    },
    async createApproval(ctx: CallContext, body: ApprovalBody): Promise<CreatedRecord> {
      return post(ctx, '/api/v1/oa/approvals', body);
    },
    async withdrawApproval(ctx: CallContext, approvalId: string): Promise<CreatedRecord> {
      return post(ctx, `/api/v1/oa/approvals/${encodeURIComponent(approvalId)}/withdraw`, {});
    },
    async createRfq(ctx: CallContext, body: RfqBody): Promise<CreatedRecord> {
      return post(ctx, '/api/v1/srm/rfqs', body);
    },
    async createPurchaseOrder(ctx: CallContext, body: PurchaseOrderBody): Promise<CreatedRecord> {
      return post(ctx, '/api/v1/erp/mm/purchase-orders', body);
    },
    /** PATCH a document's status: approval write-back (2 / 3) or cancellation (9). */
    async setDocumentStatus(ctx: CallContext, kind: DocumentKind, id: string, status: number): Promise<CreatedRecord> {
      const doc = DOCUMENTS[kind];
      return gateway.call<CreatedRecord>({
        method: 'PATCH',
        path: doc.path(id),
        body: { [doc.statusField]: status },
        ...ctx,
      });
    },
  };
}
