/**
 * A small client of the platform contract (docs/platform.md) for the demo, the tests, the benchmarks and the
 * reliability suite: the calls a business user's actions make (sign a contract, award a quote, ...), the
 * data lake's tables and the test-only faults. The dead-letter admin calls are the product's
 * (ops/gateway-admin.ts), which this client extends.
 */
import { readAllPages, type ListPage } from '../../common/paging';
import { GatewayAdmin, type Rec } from '../../ops/gateway-admin';

/** A test-only fault (PLATFORM_FAULTS=1); see docs/platform.md. */
export interface Fault {
  method?: string;
  /** Prefix of the URL path, e.g. `/api/v1/erp/orders`. */
  path: string;
  /** How many requests it hits; -1 until cleared. */
  times?: number;
  status?: number;
  body?: unknown;
  delayMs?: number;
  delayResponseMs?: number;
  hang?: boolean;
}

export class PlatformClient extends GatewayAdmin {
  constructor(
    gatewayUrl: string,
    token = 'smoke-test',
    readonly datalakeUrl?: string,
  ) {
    super(gatewayUrl, token);
  }

  cell<T = Rec>(tenant: string, method: string, path: string, body?: unknown, requestId?: string): Promise<T> {
    return this.ok<T>(method, `/api/v1${path}`, { tenant, body, requestId });
  }

  /** Every record of a cell list (`path` may carry filters), following `nextCursor` to the last page. */
  list(tenant: string, path: string): Promise<Rec[]> {
    return readAllPages((page) => this.cell<ListPage<Rec>>(tenant, 'GET', withQuery(path, page)));
  }

  // The business actions that publish the events the linkages react to.
  signContract(tenant: string, c: { customerId: string; contractNo: string; amountCents: number; currency?: string }) {
    return this.cell(tenant, 'POST', '/crm/contracts', { ...c, signedAt: new Date().toISOString() });
  }
  createRequisition(tenant: string, r: { demandDesc: string; totalAmountCents: number }) {
    return this.cell(tenant, 'POST', '/erp/mm/purchase-requisitions', r);
  }
  addQuote(tenant: string, rfqId: string, q: { supplierId: string; amountCents: number; currency?: string }) {
    return this.cell(tenant, 'POST', `/srm/rfqs/${rfqId}/quotes`, q);
  }
  awardQuote(tenant: string, quoteId: string) {
    return this.cell(tenant, 'POST', `/srm/quotes/${quoteId}/award`, {});
  }
  completeApproval(tenant: string, approvalId: string, approved: boolean) {
    return this.cell(tenant, 'POST', `/oa/approvals/${approvalId}/complete`, { approved });
  }
  publish(event: { eventId: string; eventType: string; tenantId: string; payload: Record<string, unknown> }) {
    return this.call<{ eventId: string; seq: number; duplicate?: boolean }>('POST', '/api/events', { body: event });
  }
  /** Every record of a data-lake table, in ingest order, following `nextCursor` to the last page. */
  table(tenant: string, cell: string, table: string): Promise<Rec[]> {
    const url = `${this.datalakeUrl}/api/datalake/tables/${cell}/${table}?tenantId=${encodeURIComponent(tenant)}`;
    return readAllPages((page) => this.ok<ListPage<Rec>>('GET', withQuery(url, page)));
  }
  /** Test-only fault injection (PLATFORM_FAULTS=1). */
  fault(f: Fault, base?: string) {
    return this.ok('POST', `${base ?? this.gatewayUrl}/api/admin/faults`, { body: f });
  }
  /** Test-only: ERP refuses every new order with 422 and `message` until the faults are cleared. */
  refuseOrders(message: string) {
    return this.fault({
      method: 'POST',
      path: '/api/v1/erp/orders',
      times: -1,
      status: 422,
      body: { error: { code: 'validation_error', message } },
    });
  }
  clearFaults(base?: string) {
    return this.ok('DELETE', `${base ?? this.gatewayUrl}/api/admin/faults`);
  }
}

/** The documents a linkage makes per business source (docs/failure-handling.md), and how to list one source's documents. */
export const SOURCES = {
  /** ERP sales order ← CRM contract. */
  order: (contractId: string) => ({ path: `/erp/orders?sourceContractId=${enc(contractId)}`, status: 'orderStatus' }),
  /** SRM RFQ ← ERP purchase requisition. */
  rfq: (requisitionId: string) => ({ path: `/srm/rfqs?requisitionId=${enc(requisitionId)}`, status: 'status' }),
  /** ERP purchase order ← awarded SRM quote. */
  po: (quoteId: string) => ({ path: `/erp/mm/purchase-orders?quoteId=${enc(quoteId)}`, status: 'status' }),
  /** OA approval ← (sourceCell, sourceId, sourceType, typeCode). */
  approval: (sourceCell: string, sourceType: string, sourceId: string, typeCode: string) => ({
    path: `/oa/approvals?sourceCell=${enc(sourceCell)}&sourceType=${enc(sourceType)}&sourceId=${enc(sourceId)}&typeCode=${enc(typeCode)}`,
    status: 'status',
  }),
} as const;
export type SourceQuery = ReturnType<(typeof SOURCES)[keyof typeof SOURCES]>;
const enc = encodeURIComponent;

/** `url` with `params` added to its query string. */
function withQuery(url: string, params: Record<string, string>): string {
  return `${url}${url.includes('?') ? '&' : '?'}${new URLSearchParams(params).toString()}`;
}

/** Documents of one source: live ones (any status but 9) apart from cancelled / withdrawn ones. */
export interface SourceCount {
  live: number;
  cancelled: number;
  liveIds: string[];
}

export async function countBySource(api: PlatformClient, tenant: string, source: SourceQuery): Promise<SourceCount> {
  const docs = await api.list(tenant, source.path);
  const live = docs.filter((d) => d[source.status] !== 9);
  return { live: live.length, cancelled: docs.length - live.length, liveIds: live.map((d) => d.id as string) };
}
