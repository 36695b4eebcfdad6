/**
 * How the intake work was spread over the worker processes: per worker identity (`pid@host`), the poller's
 * and the lanes' pages (activity tasks) and the linkage workflows they started, read from the intake
 * workflows' histories (every run of the poller, every lane of the task queue).
 */
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { pollerWorkflowId } from '../common/workflow-ids';

const EventType = temporal.api.enums.v1.EventType;

export interface IntakeShare {
  identity: string;
  pollerPages: number;
  lanePages: number;
  started: number;
}

export async function intakeSplit(client: Client, taskQueue: string): Promise<IntakeShare[]> {
  const poller = pollerWorkflowId(taskQueue);
  const query = `(WorkflowId = "${poller}" OR (WorkflowType = "TenantLaneWorkflow" AND WorkflowId STARTS_WITH "${poller}:tenant:"))`;
  const shares = new Map<string, IntakeShare>();
  for await (const wf of client.workflow.list({ query })) {
    const history = await client.workflow.getHandle(wf.workflowId, wf.runId).fetchHistory();
    const typeOf = new Map<string, string>();
    const identityOf = new Map<string, string>();
    for (const e of history.events ?? []) {
      const id = String(e.eventId);
      if (e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED) {
        typeOf.set(id, e.activityTaskScheduledEventAttributes?.activityType?.name ?? '');
      } else if (e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED) {
        const a = e.activityTaskStartedEventAttributes;
        identityOf.set(String(a?.scheduledEventId), a?.identity ?? '?');
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
      }
    }
  }
  return [...shares.values()].sort((a, b) => a.identity.localeCompare(b.identity));
}
