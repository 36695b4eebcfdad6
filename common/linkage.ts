/**
 * Naming shared by the poller and the workflows (pure, workflow-safe): which workflow handles an event
 * type, the workflow id of an event, and the business keys that find a document's runs in the Web UI.
 */
import { bounded } from './bounded';
import { EVENT_TYPES } from './event-types';

export { linkageWorkflowId, pollerWorkflowId } from './workflow-ids';

export const WORKFLOW_FOR_EVENT: Record<string, string> = {
  [EVENT_TYPES.contractSigned]: 'ContractSignedWorkflow',
  [EVENT_TYPES.orderCreated]: 'SalesOrderCreatedWorkflow',
  [EVENT_TYPES.requisitionCreated]: 'PurchaseRequisitionCreatedWorkflow',
  [EVENT_TYPES.quoteAwarded]: 'QuoteAwardedWorkflow',
  [EVENT_TYPES.purchaseOrderCreated]: 'PurchaseOrderCreatedWorkflow',
  [EVENT_TYPES.approvalCompleted]: 'ApprovalCompletedWorkflow',
};
export const GENERIC_WORKFLOW = 'GenericEventWorkflow';

export function workflowTypeFor(eventType: string): string {
  return WORKFLOW_FOR_EVENT[eventType] ?? GENERIC_WORKFLOW;
}

/**
 * `<cell>:<type>:<id>`, the form operators search by: `crm:contract:ctr_1`, `erp:order:ord_9`. Bounded: a
 * key is a search-attribute value, and an id from an event may be of any length.
 */
export function businessKey(cell: string, type: string, id: string): string {
  return bounded(`${cell}:${type}:${id}`);
}

/** The payload fields naming a document, per event type: read best-effort (payloads are validated later). */
const KEY_FIELDS: Record<string, [cell: string, type: string, field: string][]> = {
  [EVENT_TYPES.contractSigned]: [
    ['crm', 'contract', 'contractId'],
    ['crm', 'opportunity', 'opportunityId'],
  ],
  [EVENT_TYPES.orderCreated]: [['erp', 'order', 'orderId']],
  [EVENT_TYPES.requisitionCreated]: [['erp', 'purchase_requisition', 'requisitionId']],
  [EVENT_TYPES.purchaseOrderCreated]: [['erp', 'purchase_order', 'poId']],
  [EVENT_TYPES.quoteAwarded]: [
    ['srm', 'quote', 'quoteId'],
    ['srm', 'rfq', 'rfqId'],
  ],
  [EVENT_TYPES.approvalCompleted]: [['oa', 'approval', 'instanceId']],
};

export function businessKeysOf(eventType: string, payload: Record<string, unknown>): string[] {
  const keys: string[] = [];
  for (const [cell, type, field] of KEY_FIELDS[eventType] ?? []) {
    const v = payload[field];
    if (typeof v === 'string' && v) keys.push(businessKey(cell, type, v));
  }
  if (eventType === EVENT_TYPES.approvalCompleted) {
    const fd = payload.formData as Record<string, unknown> | undefined;
    if (
      fd &&
      typeof fd.sourceCell === 'string' &&
      typeof fd.sourceType === 'string' &&
      typeof fd.sourceId === 'string'
    ) {
      keys.push(businessKey(fd.sourceCell, fd.sourceType, fd.sourceId));
    }
  }
  return keys;
}

/** Documents an approval writes its result back to (docs/rules-and-configuration.md): `<sourceCell>:<sourceType>`. */
export const WRITE_BACK_KINDS = ['erp:order', 'erp:purchase_order', 'crm:contract'] as const;
export type WriteBackKind = (typeof WRITE_BACK_KINDS)[number];

export function writeBackKindOf(sourceCell: string, sourceType: string): WriteBackKind | null {
  const kind = `${sourceCell}:${sourceType}`;
  return (WRITE_BACK_KINDS as readonly string[]).includes(kind) ? (kind as WriteBackKind) : null;
}
