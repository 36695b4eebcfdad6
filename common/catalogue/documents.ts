/** The document kinds the built-in rules make or write, by `<cell>:<type>` (see `DocumentSpec`). */
import type { DocumentSpec } from './types';

export const BUILTIN_DOCUMENTS = {
  'erp:order': { list: '/api/v1/erp/orders', statusField: 'orderStatus', createActivity: 'createErpOrder' },
  'erp:purchase_order': {
    list: '/api/v1/erp/mm/purchase-orders',
    statusField: 'status',
    createActivity: 'createPurchaseOrder',
  },
  'crm:contract': { list: '/api/v1/crm/contracts', statusField: 'status' },
  'srm:rfq': { list: '/api/v1/srm/rfqs', statusField: 'status', createActivity: 'createRfq' },
  'oa:approval': {
    list: '/api/v1/oa/approvals',
    statusField: 'status',
    withdrawn: true,
    createActivity: 'createApproval',
  },
} as const satisfies Record<string, DocumentSpec>;

/** A kind the built-in rules know: what the rules' own workflow code names. */
export type BuiltinDocumentKind = keyof typeof BUILTIN_DOCUMENTS;
