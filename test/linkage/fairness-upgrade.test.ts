/**
 * Switching `matching.enableFairness` on a task queue that has a backlog (server 1.29.1). Runs are started
 * with fairness off and no worker, so their first workflow tasks wait in matching's task table; Temporal is
 * restarted on the same file with fairness on and a worker: the old backlog is not served (a contract
 * signed after the switch is linked while every old run still waits, and `findStrandedRuns` names them).
 * Switched back off, the old backlog drains: one ERP order per contract. Switched on again with the
 * queue drained, new contracts are linked. This is the procedure docs/operations/tenant-fairness.md gives;
 * the test fails the day a server moves the old backlog over, so that page can then be relaxed.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { linkageWorkflowId } from '../../common/linkage';
import type { BusEvent } from '../../common/events';
import { waitFor, type Rec } from '../../ops/gateway-admin';
import { findStrandedRuns } from '../../ops/commands/stranded';
import { countBySource, SOURCES } from '../../scripts/lib/platform-client';
import { startDevServer, type DevServer } from '../../scripts/dev-server';
import { freePort } from '../helpers/ports';
import { createLinkageEnv, opsContext, uniqueTenant, type LinkageEnv } from '../helpers/linkage-env';

const BACKLOG = 10;
// Three Temporal restarts on a shared machine.
jest.setTimeout(420_000);

let dir: string;
let port: number;
let server: DevServer;
let env: LinkageEnv;

const startTemporal = (fairness: boolean) =>
  startDevServer({
    dbFile: path.join(dir, 'temporal.db'),
    port,
    ui: false,
    dynamicConfig: [
      `matching.enableFairness=${fairness}`,
      // History checkpoints its transfer queue every 1 s instead of every 30 s / 5 min, as a server that
      // has run a while has done: otherwise the restart hands the backlog's tasks to matching once more,
      // in the new mode, and hides what a long-running server does.
      'history.transferProcessorUpdateAckInterval="1s"',
      'history.shardUpdateMinInterval="1s"',
    ],
  });

/** Temporal restarted with the worker stopped around it; the worker (and its poller) started again. */
async function restart(fairness: boolean, worker?: { stop(): Promise<void> }) {
  await worker?.stop();
  await server.stop();
  server = await startTemporal(fairness);
  return env.startWorker();
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fairness-upgrade-'));
  port = await freePort();
  server = await startTemporal(false);
  env = await createLinkageEnv('fairness-upgrade', { TEMPORAL_ADDRESS: server.address });
});
afterAll(async () => {
  await env?.stop();
  await server?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

const tenant = uniqueTenant('upgrade');
const sign = async (no: string) =>
  (await env.api.signContract(tenant, { customerId: 'cus-1', contractNo: no, amountCents: 10_000 })).id as string;
const signedEvent = (contractId: string) =>
  env.busEvent(
    `contract ${contractId} on the bus`,
    (e) => e.eventType === 'crm.contract.signed' && e.payload.contractId === contractId,
  );
const runOf = (e: BusEvent) => env.client.workflow.getHandle(linkageWorkflowId(e.eventId));
const status = async (e: BusEvent) => (await runOf(e).describe()).status.name;
const orders = async (contractId: string) => (await countBySource(env.api, tenant, SOURCES.order(contractId))).live;

it('fairness switched on with a backlog strands it until switched back; drained, it is switched on for good', async () => {
  // Fairness off, no worker: the runs' first workflow tasks wait in matching's (old) task table.
  const backlog: { contractId: string; event: BusEvent }[] = [];
  for (let i = 0; i < BACKLOG; i++) {
    const contractId = await sign(`UP-${i}`);
    const event = await signedEvent(contractId);
    expect(await env.startFromEvent(event)).toBe(true);
    backlog.push({ contractId, event });
  }
  await waitFor('the backlog queued in matching', async () => {
    const { stats } = await env.client.workflowService.describeTaskQueue({
      namespace: 'default',
      taskQueue: { name: env.taskQueue },
      taskQueueType: 1, // workflow tasks
      reportStats: true,
    });
    return Number(stats?.approximateBacklogCount ?? 0) >= BACKLOG || undefined;
  });
  // Past a transfer-queue checkpoint (1 s here): the server will not hand these tasks to matching again.
  await new Promise((r) => setTimeout(r, 5_000));

  // Fairness on: a contract signed now is linked (its task is in the fair table) ...
  let worker = await restart(true);
  const after = await sign('UP-after-switch');
  await waitFor(
    'the contract signed after the switch linked',
    async () => (await orders(after)) === 1 || undefined,
    120_000,
  );
  // ... while every run queued before the switch still waits, and the operators' check names them.
  for (const { contractId, event } of backlog) {
    expect(await status(event)).toBe('RUNNING');
    expect(await orders(contractId)).toBe(0);
  }
  // Matching reports the current mode's backlog only: the old one is not in it.
  const { stats } = await env.client.workflowService.describeTaskQueue({
    namespace: 'default',
    taskQueue: { name: env.taskQueue },
    taskQueueType: 1,
    reportStats: true,
  });
  expect(Number(stats?.approximateBacklogCount ?? 0)).toBeLessThan(BACKLOG);
  const stranded = (await findStrandedRuns(opsContext(env), env.taskQueue, { olderThanMs: 0 })).map(
    (r) => r.workflowId,
  );
  expect(stranded).toEqual(expect.arrayContaining(backlog.map(({ event }) => runOf(event).workflowId)));

  // Switched back off, the old backlog drains.
  worker = await restart(false, worker);
  for (const { event } of backlog) await runOf(event).result();

  // The queue drained, fairness on again for good: new contracts are linked.
  worker = await restart(true, worker);
  const last = await sign('UP-on-again');
  await waitFor(
    'the contract signed with fairness on again linked',
    async () => (await orders(last)) === 1 || undefined,
  );
  await worker.stop();

  // One live ERP order per contract, none lost, none doubled.
  const contracts = [...backlog.map((b) => b.contractId), after, last];
  const counts = await Promise.all(contracts.map(orders));
  expect(counts).toEqual(contracts.map(() => 1));
  const all = (await env.api.list(tenant, '/erp/orders')) as Rec[];
  expect(all).toHaveLength(contracts.length);
});
