/**
 * On upgrade, the previous version's rule-control workflow (old id `linkage-rule-control-<taskQueue>`, in
 * the linkage space) hands its paused rules and held runs to the control workflow under its new id. It is
 * stopped first, so no held run can reach it after its state was read (a run that tries is told to retry,
 * and then finds the new one); its final state is read from the closed run and adopted once per run id.
 */
import type { Client } from '@temporalio/client';
import { legacyControl } from '../activities/rule-control-client';
import { ruleControlWorkflowId } from '../common/workflow-ids';
import {
  adoptStateSignal,
  controlStateQuery,
  RuleControlWorkflow,
  RULE_CONTROL_SUMMARY,
} from '../workflows/rule-control';

/** True when a state was carried over now; false when there was nothing (left) to carry. */
export async function carryOverRuleControl(client: Client, taskQueue: string): Promise<boolean> {
  const legacy = await legacyControl(client, taskQueue);
  if (!legacy) return false;
  const workflowId = ruleControlWorkflowId(taskQueue);
  const current = await client.workflow
    .getHandle(workflowId)
    .query(controlStateQuery)
    .catch(() => null);
  if (current?.adopted?.includes(legacy.runId)) return false;
  const old = client.workflow.getHandle(legacy.workflowId, legacy.runId);
  if (legacy.running) await old.terminate(`rule state carried over to ${workflowId}`);
  const state = await old.query(controlStateQuery);
  await client.workflow.signalWithStart(RuleControlWorkflow, {
    workflowId,
    taskQueue,
    args: [],
    signal: adoptStateSignal,
    signalArgs: [{ state, fromRunId: legacy.runId }],
    staticSummary: RULE_CONTROL_SUMMARY,
  });
  return true;
}
