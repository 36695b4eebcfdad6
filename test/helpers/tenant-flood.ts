/** A tenant's flood of signed contracts on the bus, and the check that each got exactly one ERP order. */
import { randomUUID } from 'node:crypto';
import { EVENT_TYPES } from '../../common/events';
import type { Rec } from '../../ops/gateway-admin';
import { createLinkageEnv, type LinkageEnv } from './linkage-env';

/** `n` signed contracts of `tenant`, published straight to the bus (50 at a time); answers their ids. */
export async function flood(env: LinkageEnv, tenant: string, n: number): Promise<string[]> {
  const ids = Array.from({ length: n }, () => `ctr_${randomUUID()}`);
  for (let i = 0; i < n; i += 50) {
    await Promise.all(
      ids.slice(i, i + 50).map((contractId, k) =>
        env.api.publish({
          eventId: `evt_${randomUUID()}`,
          eventType: EVENT_TYPES.contractSigned,
          tenantId: tenant,
          payload: {
            contractId,
            customerId: 'cus_1',
            contractNo: `HT-${i + k}`,
            amountCents: 1000 + i + k,
            tenantId: tenant,
            signedAt: new Date().toISOString(),
          },
        }),
      ),
    );
  }
  return ids;
}

/** The ContractSignedWorkflow runs of `tenant` (and `extra`, a visibility query's tail). */
export async function contractRuns(env: LinkageEnv, tenant: string, extra = ''): Promise<number> {
  const query = `LinkageTenant = "${tenant}" AND WorkflowType = "ContractSignedWorkflow"${extra}`;
  return (await env.client.workflow.count(query)).count;
}

/** Every contract of `tenant` has exactly one live ERP order, and the tenant has no other live order. */
export async function expectOneOrderEach(env: LinkageEnv, tenant: string, contractIds: string[]): Promise<void> {
  const orders = await env.api.list(tenant, '/erp/orders');
  const live = orders.filter((o: Rec) => o.orderStatus !== 9);
  const bySource = new Map<string, number>();
  for (const o of live) bySource.set(String(o.sourceContractId), (bySource.get(String(o.sourceContractId)) ?? 0) + 1);
  expect(contractIds.filter((c) => bySource.get(c) !== 1)).toEqual([]);
  expect(live.length).toBe(contractIds.length);
}

/**
 * A suite's environment where a lane takes many pages over a flood, so a failure or an upgrade lands while
 * it runs: no approvals (the flood's cascades stay small), pages of 20, a lane at 10, two starts at a time.
 */
export function createSlowLaneEnv(name: string): Promise<LinkageEnv> {
  return createLinkageEnv(name, {
    LINK_ALL_TO_OA: '0',
    POLLER_PAGE_SIZE: '20',
    POLLER_LANE_THRESHOLD: '10',
    POLLER_START_CONCURRENCY: '2',
  });
}
