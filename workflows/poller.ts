/**
 * The singleton poller: holds the bus cursor durably and hands each page of events to the
 * `pollAndStart` activity, which starts one linkage workflow per event. Its fixed workflow id makes it
 * one per namespace however many workers run; it continues as new before its history grows large.
 */
import { continueAsNew, defineQuery, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { PollerInput } from './types';

export const cursorQuery = defineQuery<number>('cursor');

const MAX_ITERATIONS_PER_RUN = 200;

export async function EventPollerWorkflow(input: PollerInput): Promise<void> {
  const { pollAndStart } = proxyActivities<Activities>({
    summary: 'Read the bus and start linkage workflows',
    startToCloseTimeout: '2 minutes',
    // The activity heartbeats while it long-polls: a killed worker's read moves to another in seconds.
    heartbeatTimeout: '5 seconds',
    // SYNC_WORKER_POLL_INTERVAL_SEC is the pause after a failed read; retried for ever.
    retry: { initialInterval: input.pollIntervalMs, backoffCoefficient: 1, maximumInterval: input.pollIntervalMs },
  });

  let after = input.after;
  setHandler(cursorQuery, () => after);
  for (let i = 0; i < MAX_ITERATIONS_PER_RUN && !workflowInfo().continueAsNewSuggested; i++) {
    const page = await pollAndStart(after);
    after = page.nextAfter;
  }
  await continueAsNew<typeof EventPollerWorkflow>({ ...input, after });
}
