/**
 * The three operating reports, computed from the ingested tables (each row is an event payload plus
 * eventId/eventType/occurredAt). Amounts are integer cents summed as ingested; the platform does not
 * convert currencies.
 */
import type { LakeRecord, LakeStore } from './store';

const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
const key = (v: unknown): string => (typeof v === 'string' && v ? v : '(unknown)');

function groupBy<T>(
  rows: LakeRecord[],
  by: string,
  init: () => T,
  add: (acc: T, r: LakeRecord) => void,
): Map<string, T> {
  const out = new Map<string, T>();
  for (const r of rows) {
    const k = key(r[by]);
    if (!out.has(k)) out.set(k, init());
    add(out.get(k)!, r);
  }
  return out;
}

const sorted = <T>(m: Map<string, T>, name: string): Array<Record<string, unknown>> =>
  [...m.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => ({ [name]: k, ...v }));

const rate = (approved: number, total: number): number =>
  total ? Math.round((approved / total) * 10_000) / 10_000 : 0;

export function salesPerformance(store: LakeStore, tenantId: string) {
  const contracts = store.table(tenantId, 'crm', 'contracts');
  const orders = store.table(tenantId, 'erp', 'orders');
  const byCustomer = new Map<
    string,
    { contractCount: number; contractAmountCents: number; orderCount: number; orderAmountCents: number }
  >();
  const slot = (id: unknown) => {
    const k = key(id);
    if (!byCustomer.has(k))
      byCustomer.set(k, { contractCount: 0, contractAmountCents: 0, orderCount: 0, orderAmountCents: 0 });
    return byCustomer.get(k)!;
  };
  for (const c of contracts) {
    const s = slot(c.customerId);
    s.contractCount++;
    s.contractAmountCents += num(c.amountCents);
  }
  for (const o of orders) {
    const s = slot(o.customerId);
    s.orderCount++;
    s.orderAmountCents += num(o.totalAmountCents);
  }
  return {
    tenantId,
    contracts: { count: contracts.length, totalAmountCents: contracts.reduce((a, c) => a + num(c.amountCents), 0) },
    orders: { count: orders.length, totalAmountCents: orders.reduce((a, o) => a + num(o.totalAmountCents), 0) },
    byCustomer: sorted(byCustomer, 'customerId'),
  };
}

export function purchaseCost(store: LakeStore, tenantId: string) {
  const pos = store.table(tenantId, 'erp', 'purchase_orders');
  const quotes = store.table(tenantId, 'srm', 'quotes');
  const bySupplier = new Map<
    string,
    { poCount: number; poAmountCents: number; quotesAwarded: number; awardedAmountCents: number }
  >();
  const slot = (id: unknown) => {
    const k = key(id);
    if (!bySupplier.has(k))
      bySupplier.set(k, { poCount: 0, poAmountCents: 0, quotesAwarded: 0, awardedAmountCents: 0 });
    return bySupplier.get(k)!;
  };
  for (const p of pos) {
    const s = slot(p.supplierId);
    s.poCount++;
    s.poAmountCents += num(p.totalAmountCents);
  }
  for (const q of quotes) {
    const s = slot(q.supplierId);
    s.quotesAwarded++;
    s.awardedAmountCents += num(q.amountCents);
  }
  return {
    tenantId,
    purchaseOrders: { count: pos.length, totalAmountCents: pos.reduce((a, p) => a + num(p.totalAmountCents), 0) },
    quotesAwarded: { count: quotes.length, totalAmountCents: quotes.reduce((a, q) => a + num(q.amountCents), 0) },
    bySupplier: sorted(bySupplier, 'supplierId'),
  };
}

export function approvalEfficiency(store: LakeStore, tenantId: string) {
  const approvals = store.table(tenantId, 'oa', 'approvals');
  const count = (rows: LakeRecord[]) => {
    const approved = rows.filter((r) => r.status === 2).length;
    const rejected = rows.filter((r) => r.status === 3).length;
    return { total: rows.length, approved, rejected, approvalRate: rate(approved, rows.length) };
  };
  const byType = groupBy(
    approvals,
    'typeCode',
    () => [] as LakeRecord[],
    (acc, r) => acc.push(r),
  );
  return {
    tenantId,
    ...count(approvals),
    byTypeCode: [...byType.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([typeCode, rows]) => ({ typeCode, ...count(rows) })),
  };
}
