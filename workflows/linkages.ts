/**
 * The linkage workflows, one type per rule of the catalogue (common/catalogue, docs/linkage-rules.md).
 * A rule whose steps are ordinary creates runs them from its record (document-steps.ts); only the rules
 * with steps of their own have code here. Validation, the saga, the data-lake ingest, dead letters and
 * search attributes come from `runLinkage`.
 */
import { STATUS } from '../common/event-types';
import { writeBackKindOf } from '../common/catalogue';
import { runDocumentSteps, toggleOff } from './document-steps';
import type { LinkageRun } from './linkage-run';
import { runLinkage } from './linkage-skeleton';
import type { LinkageInput, LinkageResult } from './types';

/** The steps of the run's rule, as its record declares them. */
const documentSteps = (run: LinkageRun) => (run.rule ? runDocumentSteps(run, run.rule) : Promise.resolve());

/** crm.contract.signed → ERP sales order (crm-to-erp), then OA contract approval (all-to-oa). */
export async function ContractSignedWorkflow(input: LinkageInput): Promise<LinkageResult> {
  return runLinkage(input, (run) =>
    run.rule ? runDocumentSteps(run, run.rule, { undoneBeforeOneLiveDocument: true }) : Promise.resolve(),
  );
}

/** erp.order.created → OA sales-order approval (all-to-oa). */
export async function SalesOrderCreatedWorkflow(input: LinkageInput): Promise<LinkageResult> {
  return runLinkage(input, documentSteps);
}

/** erp.purchase_requisition.created → SRM RFQ (erp-to-srm). */
export async function PurchaseRequisitionCreatedWorkflow(input: LinkageInput): Promise<LinkageResult> {
  return runLinkage(input, documentSteps);
}

/** srm.quote.awarded → ERP purchase order (erp-to-srm). */
export async function QuoteAwardedWorkflow(input: LinkageInput): Promise<LinkageResult> {
  return runLinkage(input, documentSteps);
}

/** erp.purchase_order.created → OA purchase-order approval (all-to-oa). */
export async function PurchaseOrderCreatedWorkflow(input: LinkageInput): Promise<LinkageResult> {
  return runLinkage(input, documentSteps);
}

/** A rule of the catalogue with no workflow of its own: its ordinary steps, from its record. */
export async function LinkageRuleWorkflow(input: LinkageInput): Promise<LinkageResult> {
  return runLinkage(input, documentSteps);
}

/** oa.approval.completed → write the result back to its source document: approved → 2, rejected → 3. */
export async function ApprovalCompletedWorkflow(input: LinkageInput): Promise<LinkageResult> {
  return runLinkage(input, async (run) => {
    const p = input.event.payload as { status?: unknown; formData?: Record<string, unknown> };
    const name = 'write-back';
    const title = 'Write approval result back';
    if (!run.ruleOn('all-to-oa')) return run.skip(name, title, toggleOff(run, { rule: 'all-to-oa' }));
    const { sourceCell, sourceId, sourceType } = (p.formData ?? {}) as Record<string, string | undefined>;
    if (!sourceCell || !sourceId || !sourceType) return run.skip(name, title, 'no source in formData');
    const kind = writeBackKindOf(run.rule, sourceCell, sourceType);
    if (!kind) return run.skip(name, title, `no write-back for ${sourceCell}/${sourceType}`);
    const status = p.status === STATUS.approved ? STATUS.approved : STATUS.rejected;
    await run.step(
      name,
      `${title}: ${kind} ${sourceId} → ${status}`,
      (a, ctx) => a.setDocumentStatus(ctx, kind, sourceId, status),
      { detail: () => `${kind}:${sourceId} status ${status}` },
    );
  });
}

/** An event with no rule (or a rule without steps): only ingested into the data lake (all-to-datalake). */
export async function GenericEventWorkflow(input: LinkageInput): Promise<LinkageResult> {
  return runLinkage(input, documentSteps);
}
