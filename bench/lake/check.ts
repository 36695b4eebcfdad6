/**
 * Whether the reports of a tenant say what the generator produced: totals equal to its tally, and rows that
 * add up to the totals. Answers the mismatches (none when right).
 */
import type { Amount, ByState } from '../../platform/datalake/reports';
import { getJson } from './client';
import type { Tally } from './dataset';

interface Sales {
  totals: { contracts: ByState; orders: ByState };
  rows: Array<{ contracts: ByState; orders: ByState }>;
}
interface Purchase {
  totals: { quotesAwarded: Amount; purchaseOrders: ByState };
  rows: Array<{ quotesAwarded: Amount; purchaseOrders: ByState }>;
}
type ApprovalCounts = Record<'total' | 'approved' | 'rejected' | 'withdrawn', number>;
interface Approvals {
  totals: ApprovalCounts;
  rows: ApprovalCounts[];
}

const counts = (s: ByState) => ({ live: s.live.count, rejected: s.rejected.count, cancelled: s.cancelled.count });
const sum = (amounts: Amount[]): Amount =>
  amounts.reduce((a, x) => ({ count: a.count + x.count, amountCents: a.amountCents + x.amountCents }), {
    count: 0,
    amountCents: 0,
  });
const sumStates = (list: ByState[]): ByState => ({
  live: sum(list.map((s) => s.live)),
  rejected: sum(list.map((s) => s.rejected)),
  cancelled: sum(list.map((s) => s.cancelled)),
});

export async function checkReports(lakeUrl: string, tenantId: string, tally: Tally): Promise<string[]> {
  const get = <T>(report: string) => getJson<T>(`${lakeUrl}/api/datalake/reports/${report}?tenantId=${tenantId}`);
  const [sales, purchase, approvals] = await Promise.all([
    get<Sales>('sales-performance'),
    get<Purchase>('purchase-cost'),
    get<Approvals>('approval-efficiency'),
  ]);
  const decisions = (c: ApprovalCounts) => ({ approved: c.approved, rejected: c.rejected, withdrawn: c.withdrawn });
  const KEYS = ['total', 'approved', 'rejected', 'withdrawn'] as const;
  const expectations: Array<[string, unknown, unknown]> = [
    ['contracts by status', counts(sales.totals.contracts), tally.contracts],
    ['orders by status', counts(sales.totals.orders), tally.orders],
    ['purchase orders by status', counts(purchase.totals.purchaseOrders), tally.purchaseOrders],
    ['quotes awarded', purchase.totals.quotesAwarded.count, tally.quotes],
    ['approvals', decisions(approvals.totals), tally.approvals],
    ['sales rows add up (contracts)', sumStates(sales.rows.map((r) => r.contracts)), sales.totals.contracts],
    ['sales rows add up (orders)', sumStates(sales.rows.map((r) => r.orders)), sales.totals.orders],
    [
      'purchase rows add up (orders)',
      sumStates(purchase.rows.map((r) => r.purchaseOrders)),
      purchase.totals.purchaseOrders,
    ],
    ['purchase rows add up (quotes)', sum(purchase.rows.map((r) => r.quotesAwarded)), purchase.totals.quotesAwarded],
    [
      'approval rows add up',
      KEYS.map((k) => approvals.rows.reduce((a, r) => a + r[k], 0)),
      KEYS.map((k) => approvals.totals[k]),
    ],
  ];
  return (
    expectations
      // Both sides list their keys in the same order; JSON also compares across realms (jest's sandbox).
      .filter(([, got, want]) => JSON.stringify(got) !== JSON.stringify(want))
      .map(([what, got, want]) => `${what}: got ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`)
  );
}
