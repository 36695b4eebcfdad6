/**
 * `show <workflowId>`: status, search attributes, the toggles in the input, the `state` query (asked of
 * a worker when one polls the run's task queue, open or closed), else the result or failure details and
 * the activities read from the history; and the failure chain.
 */
import { temporal } from '@temporalio/proto';
import {
  LinkageBusinessKeys,
  LinkageEventId,
  LinkageEventType,
  LinkageOutcome,
  LinkageTenant,
} from '../../common/search-attributes';
import type { LinkageInput, LinkageResult } from '../../workflows/types';
import { uiLink, type OpsContext } from '../context';
import {
  activitySteps,
  closeEvent,
  closeFailure,
  closeReason,
  completedResult,
  failureChain,
  startInput,
  type ActivityStep,
  type FailureLink,
} from '../history';

export interface RunView {
  workflowId: string;
  runId: string;
  workflowType: string;
  status: string;
  taskQueue: string;
  startTime: string;
  closeTime?: string;
  historyLength: number;
  searchAttributes: {
    eventType?: string;
    eventId?: string;
    tenant?: string;
    businessKeys: string[];
    outcome?: string;
  };
  event?: LinkageInput['event'];
  toggles?: LinkageInput['toggles'];
  retry?: LinkageInput['retry'];
  /** The `state` query, or for a completed run its result. */
  state?: LinkageResult;
  stateSource: 'query' | 'result' | 'none';
  /** Activities as the history records them (always present; the only step view when no worker answers). */
  activities: ActivityStep[];
  reason: string | null;
  failure: FailureLink[];
  link: string | null;
}

export interface ShowOptions {
  runId?: string;
  /** How long to wait for a worker to answer the `state` query. */
  queryTimeoutMs?: number;
}

export async function showRun(ctx: OpsContext, workflowId: string, opts: ShowOptions = {}): Promise<RunView> {
  const handle = ctx.client.workflow.getHandle(workflowId, opts.runId);
  const d = await handle.describe();
  const history = await ctx.client.workflow.getHandle(workflowId, d.runId).fetchHistory();
  const input = d.type === 'EventPollerWorkflow' ? undefined : startInput<LinkageInput>(history);
  const open = d.status.name === 'RUNNING';
  const last = open ? null : await closeEvent(ctx, workflowId, d.runId);
  const sa = d.typedSearchAttributes;

  let state: LinkageResult | undefined;
  let stateSource: RunView['stateSource'] = 'none';
  if (d.type !== 'EventPollerWorkflow' && (await hasWorkflowPoller(ctx, d.taskQueue))) {
    try {
      const deadline = Date.now() + (opts.queryTimeoutMs ?? 5_000);
      state = await ctx.client.connection.withDeadline(deadline, () =>
        ctx.client.workflow.getHandle(workflowId, d.runId).query<LinkageResult>('state'),
      );
      stateSource = 'query';
    } catch {
      // No answer in time: fall back to the history below.
    }
  }
  if (!state && last) {
    state = completedResult<LinkageResult>(last);
    if (state) stateSource = 'result';
  }

  return {
    workflowId,
    runId: d.runId,
    workflowType: d.type,
    status: d.status.name,
    taskQueue: d.taskQueue,
    startTime: d.startTime.toISOString(),
    closeTime: d.closeTime?.toISOString(),
    historyLength: d.historyLength,
    searchAttributes: {
      eventType: sa.get(LinkageEventType),
      eventId: sa.get(LinkageEventId),
      tenant: sa.get(LinkageTenant),
      businessKeys: sa.get(LinkageBusinessKeys) ?? [],
      outcome: sa.get(LinkageOutcome),
    },
    event: input?.event,
    toggles: input?.toggles,
    retry: input?.retry,
    state,
    stateSource,
    activities: activitySteps(history),
    reason: closeReason(last),
    failure: failureChain(closeFailure(last)),
    link: uiLink(ctx, workflowId, d.runId),
  };
}

async function hasWorkflowPoller(ctx: OpsContext, taskQueue: string): Promise<boolean> {
  const res = await ctx.client.workflowService.describeTaskQueue({
    namespace: ctx.namespace,
    taskQueue: { name: taskQueue },
    taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
  });
  return (res.pollers?.length ?? 0) > 0;
}

export function formatRun(v: RunView): string {
  const sa = v.searchAttributes;
  const lines = [
    `${v.workflowId}  ${v.workflowType}  ${v.status}`,
    `  run         ${v.runId}  (task queue ${v.taskQueue}, ${v.historyLength} events)`,
    `  started     ${v.startTime}${v.closeTime ? `  closed ${v.closeTime}` : ''}`,
    `  event       ${sa.eventType ?? '-'} ${sa.eventId ?? '-'}  tenant ${sa.tenant ?? '-'}`,
    `  keys        ${sa.businessKeys.join(', ') || '-'}`,
    `  outcome     ${sa.outcome ?? '-'}`,
  ];
  if (v.toggles) {
    const t = Object.entries(v.toggles).map(([k, on]) => `${k}=${on ? 1 : 0}`);
    lines.push(`  toggles     ${t.join(' ')}`);
  }
  if (v.retry)
    lines.push(`  retry       window ${v.retry.windowMs / 1000}s, max interval ${v.retry.maxIntervalMs / 1000}s`);
  if (v.state) {
    lines.push(`  state (${v.stateSource}): outcome ${v.state.outcome}`);
    for (const s of v.state.steps) lines.push(`    - ${s.name}: ${s.state}${s.detail ? ` — ${s.detail}` : ''}`);
  } else {
    lines.push('  state       no worker answered the state query; activities from the history:');
    for (const a of v.activities) {
      const what = a.summary ? `${a.summary} (${a.activity})` : a.activity;
      lines.push(
        `    - ${what}: ${a.state}${a.attempt ? `, attempt ${a.attempt}` : ''}${a.failure ? ` — ${a.failure}` : ''}`,
      );
    }
  }
  if (v.failure.length) {
    lines.push('  failure chain:');
    v.failure.forEach((f, i) => lines.push(`    ${'  '.repeat(i)}${f.type ? `[${f.type}] ` : ''}${f.message}`));
  } else if (v.reason) lines.push(`  reason      ${v.reason}`);
  if (v.link) lines.push(`  web ui      ${v.link}`);
  return lines.join('\n');
}
