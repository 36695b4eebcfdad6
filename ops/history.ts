/** Reading run histories: the close event, the failure chain, the input, the reset point. */
import { defaultPayloadConverter, fromPayloadsAtIndex } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import type { OpsContext } from './context';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;
type Failure = temporal.api.failure.v1.IFailure;
const EventType = temporal.api.enums.v1.EventType;

/** The last event of a closed run (one small call: the server filters the history). */
export async function closeEvent(ctx: OpsContext, workflowId: string, runId?: string): Promise<HistoryEvent | null> {
  const res = await ctx.client.workflowService.getWorkflowExecutionHistory({
    namespace: ctx.namespace,
    execution: { workflowId, runId },
    historyEventFilterType: temporal.api.enums.v1.HistoryEventFilterType.HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT,
  });
  return res.history?.events?.at(-1) ?? null;
}

export interface FailureLink {
  message: string;
  /** ApplicationFailure type, or the kind of failure (activity, timeout, canceled...). */
  type?: string;
  details?: unknown;
}

/** Outermost first: the workflow's failure, then each cause. */
export function failureChain(failure: Failure | null | undefined): FailureLink[] {
  const chain: FailureLink[] = [];
  for (let f = failure; f && chain.length < 10; f = f.cause) {
    const app = f.applicationFailureInfo;
    const details = app?.details?.payloads?.length
      ? fromPayloadsAtIndex(defaultPayloadConverter, 0, app.details.payloads)
      : undefined;
    const type =
      app?.type ??
      (f.activityFailureInfo
        ? `activity ${f.activityFailureInfo.activityType?.name ?? ''}`.trim()
        : f.timeoutFailureInfo
          ? 'timeout'
          : f.canceledFailureInfo
            ? 'canceled'
            : f.terminatedFailureInfo
              ? 'terminated'
              : undefined);
    chain.push({ message: f.message ?? '', ...(type ? { type } : {}), ...(details !== undefined ? { details } : {}) });
  }
  return chain;
}

/** Why a closed run did not complete, in one line; null when it completed. */
export function closeReason(event: HistoryEvent | null): string | null {
  if (!event) return null;
  switch (event.eventType) {
    case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED:
      return event.workflowExecutionFailedEventAttributes?.failure?.message ?? 'failed';
    case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED: {
      const a = event.workflowExecutionTerminatedEventAttributes;
      return `terminated${a?.identity ? ` by ${a.identity}` : ''}: ${a?.reason || '(no reason)'}`;
    }
    case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT:
      return 'timed out (workflow execution/run timeout)';
    case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED:
      return 'cancelled';
    default:
      return null;
  }
}

/** The failure of a closed run's close event, if any. */
export function closeFailure(event: HistoryEvent | null): Failure | null {
  return event?.workflowExecutionFailedEventAttributes?.failure ?? null;
}

/** The first argument the run was started with. */
export function startInput<T>(history: temporal.api.history.v1.IHistory): T | undefined {
  const started = history.events?.find((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED);
  const payloads = started?.workflowExecutionStartedEventAttributes?.input?.payloads;
  return payloads?.length ? fromPayloadsAtIndex<T>(defaultPayloadConverter, 0, payloads) : undefined;
}

/** The result of a completed run's close event. */
export function completedResult<T>(event: HistoryEvent | null): T | undefined {
  const payloads = event?.workflowExecutionCompletedEventAttributes?.result?.payloads;
  return payloads?.length ? fromPayloadsAtIndex<T>(defaultPayloadConverter, 0, payloads) : undefined;
}

/**
 * Where an operator's retry resets a run to: its first completed workflow task, unless a cancel request came
 * before it. A reset keeps the events before its point, so such a reset would be cancelled again: that
 * happens when the cancel discarded the first task (its local activities' results never reached the
 * history), and the run is started again instead (null).
 */
export function resetPointOf(history: temporal.api.history.v1.IHistory): NonNullable<HistoryEvent['eventId']> | null {
  for (const e of history.events ?? []) {
    if (e.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCEL_REQUESTED) return null;
    if (e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED) return e.eventId ?? null;
  }
  return null;
}

export interface ActivityStep {
  activity: string;
  summary?: string;
  state: 'scheduled' | 'started' | 'completed' | 'failed' | 'timed_out' | 'canceled';
  attempt?: number;
  failure?: string;
}

/** The data core records in a local activity's marker (one per attempt that ended). */
interface LocalActivityMarker {
  attempt?: number;
  activity_type?: string;
}

/**
 * What the activities of a run did, from its history: the fallback of `show` when no worker answers queries.
 * A local activity is one marker per attempt (its failure, or its result); a regular one is followed from
 * its scheduled event.
 */
export function activitySteps(history: temporal.api.history.v1.IHistory): ActivityStep[] {
  const byScheduled = new Map<string, ActivityStep>();
  for (const e of history.events ?? []) {
    const id = String(e.eventId);
    const marker = e.markerRecordedEventAttributes;
    if (marker?.markerName === 'core_local_activity') {
      const data = marker.details?.data?.payloads?.length
        ? fromPayloadsAtIndex<LocalActivityMarker>(defaultPayloadConverter, 0, marker.details.data.payloads)
        : undefined;
      const summary = summaryOf(e);
      const failure = failureChain(marker.failure)
        .map((f) => f.message)
        .filter(Boolean)
        .join(': ');
      byScheduled.set(id, {
        activity: data?.activity_type ?? '?',
        ...(summary ? { summary } : {}),
        state: marker.failure ? 'failed' : 'completed',
        ...(data?.attempt ? { attempt: data.attempt } : {}),
        ...(failure ? { failure } : {}),
      });
      continue;
    }
    if (e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED) {
      const a = e.activityTaskScheduledEventAttributes;
      const summary = summaryOf(e);
      byScheduled.set(id, {
        activity: a?.activityType?.name ?? '?',
        ...(summary ? { summary } : {}),
        state: 'scheduled',
      });
      continue;
    }
    const ref =
      e.activityTaskStartedEventAttributes ??
      e.activityTaskCompletedEventAttributes ??
      e.activityTaskFailedEventAttributes ??
      e.activityTaskTimedOutEventAttributes ??
      e.activityTaskCanceledEventAttributes;
    const step = ref?.scheduledEventId ? byScheduled.get(String(ref.scheduledEventId)) : undefined;
    if (!step) continue;
    if (e.activityTaskStartedEventAttributes) {
      step.state = 'started';
      step.attempt = e.activityTaskStartedEventAttributes.attempt ?? undefined;
    } else if (e.activityTaskCompletedEventAttributes) step.state = 'completed';
    else if (e.activityTaskFailedEventAttributes) {
      step.state = 'failed';
      step.failure = failureChain(e.activityTaskFailedEventAttributes.failure)
        .map((f) => f.message)
        .filter(Boolean)
        .join(': ');
    } else if (e.activityTaskTimedOutEventAttributes) step.state = 'timed_out';
    else step.state = 'canceled';
  }
  return [...byScheduled.values()];
}

/** The summary an event carries in its user metadata (the step's title, for activities). */
function summaryOf(e: HistoryEvent): string | undefined {
  return e.userMetadata?.summary?.data?.length
    ? fromPayloadsAtIndex<string>(defaultPayloadConverter, 0, [e.userMetadata.summary])
    : undefined;
}
