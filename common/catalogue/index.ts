/**
 * The rule catalogue (docs/linkage-rules.md): the built-in records and what is derived from a catalogue:
 * which workflow runs an event, its business keys, the rule of a step, the lake table, the statuses
 * linkages write. Pure, workflow-safe: a run reads its rule from its input, or from here when it was
 * started before rules were recorded in inputs.
 */
import { bounded } from '../bounded';
import { STATUS } from '../event-types';
import type { RuleName } from '../rules';
import { BUILTIN_DOCUMENTS } from './documents';
import { approvalCompleted } from './rules/approval-completed';
import { contractSigned } from './rules/contract-signed';
import { opportunityCreated } from './rules/opportunity-created';
import { orderCreated } from './rules/order-created';
import { purchaseOrderCreated } from './rules/purchase-order-created';
import { quoteAwarded } from './rules/quote-awarded';
import { requisitionCreated } from './rules/requisition-created';
import { renderString, type TemplateScope } from './template';
import type { Catalogue, CreateStep, DocumentSpec, LinkageRule } from './types';

export * from './types';
export { render, renderString, fieldOf, type TemplateScope } from './template';
export { BUILTIN_DOCUMENTS, type BuiltinDocumentKind } from './documents';
export { extendCatalogue, catalogueProblems, type CatalogueAdditions } from './extend';

export const BUILTIN_CATALOGUE: Catalogue = {
  rules: Object.fromEntries(
    [
      contractSigned,
      orderCreated,
      requisitionCreated,
      quoteAwarded,
      purchaseOrderCreated,
      approvalCompleted,
      opportunityCreated,
    ].map((r) => [r.eventType, r]),
  ),
  documents: BUILTIN_DOCUMENTS,
};

/** The workflow type of an event with no rule: it is only ingested into `<cell>/events`. */
export const GENERIC_WORKFLOW = 'GenericEventWorkflow';
/** The workflow type of a rule that has none of its own: its steps are all ordinary creates. */
export const RULE_WORKFLOW = 'LinkageRuleWorkflow';

/** The rule of an event type, or null (then the event is only ingested). */
export function ruleFor(catalogue: Catalogue, eventType: string): LinkageRule | null {
  return Object.prototype.hasOwnProperty.call(catalogue.rules, eventType) ? catalogue.rules[eventType] : null;
}

/** The built-in rule of an event type (tools and older runs; a worker serves its configured catalogue). */
export const builtinRule = (eventType: string): LinkageRule | null => ruleFor(BUILTIN_CATALOGUE, eventType);

export function workflowTypeOf(rule: LinkageRule | null): string {
  return rule ? (rule.workflow ?? RULE_WORKFLOW) : GENERIC_WORKFLOW;
}

/**
 * `<cell>:<type>:<id>`, the form operators search by: `crm:contract:ctr_1`, `erp:order:ord_9`. Bounded: a
 * key is a search-attribute value, and an id from an event may be of any length.
 */
export function businessKey(cell: string, type: string, id: string): string {
  return bounded(`${cell}:${type}:${id}`);
}

/** The business key of a document of kind `<cell>:<type>`. */
export function documentKey(kind: string, id: string): string {
  const [cell, type] = kind.split(':');
  return businessKey(cell, type, id);
}

/** The keys a run is found by from its start: read best-effort (payloads are validated later). */
export function businessKeysOf(rule: LinkageRule | null, payload: Record<string, unknown>): string[] {
  const scope: TemplateScope = { payload };
  const keys: string[] = [];
  for (const k of rule?.keys ?? []) {
    const [cell, type, id] = [renderString(k.cell, scope), renderString(k.type, scope), renderString(k.id, scope)];
    if (cell && type && id) keys.push(businessKey(cell, type, id));
  }
  return keys;
}

/** The lake ingests' steps (workflows/lake-ingest.ts) belong to the data-lake rule in every run. */
const LAKE_STEPS: Record<string, RuleName> = { datalake: 'all-to-datalake', 'datalake-status': 'all-to-datalake' };

/**
 * The rule of a run's step: its pause holds the step. Compensations, source checks and dead letters
 * belong to no rule: undoing and reporting are never held.
 */
export function ruleOfStep(rule: LinkageRule | null, step: string): RuleName | undefined {
  return (
    LAKE_STEPS[step] ??
    rule?.steps.find((s) => s.name === step)?.rule ??
    rule?.customSteps?.find((s) => s.name === step)?.rule
  );
}

export function datalakeTableOf(rule: LinkageRule | null): string {
  return rule?.lakeTable ?? 'events';
}

export function documentSpec(catalogue: Catalogue, kind: string): DocumentSpec {
  const spec = Object.prototype.hasOwnProperty.call(catalogue.documents, kind) ? catalogue.documents[kind] : null;
  if (!spec) throw new Error(`no document kind ${kind} in the rule catalogue`);
  return spec;
}

/** The approval steps of every rule whose source is a document of `kind`: a cancel of one withdraws them. */
export function hasApprovals(catalogue: Catalogue, kind: string): boolean {
  return Object.values(catalogue.rules).some((r) => r.steps.some((s) => approvalSourceKind(catalogue, s) === kind));
}

/** The `<sourceCell>:<sourceType>` an approval step asks for, or null for any other step. */
export function approvalSourceKind(catalogue: Catalogue, step: CreateStep): string | null {
  if (!catalogue.documents[step.creates]?.withdrawn) return null;
  const formData = (step.body as { formData?: { sourceCell?: unknown; sourceType?: unknown } }).formData;
  return typeof formData?.sourceCell === 'string' && typeof formData.sourceType === 'string'
    ? `${formData.sourceCell}:${formData.sourceType}`
    : null;
}

/**
 * The statuses linkages write, per document kind: a document a rule makes is cancelled (9) or withdrawn (9)
 * when its run is undone; write-back kinds get the decision. The resync records only these, so the lake's
 * lifecycle tables hold the same records whether a linkage or a resync wrote them.
 */
export function statusesWritten(catalogue: Catalogue, kind: string): number[] {
  const out = new Set<number>();
  for (const r of Object.values(catalogue.rules)) {
    if (r.writeBack?.kinds.includes(kind)) for (const s of r.writeBack.statuses) out.add(s);
    if (r.steps.some((s) => s.creates === kind)) out.add(STATUS.cancelled);
  }
  return [...out].sort((a, b) => a - b);
}

/** The kind an approval writes back to (`<sourceCell>:<sourceType>`), or null when the rule writes none. */
export function writeBackKindOf(rule: LinkageRule | null, sourceCell: string, sourceType: string): string | null {
  const kind = `${sourceCell}:${sourceType}`;
  return rule?.writeBack?.kinds.includes(kind) ? kind : null;
}
