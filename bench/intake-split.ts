/**
 * How the intake work was spread over the worker processes: per worker identity (`pid@host`), the poller's
 * and the lanes' pages (activity tasks) and the linkage workflows they started, read from the intake
 * workflows' histories (every run of the poller, every lane of the task queue).
 */
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { pollerWorkflowId } from '../common/workflow-ids';
import { percentiles, type Percentiles } from './percentiles';

const EventType = temporal.api.enums.v1.EventType;

export interface IntakeShare {
  identity: string;
  pollerPages: number;
  lanePages: number;
  started: number;
}

/**
 * The main poller's page cycle, from its histories: where a page's time goes when the machine is saturated.
 * `dispatch`: a page's activity scheduled → its last attempt started; `read`: that start → completed (the bus
 * read, its long-poll included, and the starts); `turnaround`: a page completed → the next one scheduled
 * (the poller's workflow task). `retries`: attempts beyond the first.
 */
export interface PollerCycle {
  pages: number;
  retries: number;
  dispatch: Percentiles;
  read: Percentiles;
  turnaround: Percentiles;
}

/** A history event's time in epoch milliseconds (0 when it has none). */
export const eventTimeMs = (t: { seconds?: unknown; nanos?: number | null } | null | undefined) =>
  t ? Number(t.seconds ?? 0) * 1000 + Math.floor((t.nanos ?? 0) / 1e6) : 0;

export async function intakeSplit(
  client: Client,
  taskQueue: string,
): Promise<{ shares: IntakeShare[]; poller: PollerCycle }> {
  const poller = pollerWorkflowId(taskQueue);
  const query = `(WorkflowId = "${poller}" OR (WorkflowType = "TenantLaneWorkflow" AND WorkflowId STARTS_WITH "${poller}:tenant:"))`;
  const shares = new Map<string, IntakeShare>();
  const cycle = { pages: 0, retries: 0, dispatch: [] as number[], read: [] as number[], turnaround: [] as number[] };
  for await (const wf of client.workflow.list({ query })) {
    const history = await client.workflow.getHandle(wf.workflowId, wf.runId).fetchHistory();
    const mainPoller = wf.workflowId === poller;
    const typeOf = new Map<string, string>();
    const identityOf = new Map<string, string>();
    const scheduledAt = new Map<string, number>();
    const startedAt = new Map<string, number>();
    let lastCompletedAt = 0;
    for (const e of history.events ?? []) {
      const id = String(e.eventId);
      const at = eventTimeMs(e.eventTime);
      if (e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED) {
        typeOf.set(id, e.activityTaskScheduledEventAttributes?.activityType?.name ?? '');
        scheduledAt.set(id, at);
        if (mainPoller && lastCompletedAt) cycle.turnaround.push(at - lastCompletedAt);
      } else if (e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED) {
        const a = e.activityTaskStartedEventAttributes;
        identityOf.set(String(a?.scheduledEventId), a?.identity ?? '?');
        startedAt.set(String(a?.scheduledEventId), at);
        if (mainPoller) cycle.retries += Math.max(0, (a?.attempt ?? 1) - 1);
      } else if (e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED) {
        const a = e.activityTaskCompletedEventAttributes;
        const scheduled = String(a?.scheduledEventId);
        const identity = a?.identity || identityOf.get(scheduled) || '?';
        const share = shares.get(identity) ?? { identity, pollerPages: 0, lanePages: 0, started: 0 };
        const payload = a?.result?.payloads?.[0]?.data;
        const started = payload
          ? Number((JSON.parse(Buffer.from(payload).toString('utf8')) as { started?: number }).started ?? 0)
          : 0;
        if (typeOf.get(scheduled) === 'pollTenantAndStart') share.lanePages++;
        else share.pollerPages++;
        share.started += started;
        shares.set(identity, share);
        if (mainPoller) {
          cycle.pages++;
          const begun = startedAt.get(scheduled) ?? at;
          cycle.dispatch.push(begun - (scheduledAt.get(scheduled) ?? begun));
          cycle.read.push(at - begun);
          lastCompletedAt = at;
        }
      }
    }
  }
  return {
    shares: [...shares.values()].sort((a, b) => a.identity.localeCompare(b.identity)),
    poller: {
      pages: cycle.pages,
      retries: cycle.retries,
      dispatch: percentiles(cycle.dispatch),
      read: percentiles(cycle.read),
      turnaround: percentiles(cycle.turnaround),
    },
  };
}
