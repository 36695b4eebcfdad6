import { EVENT_TYPES } from '../../event-types';
import type { LinkageRule } from '../types';

/** A sales order gets its OA approval; a cancelled order withdraws it. */
export const orderCreated: LinkageRule = {
  eventType: EVENT_TYPES.orderCreated,
  workflow: 'SalesOrderCreatedWorkflow',
  summary: 'OA sales-order approval (all-to-oa)',
  lakeTable: 'orders',
  document: { kind: 'erp:order', id: { $: 'orderId' } },
  keys: [{ cell: 'erp', type: 'order', id: { $: 'orderId' } }],
  steps: [
    {
      name: 'oa-approval',
      title: 'Create OA sales-order approval',
      rule: 'all-to-oa',
      creates: 'oa:approval',
      recheckSource: 'erp:order',
      body: {
        typeCode: 'sales_order',
        title: { format: '销售订单审批 {orderId}' },
        formData: {
          sourceCell: 'erp',
          sourceId: { $: 'orderId' },
          sourceType: 'order',
          customerId: { $: 'customerId' },
          totalAmountCents: { $: 'totalAmountCents' },
          currency: { $: 'currency', default: 'CNY' },
        },
      },
    },
  ],
};
