/**
 * `retry`: resets a failed run to its first workflow task. The workflow id stays (the no-duplicate rule of
 * the poller holds), the run id changes, and since every X-Request-ID contains the run id, the new run
 * creates its documents afresh; the failed run compensated what it had made, so one document stays live.
 */
import { randomUUID } from 'node:crypto';
import { WorkflowFailedError } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { LinkageResult } from '../../workflows/types';
import { uiLink, type OpsContext } from '../context';
import { firstWorkflowTaskCompletedId } from '../history';
import type { RunFilters } from '../queries';
import { listFailed } from './list-failed';

const RETRYABLE = new Set(['FAILED', 'TERMINATED', 'TIMED_OUT', 'CANCELLED']);

export interface RetryOptions {
  /** Wait for each new run to close and report how it ended. */
  wait?: boolean;
  reason?: string;
}

export interface RetryResult {
  workflowId: string;
  oldRunId: string;
  newRunId?: string;
  /** Set when the run could not be reset (still running, ...). */
  error?: string;
  /** With `wait`: the new run's outcome, or its failure. */
  outcome?: string;
  failure?: string;
  link?: string | null;
}

export async function retryRun(ctx: OpsContext, workflowId: string, opts: RetryOptions = {}): Promise<RetryResult> {
  const d = await ctx.client.workflow.getHandle(workflowId).describe();
  if (!RETRYABLE.has(d.status.name)) {
    return {
      workflowId,
      oldRunId: d.runId,
      error: `status ${d.status.name}: only closed, unsuccessful runs are retried`,
    };
  }
  const history = await ctx.client.workflow.getHandle(workflowId, d.runId).fetchHistory();
  const res = await ctx.client.workflowService.resetWorkflowExecution({
    namespace: ctx.namespace,
    workflowExecution: { workflowId, runId: d.runId },
    reason: opts.reason ?? 'linkage retry by an operator (ops/cli.ts retry)',
    workflowTaskFinishEventId: firstWorkflowTaskCompletedId(history),
    requestId: randomUUID(),
    // Linkage runs take no signals or updates today; should they, those after the reset point are kept.
    resetReapplyType: temporal.api.enums.v1.ResetReapplyType.RESET_REAPPLY_TYPE_ALL_ELIGIBLE,
    identity: `linkage-ops@${process.pid}`,
  });
  const newRunId = res.runId ?? undefined;
  const result: RetryResult = { workflowId, oldRunId: d.runId, newRunId, link: uiLink(ctx, workflowId, newRunId) };
  if (opts.wait && newRunId) {
    try {
      const r = await ctx.client.workflow.getHandle(workflowId, newRunId).result();
      result.outcome = (r as LinkageResult | undefined)?.outcome ?? 'completed';
    } catch (err) {
      result.outcome = 'failed';
      result.failure = err instanceof WorkflowFailedError ? (err.cause?.message ?? err.message) : String(err);
    }
  }
  return result;
}

/** Every failed run matching the filters (the latest run of each workflow only). */
export async function retryAll(ctx: OpsContext, filters: RunFilters, opts: RetryOptions = {}): Promise<RetryResult[]> {
  const runs = await listFailed(ctx, filters);
  const results: RetryResult[] = [];
  for (const r of runs) results.push(await retryRun(ctx, r.workflowId, opts));
  return results;
}

export function formatRetries(results: RetryResult[]): string {
  if (!results.length) return 'nothing to retry';
  return results
    .map((r) => {
      if (r.error) return `${r.workflowId}  NOT retried: ${r.error}`;
      const lines = [`${r.workflowId}  reset ${r.oldRunId} → new run ${r.newRunId}`];
      if (r.outcome) lines.push(`  ended     ${r.outcome}${r.failure ? `: ${r.failure}` : ''}`);
      if (r.link) lines.push(`  web ui    ${r.link}`);
      return lines.join('\n');
    })
    .join('\n');
}
