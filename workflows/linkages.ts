/**
 * One workflow per linkage rule of SPEC §2. Each states only what its rule does; validation, the saga,
 * data-lake ingest, dead letters and search attributes come from `runLinkage`.
 */
import { EVENT_TYPES, STATUS } from '../common/events';
import { businessKey, writeBackKindOf } from '../common/linkage';
import type { ApprovalBody } from '../activities/cells';
import { runLinkage, type LinkageRun } from './linkage-run';
import type { LinkageInput, LinkageResult } from './types';

const toggleOff = (name: string) => `${name}=0`;

/**
 * The OA approval step the contract, sales-order and purchase-order rules share (LINK_ALL_TO_OA).
 * `withdrawOnFailure`: withdraw it if a later step of the run fails for good.
 */
async function requestApproval(
  run: LinkageRun,
  title: string,
  body: ApprovalBody,
  withdrawOnFailure = false,
): Promise<void> {
  if (!run.input.toggles.allToOa) return run.skip('oa-approval', title, toggleOff('LINK_ALL_TO_OA'));
  await run.step('oa-approval', title, (a, ctx) => a.createApproval(ctx, body), {
    key: (ap) => businessKey('oa', 'approval', ap.id),
    undo: withdrawOnFailure ? (ap, a, ctx) => a.withdrawApproval(ctx, ap.id) : undefined,
  });
}

/** crm.contract.signed → ERP sales order (LINK_CRM_TO_ERP), then OA contract approval (LINK_ALL_TO_OA). */
export async function ContractSignedWorkflow(input: LinkageInput): Promise<LinkageResult> {
  const { toggles } = input;
  return runLinkage(input, EVENT_TYPES.contractSigned, async (p, run) => {
    let erpOrderId: string | null = null;
    const orderTitle = 'Create ERP sales order';
    if (toggles.crmToErp) {
      const order = await run.step(
        'erp-order',
        orderTitle,
        (a, ctx) =>
          a.createErpOrder(ctx, {
            customerId: p.customerId,
            totalAmountCents: p.amountCents,
            currency: p.currency ?? 'CNY',
            sourceContractId: p.contractId,
          }),
        {
          key: (o) => businessKey('erp', 'order', o.id),
          undo: (o, a, ctx) => a.setDocumentStatus(ctx, 'erp:order', o.id, STATUS.cancelled),
        },
      );
      erpOrderId = order.id;
    } else run.skip('erp-order', orderTitle, toggleOff('LINK_CRM_TO_ERP'));

    await requestApproval(
      run,
      'Create OA contract approval',
      {
        typeCode: 'contract',
        title: `合同审批 ${p.contractNo}`,
        formData: {
          sourceCell: 'crm',
          sourceId: p.contractId,
          sourceType: 'contract',
          contractNo: p.contractNo,
          customerId: p.customerId,
          amountCents: p.amountCents,
          currency: p.currency ?? 'CNY',
          erpOrderId,
        },
      },
      true,
    );
  });
}

/** erp.order.created → OA sales-order approval (LINK_ALL_TO_OA). */
export async function SalesOrderCreatedWorkflow(input: LinkageInput): Promise<LinkageResult> {
  return runLinkage(input, EVENT_TYPES.orderCreated, (p, run) =>
    requestApproval(run, 'Create OA sales-order approval', {
      typeCode: 'sales_order',
      title: `销售订单审批 ${p.orderId}`,
      formData: {
        sourceCell: 'erp',
        sourceId: p.orderId,
        sourceType: 'order',
        customerId: p.customerId,
        totalAmountCents: p.totalAmountCents,
        currency: p.currency ?? 'CNY',
      },
    }),
  );
}

/** erp.purchase_requisition.created → SRM RFQ (LINK_ERP_TO_SRM). */
export async function PurchaseRequisitionCreatedWorkflow(input: LinkageInput): Promise<LinkageResult> {
  return runLinkage(input, EVENT_TYPES.requisitionCreated, async (p, run) => {
    const title = 'Create SRM RFQ';
    if (!input.toggles.erpToSrm) return run.skip('srm-rfq', title, toggleOff('LINK_ERP_TO_SRM'));
    await run.step(
      'srm-rfq',
      title,
      (a, ctx) =>
        a.createRfq(ctx, {
          requisitionId: p.requisitionId,
          demandDesc: p.demandDesc,
          totalAmountCents: p.totalAmountCents,
        }),
      { key: (rfq) => businessKey('srm', 'rfq', rfq.id) },
    );
  });
}

/** srm.quote.awarded → ERP purchase order (LINK_ERP_TO_SRM). */
export async function QuoteAwardedWorkflow(input: LinkageInput): Promise<LinkageResult> {
  return runLinkage(input, EVENT_TYPES.quoteAwarded, async (p, run) => {
    const title = 'Create ERP purchase order';
    if (!input.toggles.erpToSrm) return run.skip('erp-po', title, toggleOff('LINK_ERP_TO_SRM'));
    await run.step(
      'erp-po',
      title,
      (a, ctx) =>
        a.createPurchaseOrder(ctx, {
          supplierId: p.supplierId,
          totalAmountCents: p.amountCents,
          currency: p.currency ?? 'CNY',
          rfqId: p.rfqId,
          quoteId: p.quoteId,
        }),
      { key: (po) => businessKey('erp', 'purchase_order', po.id) },
    );
  });
}

/** erp.purchase_order.created → OA purchase-order approval (LINK_ALL_TO_OA). */
export async function PurchaseOrderCreatedWorkflow(input: LinkageInput): Promise<LinkageResult> {
  return runLinkage(input, EVENT_TYPES.purchaseOrderCreated, (p, run) =>
    requestApproval(run, 'Create OA purchase-order approval', {
      typeCode: 'purchase_order',
      title: `采购订单审批 ${p.documentNo}`,
      formData: {
        sourceCell: 'erp',
        sourceId: p.poId,
        sourceType: 'purchase_order',
        documentNo: p.documentNo,
        supplierId: p.supplierId,
        totalAmountCents: p.totalAmountCents,
      },
    }),
  );
}

/** oa.approval.completed → write the result back to its source document: approved → 2, rejected → 3. */
export async function ApprovalCompletedWorkflow(input: LinkageInput): Promise<LinkageResult> {
  return runLinkage(input, EVENT_TYPES.approvalCompleted, async (p, run) => {
    const title = 'Write approval result back';
    if (!input.toggles.allToOa) return run.skip('write-back', title, toggleOff('LINK_ALL_TO_OA'));
    const { sourceCell, sourceId, sourceType } = p.formData;
    if (!sourceCell || !sourceId || !sourceType) return run.skip('write-back', title, 'no source in formData');
    const kind = writeBackKindOf(sourceCell, sourceType);
    if (!kind) return run.skip('write-back', title, `no write-back for ${sourceCell}/${sourceType}`);
    const status = p.status === STATUS.approved ? STATUS.approved : STATUS.rejected;
    await run.step(
      'write-back',
      `${title}: ${kind} ${sourceId} → ${status}`,
      (a, ctx) => a.setDocumentStatus(ctx, kind, sourceId, status),
      { detail: () => `${kind}:${sourceId} status ${status}` },
    );
  });
}

/** Any other event: only ingested into `<cell>/events` (LINK_ALL_TO_DATALAKE). */
export async function GenericEventWorkflow(input: LinkageInput): Promise<LinkageResult> {
  return runLinkage(input, null, async () => undefined);
}
