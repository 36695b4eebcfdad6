/**
 * The reliability suite's checker: pure functions, no I/O, so they are unit-tested on their own.
 *
 * - `expectedEffects(events, ctx)`: what the linkage rules (docs/rules-and-configuration.md, docs/failure-handling.md) require for the events that
 *   reached the bus: one ERP order per signed contract, one OA approval per order / PO / contract, one
 *   RFQ per requisition, one PO per awarded quote, a status written back per completed approval whose
 *   document belongs to the tenant, one data-lake row per valid event, one dead letter per poison event
 *   or refused write-back.
 * - `foundEffects(snapshot)`: the same keys, read from what the cells, the data lake and the dead-letter
 *   queue hold for the tenant. Every LIVE document counts (any status but cancelled), so a second live
 *   document of one source is a duplicate; for a cancelled document, an approval still open counts.
 * - `check(expected, found)`: both as multisets → lost (expected, not found), duplicated (found more often
 *   than expected) and unexpected (found, never expected).
 *
 * Effect keys are strings such as `erp.order<-contract:ctr_1`, `status:erp:order:ord_1=2`,
 * `lake:crm/contracts:<eventId>`, `dlq:<eventId>`.
 */
import { cellOf, isKnownEventType, PayloadSchemas, STATUS, EVENT_TYPES } from '../../common/events';
import { builtinRule, datalakeTableOf, writeBackKindOf } from '../../common/catalogue';

/** A bus event as `GET /api/events` answers it (only the fields the checker reads). */
export interface EventLike {
  eventId: string;
  eventType: string;
  tenantId: string;
  payload: Record<string, unknown>;
}

/** A record as the cells list it. */
export type RecordLike = Record<string, unknown> & { id: string };

export interface ExpectContext {
  /** Documents of the tenant (`erp:order:<id>`, `erp:purchase_order:<id>`, `crm:contract:<id>`): a write-back
   *  to anything else must be refused (another tenant's record answers 404) and leave a dead letter. */
  ownDocuments: ReadonlySet<string>;
  /** LINK_ALL_TO_DATALAKE=1 and DATALAKE_URL set (the suite runs with every toggle on). */
  datalake: boolean;
  /** Cancelled documents of the tenant (`erp:order:<id>`, `erp:purchase_order:<id>`): compensation leaves
   *  no approval open for them (docs/failure-handling.md), so their own events expect none. */
  cancelledDocuments?: ReadonlySet<string>;
}

export interface TenantSnapshot {
  erpOrders: RecordLike[];
  purchaseOrders: RecordLike[];
  contracts: RecordLike[];
  rfqs: RecordLike[];
  approvals: RecordLike[];
  /** Data-lake rows per `<cell>/<table>`. */
  lake: Record<string, Record<string, unknown>[]>;
  deadLetters: Record<string, unknown>[];
}

export interface CheckResult {
  expected: number;
  found: number;
  lost: number;
  duplicated: number;
  unexpected: number;
  /** Up to 20 keys of each kind, for the report. */
  lostKeys: string[];
  duplicatedKeys: string[];
  unexpectedKeys: string[];
}

const str = (v: unknown): string | null => (typeof v === 'string' && v ? v : null);

export const effect = {
  orderFromContract: (contractId: string) => `erp.order<-contract:${contractId}`,
  approval: (sourceCell: string, sourceType: string, sourceId: string) =>
    `oa.approval<-${sourceCell}:${sourceType}:${sourceId}`,
  rfq: (requisitionId: string) => `srm.rfq<-requisition:${requisitionId}`,
  poFromQuote: (quoteId: string) => `erp.po<-quote:${quoteId}`,
  status: (kind: string, id: string, status: number) => `status:${kind}:${id}=${status}`,
  lake: (cell: string, table: string, eventId: string) => `lake:${cell}/${table}:${eventId}`,
  deadLetter: (eventId: string) => `dlq:${eventId}`,
} as const;

/** Is this event's payload valid for its type (and its tenant the event's)? Unknown types are always valid. */
export function isValidEvent(e: EventLike): boolean {
  if (!isKnownEventType(e.eventType)) return true;
  const parsed = PayloadSchemas[e.eventType].safeParse(e.payload);
  return parsed.success && e.payload.tenantId === e.tenantId;
}

/** The effects the events require; each event counts once however often it was published. */
export function expectedEffects(events: readonly EventLike[], ctx: ExpectContext): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const e of events) {
    if (seen.has(e.eventId)) continue;
    seen.add(e.eventId);
    if (!isValidEvent(e)) {
      out.push(effect.deadLetter(e.eventId));
      continue;
    }
    const p = e.payload;
    switch (e.eventType) {
      case EVENT_TYPES.contractSigned:
        out.push(effect.orderFromContract(String(p.contractId)));
        out.push(effect.approval('crm', 'contract', String(p.contractId)));
        break;
      case EVENT_TYPES.orderCreated:
        if (!ctx.cancelledDocuments?.has(`erp:order:${String(p.orderId)}`)) {
          out.push(effect.approval('erp', 'order', String(p.orderId)));
        }
        break;
      case EVENT_TYPES.purchaseOrderCreated:
        if (!ctx.cancelledDocuments?.has(`erp:purchase_order:${String(p.poId)}`)) {
          out.push(effect.approval('erp', 'purchase_order', String(p.poId)));
        }
        break;
      case EVENT_TYPES.requisitionCreated:
        out.push(effect.rfq(String(p.requisitionId)));
        break;
      case EVENT_TYPES.quoteAwarded:
        out.push(effect.poFromQuote(String(p.quoteId)));
        break;
      case EVENT_TYPES.approvalCompleted: {
        const fd = (p.formData ?? {}) as Record<string, unknown>;
        const [cell, type, id] = [str(fd.sourceCell), str(fd.sourceType), str(fd.sourceId)];
        const kind = cell && type && id ? writeBackKindOf(builtinRule(e.eventType), cell, type) : null;
        if (kind && id) {
          if (ctx.ownDocuments.has(`${kind}:${id}`)) {
            out.push(effect.status(kind, id, p.status === STATUS.approved ? STATUS.approved : STATUS.rejected));
          } else {
            out.push(effect.deadLetter(e.eventId));
          }
        }
        break;
      }
      default:
        break;
    }
    if (ctx.datalake) out.push(effect.lake(cellOf(e.eventType), datalakeTableOf(builtinRule(e.eventType)), e.eventId));
  }
  return out;
}

const live = (r: RecordLike, field = 'status') => r[field] !== STATUS.cancelled;

/** The effects present for one tenant. Documents the linkages did not create (no source reference) are not effects. */
export function foundEffects(s: TenantSnapshot): string[] {
  const out: string[] = [];
  const cancelled = cancelledDocuments(s);
  for (const o of s.erpOrders) {
    const src = str(o.sourceContractId);
    if (src && live(o, 'orderStatus')) out.push(effect.orderFromContract(src));
  }
  for (const po of s.purchaseOrders) {
    const q = str(po.quoteId);
    if (q && live(po)) out.push(effect.poFromQuote(q));
  }
  for (const r of s.rfqs) {
    const req = str(r.requisitionId);
    if (req && live(r)) out.push(effect.rfq(req));
  }
  for (const a of s.approvals) {
    const fd = (a.formData ?? {}) as Record<string, unknown>;
    const [cell, type, id] = [str(fd.sourceCell), str(fd.sourceType), str(fd.sourceId)];
    // An approval of a cancelled document counts while it is open: the cascade must have withdrawn it.
    const counts = cancelled.has(`${cell}:${type}:${id}`) ? a.status === STATUS.pending : live(a);
    if (cell && type && id && counts) out.push(effect.approval(cell, type, id));
  }
  const written = (kind: string, docs: RecordLike[], field: string) => {
    for (const d of docs) {
      const st = d[field];
      if (st === STATUS.approved || st === STATUS.rejected) out.push(effect.status(kind, d.id, st));
    }
  };
  written('erp:order', s.erpOrders, 'orderStatus');
  written('erp:purchase_order', s.purchaseOrders, 'status');
  written('crm:contract', s.contracts, 'status');
  for (const [table, rows] of Object.entries(s.lake)) {
    const [cell, name] = table.split('/');
    for (const r of rows) {
      const id = str(r.eventId);
      if (id) out.push(effect.lake(cell, name, id));
    }
  }
  for (const d of s.deadLetters) {
    const id = str(d.eventId);
    if (id) out.push(effect.deadLetter(id));
  }
  return out;
}

/** The ids of a tenant's documents an approval may write back to. */
export function ownDocuments(s: Pick<TenantSnapshot, 'erpOrders' | 'purchaseOrders' | 'contracts'>): Set<string> {
  return new Set([
    ...s.erpOrders.map((d) => `erp:order:${d.id}`),
    ...s.purchaseOrders.map((d) => `erp:purchase_order:${d.id}`),
    ...s.contracts.map((d) => `crm:contract:${d.id}`),
  ]);
}

/** The tenant's cancelled orders and purchase orders (`erp:order:<id>`, `erp:purchase_order:<id>`). */
export function cancelledDocuments(s: Pick<TenantSnapshot, 'erpOrders' | 'purchaseOrders'>): Set<string> {
  return new Set([
    ...s.erpOrders.filter((d) => !live(d, 'orderStatus')).map((d) => `erp:order:${d.id}`),
    ...s.purchaseOrders.filter((d) => !live(d)).map((d) => `erp:purchase_order:${d.id}`),
  ]);
}

/** The data-lake tables the events can land in (what to read back). */
export function lakeTablesOf(events: readonly EventLike[]): string[] {
  return [...new Set(events.map((e) => `${cellOf(e.eventType)}/${datalakeTableOf(builtinRule(e.eventType))}`))].sort();
}

function counts(keys: readonly string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const k of keys) m.set(k, (m.get(k) ?? 0) + 1);
  return m;
}

/** Expected and found as multisets: lost, duplicated and unexpected copies. */
export function check(expected: readonly string[], found: readonly string[]): CheckResult {
  const want = counts(expected);
  const have = counts(found);
  const lostKeys: string[] = [];
  const duplicatedKeys: string[] = [];
  const unexpectedKeys: string[] = [];
  let lost = 0;
  let duplicated = 0;
  let unexpected = 0;
  for (const [k, n] of want) {
    const h = have.get(k) ?? 0;
    if (h < n) {
      lost += n - h;
      lostKeys.push(k);
    } else if (h > n) {
      duplicated += h - n;
      duplicatedKeys.push(k);
    }
  }
  for (const [k, h] of have) {
    if (!want.has(k)) {
      unexpected += h;
      unexpectedKeys.push(k);
    }
  }
  return {
    expected: expected.length,
    found: found.length,
    lost,
    duplicated,
    unexpected,
    lostKeys: lostKeys.slice(0, 20),
    duplicatedKeys: duplicatedKeys.slice(0, 20),
    unexpectedKeys: unexpectedKeys.slice(0, 20),
  };
}
