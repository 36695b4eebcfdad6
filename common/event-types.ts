/**
 * The event types of the contract (docs/rules-and-configuration.md), their status codes, cells and data-lake tables: plain data
 * with no zod, so the workflows import it without building schemas for every run (the schemas are in
 * `events.ts`, which re-exports all of this).
 */
export const EVENT_TYPES = {
  contractSigned: 'crm.contract.signed',
  orderCreated: 'erp.order.created',
  requisitionCreated: 'erp.purchase_requisition.created',
  purchaseOrderCreated: 'erp.purchase_order.created',
  quoteAwarded: 'srm.quote.awarded',
  approvalCompleted: 'oa.approval.completed',
} as const;
export type KnownEventType = (typeof EVENT_TYPES)[keyof typeof EVENT_TYPES];

const KNOWN: ReadonlySet<string> = new Set(Object.values(EVENT_TYPES));

export function isKnownEventType(t: string): t is KnownEventType {
  return KNOWN.has(t);
}

/** Status codes shared by the cells (docs/rules-and-configuration.md). */
export const STATUS = { pending: 1, approved: 2, rejected: 3, cancelled: 9 } as const;

/** The cell an event type belongs to: `crm.contract.signed` → `crm`. */
export function cellOf(eventType: string): string {
  return eventType.split('.')[0];
}

/** Data-lake table per event type (docs/rules-and-configuration.md); anything else lands in `<cell>/events`. */
export const DATALAKE_TABLES: Record<string, string> = {
  'crm.contract.signed': 'contracts',
  'crm.opportunity.created': 'opportunities',
  'erp.order.created': 'orders',
  'erp.purchase_requisition.created': 'purchase_requisitions',
  'erp.purchase_order.created': 'purchase_orders',
  'srm.quote.awarded': 'quotes',
  'oa.approval.completed': 'approvals',
};

export function datalakeTableOf(eventType: string): string {
  return DATALAKE_TABLES[eventType] ?? 'events';
}
