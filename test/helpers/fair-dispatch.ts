/**
 * Fair dispatch per tenant, the case of test/linkage/tenant-fairness.test.ts (which says why it proves it), as
 * a function so the cluster suite runs it on the cluster's matching service too.
 */
import type { BusEvent } from '../../common/events';
import { linkageWorkflowId } from '../../common/linkage';
import { LinkageTenant } from '../../common/search-attributes';
import { countBySource, SOURCES } from '../../scripts/lib/platform-client';
import { uniqueTenant, type LinkageEnv } from './linkage-env';
import { expectOneOrderEach, flood } from './tenant-flood';

export const FLOOD = 300;

// Orders only: the flood stays small on a shared machine, and every run does the same one step.
const ORDERS_ONLY = { LINK_ALL_TO_OA: '0', LINK_ALL_TO_DATALAKE: '0' };

/** Starts the events' runs as the poller does, a few at a time. */
async function startAll(env: LinkageEnv, events: BusEvent[]): Promise<void> {
  for (let i = 0; i < events.length; i += 16) {
    const started = await Promise.all(events.slice(i, i + 16).map((e) => env.startFromEvent(e, ORDERS_ONLY)));
    expect(started.every(Boolean)).toBe(true);
  }
}

/** Close times of a tenant's runs, from visibility once every one of them has closed. */
async function closeTimes(env: LinkageEnv, tenant: string, n: number): Promise<number[]> {
  const query = `${LinkageTenant.name} = "${tenant}" AND ExecutionStatus != "Running"`;
  for (;;) {
    const times: number[] = [];
    for await (const w of env.client.workflow.list({ query })) times.push(w.closeTime!.getTime());
    if (times.length >= n) return times;
    await new Promise((r) => setTimeout(r, 500));
  }
}

/**
 * The case itself, on the env's Temporal (the jest run's dev server, or the cluster): no worker may run on
 * the env's task queue yet.
 */
export async function fairDispatchCase(env: LinkageEnv): Promise<void> {
  const a = uniqueTenant('flood-a');
  const b = uniqueTenant('fair-b');
  const aContracts = await flood(env, a, FLOOD);
  const bContract = (await env.api.signContract(b, { customerId: 'cus-b', contractNo: 'B-1', amountCents: 5_000 }))
    .id as string;
  const bEvent = await env.busEvent(
    "B's contract on the bus",
    (e) => e.tenantId === b && e.eventType === 'crm.contract.signed',
  );
  const aEvents = (await env.events()).filter((e) => e.tenantId === a);
  expect(aEvents).toHaveLength(FLOOD);

  // No worker yet: every first workflow task waits in matching, A's before B's.
  await startAll(env, aEvents);
  await startAll(env, [bEvent]);

  // The poller stays off: the runs are the ones started above, and their cascades are not started.
  const worker = await env.startWorker({ POLLER_ENABLED: '0' });
  const bRun = env.client.workflow.getHandle(linkageWorkflowId(bEvent.eventId));
  await bRun.result();
  const aClosed = await closeTimes(env, a, FLOOD);
  await worker.stop();
  const bClosed = (await bRun.describe()).closeTime!.getTime();

  // A's runs that closed after B's: still open, so still A's backlog, when B's order was made.
  const aOpenWhenBDone = aClosed.filter((t) => t > bClosed).length;
  expect(aOpenWhenBDone).toBeGreaterThan(0);
  expect(bClosed).toBeLessThan(Math.max(...aClosed));
  // B went past most of A's backlog, not just the tasks of other partitions (4 per queue, dev server and cluster).
  expect(aOpenWhenBDone).toBeGreaterThan(FLOOD / 2);

  // Live documents per source: one ERP order per contract, for both tenants; nothing else made.
  await expectOneOrderEach(env, a, aContracts);
  await expectOneOrderEach(env, b, [bContract]);
  expect((await countBySource(env.api, b, SOURCES.order(bContract))).live).toBe(1);
  expect(await env.api.list(b, '/oa/approvals')).toHaveLength(0);
}
