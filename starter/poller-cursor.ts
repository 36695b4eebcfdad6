/**
 * Where a new poller starts reading. Normally the poller runs for ever (continue-as-new carries its
 * cursor), but an operator may terminate it, or it may fail: then the next one resumes from the cursor
 * of the last run instead of seq 0 — its start input, advanced by every page its activity completed.
 * A namespace with no poller run to resume (a new namespace or cluster, or retention dropped the run)
 * starts at POLLER_START_AFTER: a seq, or `head` for the bus's newest event. Even from seq 0 nothing is
 * duplicated: the cells keep one live document per business source.
 */
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { defaultPayloadConverter, fromPayloadsAtIndex } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { laneDoneSignal } from '../workflows/poller';
import type { LaneDone, PollerInput, PollResult } from '../workflows/types';

const EventType = temporal.api.enums.v1.EventType;

/**
 * null when a poller runs now (nothing to resume); else the cursor to start from: the last run's, or
 * `start` when the namespace has none.
 */
export async function resumeCursor(
  client: Client,
  workflowId: string,
  start: () => Promise<number> = async () => 0,
): Promise<number | null> {
  const handle = client.workflow.getHandle(workflowId);
  try {
    const { status } = await handle.describe();
    if (status.name === 'RUNNING') return null;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return start();
    throw err;
  }
  let after = 0;
  // The tenants handed to lanes and not yet taken back: the poller skipped their events after the lane's
  // position, so a poller resumed without them starts from there (its starts of what the lanes did are
  // duplicates, never a second run).
  const lanes = new Map<string, number>();
  for (const e of (await handle.fetchHistory()).events ?? []) {
    const input = e.workflowExecutionStartedEventAttributes?.input?.payloads;
    const result = e.activityTaskCompletedEventAttributes?.result?.payloads;
    const signal = e.workflowExecutionSignaledEventAttributes;
    if (e.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED && input?.length) {
      const start = fromPayloadsAtIndex<PollerInput>(defaultPayloadConverter, 0, input);
      after = Math.max(after, start.after);
      for (const [tenant, lane] of Object.entries(start.lanes ?? {})) {
        lanes.set(tenant, 'from' in lane ? lane.from : lane.catchUpFrom);
      }
    } else if (e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED && result?.length) {
      const page = fromPayloadsAtIndex<PollResult>(defaultPayloadConverter, 0, result);
      after = Math.max(after, page.nextAfter);
      for (const tenant of page.caughtUp ?? []) lanes.delete(tenant);
      for (const { tenantId, from } of page.delegated ?? []) if (!lanes.has(tenantId)) lanes.set(tenantId, from);
    } else if (signal?.signalName === laneDoneSignal.name && signal.input?.payloads?.length) {
      const done = fromPayloadsAtIndex<LaneDone>(defaultPayloadConverter, 0, signal.input.payloads);
      lanes.set(done.tenantId, Math.max(lanes.get(done.tenantId) ?? 0, done.upTo));
    }
  }
  return Math.min(after, ...lanes.values());
}

/**
 * The cursor of the previous version's poller (its old id), or null when there is none. A running one is
 * terminated first so that one reader remains; its history then holds every page it completed.
 */
export async function legacyCursor(client: Client, legacyWorkflowId: string): Promise<number | null> {
  const handle = client.workflow.getHandle(legacyWorkflowId);
  try {
    const { status, type } = await handle.describe();
    // The old id is in the linkage space: an event's run may hold it, which is neither stopped nor read.
    if (type !== 'EventPollerWorkflow') return null;
    if (status.name === 'RUNNING') {
      await handle.terminate('superseded by the poller under its new id (paas-linkage:poller:<taskQueue>)');
    }
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return null;
    throw err;
  }
  return resumeCursor(client, legacyWorkflowId);
}

/** Does the bus hold an event after `seq`? One read of at most one event, no waiting. */
export type HasEventAfter = (seq: number) => Promise<boolean>;

/**
 * The bus's newest seq, found with the contract's own read (`GET /api/events?after&limit=1`): doubling,
 * then bisection, about 2·log2(head) reads. Gaps in seq do not matter: "an event after x" only turns
 * false at the head.
 */
export async function busHead(hasEventAfter: HasEventAfter): Promise<number> {
  if (!(await hasEventAfter(0))) return 0;
  let lo = 0;
  let hi = 1;
  while (await hasEventAfter(hi)) {
    lo = hi;
    hi *= 2;
  }
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (await hasEventAfter(mid)) lo = mid;
    else hi = mid;
  }
  return hi;
}
