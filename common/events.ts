/**
 * The one place for the event contract (SPEC §2, manual §5): the bus envelope and the payload of every
 * event type the cells publish. The platform publishes with these schemas and the linkage workflows
 * validate with them, so both sides cannot drift apart.
 *
 * Pure zod, no Node APIs: imported by workflow code too.
 */
import { z } from 'zod';

export const EVENT_TYPES = {
  contractSigned: 'crm.contract.signed',
  orderCreated: 'erp.order.created',
  requisitionCreated: 'erp.purchase_requisition.created',
  purchaseOrderCreated: 'erp.purchase_order.created',
  quoteAwarded: 'srm.quote.awarded',
  approvalCompleted: 'oa.approval.completed',
} as const;
export type KnownEventType = (typeof EVENT_TYPES)[keyof typeof EVENT_TYPES];

/** Status codes shared by the cells (SPEC §2). */
export const STATUS = { pending: 1, approved: 2, rejected: 3, cancelled: 9 } as const;

const id = z.string().min(1).max(200);
const cents = z.number().int().nonnegative();
const currency = z.string().min(3).max(8);
const tenantId = z.string().min(1).max(100);

export const FormDataSchema = z
  .object({
    sourceCell: z.string().min(1).optional(),
    sourceId: z.string().min(1).optional(),
    sourceType: z.string().min(1).optional(),
  })
  .passthrough();
export type FormData = z.infer<typeof FormDataSchema>;

export const PayloadSchemas = {
  'crm.contract.signed': z.object({
    contractId: id,
    customerId: id,
    contractNo: z.string().min(1).max(200),
    amountCents: cents,
    currency: currency.optional(),
    tenantId,
    opportunityId: id.nullish(),
    signedAt: z.string().min(1),
  }),
  'erp.order.created': z.object({
    orderId: id,
    tenantId,
    customerId: id,
    totalAmountCents: cents,
    currency: currency.optional(),
  }),
  'erp.purchase_requisition.created': z.object({
    requisitionId: id,
    tenantId,
    demandDesc: z.string().min(1).max(2000),
    totalAmountCents: cents,
  }),
  'erp.purchase_order.created': z.object({
    poId: id,
    tenantId,
    supplierId: id,
    documentNo: z.string().min(1).max(200),
    totalAmountCents: cents,
  }),
  'srm.quote.awarded': z.object({
    quoteId: id,
    tenantId,
    rfqId: id,
    supplierId: id,
    amountCents: cents,
    currency: currency.optional(),
  }),
  'oa.approval.completed': z.object({
    instanceId: id,
    tenantId,
    status: z.union([z.literal(STATUS.approved), z.literal(STATUS.rejected)]),
    formData: FormDataSchema.default({}),
    typeCode: z.string().min(1),
  }),
} as const;

export type PayloadOf<T extends KnownEventType> = z.infer<(typeof PayloadSchemas)[T]>;

export function isKnownEventType(t: string): t is KnownEventType {
  return Object.prototype.hasOwnProperty.call(PayloadSchemas, t);
}

/** What a publisher sends to `POST /api/events`. */
export const PublishEventSchema = z.object({
  eventId: z.string().min(1).max(200),
  eventType: z
    .string()
    .min(3)
    .max(200)
    .regex(/^[a-z0-9_]+(\.[a-z0-9_]+)+$/, 'eventType must look like <cell>.<entity>.<action>'),
  tenantId,
  occurredAt: z.string().min(1).optional(),
  source: z.string().max(200).optional(),
  payload: z.record(z.unknown()),
});
export type PublishEvent = z.infer<typeof PublishEventSchema>;

/** What `GET /api/events` returns for each event: checked one by one, so one bad event stops nothing. */
export const BusEventSchema = PublishEventSchema.extend({
  seq: z.number().int().nonnegative(),
  occurredAt: z.string().min(1),
});
export type BusEvent = z.infer<typeof BusEventSchema>;

/** A page of `GET /api/events`: its events are left unknown here and checked one by one. */
export const BusPageSchema = z.object({
  events: z.array(z.unknown()),
  nextAfter: z.number().int().nonnegative(),
});

/** The cell an event type belongs to: `crm.contract.signed` → `crm`. */
export function cellOf(eventType: string): string {
  return eventType.split('.')[0];
}

/** Data-lake table per event type (SPEC §2); anything else lands in `<cell>/events`. */
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

/** Zod issues as `field: message` strings, so every 400 and every invalid-payload failure names its fields. */
export function describeIssues(error: z.ZodError): string[] {
  return error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`);
}
