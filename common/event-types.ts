/**
 * The event types of the contract (docs/rules-and-configuration.md), their status codes and cells: plain data
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
