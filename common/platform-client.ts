import { readAllPages, type ListPage } from './paging';

/**
 * A small client of the platform contract (docs/platform.md) for the demo, the tests, the benchmarks and the
 * reliability suite: the calls a business user's actions make (sign a contract, award a quote, ...).
 */
export interface ApiResponse<T = Record<string, unknown>> {
  status: number;
  body: T;
}

export interface CallInit {
  tenant?: string;
  body?: unknown;
  requestId?: string;
  token?: string | null;
}

export type Rec = Record<string, unknown> & { id: string };

export interface DeadLetterPage {
  items: Rec[];
  /** Pass as `cursor` for the next (older) page; null on the last page. */
  nextCursor: string | null;
}

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

export class PlatformClient {
  constructor(
    readonly gatewayUrl: string,
    readonly token = 'smoke-test',
    readonly datalakeUrl?: string,
  ) {}

  async call<T = Record<string, unknown>>(method: string, url: string, init: CallInit = {}): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = {};
    const token = init.token === undefined ? this.token : init.token;
    if (token) headers.authorization = `Bearer ${token}`;
    if (init.tenant) headers['x-tenant-id'] = init.tenant;
    if (init.requestId) headers['x-request-id'] = init.requestId;
    if (init.body !== undefined) headers['content-type'] = 'application/json';
    const full = url.startsWith('http') ? url : `${this.gatewayUrl}${url}`;
    const res = await fetch(full, {
      method,
      headers,
      body: init.body === undefined ? undefined : typeof init.body === 'string' ? init.body : JSON.stringify(init.body),
    });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      // not JSON: keep the text
    }
    return { status: res.status, body: body as T };
  }

  /** A call that must succeed: throws with the answer otherwise. */
  async ok<T = Rec>(method: string, url: string, init: CallInit = {}): Promise<T> {
    const res = await this.call<T>(method, url, init);
    if (res.status < 200 || res.status >= 300) {
      throw new Error(`${method} ${url} answered ${res.status}: ${JSON.stringify(res.body)}`);
    }
    return res.body;
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
  /**
   * Dead letters matching `query` (e.g. `?tenantId=t`), newest first. Without `limit` or `cursor` in the
   * query it follows `nextCursor` to the end, so it answers every matching letter.
   */
  async deadLetters(query = ''): Promise<Rec[]> {
    const params = new URLSearchParams(query.replace(/^\?/, ''));
    if (params.has('limit') || params.has('cursor')) return (await this.deadLetterPage(query)).items;
    return (await this.deadLettersUpTo(params)).letters;
  }
  /** Letters matching `params`, newest first, following the cursor until `limit` letters or the end. */
  async deadLettersUpTo(params: URLSearchParams, limit?: number): Promise<{ letters: Rec[]; more: boolean }> {
    const q = new URLSearchParams(params);
    const letters: Rec[] = [];
    for (;;) {
      q.set('limit', String(limit === undefined ? 1000 : Math.min(1000, limit - letters.length)));
      const page = await this.deadLetterPage(`?${q}`);
      letters.push(...page.items);
      if (!page.nextCursor) return { letters, more: false };
      if (limit !== undefined && letters.length >= limit) return { letters, more: true };
      q.set('cursor', page.nextCursor);
    }
  }
  /** One page of `GET /api/admin/events/dlq` (limit, cursor, status, tenantId, eventType, eventId, workflowId). */
  deadLetterPage(query = ''): Promise<DeadLetterPage> {
    return this.ok<DeadLetterPage>('GET', `/api/admin/events/dlq${query}`);
  }
  /** One letter; 404 when there is none. */
  deadLetter(id: string): Promise<ApiResponse<Rec>> {
    return this.call<Rec>('GET', `/api/admin/events/dlq/${encodeURIComponent(id)}`);
  }
  /** 200 the resolved letter; 409 (with the resolution in force) when it already is; 404 unknown. */
  resolveDeadLetter(id: string, resolution: { by: string; note: string }): Promise<ApiResponse<Rec>> {
    return this.call<Rec>('POST', `/api/admin/events/dlq/${encodeURIComponent(id)}/resolve`, { body: resolution });
  }
  /** Records a redrive (the run retried by an operator): `redriveCount`, `redrivenAt`, `redrivenBy`, `redriveRunId`. */
  markDeadLetterRedriven(id: string, redrive: { by: string; newRunId?: string }): Promise<ApiResponse<Rec>> {
    return this.call<Rec>('POST', `/api/admin/events/dlq/${encodeURIComponent(id)}/redriven`, { body: redrive });
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

/** Polls `probe` until it returns a truthy value; throws with `what` after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | null | undefined | false>,
  timeoutMs = 30_000,
  everyMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await probe();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}`);
}
