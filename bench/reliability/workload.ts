/**
 * The events a scenario publishes: a mix of the business events the linkages react to (contracts signed,
 * requisitions, quotes awarded, approvals completed) and generic ones, optionally with poison events, plus
 * the documents approvals write back to (created in the cells before the run).
 */
import { EVENT_TYPES } from '../../common/events';
import type { PlatformClient } from '../../scripts/lib/platform-client';
import type { Rec } from '../../ops/gateway-admin';

export interface PublishEvent {
  eventId: string;
  eventType: string;
  tenantId: string;
  payload: Record<string, unknown>;
}

/** A document an approval may write back to: `sourceCell`, `sourceType`, `sourceId` of its formData. */
export interface Target {
  sourceCell: 'erp' | 'crm';
  sourceType: 'order' | 'purchase_order' | 'contract';
  sourceId: string;
}

const APPROVAL_SLOTS = [7, 8];
/** How many approval events a mix of `n` events holds (one target document each). */
export const approvalCount = (n: number): number =>
  Array.from({ length: n }, (_, i) => i).filter((i) => APPROVAL_SLOTS.includes(i % 10)).length;

/** Creates `count` documents in the tenant's cells: CRM contracts (unsigned: no event), ERP orders and POs. */
export async function createTargets(api: PlatformClient, tenant: string, count: number): Promise<Target[]> {
  const out: Target[] = [];
  for (let i = 0; i < count; i++) {
    let doc: Rec;
    switch (i % 3) {
      case 0:
        doc = await api.cell(tenant, 'POST', '/crm/contracts', {
          customerId: `cus-t${i}`,
          contractNo: `T-${i}`,
          amountCents: 10 + i,
        });
        out.push({ sourceCell: 'crm', sourceType: 'contract', sourceId: doc.id });
        break;
      case 1:
        doc = await api.cell(tenant, 'POST', '/erp/orders', { customerId: `cus-t${i}`, totalAmountCents: 20 + i });
        out.push({ sourceCell: 'erp', sourceType: 'order', sourceId: doc.id });
        break;
      default:
        doc = await api.cell(tenant, 'POST', '/erp/mm/purchase-orders', {
          supplierId: `sup-t${i}`,
          totalAmountCents: 30 + i,
        });
        out.push({ sourceCell: 'erp', sourceType: 'purchase_order', sourceId: doc.id });
    }
  }
  return out;
}

export const approvalCompleted = (tenant: string, eventId: string, target: Target, approved: boolean) => ({
  eventId,
  eventType: EVENT_TYPES.approvalCompleted,
  tenantId: tenant,
  payload: {
    instanceId: `apv-${eventId}`,
    tenantId: tenant,
    status: approved ? 2 : 3,
    typeCode: target.sourceType === 'order' ? 'sales_order' : target.sourceType,
    formData: { ...target },
  },
});

/** `n` events of the tenant: 3/10 contracts signed, 2/10 requisitions, 2/10 quotes awarded, 2/10 approvals
 *  completed (one per target), 1/10 generic. */
export function mixedEvents(tenant: string, n: number, targets: Target[], prefix = 'e'): PublishEvent[] {
  const events: PublishEvent[] = [];
  let t = 0;
  for (let i = 0; i < n; i++) {
    const eventId = `${tenant}-${prefix}${i}`;
    const slot = i % 10;
    if (slot <= 2) {
      events.push({
        eventId,
        eventType: EVENT_TYPES.contractSigned,
        tenantId: tenant,
        payload: {
          contractId: `ctr-${eventId}`,
          customerId: `cus-${i % 7}`,
          contractNo: `HT-${i}`,
          amountCents: 100 + i,
          currency: 'CNY',
          tenantId: tenant,
          opportunityId: null,
          signedAt: new Date().toISOString(),
        },
      });
    } else if (slot <= 4) {
      events.push({
        eventId,
        eventType: EVENT_TYPES.requisitionCreated,
        tenantId: tenant,
        payload: { requisitionId: `req-${eventId}`, tenantId: tenant, demandDesc: `demand ${i}`, totalAmountCents: i },
      });
    } else if (slot <= 6) {
      events.push({
        eventId,
        eventType: EVENT_TYPES.quoteAwarded,
        tenantId: tenant,
        payload: {
          quoteId: `quo-${eventId}`,
          tenantId: tenant,
          rfqId: `rfq-${eventId}`,
          supplierId: `sup-${i % 5}`,
          amountCents: 500 + i,
          currency: 'CNY',
        },
      });
    } else if (slot <= 8) {
      const target = targets[t++];
      if (target) events.push(approvalCompleted(tenant, eventId, target, i % 3 !== 0));
      else events.push(generic(tenant, eventId, i));
    } else {
      events.push(generic(tenant, eventId, i));
    }
  }
  return events;
}

function generic(tenant: string, eventId: string, i: number): PublishEvent {
  const types = ['crm.customer.updated', 'hr.employee.onboarded', 'crm.opportunity.created'];
  return {
    eventId,
    eventType: types[i % types.length],
    tenantId: tenant,
    payload: { tenantId: tenant, ref: `ref-${i}`, note: `generic ${i}` },
  };
}

/** Poison events: bad payloads of known types (they fail their own run with a dead letter) and unknown types. */
export function poisonEvents(tenant: string, count: number): PublishEvent[] {
  const out: PublishEvent[] = [];
  for (let i = 0; i < count; i++) {
    const eventId = `${tenant}-poison${i}`;
    switch (i % 5) {
      case 0:
        out.push({
          eventId,
          eventType: EVENT_TYPES.contractSigned,
          tenantId: tenant,
          payload: { contractId: `ctr-${eventId}`, amountCents: 'lots', tenantId: tenant },
        });
        break;
      case 1: // valid shape, another tenant inside: refused like a schema violation
        out.push({
          eventId,
          eventType: EVENT_TYPES.orderCreated,
          tenantId: tenant,
          payload: { orderId: `ord-${eventId}`, tenantId: 'someone-else', customerId: 'c', totalAmountCents: 1 },
        });
        break;
      case 2:
        out.push({
          eventId,
          eventType: EVENT_TYPES.approvalCompleted,
          tenantId: tenant,
          payload: { instanceId: `apv-${eventId}`, tenantId: tenant, status: 7, typeCode: 'contract', formData: {} },
        });
        break;
      case 3:
        out.push({
          eventId,
          eventType: EVENT_TYPES.quoteAwarded,
          tenantId: tenant,
          payload: { tenantId: tenant, rfqId: 'rfq-x', supplierId: 's', amountCents: -5 },
        });
        break;
      default: // an event type no rule knows: only ingested into <cell>/events
        out.push({
          eventId,
          eventType: 'zz.unknown_thing.happened',
          tenantId: tenant,
          payload: { weird: [1, 2, 3], nested: { deep: true } },
        });
    }
  }
  return out;
}

/** Deterministic shuffle (mulberry32), so a scenario's order is the same on every run. */
export function shuffle<T>(items: T[], seed: number): T[] {
  let s = seed >>> 0;
  const rand = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}
