/**
 * `resync`: fills the data lake's holes (a lake outage longer than the retry window) with the
 * `LakeResyncWorkflow`, run by the worker on its task queue: start it over a range of the bus and follow its
 * progress, show where one is or stopped (`status`), `cancel` it, and `resume` a cancelled or failed one from
 * its last cursor as a new run of the same workflow id. The progress is the run's memo (the workflow updates it
 * after every page), so a closed run answers too and no worker is needed to read it.
 */
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  type WorkflowExecutionDescription,
} from '@temporalio/client';
import { WorkflowIdConflictPolicy, WorkflowIdReusePolicy } from '@temporalio/common';
import { isLinkageSpace, resyncWorkflowIdOf } from '../../common/workflow-ids';
import {
  heldBy,
  LAKE_RESYNC_WORKFLOW,
  RESYNC_MEMO_KEY,
  type LakeResyncInput,
  type ResyncCarry,
  type ResyncProgress,
} from '../../workflows/lake-resync';
import { uiLink, type OpsContext } from '../context';
import { closeEvent, closeReason, startInput } from '../history';

export const DEFAULT_PAGE_SIZE = 100;
/** The bus answers at most 1000 events per read. */
export const MAX_PAGE_SIZE = 1000;

/** A refused parameter: the CLI prints it with the usage and exits 2. */
export class ResyncUsageError extends Error {}

export interface ResyncParams {
  /** A bus seq, or an ISO time (normalised by `parsePosition`). */
  from: string;
  to?: string;
  tenant?: string;
  type?: string;
  pageSize?: number;
  /** The workflow id; default derived from from / to / tenant / type (`resyncWorkflowId`). */
  id?: string;
  /** Advanced: pages per run before continue-as-new, the retry window of one page, the look again while paused. */
  pagesPerRun?: number;
  pageRetryWindowMs?: number;
  pauseCheckMs?: number;
}

/** `--from` / `--to`: a bus seq as it is, or a time normalised to an ISO instant (so the derived id is stable). */
export function parsePosition(flag: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return String(Number(v));
  const t = Date.parse(v);
  if (!/^\d{4}-\d{2}-\d{2}/.test(v) || Number.isNaN(t)) {
    throw new ResyncUsageError(`--${flag} takes a bus seq (0, 1, …) or an ISO time (2026-11-26T10:00:00Z): ${value}`);
  }
  return new Date(t).toISOString();
}

export function parsePageSize(value: string | undefined): number {
  if (value === undefined) return DEFAULT_PAGE_SIZE;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > MAX_PAGE_SIZE) {
    throw new ResyncUsageError(`--page-size takes an integer from 1 to ${MAX_PAGE_SIZE}: ${value}`);
  }
  return n;
}

/**
 * The workflow id of a resync: `paas-linkage:resync:<from>-<to|head>-<tenant|all>-<type|all>`, characters other than
 * letters, digits, `.`, `_` and `-` as `_`, at most 200 characters (a long one ends with a hash of the whole).
 * The same command gives the same id, so it cannot run twice at once.
 */
export function resyncWorkflowId(p: Pick<ResyncParams, 'from' | 'to' | 'tenant' | 'type'>): string {
  const raw = `${p.from}-${p.to ?? 'head'}-${p.tenant ?? 'all'}-${p.type ?? 'all'}`;
  return resyncWorkflowIdOf(raw.replace(/[^A-Za-z0-9._-]/g, '_'));
}

export function resyncInput(p: ResyncParams): LakeResyncInput {
  if (/^\d+$/.test(p.from) && p.to !== undefined && /^\d+$/.test(p.to) && Number(p.to) < Number(p.from)) {
    throw new ResyncUsageError(`--to ${p.to} is before --from ${p.from}`);
  }
  if (p.to !== undefined && !/^\d+$/.test(p.from) && !/^\d+$/.test(p.to) && p.to < p.from) {
    throw new ResyncUsageError(`--to ${p.to} is before --from ${p.from}`);
  }
  return {
    from: p.from,
    ...(p.to !== undefined ? { to: p.to } : {}),
    ...(p.tenant ? { tenantId: p.tenant } : {}),
    ...(p.type ? { eventType: p.type } : {}),
    pageSize: p.pageSize ?? DEFAULT_PAGE_SIZE,
    ...(p.pagesPerRun ? { pagesPerRun: p.pagesPerRun } : {}),
    ...(p.pageRetryWindowMs ? { pageRetryWindowMs: p.pageRetryWindowMs } : {}),
    ...(p.pauseCheckMs ? { pauseCheckMs: p.pauseCheckMs } : {}),
  };
}

/** A resync as an operator sees it: Temporal's status of its latest run, and its progress (the memo). */
export interface ResyncView {
  workflowId: string;
  runId: string;
  /** RUNNING, COMPLETED, CANCELLED, FAILED, TERMINATED, TIMED_OUT. */
  status: string;
  progress: ResyncProgress | null;
  /** Why a closed run did not complete (its failure, or who terminated it). */
  reason: string | null;
  link: string | null;
}

export interface StartedResync {
  workflowId: string;
  runId: string;
  /** The same resync was running already: this is that one, not a new run. */
  attached: boolean;
  link: string | null;
}

/**
 * Starts the resync on the worker's task queue. The workflow id (given, or derived from the parameters) is
 * one resync at a time: when a run with it is open, the same parameters attach to it and others are refused.
 */
export async function startResync(ctx: OpsContext, taskQueue: string, params: ResyncParams): Promise<StartedResync> {
  const input = resyncInput(params);
  // An id in the linkage space could take an event's run id (or be taken by one).
  if (params.id !== undefined && isLinkageSpace(params.id)) {
    throw new ResyncUsageError(`--id must not start with linkage- (the id space of event runs): ${params.id}`);
  }
  const workflowId = params.id ?? resyncWorkflowId(params);
  try {
    const handle = await startRun(
      ctx,
      workflowId,
      taskQueue,
      input,
      `Started by the operator CLI (ops/cli.ts resync): ${JSON.stringify(input)}`,
    );
    const runId = handle.firstExecutionRunId;
    return { workflowId, runId, attached: false, link: uiLink(ctx, workflowId, runId) };
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    const running = await describeResync(ctx, workflowId);
    // The running one's parameters, from its input (its memo may not be written yet).
    const history = await ctx.client.workflow.getHandle(workflowId, running.runId).fetchHistory();
    const theirs = startInput<LakeResyncInput>(history);
    const same =
      !theirs ||
      (theirs.from === input.from &&
        theirs.to === input.to &&
        theirs.tenantId === input.tenantId &&
        theirs.eventType === input.eventType);
    if (!same) {
      const params = { from: theirs.from, to: theirs.to ?? null, tenantId: theirs.tenantId ?? null };
      throw new Error(
        `a resync with id ${workflowId} is already running with other parameters ` +
          `(${describeParams({ ...params, eventType: theirs.eventType ?? null })}): ` +
          'wait for it, cancel it (resync cancel), or give another --id',
      );
    }
    return { workflowId, runId: running.runId, attached: true, link: running.link };
  }
}

/** The latest run of a resync: its status and progress (from the memo; a closed run answers too). */
export async function describeResync(ctx: OpsContext, workflowId: string): Promise<ResyncView> {
  const d = await ctx.client.workflow.getHandle(workflowId).describe();
  return viewOf(ctx, d);
}

async function viewOf(ctx: OpsContext, d: WorkflowExecutionDescription): Promise<ResyncView> {
  if (d.type !== LAKE_RESYNC_WORKFLOW) {
    throw new Error(`${d.workflowId} is a ${d.type}, not a ${LAKE_RESYNC_WORKFLOW}`);
  }
  const progress = (d.memo?.[RESYNC_MEMO_KEY] as ResyncProgress | undefined) ?? null;
  const status = d.status.name;
  const closedBadly = status !== 'RUNNING' && status !== 'COMPLETED';
  const reason = closedBadly ? closeReason(await closeEvent(ctx, d.workflowId, d.runId)) : null;
  return {
    workflowId: d.workflowId,
    runId: d.runId,
    status,
    progress,
    reason,
    link: uiLink(ctx, d.workflowId, d.runId),
  };
}

/** `resync status <id>`; null when there is no such workflow. */
export async function resyncStatus(ctx: OpsContext, workflowId: string): Promise<ResyncView | null> {
  try {
    return await describeResync(ctx, workflowId);
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return null;
    throw err;
  }
}

export interface FollowOptions {
  /** Called on every change of the progress (state, cursor, pages, run). */
  onProgress?: (view: ResyncView) => void;
  pollMs?: number;
}

/** Follows the resync (across continue-as-new) until its latest run closes; answers how it ended. */
export async function followResync(ctx: OpsContext, workflowId: string, opts: FollowOptions = {}): Promise<ResyncView> {
  let last = '';
  for (;;) {
    const view = await describeResync(ctx, workflowId);
    const p = view.progress;
    const key = JSON.stringify([view.runId, view.status, p?.state, p?.cursor, p?.pages]);
    if (key !== last) {
      last = key;
      opts.onProgress?.(view);
    }
    if (view.status !== 'RUNNING') return view;
    await new Promise((r) => setTimeout(r, opts.pollMs ?? 1000));
  }
}

/** `resync cancel <id>`: asks the running resync to stop (between pages); with `wait`, until it closed. */
export async function cancelResync(
  ctx: OpsContext,
  workflowId: string,
  opts: { wait?: boolean } = {},
): Promise<ResyncView> {
  const before = await describeResync(ctx, workflowId);
  if (before.status !== 'RUNNING') {
    throw new Error(`resync ${workflowId} is not running (${before.status}): nothing to cancel`);
  }
  await ctx.client.workflow.getHandle(workflowId, before.runId).cancel();
  return opts.wait ? followResync(ctx, workflowId) : describeResync(ctx, workflowId);
}

/** Closed resyncs `resume` continues: anything that did not complete. */
const RESUMABLE = new Set(['CANCELLED', 'FAILED', 'TERMINATED', 'TIMED_OUT']);

/**
 * `resync resume <id>`: a new run of the same workflow id, with the same parameters, from the cursor and
 * counters the last run recorded in its memo (from the start of the range if it recorded none).
 */
export async function resumeResync(ctx: OpsContext, taskQueue: string, workflowId: string): Promise<StartedResync> {
  const last = await describeResync(ctx, workflowId);
  if (!RESUMABLE.has(last.status)) {
    throw new Error(
      last.status === 'RUNNING'
        ? `resync ${workflowId} is running: nothing to resume (follow it with: resync status ${workflowId})`
        : `resync ${workflowId} ${last.status.toLowerCase()}: nothing to resume (run the resync again to re-check its range)`,
    );
  }
  const original = startInput<LakeResyncInput>(
    await ctx.client.workflow.getHandle(workflowId, last.runId).fetchHistory(),
  );
  if (!original) throw new Error(`the last run of ${workflowId} has no input to resume with`);
  const p = last.progress;
  const carry: ResyncCarry | undefined =
    p?.range && p.cursor !== null
      ? {
          range: p.range,
          cursor: p.cursor,
          pages: p.pages,
          counters: p.counters,
          startedAt: p.startedAt,
          runs: p.runs,
          resumedFrom: { runId: last.runId, state: last.status },
        }
      : original.carry;
  const input: LakeResyncInput = { ...original, ...(carry ? { carry } : {}) };
  const started = await startRun(
    ctx,
    workflowId,
    taskQueue,
    input,
    `Resumed by the operator CLI (ops/cli.ts resync resume) after run ${last.runId} (${last.status}), from bus seq ${carry?.cursor ?? 'the start'}`,
  );
  return {
    workflowId,
    runId: started.firstExecutionRunId,
    attached: false,
    link: uiLink(ctx, workflowId, started.firstExecutionRunId),
  };
}

/** A run of the resync workflow: a closed resync of the same id may run again (it re-checks its range), an open one is never doubled. */
function startRun(ctx: OpsContext, workflowId: string, taskQueue: string, input: LakeResyncInput, details: string) {
  return ctx.client.workflow.start(LAKE_RESYNC_WORKFLOW, {
    workflowId,
    taskQueue,
    args: [input],
    workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
    workflowIdConflictPolicy: WorkflowIdConflictPolicy.FAIL,
    staticSummary: summaryOf(input),
    staticDetails: details,
  });
}

function summaryOf(input: LakeResyncInput): string {
  return `Lake resync ${describeParams({
    from: input.from,
    to: input.to ?? null,
    tenantId: input.tenantId ?? null,
    eventType: input.eventType ?? null,
  })}`;
}

function describeParams(p: Pick<ResyncProgress, 'from' | 'to' | 'tenantId' | 'eventType'>): string {
  return [
    `from ${p.from} to ${p.to ?? 'the head'}`,
    p.tenantId ? `tenant ${p.tenantId}` : 'every tenant',
    p.eventType ? `type ${p.eventType}` : 'every type',
  ].join(', ');
}

/** One line per progress change, while following. */
export function formatProgressLine(v: ResyncView): string {
  const p = v.progress;
  if (!p) return `${v.workflowId}  ${v.status}  (no progress recorded yet)`;
  const c = p.counters;
  const where = p.range ? `cursor ${p.cursor ?? p.range.after}/${p.range.toSeq}` : 'finding the range';
  return [
    `${v.workflowId}  ${p.state}  page ${p.pages}, ${where}`,
    `read ${c.read}, ingested ${c.ingested + c.statusIngested}, already there ${c.alreadyThere + c.statusAlreadyThere}`,
    `documents checked ${c.documentsChecked}, dead letters resolved ${c.lettersResolved}`,
    ...(p.paused ? [heldBy(p.paused)] : []),
  ].join(' — ');
}

/** The summary of a resync: where it is or stopped, every counter, the Web UI link. */
export function formatResync(v: ResyncView, note?: string): string {
  const p = v.progress;
  const lines = [
    `${v.workflowId}  ${v.status}${p && p.state.toUpperCase() !== v.status ? ` (last recorded: ${p.state})` : ''}`,
  ];
  if (note) lines.push(`  note        ${note}`);
  lines.push(`  run         ${v.runId}${p ? ` (run ${p.runs} of the resync, started ${p.startedAt})` : ''}`);
  if (p) {
    const c = p.counters;
    lines.push(`  range       ${describeParams(p)}, ${p.pageSize} events per page`);
    if (p.range) {
      lines.push(
        `  bus         seq ${p.range.after + 1} … ${p.range.toSeq} (head ${p.range.head} at start), cursor ${p.cursor ?? p.range.after}`,
      );
    }
    if (p.resumedFrom) lines.push(`  resumed     after run ${p.resumedFrom.runId} (${p.resumedFrom.state})`);
    lines.push(
      `  pages       ${p.pages}`,
      `  events      read ${c.read}, matched ${c.matched}, skipped ${c.skipped} (malformed or invalid)`,
      `  records     ingested ${c.ingested}, already there ${c.alreadyThere}`,
      `  statuses    ingested ${c.statusIngested}, already there ${c.statusAlreadyThere}`,
      `  documents   checked ${c.documentsChecked}, missing ${c.documentsMissing}; refused ${c.refused}`,
      `  dead letters resolved ${c.lettersResolved}`,
    );
    if (p.error) lines.push(`  error       ${p.error}`);
    if (p.paused) lines.push(`  paused      ${heldBy(p.paused)}`);
  } else lines.push('  progress    none recorded yet');
  if (v.reason && v.reason !== p?.error) lines.push(`  reason      ${v.reason}`);
  if (RESUMABLE.has(v.status)) lines.push(`  resume      npm run linkage -- resync resume ${v.workflowId}`);
  if (v.link) lines.push(`  web ui      ${v.link}`);
  return lines.join('\n');
}
