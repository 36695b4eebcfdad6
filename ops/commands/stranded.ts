/**
 * Runs whose workflow task has been queued and not picked up for a while although the queue is served: what
 * a backlog looks like after `matching.enableFairness` changed on its task queue. Each mode keeps its tasks
 * in a table of its own (tasks / tasks_v2) and the server serves only the current mode's, so tasks queued
 * before the switch wait until it is switched back (docs/operations/tenant-fairness.md).
 */
import { tsToMs } from '@temporalio/common/lib/time';
import { temporal } from '@temporalio/proto';
import type { OpsContext } from '../context';

const { PENDING_WORKFLOW_TASK_STATE_SCHEDULED } = temporal.api.enums.v1.PendingWorkflowTaskState;

export interface StrandedRun {
  workflowId: string;
  runId: string;
  type: string;
  /** When its pending workflow task was scheduled. */
  scheduledAt: string;
}

/**
 * Running runs of the task queue with a workflow task scheduled (not started) before `olderThanMs` ago,
 * looking at no more than `limit` runs (visibility order: newest first).
 */
export async function findStrandedRuns(
  ctx: OpsContext,
  taskQueue: string,
  { olderThanMs = 120_000, limit = 1000 }: { olderThanMs?: number; limit?: number } = {},
): Promise<StrandedRun[]> {
  const before = Date.now() - olderThanMs;
  const found: StrandedRun[] = [];
  let looked = 0;
  const query = `TaskQueue = ${JSON.stringify(taskQueue)} AND ExecutionStatus = "Running"`;
  for await (const w of ctx.client.workflow.list({ query })) {
    if (looked++ >= limit) break;
    const d = await ctx.client.workflow.getHandle(w.workflowId, w.runId).describe();
    const wt = d.raw.pendingWorkflowTask;
    // Scheduled, not started: queued in matching, and no worker has it.
    if (wt?.state !== PENDING_WORKFLOW_TASK_STATE_SCHEDULED || !wt.scheduledTime) continue;
    const at = tsToMs(wt.scheduledTime);
    if (at <= before)
      found.push({ workflowId: w.workflowId, runId: w.runId, type: w.type, scheduledAt: new Date(at).toISOString() });
  }
  return found;
}

export function formatStranded(runs: StrandedRun[], taskQueue: string, olderThanMs: number): string {
  if (!runs.length) return `no run of ${taskQueue} has waited over ${olderThanMs / 1000} s for its workflow task`;
  return [
    `${runs.length} run(s) of ${taskQueue} have waited over ${olderThanMs / 1000} s for a workflow task no worker gets.`,
    'If matching.enableFairness changed on this queue, switch it back until they complete',
    '(docs/operations/tenant-fairness.md); otherwise check that workers poll this task queue.',
    ...runs.map((r) => `  ${r.workflowId}  ${r.type}  scheduled ${r.scheduledAt}`),
  ].join('\n');
}
