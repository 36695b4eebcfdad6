/** Waiting for a tenant's chain of linkages to finish: every event on the bus has a closed run. */
import { linkageWorkflowId } from '../../common/linkage';
import { waitFor } from '../../ops/gateway-admin';
import type { LinkageEnv } from './linkage-env';

/**
 * Resolves once every bus event of `tenant` has a run and every run is closed, twice in a row with the same
 * events (a run that closes may have made a document whose event starts another run). Answers the events.
 */
export async function settled(env: LinkageEnv, tenant: string, timeoutMs = 120_000) {
  let seen = -1;
  return waitFor(
    `every run of tenant ${tenant} closed`,
    async () => {
      const events = (await env.events()).filter((e) => e.tenantId === tenant);
      for (const e of events) {
        const d = await env.client.workflow.getHandle(linkageWorkflowId(e.eventId)).describe();
        if (d.status.name === 'RUNNING') return false;
      }
      const stable = events.length === seen;
      seen = events.length;
      return stable && events;
    },
    timeoutMs,
    500,
  );
}
