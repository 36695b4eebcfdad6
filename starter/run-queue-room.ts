/**
 * A lane's backpressure: a flooding tenant's events wait on the bus, not in Temporal. Before a lane reads its
 * next page it waits while the runs' task queue holds INTAKE_LANE_MAX_BACKLOG or more workflow tasks no
 * worker has taken yet (the server's own approximate count). The workers stay busy on the backlog that is
 * there, other tenants' runs (started by the poller, never held) join a short queue instead of one of
 * thousands, and the flood's runs are started about as fast as they are run.
 */
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { Config } from '../common/config';

const { TaskQueueKind, TaskQueueType } = temporal.api.enums.v1;

/** How often the backlog is asked while a lane waits. */
const CHECK_EVERY_MS = 500;

/** The runs' workflow tasks not yet taken by a worker (null: the server does not say). */
export async function runQueueBacklog(client: Client, config: Config): Promise<number | null> {
  const { namespace, taskQueue } = config.temporal;
  const answer = await client.workflowService.describeTaskQueue({
    namespace,
    taskQueue: { name: taskQueue, kind: TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
    taskQueueType: TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
    reportStats: true,
  });
  const count = answer.stats?.approximateBacklogCount;
  return count == null ? null : Number(count);
}

/**
 * Waits, up to `maxWaitMs`, until the runs' queue has room for a lane page. Resolves true when it has (or
 * when the limit is 0, or the server gives no count), false when the wait ran out: the lane reads nothing
 * this time and asks again. `sleep` is the activity's own, so a cancel ends the wait. A server that refuses
 * the question (a key without the permission) does not stop the lane: it is told once, then not held.
 */
export async function waitForRunQueueRoom(
  client: Client,
  config: Config,
  maxWaitMs: number,
  sleep: (ms: number) => Promise<void>,
  warn: (message: string) => void = () => undefined,
): Promise<boolean> {
  const limit = config.poller.laneMaxBacklog;
  if (limit <= 0) return true;
  const until = Date.now() + maxWaitMs;
  for (;;) {
    const backlog = await runQueueBacklog(client, config).catch((err: unknown) => {
      warn(`INTAKE_LANE_MAX_BACKLOG: the runs' queue backlog could not be read, the lane is not held: ${String(err)}`);
      return null;
    });
    if (backlog === null || backlog < limit) return true;
    if (Date.now() + CHECK_EVERY_MS > until) return false;
    await sleep(CHECK_EVERY_MS);
  }
}
