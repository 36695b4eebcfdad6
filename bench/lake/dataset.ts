/**
 * A year of business for several tenants, as the linkage writes it into the lake: each flow is the records
 * of one chain of events (common/lake.ts builds them exactly as the workflows do), so the mix of tables,
 * status changes, compensations and withdrawals is the one a real lake holds. The tally is what the reports
 * must find, per tenant.
 */
import { randomUUID } from 'node:crypto';
import { eventIngest, statusChangeIngests, type DocumentStatusChange, type LakeIngest } from '../../common/lake';

export const YEAR = { from: Date.UTC(2024, 0, 1), to: Date.UTC(2025, 0, 1) };

/** Tenant 0 holds a quarter of the rows (the one the report timings read); the others share the rest. */
export function tenantWeights(count: number): number[] {
  const rest = Array.from({ length: count - 1 }, (_, i) => 1 / (i + 1));
  const sum = rest.reduce((a, w) => a + w, 0);
  return [0.25, ...rest.map((w) => (0.75 * w) / sum)];
}

export interface Tally {
  contracts: Record<'live' | 'rejected' | 'cancelled', number>;
  orders: Record<'live' | 'rejected' | 'cancelled', number>;
  purchaseOrders: Record<'live' | 'rejected' | 'cancelled', number>;
  quotes: number;
  approvals: Record<'approved' | 'rejected' | 'withdrawn', number>;
  rows: number;
}

const emptyTally = (): Tally => ({
  contracts: { live: 0, rejected: 0, cancelled: 0 },
  orders: { live: 0, rejected: 0, cancelled: 0 },
  purchaseOrders: { live: 0, rejected: 0, cancelled: 0 },
  quotes: 0,
  approvals: { approved: 0, rejected: 0, withdrawn: 0 },
  rows: 0,
});

type Outcome = 'approved' | 'rejected' | 'withdrawn';
const STATUS_OF: Record<Outcome, number> = { approved: 2, rejected: 3, withdrawn: 9 };

const pick = <T>(weighted: ReadonlyArray<[T, number]>): T => {
  let r = Math.random() * weighted.reduce((a, [, w]) => a + w, 0);
  for (const [v, w] of weighted) if ((r -= w) < 0) return v;
  return weighted[weighted.length - 1][0];
};
/** Skewed toward the first ids: a few customers and suppliers make most of the business. */
const skewed = (prefix: string, n: number): string => `${prefix}${Math.floor(n * Math.random() ** 2)}`;
const cents = (): number => Math.round(10_000 + Math.random() ** 3 * 50_000_000);
const iso = (ms: number): string => new Date(ms).toISOString();
/** Minutes to days, most within a few hours. */
const decisionMs = (): number => Math.round(60_000 * Math.exp(Math.random() * Math.log(60 * 24 * 3)));

export class LakeDataset {
  readonly tenants: string[];
  readonly tally = new Map<string, Tally>();
  private readonly weights: Array<[number, number]>;
  private seq = 0;

  constructor(tenantCount: number, runId = randomUUID().slice(0, 8)) {
    this.tenants = Array.from({ length: tenantCount }, (_, i) => `bench-${runId}-t${i}`);
    this.weights = tenantWeights(tenantCount).map((w, i) => [i, w]);
    for (const t of this.tenants) this.tally.set(t, emptyTally());
  }

  /** The ingests of one flow, in the order the linkage sends them (one record each). */
  flow(tenantIndex = pick(this.weights)): LakeIngest[] {
    const tenantId = this.tenants[tenantIndex];
    const tally = this.tally.get(tenantId)!;
    const at = YEAR.from + Math.random() * (YEAR.to - YEAR.from - 7 * 86_400_000);
    const kind = pick<'sales' | 'purchase' | 'approval'>([
      ['sales', 0.45],
      ['purchase', 0.35],
      ['approval', 0.2],
    ]);
    const out =
      kind === 'sales'
        ? this.sales(tenantId, at, tally)
        : kind === 'purchase'
          ? this.purchase(tenantId, at, tally)
          : [];
    if (kind === 'approval') {
      const typeCode = pick([
        ['expense', 3],
        ['leave', 2],
        ['travel', 1],
      ]);
      out.push(
        ...this.approval(
          tenantId,
          at,
          typeCode,
          pick<Outcome>([
            ['approved', 0.8],
            ['rejected', 0.2],
          ]),
          tally,
        ),
      );
    }
    for (const ingest of out) tally.rows += ingest.records.length;
    return out;
  }

  /** Contract → sales order → contract approval; rejection cancels the order, withdrawal both. */
  private sales(tenantId: string, at: number, tally: Tally): LakeIngest[] {
    const n = ++this.seq;
    const [contractId, orderId] = [`ctr_${n}`, `ord_${n}`];
    const customerId = skewed('cus_', 500);
    const amountCents = cents();
    const outcome = pick<Outcome>([
      ['approved', 0.85],
      ['rejected', 0.12],
      ['withdrawn', 0.03],
    ]);
    const out = [
      this.event(tenantId, 'crm.contract.signed', at, {
        contractId,
        customerId,
        amountCents,
        currency: 'CNY',
        signedAt: iso(at),
      }),
      this.event(tenantId, 'erp.order.created', at + 1000, { orderId, customerId, totalAmountCents: amountCents }),
    ];
    const decided = at + 2000 + decisionMs();
    out.push(...this.approval(tenantId, at + 2000, 'contract', outcome, tally, decided));
    const changes: DocumentStatusChange[] = [
      { cell: 'crm', type: 'contract', id: contractId, status: STATUS_OF[outcome], changedAt: iso(decided) },
    ];
    if (outcome !== 'approved') {
      changes.push({ cell: 'erp', type: 'order', id: orderId, status: 9, changedAt: iso(decided + 500) });
    }
    out.push(...this.changes(tenantId, changes));
    const state = outcome === 'approved' ? 'live' : outcome === 'rejected' ? 'rejected' : 'cancelled';
    tally.contracts[state]++;
    tally.orders[outcome === 'approved' ? 'live' : 'cancelled']++;
    return out;
  }

  /** Awarded quote → purchase order → its approval, which decides the order. */
  private purchase(tenantId: string, at: number, tally: Tally): LakeIngest[] {
    const n = ++this.seq;
    const [quoteId, poId] = [`quo_${n}`, `po_${n}`];
    const supplierId = skewed('sup_', 200);
    const amountCents = cents();
    const outcome = pick<Outcome>([
      ['approved', 0.9],
      ['rejected', 0.08],
      ['withdrawn', 0.02],
    ]);
    const out = [
      this.event(tenantId, 'srm.quote.awarded', at, { quoteId, supplierId, amountCents, rfqId: `rfq_${n}` }),
      this.event(tenantId, 'erp.purchase_order.created', at + 1000, {
        poId,
        supplierId,
        totalAmountCents: amountCents,
        documentNo: `PO-${n}`,
      }),
    ];
    const decided = at + 2000 + decisionMs();
    out.push(...this.approval(tenantId, at + 2000, 'purchase_order', outcome, tally, decided));
    out.push(
      ...this.changes(tenantId, [
        { cell: 'erp', type: 'purchase_order', id: poId, status: STATUS_OF[outcome], changedAt: iso(decided) },
      ]),
    );
    tally.quotes++;
    tally.purchaseOrders[outcome === 'approved' ? 'live' : outcome === 'rejected' ? 'rejected' : 'cancelled']++;
    return out;
  }

  /** A decided approval is a completion record (one in ten from before createdAt/completedAt were sent). */
  private approval(
    tenantId: string,
    createdAt: number,
    typeCode: string,
    outcome: Outcome,
    tally: Tally,
    decided = createdAt + decisionMs(),
  ): LakeIngest[] {
    const instanceId = `apv_${++this.seq}`;
    tally.approvals[outcome]++;
    if (outcome === 'withdrawn') {
      return this.changes(tenantId, [
        { cell: 'oa', type: 'approval', id: instanceId, status: 9, changedAt: iso(decided), typeCode },
      ]);
    }
    const times = Math.random() < 0.9 ? { createdAt: iso(createdAt), completedAt: iso(decided) } : {};
    return [
      this.event(tenantId, 'oa.approval.completed', decided, {
        instanceId,
        typeCode,
        status: STATUS_OF[outcome],
        formData: { note: 'bench' },
        ...times,
      }),
    ];
  }

  private event(tenantId: string, eventType: string, at: number, payload: Record<string, unknown>): LakeIngest {
    return eventIngest({ eventId: randomUUID(), eventType, tenantId, occurredAt: iso(at), payload });
  }

  private changes(tenantId: string, changes: DocumentStatusChange[]): LakeIngest[] {
    return statusChangeIngests(tenantId, changes, { by: 'linkage', workflowId: `linkage-${randomUUID()}` });
  }
}

/**
 * Whole flows regrouped into ingest batches of up to `size` records of one (tenant, cell, table), until at
 * least `rows` records were produced; a batch leaves as soon as it is full, the rest at the end.
 */
export function* batches(data: LakeDataset, rows: number, size: number): Generator<LakeIngest> {
  const open = new Map<string, LakeIngest>();
  let produced = 0;
  while (produced < rows) {
    for (const ingest of data.flow()) {
      produced += ingest.records.length;
      const key = `${ingest.tenantId}/${ingest.cellId}/${ingest.table}`;
      const batch = open.get(key) ?? { ...ingest, records: [] };
      batch.records.push(...ingest.records);
      if (batch.records.length >= size) {
        open.delete(key);
        yield batch;
      } else open.set(key, batch);
    }
  }
  yield* open.values();
}
