/**
 * A tenant's intake lane: its own bus cursor over that tenant's events only (the bus's `tenantId` filter),
 * started by the main poller when the tenant floods (workflows/poller.ts). Any worker runs it, so intake
 * spreads over the workers. Once a read finds the tenant's newest event it tells the poller, which takes
 * the tenant back, and ends.
 */
import { continueAsNew, getExternalWorkflowHandle, setHandler, sleep, workflowInfo } from '@temporalio/workflow';
import { cursorQuery, laneDoneSignal, pollerActivities } from './poller';
import type { TenantLaneInput } from './types';

const MAX_ITERATIONS_PER_RUN = 200;

export async function TenantLaneWorkflow(input: TenantLaneInput): Promise<void> {
  const { pollTenantAndStart } = pollerActivities(
    input.pollIntervalMs,
    `Start tenant ${input.tenantId}'s linkage workflows`,
    { eager: false },
  );
  let after = input.after;
  setHandler(cursorQuery, () => after);
  for (let i = 0; i < MAX_ITERATIONS_PER_RUN && !workflowInfo().continueAsNewSuggested; i++) {
    const page = await pollTenantAndStart({ tenantId: input.tenantId, after });
    after = page.nextAfter;
    if (!page.caughtUp) continue;
    const done = { tenantId: input.tenantId, from: input.from, upTo: after };
    // The poller may be between runs (an operator restarting it): the word is sent until it is taken.
    for (;;) {
      try {
        await getExternalWorkflowHandle(input.pollerWorkflowId).signal(laneDoneSignal, done);
        return;
      } catch {
        await sleep(input.pollIntervalMs);
      }
    }
  }
  await continueAsNew<typeof TenantLaneWorkflow>({ ...input, after });
}
