/**
 * The one place for the event contract (docs/platform.md, docs/rules-and-configuration.md): the bus envelope and the payload of every
 * event type the cells publish. The platform publishes with these schemas and the starter checks each
 * event's payload with them before its run starts, so both sides cannot drift apart.
 *
 * Pure zod, no Node APIs. The workflows import only `event-types` (no zod): zod schemas are costly to build
 * and a linkage workflow would build them again for each run.
 */
import { z } from 'zod';
import { isKnownEventType, STATUS, type KnownEventType } from './event-types';

export * from './event-types';

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
    /** When the approval was requested and decided: the data lake's time to decision. */
    createdAt: z.string().min(1).optional(),
    completedAt: z.string().min(1).optional(),
  }),
} as const;

export type PayloadOf<T extends KnownEventType> = z.infer<(typeof PayloadSchemas)[T]>;
/** A payload as published (defaults not applied): what a run gets once its payload checked out. */
export type RawPayloadOf<T extends KnownEventType> = z.input<(typeof PayloadSchemas)[T]>;

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

/** Zod issues as `field: message` strings, so every 400 and every invalid-payload failure names its fields. */
export function describeIssues(error: z.ZodError): string[] {
  return error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`);
}

/**
 * What is wrong with an event's payload against its contract (`payload.<field>: message`), empty when
 * nothing is or the type has no contract. A payload for another tenant than its event's is refused too.
 */
export function payloadProblems(
  event: Pick<BusEvent, 'eventType' | 'tenantId' | 'payload'>,
  /** The payload schemas of event types that rules added to the catalogue bring (common/rule-extensions.ts). */
  added: Record<string, z.ZodTypeAny> = {},
): string[] {
  const schema = isKnownEventType(event.eventType)
    ? PayloadSchemas[event.eventType]
    : Object.prototype.hasOwnProperty.call(added, event.eventType)
      ? added[event.eventType]
      : null;
  if (!schema) return [];
  const parsed = schema.safeParse(event.payload);
  if (!parsed.success) return describeIssues(parsed.error).map((p) => `payload.${p}`);
  const tenant = event.payload.tenantId;
  return tenant === event.tenantId
    ? []
    : [`payload.tenantId: ${String(tenant)} does not match the event's tenant ${event.tenantId}`];
}
