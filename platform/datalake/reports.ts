/**
 * The three operating reports, as SQL over the typed columns (documents.ts gives each document its current
 * status). SQL does the grouping and the totals (GROUPING SETS); this file only nests the rows into the
 * answer. Amounts are integer cents summed as ingested: the platform does not convert currencies.
 */
import { timestampTZ, type SqlParams } from './duckdb';
import { documentsCte, monthOf, rangeSql } from './documents';
import { echoQuery, type ReportQuery } from './report-query';
import type { LakeStore } from './store';

export interface Amount {
  count: number;
  amountCents: number;
}
/** Documents by current status: live (pending or approved), rejected, cancelled. */
export interface ByState {
  live: Amount;
  rejected: Amount;
  cancelled: Amount;
}

const amount = (): Amount => ({ count: 0, amountCents: 0 });
const byState = (): ByState => ({ live: amount(), rejected: amount(), cancelled: amount() });

/** `state` of a document for the money reports. */
const STATE = `CASE status WHEN 3 THEN 'rejected' WHEN 9 THEN 'cancelled' ELSE 'live' END`;

function paramsOf(q: ReportQuery): SqlParams {
  return {
    tenantId: q.tenantId,
    ...(q.from === undefined ? {} : { from: timestampTZ(q.from) }),
    ...(q.to === undefined ? {} : { to: timestampTZ(q.to) }),
  };
}

interface MoneyRow {
  party: string | null;
  month: string | null;
  kind: string;
  state: keyof ByState | 'awarded';
  count: number;
  amountCents: number;
  /** 1 on the totals rows (no party, no month). */
  total: number;
}

/**
 * Count and amount per (party, creation month, kind, state), plus per (kind, state) over everything;
 * `kind` is the document type, quotes have the one state `awarded`. Ordered by party, then month.
 */
function moneySql(docTypes: readonly string[], q: ReportQuery): string {
  return `${documentsCte(docTypes)}
SELECT party_id AS party, ${monthOf('created_event_at', q.offsetMinutes)} AS month, doc_type AS kind,
       CASE WHEN doc_type = 'quote' THEN 'awarded' ELSE ${STATE} END AS state,
       count(*) AS count, coalesce(sum(amount_cents), 0) AS "amountCents", grouping(party, month) AS total
FROM documents
WHERE true${rangeSql('created_event_at', q)}
GROUP BY GROUPING SETS ((party, month, kind, state), (kind, state))
ORDER BY total, party NULLS LAST, month NULLS LAST`;
}

/** Rows keyed by (party, month), in the order SQL gave them, each started by `init`. */
function nest<T>(rows: MoneyRow[], init: () => T, add: (slot: T, r: MoneyRow) => void) {
  const totals = init();
  const groups = new Map<string, { party: string | null; month: string | null; slot: T }>();
  for (const r of rows) {
    if (r.total) {
      add(totals, r);
      continue;
    }
    const key = JSON.stringify([r.party, r.month]);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { party: r.party, month: r.month, slot: init() }));
    add(g.slot, r);
  }
  return { totals, groups: [...groups.values()] };
}

const put = (target: Amount, r: MoneyRow): void => {
  target.count += r.count;
  target.amountCents += r.amountCents;
};

/** Contracts and orders by customer and month of signing / creation, split by current status. */
export async function salesPerformance(store: LakeStore, q: ReportQuery) {
  const rows = await store.query<MoneyRow>(moneySql(['contract', 'order'], q), paramsOf(q));
  const { totals, groups } = nest(
    rows,
    () => ({ contracts: byState(), orders: byState() }),
    (slot, r) => put((r.kind === 'contract' ? slot.contracts : slot.orders)[r.state as keyof ByState], r),
  );
  return {
    tenantId: q.tenantId,
    ...echoQuery(q),
    totals,
    rows: groups.map((g) => ({ customerId: g.party, month: g.month, ...g.slot })),
  };
}

/** Awarded quotes and purchase orders (split by current status) by supplier and month. */
export async function purchaseCost(store: LakeStore, q: ReportQuery) {
  const rows = await store.query<MoneyRow>(moneySql(['quote', 'purchase_order'], q), paramsOf(q));
  const { totals, groups } = nest(
    rows,
    () => ({ quotesAwarded: amount(), purchaseOrders: byState() }),
    (slot, r) => put(r.kind === 'quote' ? slot.quotesAwarded : slot.purchaseOrders[r.state as keyof ByState], r),
  );
  return {
    tenantId: q.tenantId,
    ...echoQuery(q),
    totals,
    rows: groups.map((g) => ({ supplierId: g.party, month: g.month, ...g.slot })),
  };
}

interface ApprovalRow {
  typeCode: string | null;
  total: number;
  approved: number;
  rejected: number;
  withdrawn: number;
  approvalRate: number;
  quantiles: [number, number] | null;
  isTotal: number;
}

/**
 * Per typeCode: decided and withdrawn approvals in the range (by decision time, or withdrawal time), the
 * approval rate among the decided ones, and the p50 / p90 time from creation to decision of those whose
 * records carry both instants.
 */
export async function approvalEfficiency(store: LakeStore, q: ReportQuery) {
  const sql = `${documentsCte(['approval'], true)}
SELECT *, CASE WHEN approved + rejected = 0 THEN 0 ELSE round(approved / (approved + rejected), 4) END AS "approvalRate"
FROM (
  SELECT type_code AS "typeCode", count(*) AS total,
         count(*) FILTER (WHERE status = 2) AS approved,
         count(*) FILTER (WHERE status = 3) AS rejected,
         count(*) FILTER (WHERE status = 9) AS withdrawn,
         quantile_cont(date_diff('millisecond', created_at, completed_at) / 1000, [0.5, 0.9])
           FILTER (WHERE status IN (2, 3) AND completed_at >= created_at) AS quantiles,
         grouping(type_code) AS "isTotal"
  FROM documents
  WHERE true${rangeSql('decided_at', q)}
  GROUP BY GROUPING SETS ((type_code), ())
)
ORDER BY "isTotal" DESC, "typeCode" NULLS LAST`;
  const [totals, ...rows] = await store.query<ApprovalRow>(sql, paramsOf(q));
  const shape = ({ typeCode: _t, isTotal: _i, quantiles, ...counts }: ApprovalRow) => ({
    ...counts,
    decisionSeconds: {
      p50: quantiles ? Math.round(quantiles[0] * 1000) / 1000 : null,
      p90: quantiles ? Math.round(quantiles[1] * 1000) / 1000 : null,
    },
  });
  return {
    tenantId: q.tenantId,
    ...echoQuery(q),
    totals: shape(totals),
    rows: rows.map((r) => ({ typeCode: r.typeCode, ...shape(r) })),
  };
}
