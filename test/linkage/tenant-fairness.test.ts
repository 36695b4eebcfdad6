/**
 * One tenant's flood does not hold back another's linkage at dispatch. Tenant A's contract events (a few
 * hundred, published straight to the bus) are started with no worker running, so their first workflow
 * tasks queue in matching; then tenant B signs one contract through CRM and its run is started last. With
 * the worker started, B's run is dispatched under its own fairness key ahead of A's backlog: shown by order
 * on Temporal's own close times, never by durations. Without fairness (matching.enableFairness=false in
 * scripts/dev-server.ts) B's task waits behind A's in its partition and closes among A's last, so fewer
 * than half of A's runs are still open then (about 300 with fairness, 22 without, on one run here): the
 * test fails. Every contract ends with one ERP order.
 */
import type { BusEvent } from '../../common/events';
import { linkageWorkflowId } from '../../common/linkage';
import { LinkageTenant } from '../../common/search-attributes';
import type { Rec } from '../../ops/gateway-admin';
import { countBySource, SOURCES } from '../../scripts/lib/platform-client';
import { createLinkageEnv, uniqueTenant, type LinkageEnv } from '../helpers/linkage-env';

const FLOOD = 300;
jest.setTimeout(300_000);

let env: LinkageEnv;
beforeAll(async () => {
  env = await createLinkageEnv('tenant-fairness');
});
afterAll(async () => {
  await env?.stop();
});

// Orders only: the flood stays small on a shared machine, and every run does the same one step.
const ORDERS_ONLY = { LINK_ALL_TO_OA: '0', LINK_ALL_TO_DATALAKE: '0' };

/** A's events, valid `crm.contract.signed` payloads, straight onto the bus. */
async function flood(tenant: string): Promise<void> {
  for (let i = 0; i < FLOOD; i++) {
    const res = await env.api.publish({
      eventId: `flood-${tenant}-${i}`,
      eventType: 'crm.contract.signed',
      tenantId: tenant,
      payload: {
        contractId: `ctr-${tenant}-${i}`,
        customerId: `cus-${i % 7}`,
        contractNo: `FLOOD-${i}`,
        amountCents: 100_000 + i,
        currency: 'CNY',
        tenantId: tenant,
        signedAt: new Date().toISOString(),
      },
    });
    expect(res.status).toBe(201);
  }
}

/** Starts the events' runs as the poller does, a few at a time. */
async function startAll(events: BusEvent[]): Promise<void> {
  for (let i = 0; i < events.length; i += 16) {
    const started = await Promise.all(events.slice(i, i + 16).map((e) => env.startFromEvent(e, ORDERS_ONLY)));
    expect(started.every(Boolean)).toBe(true);
  }
}

/** Close times of a tenant's runs, from visibility once every one of them has closed. */
async function closeTimes(tenant: string, n: number): Promise<number[]> {
  const query = `${LinkageTenant.name} = "${tenant}" AND ExecutionStatus != "Running"`;
  for (;;) {
    const times: number[] = [];
    for await (const w of env.client.workflow.list({ query })) times.push(w.closeTime!.getTime());
    if (times.length >= n) return times;
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** Live orders per contract, from ERP: one each is a linkage done once. */
async function ordersPerContract(tenant: string): Promise<Map<string, number>> {
  const byContract = new Map<string, number>();
  for (const o of (await env.api.list(tenant, '/erp/orders')) as Rec[]) {
    if (o.orderStatus === 9) continue;
    byContract.set(o.sourceContractId as string, (byContract.get(o.sourceContractId as string) ?? 0) + 1);
  }
  return byContract;
}

it("tenant B's contract is linked while tenant A's flood still has a backlog; one order per contract", async () => {
  const a = uniqueTenant('flood-a');
  const b = uniqueTenant('fair-b');
  await flood(a);
  const bContract = (await env.api.signContract(b, { customerId: 'cus-b', contractNo: 'B-1', amountCents: 5_000 }))
    .id as string;
  const bEvent = await env.busEvent(
    "B's contract on the bus",
    (e) => e.tenantId === b && e.eventType === 'crm.contract.signed',
  );
  const aEvents = (await env.events()).filter((e) => e.tenantId === a);
  expect(aEvents).toHaveLength(FLOOD);

  // No worker yet: every first workflow task waits in matching, A's before B's.
  await startAll(aEvents);
  await startAll([bEvent]);

  // The poller stays off: the runs are the ones started above, and their cascades are not started.
  const worker = await env.startWorker({ POLLER_ENABLED: '0' });
  const bRun = env.client.workflow.getHandle(linkageWorkflowId(bEvent.eventId));
  await bRun.result();
  const aClosed = await closeTimes(a, FLOOD);
  await worker.stop();
  const bClosed = (await bRun.describe()).closeTime!.getTime();

  // A's runs that closed after B's: still open, so still A's backlog, when B's order was made.
  const aOpenWhenBDone = aClosed.filter((t) => t > bClosed).length;
  expect(aOpenWhenBDone).toBeGreaterThan(0);
  expect(bClosed).toBeLessThan(Math.max(...aClosed));
  // B went past most of A's backlog, not just the tasks of other partitions (the dev server has 4).
  expect(aOpenWhenBDone).toBeGreaterThan(FLOOD / 2);

  // Live documents per source: one ERP order per contract, for both tenants; nothing else made.
  const aOrders = await ordersPerContract(a);
  expect(aOrders.size).toBe(FLOOD);
  expect([...aOrders.values()].every((n) => n === 1)).toBe(true);
  expect((await countBySource(env.api, b, SOURCES.order(bContract))).live).toBe(1);
  expect(await ordersPerContract(b)).toEqual(new Map([[bContract, 1]]));
  expect(await env.api.list(b, '/oa/approvals')).toHaveLength(0);
});
