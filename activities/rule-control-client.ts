/**
 * Which rule-control workflow to talk to, for the workers' rule guard and the operators' `rules`,
 * `pause`, `resume`: the one under its id (`paas-linkage:rule-control:<taskQueue>`), or, while an upgrade
 * has not yet carried the previous version's state over, the one still running under its old id. A pause
 * made before the upgrade therefore holds during it, too.
 */
import { QueryNotRegisteredError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { RulesView } from '../common/rules';
import { legacyRuleControlWorkflowId, ruleControlWorkflowId } from '../common/workflow-ids';
import { rulesQuery } from '../common/rule-signals';

export const RULE_CONTROL_TYPE = 'RuleControlWorkflow';

/**
 * The id answers as another workflow type (its `rules` query is not registered): the rule state cannot be
 * read, which is a deployment's configuration fault, not something a retry fixes.
 */
export class RuleControlMisconfiguredError extends Error {
  constructor(readonly workflowId: string) {
    super(
      `the rule-control id ${workflowId} is held by a workflow that is not a RuleControlWorkflow (query "rules" not registered): rule pauses cannot be read until it is terminated`,
    );
    this.name = 'RuleControlMisconfiguredError';
  }
}

export interface RuleControlAnswer {
  view: RulesView;
  /** The control workflow that answered: signals about held runs go to it. */
  workflowId: string;
}

/** The rules' state, or null when no rule was ever paused on this task queue. */
export async function readRuleControl(client: Client, taskQueue: string): Promise<RuleControlAnswer | null> {
  const workflowId = ruleControlWorkflowId(taskQueue);
  try {
    return { view: await client.workflow.getHandle(workflowId).query(rulesQuery), workflowId };
  } catch (err) {
    if (err instanceof QueryNotRegisteredError) throw new RuleControlMisconfiguredError(workflowId);
    if (!(err instanceof WorkflowNotFoundError)) throw err;
  }
  const legacy = await legacyControl(client, taskQueue);
  if (!legacy) return null;
  // Closed (carried over, or terminated by an operator): its last state is still read until it is adopted.
  return { view: await client.workflow.getHandle(legacy.workflowId).query(rulesQuery), workflowId: legacy.workflowId };
}

export interface LegacyControl {
  workflowId: string;
  runId: string;
  running: boolean;
}

/**
 * The previous version's control workflow, running or closed. Its id is in the linkage space, so an
 * event's run may hold it: only a RuleControlWorkflow counts.
 */
export async function legacyControl(client: Client, taskQueue: string): Promise<LegacyControl | null> {
  const workflowId = legacyRuleControlWorkflowId(taskQueue);
  try {
    const d = await client.workflow.getHandle(workflowId).describe();
    if (d.type !== RULE_CONTROL_TYPE) return null;
    return { workflowId, runId: d.runId, running: d.status.name === 'RUNNING' };
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return null;
    throw err;
  }
}
