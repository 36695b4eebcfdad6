import { EVENT_TYPES } from '../../event-types';
import type { LinkageRule } from '../types';

/** A purchase order gets its OA approval; a cancelled purchase order withdraws it. */
export const purchaseOrderCreated: LinkageRule = {
  eventType: EVENT_TYPES.purchaseOrderCreated,
  workflow: 'PurchaseOrderCreatedWorkflow',
  summary: 'OA purchase-order approval (all-to-oa)',
  lakeTable: 'purchase_orders',
  document: { kind: 'erp:purchase_order', id: { $: 'poId' } },
  keys: [{ cell: 'erp', type: 'purchase_order', id: { $: 'poId' } }],
  steps: [
    {
      name: 'oa-approval',
      title: 'Create OA purchase-order approval',
      rule: 'all-to-oa',
      creates: 'oa:approval',
      recheckSource: 'erp:purchase_order',
      body: {
        typeCode: 'purchase_order',
        title: { format: '采购订单审批 {documentNo}' },
        formData: {
          sourceCell: 'erp',
          sourceId: { $: 'poId' },
          sourceType: 'purchase_order',
          documentNo: { $: 'documentNo' },
          supplierId: { $: 'supplierId' },
          totalAmountCents: { $: 'totalAmountCents' },
        },
      },
    },
  ],
};
