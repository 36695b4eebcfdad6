/**
 * The upgrade from the singleton poller to tenant intake lanes, with events in flight. A worker of the
 * version before lanes (test/fixtures/singleton-poller-workflows.ts: the poller starts every event itself)
 * reads tenant A's flood from the runs' task queue; it is stopped mid-backlog and a current worker takes over.
 * The same poller run goes on (its history replays; the `tenant-lanes` patch switches it at its next page,
 * then it moves to the intake's own queue), A gets a lane after the upgrade, and every event ends with
 * exactly one run, every contract with exactly one live ERP order.
 */
import path from 'node:path';
import { temporal } from '@temporalio/proto';
import { waitFor } from '../../ops/gateway-admin';
import { intakeTaskQueue, pollerWorkflowId, tenantLanePrefix } from '../../common/workflow-ids';
import { countBySource, SOURCES } from '../../scripts/lib/platform-client';
import { bundleLinkageWorkflows } from '../../worker/workflow-bundle';
import { createLinkageWorker } from '../../worker/create-worker';
import { INTAKE_QUEUE_PATCH, TENANT_LANES_PATCH } from '../../workflows/poller';
import { uniqueTenant, type LinkageEnv } from '../helpers/linkage-env';
import { settled } from '../helpers/settle';
import { contractRuns, createSlowLaneEnv, expectOneOrderEach, flood } from '../helpers/tenant-flood';

jest.setTimeout(420_000);

const EventType = temporal.api.enums.v1.EventType;
let env: LinkageEnv;

beforeAll(async () => {
  env = await createSlowLaneEnv('upgrade-lanes');
});
afterAll(async () => {
  await env?.stop();
});

/**
 * A worker of the version before lanes: the current one on the fixture's workflows, its poller started on
 * the runs' task queue as that version did (the current worker's start finds it running and keeps it).
 */
async function singletonPollerWorker(): Promise<{ stop(): Promise<void> }> {
  const bundle = await bundleLinkageWorkflows(path.resolve(__dirname, '../fixtures/singleton-poller-workflows.ts'));
  await env.client.workflow.start('EventPollerWorkflow', {
    workflowId: pollerWorkflowId(env.taskQueue),
    taskQueue: env.taskQueue,
    args: [{ after: 0, pollIntervalMs: env.config().pollIntervalMs }],
  });
  const lw = await createLinkageWorker(env.config(), { workflowBundle: bundle });
  let running!: () => void;
  const isRunning = new Promise<void>((r) => (running = r));
  const done = lw.run(() => running());
  await Promise.race([isRunning, done]);
  return {
    async stop() {
      if (lw.worker.getState() === 'RUNNING') lw.worker.shutdown();
      await done;
    },
  };
}

const count = async (query: string) => (await env.client.workflow.count(query)).count;
const lanesOf = (tenant: string) =>
  count(`WorkflowType = "TenantLaneWorkflow" AND WorkflowId STARTS_WITH "${tenantLanePrefix(env.taskQueue, tenant)}"`);

it('the singleton poller stopped mid-backlog: the same run goes on with lanes; nothing skipped or twice', async () => {
  const A = uniqueTenant('upgrade');
  const B = uniqueTenant('after');
  const FLOOD = 300;
  const contracts = await flood(env, A, FLOOD);
  const poller = env.client.workflow.getHandle(pollerWorkflowId(env.taskQueue));

  const old = await singletonPollerWorker();
  await waitFor(
    "the old poller mid-way through A's flood",
    async () => {
      const n = await contractRuns(env, A);
      return n > 0 && n < FLOOD / 2;
    },
    180_000,
    100,
  );
  await old.stop();
  const { runId } = await poller.describe();
  // The old version started A's events itself: some of them, no lane.
  expect(await contractRuns(env, A)).toBeLessThan(FLOOD);
  expect(await lanesOf(A)).toBe(0);

  const current = await env.startWorker();
  try {
    await waitFor("A's lane after the upgrade", async () => (await lanesOf(A)) >= 1, 120_000, 200);
    const b = await env.api.signContract(B, { customerId: 'cus_b', contractNo: 'HT-B', amountCents: 500 });

    const events = await settled(env, A, 300_000);
    await settled(env, B);
    const runs = await waitFor('visibility', async () => {
      const n = await count(`LinkageTenant = "${A}" AND WorkflowType != "TenantLaneWorkflow"`);
      return n >= events.length && n;
    }).catch(() => 0);
    expect(runs).toBe(events.length);
    expect(await contractRuns(env, A)).toBe(FLOOD);
    await expectOneOrderEach(env, A, contracts);
    expect(await countBySource(env.api, B, SOURCES.order(b.id))).toMatchObject({ live: 1, cancelled: 0 });

    // The same poller run went on: its old pages replayed, then the lanes' patch took over, and after a page
    // it moved to the intake's own queue, carrying its cursor.
    const history = (await env.client.workflow.getHandle(poller.workflowId, runId).fetchHistory()).events ?? [];
    const patchMarkers = history.flatMap((e) => {
      const marker = e.markerRecordedEventAttributes;
      if (e.eventType !== EventType.EVENT_TYPE_MARKER_RECORDED || marker?.markerName !== 'core_patch') return [];
      return Object.values(marker.details ?? {}).flatMap((p) =>
        (p.payloads ?? []).map((x) => Buffer.from(x.data ?? []).toString()),
      );
    });
    expect(patchMarkers.some((d) => d.includes(TENANT_LANES_PATCH))).toBe(true);
    expect(patchMarkers.some((d) => d.includes(INTAKE_QUEUE_PATCH))).toBe(true);
    expect((await poller.describe()).taskQueue).toBe(intakeTaskQueue(env.taskQueue));
  } finally {
    await current.stop();
  }
});
