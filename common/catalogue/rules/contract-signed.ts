import { EVENT_TYPES } from '../../event-types';
import type { LinkageRule } from '../types';

/** A signed contract gets its ERP sales order and its OA contract approval. */
export const contractSigned: LinkageRule = {
  eventType: EVENT_TYPES.contractSigned,
  workflow: 'ContractSignedWorkflow',
  summary: 'ERP sales order (crm-to-erp), then OA contract approval (all-to-oa)',
  lakeTable: 'contracts',
  document: { kind: 'crm:contract', id: { $: 'contractId' } },
  keys: [
    { cell: 'crm', type: 'contract', id: { $: 'contractId' } },
    { cell: 'crm', type: 'opportunity', id: { $: 'opportunityId' } },
  ],
  steps: [
    {
      name: 'erp-order',
      title: 'Create ERP sales order',
      rule: 'crm-to-erp',
      creates: 'erp:order',
      body: {
        customerId: { $: 'customerId' },
        totalAmountCents: { $: 'amountCents' },
        currency: { $: 'currency', default: 'CNY' },
        sourceContractId: { $: 'contractId' },
      },
      source: { sourceContractId: { $: 'contractId' } },
    },
    {
      name: 'oa-approval',
      title: 'Create OA contract approval',
      rule: 'all-to-oa',
      creates: 'oa:approval',
      // The approval needs no order: while a paused crm-to-erp rule holds the order, it is asked for meanwhile.
      whileHeld: 'erp-order',
      body: {
        typeCode: 'contract',
        title: { format: '合同审批 {contractNo}' },
        formData: {
          sourceCell: 'crm',
          sourceId: { $: 'contractId' },
          sourceType: 'contract',
          contractNo: { $: 'contractNo' },
          customerId: { $: 'customerId' },
          amountCents: { $: 'amountCents' },
          currency: { $: 'currency', default: 'CNY' },
          erpOrderId: { step: 'erp-order', field: 'id', default: null },
        },
      },
    },
  ],
};
