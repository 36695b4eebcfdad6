import { EVENT_TYPES } from '../../event-types';
import type { LinkageRule } from '../types';

/** A purchase requisition gets its SRM request for quotation. */
export const requisitionCreated: LinkageRule = {
  eventType: EVENT_TYPES.requisitionCreated,
  workflow: 'PurchaseRequisitionCreatedWorkflow',
  summary: 'SRM RFQ (erp-to-srm)',
  lakeTable: 'purchase_requisitions',
  keys: [{ cell: 'erp', type: 'purchase_requisition', id: { $: 'requisitionId' } }],
  steps: [
    {
      name: 'srm-rfq',
      title: 'Create SRM RFQ',
      rule: 'erp-to-srm',
      creates: 'srm:rfq',
      body: {
        requisitionId: { $: 'requisitionId' },
        demandDesc: { $: 'demandDesc' },
        totalAmountCents: { $: 'totalAmountCents' },
      },
      source: { requisitionId: { $: 'requisitionId' } },
    },
  ],
};
