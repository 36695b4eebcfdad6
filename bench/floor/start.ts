/**
 * The floor row's starts, made in the bench worker process the way its poller starts linkage runs: the
 * worker's own client (its NativeConnection, so the server starts them eagerly), POLLER_START_CONCURRENCY at a
 * time, each with a linkage start's options (id, input, search attributes, fairness key, summary) for a
 * `crm.contract.signed` event, only the workflow type being the floor's.
 */
import type { Client } from '@temporalio/client';
import type { Config } from '../../common/config';
import { forEachConcurrently } from '../../common/concurrency';
import type { BusEvent } from '../../common/events';
import { linkageStart } from '../../starter/start-linkage';

export const FLOOR_WORKFLOW_TYPE = 'BenchFloorWorkflow';

/** A valid `crm.contract.signed` payload, the i-th of a bench row (`tag`: the row's kind, in the ids). */
export function benchContractPayload(tenant: string, tag: string, i: number): Record<string, unknown> {
  return {
    contractId: `ctr-${tag}-${i}`,
    customerId: `cus-${i % 37}`,
    contractNo: `${tag.toUpperCase()}-${i}`,
    amountCents: 100_000 + i,
    currency: 'CNY',
    tenantId: tenant,
    signedAt: new Date().toISOString(),
  };
}

/** The i-th floor run's event: a valid contract signing of `tenant`. */
export function floorEvent(tenant: string, i: number): BusEvent {
  return {
    seq: i + 1,
    eventId: `floor-${tenant}-${i}`,
    eventType: 'crm.contract.signed',
    tenantId: tenant,
    source: 'crm',
    occurredAt: new Date().toISOString(),
    payload: benchContractPayload(tenant, 'floor', i),
  };
}

export async function startFloorRuns(client: Client, config: Config, tenant: string, n: number): Promise<void> {
  await forEachConcurrently(
    Array.from({ length: n }, (_, i) => i),
    config.poller.startConcurrency,
    async (i) => {
      const { options } = linkageStart(config, floorEvent(tenant, i), { eager: true });
      await client.workflow.start(FLOOR_WORKFLOW_TYPE, options);
    },
  );
}
