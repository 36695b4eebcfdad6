/**
 * Where a new poller starts reading. Normally the poller runs for ever (continue-as-new carries its
 * cursor), but an operator may terminate it, or it may fail: then the next one resumes from the cursor
 * of the last run instead of seq 0 — its start input, advanced by every page its activity completed.
 * (After the namespace's retention has dropped that run, it starts from 0, and the workflow-id rule
 * still refuses the events whose runs are remembered.)
 */
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { defaultPayloadConverter, fromPayloadsAtIndex } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import type { PollerInput, PollResult } from '../workflows/types';

const EventType = temporal.api.enums.v1.EventType;

/** null when a poller runs now (nothing to resume); else the cursor to start from. */
export async function resumeCursor(client: Client, workflowId: string): Promise<number | null> {
  const handle = client.workflow.getHandle(workflowId);
  try {
    const { status } = await handle.describe();
    if (status.name === 'RUNNING') return null;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return 0;
    throw err;
  }
  let after = 0;
  for (const e of (await handle.fetchHistory()).events ?? []) {
    const input = e.workflowExecutionStartedEventAttributes?.input?.payloads;
    const result = e.activityTaskCompletedEventAttributes?.result?.payloads;
    if (e.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED && input?.length) {
      after = Math.max(after, fromPayloadsAtIndex<PollerInput>(defaultPayloadConverter, 0, input).after);
    } else if (e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED && result?.length) {
      after = Math.max(after, fromPayloadsAtIndex<PollResult>(defaultPayloadConverter, 0, result).nextAfter);
    }
  }
  return after;
}
