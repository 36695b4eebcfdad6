/**
 * The manual's design, as the baseline the benchmark compares against: one process polls the bus and, for
 * each event in turn, calls the gateway for every linkage rule (then ingests into the data lake). No
 * durability (the cursor lives in memory), no retries, no idempotency keys, no compensation: a failed
 * call is logged and the event is lost, exactly like the manual's Python loop.
 *
 * Two modes: `poll` — read, handle the page, sleep SYNC_WORKER_POLL_INTERVAL_SEC (the manual's 5 s);
 * `longpoll` — `waitMs` on the read and no sleep. For every event it prints one line
 * `DISPATCHED {"eventId", "eventType", "tenantId", "doneAt", "calls", "failed"}` that the benchmark reads.
 */
import { cellOf } from '../common/events';
import { builtinRule, datalakeTableOf } from '../common/catalogue';

export interface DispatcherOptions {
  gatewayUrl: string;
  datalakeUrl: string | null;
  token: string;
  mode: 'poll' | 'longpoll';
  pollIntervalMs: number;
  waitMs: number;
  pageSize: number;
}

export interface DispatchRecord {
  eventId: string;
  eventType: string;
  tenantId: string;
  doneAt: number;
  calls: number;
  failed: number;
}

interface BusEventLite {
  seq: number;
  eventId: string;
  eventType: string;
  tenantId: string;
  occurredAt: string;
  payload: Record<string, unknown>;
}

type Call = { method: string; url: string; body: unknown };

const str = (v: unknown): string => (typeof v === 'string' ? v : String(v ?? ''));

/** The gateway calls of the linkage rules (docs/rules-and-configuration.md) for one event, every toggle on, in the order the rules make them. */
export function callsFor(e: BusEventLite, gatewayUrl: string, datalakeUrl: string | null): Call[] {
  const p = e.payload;
  const api = `${gatewayUrl}/api/v1`;
  const calls: Call[] = [];
  const approval = (typeCode: string, formData: Record<string, unknown>): Call => ({
    method: 'POST',
    url: `${api}/oa/approvals`,
    body: { typeCode, formData },
  });
  switch (e.eventType) {
    case 'crm.contract.signed':
      calls.push({
        method: 'POST',
        url: `${api}/erp/orders`,
        body: {
          customerId: p.customerId,
          totalAmountCents: p.amountCents,
          currency: p.currency ?? 'CNY',
          sourceContractId: p.contractId,
        },
      });
      calls.push(
        approval('contract', {
          sourceCell: 'crm',
          sourceId: p.contractId,
          sourceType: 'contract',
          contractNo: p.contractNo,
          amountCents: p.amountCents,
        }),
      );
      break;
    case 'erp.order.created':
      calls.push(approval('sales_order', { sourceCell: 'erp', sourceId: p.orderId, sourceType: 'order' }));
      break;
    case 'erp.purchase_requisition.created':
      calls.push({
        method: 'POST',
        url: `${api}/srm/rfqs`,
        body: { requisitionId: p.requisitionId, demandDesc: p.demandDesc, totalAmountCents: p.totalAmountCents },
      });
      break;
    case 'srm.quote.awarded':
      calls.push({
        method: 'POST',
        url: `${api}/erp/mm/purchase-orders`,
        body: {
          supplierId: p.supplierId,
          totalAmountCents: p.amountCents,
          currency: p.currency ?? 'CNY',
          rfqId: p.rfqId,
          quoteId: p.quoteId,
        },
      });
      break;
    case 'erp.purchase_order.created':
      calls.push(approval('purchase_order', { sourceCell: 'erp', sourceId: p.poId, sourceType: 'purchase_order' }));
      break;
    case 'oa.approval.completed': {
      const fd = (p.formData ?? {}) as Record<string, unknown>;
      const status = p.status === 2 ? 2 : 3;
      const id = encodeURIComponent(str(fd.sourceId));
      const kind = `${str(fd.sourceCell)}:${str(fd.sourceType)}`;
      if (kind === 'erp:order')
        calls.push({ method: 'PATCH', url: `${api}/erp/orders/${id}`, body: { orderStatus: status } });
      if (kind === 'erp:purchase_order')
        calls.push({ method: 'PATCH', url: `${api}/erp/mm/purchase-orders/${id}`, body: { status } });
      if (kind === 'crm:contract') calls.push({ method: 'PATCH', url: `${api}/crm/contracts/${id}`, body: { status } });
      break;
    }
    default:
      break;
  }
  if (datalakeUrl) {
    calls.push({
      method: 'POST',
      url: `${datalakeUrl}/api/datalake/ingest`,
      body: {
        tenantId: e.tenantId,
        cellId: cellOf(e.eventType),
        table: datalakeTableOf(builtinRule(e.eventType)),
        records: [{ ...p, eventId: e.eventId, eventType: e.eventType, occurredAt: e.occurredAt }],
      },
    });
  }
  return calls;
}

/** Runs until `signal` aborts; `onDispatched` gets one record per event handled. */
export async function runDirectDispatcher(
  opts: DispatcherOptions,
  onDispatched: (r: DispatchRecord) => void,
  signal: AbortSignal,
): Promise<void> {
  const auth = { authorization: `Bearer ${opts.token}` };
  let after = 0;
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(resolve, ms);
      signal.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
    });
  while (!signal.aborted) {
    const waitMs = opts.mode === 'longpoll' ? opts.waitMs : 0;
    let events: BusEventLite[] = [];
    try {
      const res = await fetch(`${opts.gatewayUrl}/api/events?after=${after}&limit=${opts.pageSize}&waitMs=${waitMs}`, {
        headers: auth,
        signal,
      });
      const page = (await res.json()) as { events: BusEventLite[]; nextAfter: number };
      events = page.events;
      after = page.nextAfter;
    } catch (err) {
      if (signal.aborted) return;
      console.error(`direct dispatcher: bus read failed: ${(err as Error).message}`);
      await sleep(opts.pollIntervalMs);
      continue;
    }
    for (const e of events) {
      let calls = 0;
      let failed = 0;
      for (const c of callsFor(e, opts.gatewayUrl, opts.datalakeUrl)) {
        calls++;
        try {
          const res = await fetch(c.url, {
            method: c.method,
            headers: { ...auth, 'content-type': 'application/json', 'x-tenant-id': e.tenantId },
            body: JSON.stringify(c.body),
          });
          await res.arrayBuffer();
          if (!res.ok) failed++;
        } catch {
          failed++; // the manual: log and move on, never retried
        }
      }
      onDispatched({
        eventId: e.eventId,
        eventType: e.eventType,
        tenantId: e.tenantId,
        doneAt: Date.now(),
        calls,
        failed,
      });
    }
    if (opts.mode === 'poll') await sleep(opts.pollIntervalMs);
  }
}

export const DISPATCHED_LINE = 'DISPATCHED ';

if (require.main === module) {
  const env = process.env;
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const opts: DispatcherOptions = {
    gatewayUrl: (env.GATEWAY_URL ?? 'http://localhost:8000').replace(/\/+$/, ''),
    datalakeUrl: env.DATALAKE_URL ? env.DATALAKE_URL.replace(/\/+$/, '') : null,
    token: env.GATEWAY_TOKEN || env.EVENT_BUS_TOKEN || 'smoke-test',
    mode: env.DISPATCH_MODE === 'longpoll' ? 'longpoll' : 'poll',
    pollIntervalMs: Number(env.SYNC_WORKER_POLL_INTERVAL_SEC ?? '5') * 1000,
    waitMs: Number(env.DISPATCH_WAIT_MS ?? '10000'),
    pageSize: Number(env.DISPATCH_PAGE_SIZE ?? '1000'),
  };
  console.log(`DISPATCHER_READY ${JSON.stringify({ pid: process.pid, mode: opts.mode })}`);
  runDirectDispatcher(opts, (r) => process.stdout.write(`${DISPATCHED_LINE}${JSON.stringify(r)}\n`), controller.signal)
    .then(() => process.exit(0))
    .catch((err) => {
      console.error(`direct dispatcher: ${err instanceof Error ? err.stack : String(err)}`);
      process.exit(1);
    });
}
