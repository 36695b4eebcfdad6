import { EVENT_TYPES } from '../../event-types';
import type { LinkageRule } from '../types';

/** An awarded quote gets its ERP purchase order. */
export const quoteAwarded: LinkageRule = {
  eventType: EVENT_TYPES.quoteAwarded,
  workflow: 'QuoteAwardedWorkflow',
  summary: 'ERP purchase order (erp-to-srm)',
  lakeTable: 'quotes',
  keys: [
    { cell: 'srm', type: 'quote', id: { $: 'quoteId' } },
    { cell: 'srm', type: 'rfq', id: { $: 'rfqId' } },
  ],
  steps: [
    {
      name: 'erp-po',
      title: 'Create ERP purchase order',
      rule: 'erp-to-srm',
      creates: 'erp:purchase_order',
      body: {
        supplierId: { $: 'supplierId' },
        totalAmountCents: { $: 'amountCents' },
        currency: { $: 'currency', default: 'CNY' },
        rfqId: { $: 'rfqId' },
        quoteId: { $: 'quoteId' },
      },
      source: { quoteId: { $: 'quoteId' } },
    },
  ],
};
