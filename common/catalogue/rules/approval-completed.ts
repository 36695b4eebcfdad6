import { EVENT_TYPES, STATUS } from '../../event-types';
import type { LinkageRule } from '../types';

/** An approval's decision is written back to its source document: approved → 2, rejected → 3. */
export const approvalCompleted: LinkageRule = {
  eventType: EVENT_TYPES.approvalCompleted,
  workflow: 'ApprovalCompletedWorkflow',
  summary: 'write the decision back to the source document (all-to-oa)',
  lakeTable: 'approvals',
  document: { kind: 'oa:approval', id: { $: 'instanceId' } },
  keys: [
    { cell: 'oa', type: 'approval', id: { $: 'instanceId' } },
    { cell: { $: 'formData.sourceCell' }, type: { $: 'formData.sourceType' }, id: { $: 'formData.sourceId' } },
  ],
  steps: [],
  customSteps: [{ name: 'write-back', title: 'Write approval result back', rule: 'all-to-oa' }],
  writeBack: {
    kinds: ['erp:order', 'erp:purchase_order', 'crm:contract'],
    statuses: [STATUS.approved, STATUS.rejected],
  },
};
