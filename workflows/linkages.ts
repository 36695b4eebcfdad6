/**
 * One workflow per linkage rule (docs/rules-and-configuration.md). Each states only what its rule does; validation, the saga,
 * data-lake ingest, dead letters and search attributes come from `runLinkage`.
 */
import { EVENT_TYPES, STATUS } from '../common/event-types';
import { businessKey, writeBackKindOf } from '../common/linkage';
import type { ApprovalBody, ApprovalSource, DocumentKind } from '../activities/cells';
import type { LinkageRun } from './linkage-run';
import { runLinkage } from './linkage-skeleton';
import { CodeVersion } from './patches';
import type { LinkageInput, LinkageResult } from './types';

const toggleOff = (name: string) => `${name}=0`;

/**
 * The OA approval step the contract, sales-order and purchase-order rules share (LINK_ALL_TO_OA).
 * `withdrawOnFailure` (runs started before the one-live-document change): withdraw it if a later step
 * fails for good. Now it is always withdrawn when the run is undone, and `cascadeFrom` names the source
 * document whose cancellation must not leave this approval open (see `withdrawIfSourceCancelled`).
 */
async function requestApproval(
  run: LinkageRun,
  title: string,
  body: ApprovalBody,
  { withdrawOnFailure = false, cascadeFrom }: { withdrawOnFailure?: boolean; cascadeFrom?: DocumentKind } = {},
): Promise<void> {
  if (!run.input.toggles.allToOa) return run.skip('oa-approval', title, toggleOff('LINK_ALL_TO_OA'));
  const source = mayRequestApproval(run, title, body);
  const v2 = run.since(CodeVersion.oneLiveDocument);
  const approval = await run.step('oa-approval', title, (a, ctx) => a.createApproval(ctx, body), {
    key: (ap) => businessKey('oa', 'approval', ap.id),
    undo: v2 || withdrawOnFailure ? (ap, a, ctx) => a.withdrawApproval(ctx, ap.id) : undefined,
  });
  if (v2 && cascadeFrom) {
    await withdrawIfSourceCancelled(run, cascadeFrom, source, approval.id);
  }
}

/** Declares the OA approval a run may make (LinkageRun.makes): withdrawn by its source if the run is cancelled. */
function mayRequestApproval(run: LinkageRun, title: string, body: ApprovalBody): ApprovalSource {
  const { sourceCell, sourceId, sourceType } = body.formData;
  const source: ApprovalSource = { sourceCell, sourceId, sourceType, typeCode: body.typeCode };
  if (run.input.toggles.allToOa) {
    run.makes('oa-approval', title, (a, ctx) => a.withdrawApprovalsBySource(ctx, source));
  }
  return source;
}

/**
 * The cascade, seen from the approval's side. Cancelling a document withdraws its open approvals, but an
 * approval made by this (separate) run just after that would stay open. So once it exists, the source is
 * read again: cancelled means the approval is withdrawn here. Either the cancel sees the approval or this
 * check sees the cancel, so no approval stays open for a cancelled document.
 */
async function withdrawIfSourceCancelled(
  run: LinkageRun,
  kind: DocumentKind,
  source: ApprovalSource,
  approvalId: string,
): Promise<void> {
  const { sourceId } = source;
  const title = `Check ${kind} ${sourceId} is still live`;
  const { status } = await run.step('source-check', title, (a, ctx) => a.documentStatus(ctx, kind, sourceId), {
    detail: (d) => `${kind}:${sourceId} status ${d.status}`,
  });
  if (status !== STATUS.cancelled) return;
  // Only a pending approval is withdrawn: one already decided is not open.
  await run.step(
    'oa-approval-withdraw',
    `Withdraw the approval: ${kind} ${sourceId} is cancelled`,
    (a, ctx) => a.withdrawApprovalsBySource(ctx, { ...source }).then((r) => ({ id: approvalId, ...r })),
    {
      detail: (r) =>
        r.withdrawn.length ? `withdrawn ${r.withdrawn.join(', ')}` : 'none open: withdrawn already or decided',
    },
  );
}

/** crm.contract.signed → ERP sales order (LINK_CRM_TO_ERP), then OA contract approval (LINK_ALL_TO_OA). */
export async function ContractSignedWorkflow(input: LinkageInput): Promise<LinkageResult> {
  const { toggles } = input;
  return runLinkage(input, EVENT_TYPES.contractSigned, async (p, run) => {
    const orderTitle = 'Create ERP sales order';
    const approvalTitle = 'Create OA contract approval';
    const approval = (erpOrderId: string | null): ApprovalBody => ({
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
    });
    // Both documents are declared before the first call: a cancel undoes them by source, made or not.
    if (toggles.crmToErp) {
      run.makes('erp-order', orderTitle, (a, ctx) =>
        a.cancelBySource(ctx, 'erp:order', { sourceContractId: p.contractId }),
      );
    }
    mayRequestApproval(run, approvalTitle, approval(null));

    // A paused crm-to-erp rule holds the order: the approval, which needs no order, is asked for meanwhile
    // (without the order's id).
    let approvalAsked = false;
    const askApproval = async (erpOrderId: string | null) => {
      approvalAsked = true;
      await requestApproval(run, approvalTitle, approval(erpOrderId), { withdrawOnFailure: true });
    };

    let erpOrderId: string | null = null;
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
          undo: (o, a, ctx) =>
            run.since(CodeVersion.oneLiveDocument)
              ? a.cancelDocument(ctx, 'erp:order', o.id)
              : a.setDocumentStatus(ctx, 'erp:order', o.id, STATUS.cancelled),
          onHold: () => askApproval(null),
        },
      );
      erpOrderId = order.id;
    } else run.skip('erp-order', orderTitle, toggleOff('LINK_CRM_TO_ERP'));

    if (!approvalAsked) await askApproval(erpOrderId);
  });
}

/** erp.order.created → OA sales-order approval (LINK_ALL_TO_OA). */
export async function SalesOrderCreatedWorkflow(input: LinkageInput): Promise<LinkageResult> {
  return runLinkage(input, EVENT_TYPES.orderCreated, (p, run) =>
    requestApproval(
      run,
      'Create OA sales-order approval',
      {
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
      },
      { cascadeFrom: 'erp:order' },
    ),
  );
}

/** erp.purchase_requisition.created → SRM RFQ (LINK_ERP_TO_SRM). */
export async function PurchaseRequisitionCreatedWorkflow(input: LinkageInput): Promise<LinkageResult> {
  return runLinkage(input, EVENT_TYPES.requisitionCreated, async (p, run) => {
    const title = 'Create SRM RFQ';
    if (!input.toggles.erpToSrm) return run.skip('srm-rfq', title, toggleOff('LINK_ERP_TO_SRM'));
    run.makes('srm-rfq', title, (a, ctx) => a.cancelBySource(ctx, 'srm:rfq', { requisitionId: p.requisitionId }));
    await run.step(
      'srm-rfq',
      title,
      (a, ctx) =>
        a.createRfq(ctx, {
          requisitionId: p.requisitionId,
          demandDesc: p.demandDesc,
          totalAmountCents: p.totalAmountCents,
        }),
      {
        key: (rfq) => businessKey('srm', 'rfq', rfq.id),
        undo: run.since(CodeVersion.oneLiveDocument)
          ? (rfq, a, ctx) => a.cancelDocument(ctx, 'srm:rfq', rfq.id)
          : undefined,
      },
    );
  });
}

/** srm.quote.awarded → ERP purchase order (LINK_ERP_TO_SRM). */
export async function QuoteAwardedWorkflow(input: LinkageInput): Promise<LinkageResult> {
  return runLinkage(input, EVENT_TYPES.quoteAwarded, async (p, run) => {
    const title = 'Create ERP purchase order';
    if (!input.toggles.erpToSrm) return run.skip('erp-po', title, toggleOff('LINK_ERP_TO_SRM'));
    run.makes('erp-po', title, (a, ctx) => a.cancelBySource(ctx, 'erp:purchase_order', { quoteId: p.quoteId }));
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
      {
        key: (po) => businessKey('erp', 'purchase_order', po.id),
        undo: run.since(CodeVersion.oneLiveDocument)
          ? (po, a, ctx) => a.cancelDocument(ctx, 'erp:purchase_order', po.id)
          : undefined,
      },
    );
  });
}

/** erp.purchase_order.created → OA purchase-order approval (LINK_ALL_TO_OA). */
export async function PurchaseOrderCreatedWorkflow(input: LinkageInput): Promise<LinkageResult> {
  return runLinkage(input, EVENT_TYPES.purchaseOrderCreated, (p, run) =>
    requestApproval(
      run,
      'Create OA purchase-order approval',
      {
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
      },
      { cascadeFrom: 'erp:purchase_order' },
    ),
  );
}

/** oa.approval.completed → write the result back to its source document: approved → 2, rejected → 3. */
export async function ApprovalCompletedWorkflow(input: LinkageInput): Promise<LinkageResult> {
  return runLinkage(input, EVENT_TYPES.approvalCompleted, async (p, run) => {
    const title = 'Write approval result back';
    if (!input.toggles.allToOa) return run.skip('write-back', title, toggleOff('LINK_ALL_TO_OA'));
    const { sourceCell, sourceId, sourceType } = p.formData ?? {};
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
