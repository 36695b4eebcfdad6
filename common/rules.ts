/**
 * The linkage rules an operator can pause and resume (the four LINK_* toggles, by name), the steps each
 * one covers, and the state the rule-control workflow keeps. Pure data: workflows, activities and the CLI
 * share it.
 */
export const RULES = ['crm-to-erp', 'erp-to-srm', 'all-to-oa', 'all-to-datalake'] as const;
export type RuleName = (typeof RULES)[number];

export function isRuleName(v: string): v is RuleName {
  return (RULES as readonly string[]).includes(v);
}

/** The toggle each rule corresponds to (LINK_* in common/config.ts). */
export const RULE_TOGGLES: Record<RuleName, string> = {
  'crm-to-erp': 'LINK_CRM_TO_ERP',
  'erp-to-srm': 'LINK_ERP_TO_SRM',
  'all-to-oa': 'LINK_ALL_TO_OA',
  'all-to-datalake': 'LINK_ALL_TO_DATALAKE',
};

/** The field of the run's recorded toggles (`Toggles` in common/config.ts) that switches each rule. */
export const RULE_TOGGLE_FIELDS = {
  'crm-to-erp': 'crmToErp',
  'erp-to-srm': 'erpToSrm',
  'all-to-oa': 'allToOa',
  'all-to-datalake': 'allToDatalake',
} as const satisfies Record<RuleName, string>;

/**
 * The rule-control workflow of a deployment (its task queue, like the poller's id): it holds the pause
 * state and the held runs.
 */
export { ruleControlWorkflowId } from './workflow-ids';

/** Who paused a rule, when and why. */
export interface RulePause {
  by: string;
  at: string;
  reason: string;
}

/** A run waiting for a paused rule: released in bus order (`seq`). */
export interface HeldRun {
  workflowId: string;
  seq: number;
  rule: RuleName;
  step: string;
}

export interface RuleStatus {
  rule: RuleName;
  /** Set while the rule is paused. */
  paused: RulePause | null;
  /** The last resume, kept for the record. */
  resumed: { by: string; at: string; ratePerSec: number } | null;
  /** Runs holding at this rule's step, not yet released. */
  held: number;
  /** Runs released since the last resume that have not made their call yet. */
  releasing: number;
}

/** What the control workflow answers to the `rules` query. `version` grows with every pause and resume. */
export interface RulesView {
  version: number;
  rules: RuleStatus[];
}

/** The failure type of a step whose rule is paused (activities/rule-guard.ts): the run holds, it does not fail. */
export const RULE_PAUSED_FAILURE = 'RulePaused';

/** The details a RulePaused failure carries. */
export interface RulePausedDetails extends RulePause {
  rule: RuleName;
  version: number;
}
