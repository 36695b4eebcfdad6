/**
 * `retry`: resets a closed, unsuccessful run (failed, terminated, timed out or cancelled) to its first
 * workflow task. The workflow id stays (the no-duplicate rule of the poller holds) and the run id changes.
 * Safe whatever the old run left behind: the cells keep one live document per business source, so the new
 * run gets the document a terminated run left live, and makes a new one only where the old one was
 * compensated (cancelled or withdrawn).
 */
import { randomUUID } from 'node:crypto';
import { WorkflowFailedError } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { LinkageOutcome } from '../../common/search-attributes';
import type { LinkageResult } from '../../workflows/types';
import { uiLink, type OpsContext } from '../context';
import { resetPointOf } from '../history';
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
  /** With `wait`: the new run's outcome (LinkageOutcome: completed, compensated, failed, …) and status. */
  outcome?: string;
  status?: string;
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
  let newRunId: string | undefined;
  try {
    newRunId = await newRun(ctx, workflowId, d.runId, opts.reason);
  } catch (err) {
    // One run that cannot be retried is reported, and `--all` goes on with the others.
    return { workflowId, oldRunId: d.runId, error: (err as Error).message };
  }
  const result: RetryResult = { workflowId, oldRunId: d.runId, newRunId, link: uiLink(ctx, workflowId, newRunId) };
  if (opts.wait && newRunId) Object.assign(result, await closedOutcome(ctx, workflowId, newRunId));
  return result;
}

/** Waits for a run to close: its outcome (LinkageOutcome), status and failure. */
export async function closedOutcome(
  ctx: OpsContext,
  workflowId: string,
  runId: string,
): Promise<Pick<RetryResult, 'outcome' | 'status' | 'failure'>> {
  const handle = ctx.client.workflow.getHandle(workflowId, runId);
  const out: Pick<RetryResult, 'outcome' | 'status' | 'failure'> = {};
  try {
    const r = await handle.result();
    out.outcome = (r as LinkageResult | undefined)?.outcome;
  } catch (err) {
    out.failure = err instanceof WorkflowFailedError ? (err.cause?.message ?? err.message) : String(err);
  }
  // The run's own word on how it ended (a failed run may have compensated, been cancelled, …).
  const d = await handle.describe();
  out.status = d.status.name;
  out.outcome ??= d.typedSearchAttributes.get(LinkageOutcome) ?? d.status.name.toLowerCase();
  return out;
}

/**
 * The new run: a reset to the first workflow task, or, for a run with no such point (closed before any
 * workflow task completed, or cancelled before its first one did: `resetPointOf`), a new start of the same
 * workflow id with the same input, type, task queue and search attributes. Nothing the old run recorded is
 * lost: a cancelled run has undone what it made.
 */
async function newRun(ctx: OpsContext, workflowId: string, runId: string, reason?: string): Promise<string> {
  const history = await ctx.client.workflow.getHandle(workflowId, runId).fetchHistory();
  const identity = `linkage-ops@${process.pid}`;
  const resetPoint = resetPointOf(history);
  if (resetPoint) {
    const res = await ctx.client.workflowService.resetWorkflowExecution({
      namespace: ctx.namespace,
      workflowExecution: { workflowId, runId },
      reason: reason ?? 'linkage retry by an operator (ops/cli.ts retry)',
      workflowTaskFinishEventId: resetPoint,
      requestId: randomUUID(),
      // Linkage runs take no signals or updates today; should they, those after the reset point are kept.
      resetReapplyType: temporal.api.enums.v1.ResetReapplyType.RESET_REAPPLY_TYPE_ALL_ELIGIBLE,
      identity,
    });
    if (!res.runId) throw new Error('the reset returned no run id');
    return res.runId;
  }
  const first = history.events?.[0];
  const started = first?.workflowExecutionStartedEventAttributes;
  if (!started) throw new Error('the run has no start event to start again from');
  const res = await ctx.client.workflowService.startWorkflowExecution({
    namespace: ctx.namespace,
    workflowId,
    workflowType: started.workflowType,
    taskQueue: started.taskQueue,
    input: started.input,
    searchAttributes: started.searchAttributes,
    userMetadata: first?.userMetadata,
    // The poller starts with REJECT_DUPLICATE; an operator's retry of a closed run is the one exception.
    workflowIdReusePolicy: temporal.api.enums.v1.WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
    requestId: randomUUID(),
    identity,
  });
  if (!res.runId) throw new Error('the start returned no run id');
  return res.runId;
}

/** Outcomes of a run that did its linkage (SUCCESSFUL_OUTCOMES); anything else makes `retry` exit 1. */
export const SUCCESSFUL_OUTCOMES = new Set(['completed', 'partial', 'skipped']);

/** Every failed run matching the filters (the latest run of each workflow only). */
export async function retryAll(ctx: OpsContext, filters: RunFilters, opts: RetryOptions = {}): Promise<RetryResult[]> {
  const runs = await listFailed(ctx, filters);
  const results: RetryResult[] = [];
  for (const r of runs) results.push(await retryRun(ctx, r.workflowId, opts));
  return results;
}

/** One retry: the new run, and with `--wait` how it ended. */
export function formatRetry(r: RetryResult): string {
  if (r.error) return `${r.workflowId}  NOT retried: ${r.error}`;
  const lines = [`${r.workflowId}  reset ${r.oldRunId} → new run ${r.newRunId}`];
  if (r.outcome) lines.push(`  ended     ${r.outcome} (${r.status ?? '-'})${r.failure ? `: ${r.failure}` : ''}`);
  if (r.link) lines.push(`  web ui    ${r.link}`);
  return lines.join('\n');
}

export function formatRetries(results: RetryResult[]): string {
  if (!results.length) return 'nothing to retry';
  return results
    .map(formatRetry)
    .concat(results.length > 1 ? [summary(results)] : [])
    .join('\n');
}

/** `12 retried: 10 completed, 2 compensated; 1 not retried`. */
function summary(results: RetryResult[]): string {
  const counts = new Map<string, number>();
  for (const r of results) {
    if (r.error) continue;
    const k = r.outcome ?? 'reset';
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  const retried = results.filter((r) => !r.error).length;
  const by = [...counts].map(([k, n]) => `${n} ${k}`).join(', ');
  const refused = results.length - retried;
  return `${retried} retried${by ? `: ${by}` : ''}${refused ? `; ${refused} not retried` : ''}`;
}
