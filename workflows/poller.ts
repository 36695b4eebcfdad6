/**
 * The main poller: holds the bus cursor durably and hands each page of events to the `pollAndStart`
 * activity, which starts one linkage workflow per event. Its fixed workflow id makes it one per namespace
 * however many workers run; it continues as new before its history grows large.
 *
 * A tenant whose page share shows a flood is handed to an intake lane of its own (tenant-lane.ts): the
 * poller skips that tenant's events from then on, so the other tenants' events are started at once; when
 * the lane has caught up it says so, and the poller starts the tenant's events it skipped after the
 * lane's last one before taking the tenant back (docs/operations/intake.md).
 */
import {
  defineQuery,
  defineSignal,
  makeContinueAsNewFunc,
  patched,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import { intakeTaskQueue, isIntakeTaskQueue } from '../common/workflow-ids';
import type { IntakeLanes, LaneDone, PollerInput } from './types';

export const cursorQuery = defineQuery<number>('cursor');
/** The tenants with a lane of their own, and those whose lane is done. */
export const lanesQuery = defineQuery<IntakeLanes>('lanes');
/** Sent by a tenant's lane once it has caught up. */
export const laneDoneSignal = defineSignal<[LaneDone]>('laneDone');

/** Tenant lanes: before it, the poller started every event itself, in bus order. */
export const TENANT_LANES_PATCH = 'tenant-lanes';
/** The intake's own task queue: before it, the poller and the lanes ran on the linkage runs' queue. */
export const INTAKE_QUEUE_PATCH = 'intake-task-queue';

const MAX_ITERATIONS_PER_RUN = 200;

/** The activity options of the poller and of the lanes: long-polls heartbeat, reads are retried for ever. */
export const pollerActivities = (pollIntervalMs: number, summary: string, { eager = true } = {}) =>
  proxyActivities<Activities>({
    summary,
    // A lane's pages go to whichever worker polls first, not back to the one that ran its workflow task:
    // that is what spreads the intake over the workers.
    allowEagerDispatch: eager,
    startToCloseTimeout: '2 minutes',
    // The activity heartbeats while it long-polls: a killed worker's read moves to another in seconds.
    heartbeatTimeout: '5 seconds',
    // SYNC_WORKER_POLL_INTERVAL_SEC is the pause after a failed read; retried for ever.
    retry: { initialInterval: pollIntervalMs, backoffCoefficient: 1, maximumInterval: pollIntervalMs },
  });

export async function EventPollerWorkflow(input: PollerInput): Promise<void> {
  const { pollAndStart } = pollerActivities(input.pollIntervalMs, 'Read the bus and start linkage workflows');

  let after = input.after;
  const lanes: IntakeLanes = { ...input.lanes };
  // A poller started on the runs' queue (by a worker before the intake queue) moves there after a page.
  const { taskQueue } = workflowInfo();
  const onRunQueue = !isIntakeTaskQueue(taskQueue);
  let move = false;
  setHandler(cursorQuery, () => after);
  setHandler(lanesQuery, () => ({ ...lanes }));
  setHandler(laneDoneSignal, (done) => {
    const lane = lanes[done.tenantId];
    // An older lane's word is not this lane's. One the poller does not know (a poller resumed from an earlier
    // cursor) is still caught up on: the events after it may have been skipped.
    if (lane && 'from' in lane && lane.from !== done.from) return;
    lanes[done.tenantId] = { catchUpFrom: done.upTo };
  });
  for (let i = 0; i < MAX_ITERATIONS_PER_RUN && !workflowInfo().continueAsNewSuggested; i++) {
    if (!patched(TENANT_LANES_PATCH)) {
      after = (await pollAndStart(after)).nextAfter;
      continue;
    }
    const page = await pollAndStart(after, { lanes: { ...lanes } });
    after = page.nextAfter;
    for (const tenantId of page.caughtUp ?? []) {
      if (lanes[tenantId] && 'catchUpFrom' in lanes[tenantId]) delete lanes[tenantId];
    }
    for (const { tenantId, from } of page.delegated ?? []) {
      // That very lane may be done already (its word came while the page was in flight): keep its catch-up.
      const lane = lanes[tenantId];
      if (lane && 'catchUpFrom' in lane && lane.catchUpFrom >= from) continue;
      lanes[tenantId] = { from };
    }
    if (onRunQueue && patched(INTAKE_QUEUE_PATCH)) {
      move = true;
      break;
    }
  }
  const next = makeContinueAsNewFunc<typeof EventPollerWorkflow>(move ? { taskQueue: intakeTaskQueue(taskQueue) } : {});
  await next({ ...input, after, ...(Object.keys(lanes).length ? { lanes } : { lanes: undefined }) });
}
