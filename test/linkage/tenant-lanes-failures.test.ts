/**
 * Tenant intake lanes under failure (docs/operations/intake.md). A flood of tenant A is handed to a lane of
 * its own; then the lane's worker is SIGKILLed, or an operator terminates the poller (and, in a second
 * case, the lane), or crm-to-erp is paused. Whatever happens, every bus event of a tenant ends with exactly
 * one run and every contract with exactly one live ERP order: counted per tenant, never timed.
 */
import { HttpClient } from '../../activities/http-client';
import { waitFor } from '../../ops/gateway-admin';
import { pauseRule, resumeRule } from '../../ops/commands/rules';
import { countBySource, SOURCES } from '../../scripts/lib/platform-client';
import { pollerWorkflowId, tenantLanePrefix } from '../../common/workflow-ids';
import { resumeCursor } from '../../starter/poller-cursor';
import { ensurePoller } from '../../worker/create-worker';
import { opsContext, uniqueTenant, type LinkageEnv } from '../helpers/linkage-env';
import { settled } from '../helpers/settle';
import { contractRuns, createSlowLaneEnv, expectOneOrderEach, flood } from '../helpers/tenant-flood';

jest.setTimeout(420_000);

let env: LinkageEnv;

beforeAll(async () => {
  env = await createSlowLaneEnv('lanes-failures');
});
afterAll(async () => {
  await env?.stop();
});

const count = async (query: string) => (await env.client.workflow.count(query)).count;
const laneQuery = (tenant: string) =>
  `WorkflowType = "TenantLaneWorkflow" AND WorkflowId STARTS_WITH "${tenantLanePrefix(env.taskQueue, tenant)}"`;

/** Once A's lane runs and has started some of A's contracts but not all: its workflow id. */
async function laneMidFlood(tenant: string, contracts: number): Promise<string> {
  return waitFor(
    `${tenant}'s lane mid-flood`,
    async () => {
      const runs = await contractRuns(env, tenant);
      if (runs === 0 || runs >= contracts) return null;
      for await (const w of env.client.workflow.list({
        query: `${laneQuery(tenant)} AND ExecutionStatus = "Running"`,
      })) {
        return w.workflowId;
      }
      return null;
    },
    180_000,
    100,
  );
}

/** The seq a lane starts after, from its id (`…:tenant:<tenant>:from-<seq>`). */
const laneFrom = (workflowId: string) => Number(/:from-(\d+)$/.exec(workflowId)?.[1]);

/**
 * Every bus event of `tenant` has exactly one run (the workflows of the tenant, its lanes aside, are as many
 * as its events; visibility catches up within seconds), none still running.
 */
async function expectOneRunPerEvent(tenant: string, timeoutMs = 300_000): Promise<void> {
  const events = await settled(env, tenant, timeoutMs);
  const query = `LinkageTenant = "${tenant}" AND WorkflowType != "TenantLaneWorkflow"`;
  const runs = await waitFor('visibility', async () => {
    const n = await count(query);
    return n >= events.length && n;
  }).catch(() => count(query));
  expect(runs).toBe(events.length);
}

it("a lane's worker SIGKILLed mid-page: another worker goes on from the lane's cursor; one run per event", async () => {
  const A = uniqueTenant('kill');
  const FLOOD = 300;
  const contracts = await flood(env, A, FLOOD);
  const first = await env.startWorkerProcess();
  const lane = await laneMidFlood(A, FLOOD);
  await first.kill();
  expect(first.child.signalCode).toBe('SIGKILL');
  // The lane was killed with A's flood half-started: the next worker has the rest to do.
  expect(await contractRuns(env, A)).toBeLessThan(FLOOD);
  const second = await env.startWorkerProcess();

  await expectOneRunPerEvent(A);
  expect(await contractRuns(env, A)).toBe(FLOOD);
  await expectOneOrderEach(env, A, contracts);
  // The same lane went on (no second lane from the same position) and handed A back.
  expect((await env.client.workflow.getHandle(lane).describe()).status.name).toBe('COMPLETED');
  await second.stop();
});

it('a lane terminated by an operator while the poller runs: the poller starts it anew; nothing skipped', async () => {
  const A = uniqueTenant('lane');
  const FLOOD = 200;
  const contracts = await flood(env, A, FLOOD);
  const worker = await env.startWorker();
  try {
    const lane = await laneMidFlood(A, FLOOD);
    await env.client.workflow.getHandle(lane).terminate('operator: lane stopped');
    // The poller's cursor is past A's flood already: only the lane can start the rest.
    await expectOneRunPerEvent(A);
    expect(await contractRuns(env, A)).toBe(FLOOD);
    await expectOneOrderEach(env, A, contracts);
    // A new run under the lane's id did the rest and handed A back.
    expect((await env.client.workflow.getHandle(lane).describe()).status.name).toBe('COMPLETED');
  } finally {
    await worker.stop();
  }
});

describe('the poller terminated by an operator while a lane runs', () => {
  const gateway = () => {
    const config = env.config();
    return new HttpClient(config.gatewayUrl, config.token, config.retry.httpTimeoutMs);
  };

  it.each([
    ['the lane goes on', false],
    ['the lane terminated too', true],
  ])('%s: the next poller resumes at the lane position; nothing skipped', async (_name, terminateLane) => {
    const A = uniqueTenant(terminateLane ? 'both' : 'poller');
    const B = uniqueTenant('other');
    const FLOOD = 200;
    const contracts = await flood(env, A, FLOOD);
    const worker = await env.startWorker();
    try {
      const lane = await laneMidFlood(A, FLOOD);
      const poller = pollerWorkflowId(env.taskQueue);
      await env.client.workflow.getHandle(poller).terminate('operator: poller stopped while a lane runs');
      if (terminateLane) await env.client.workflow.getHandle(lane).terminate('operator: lane stopped too');
      // Signed while no poller runs: only the next one can start it.
      const b = await env.api.signContract(B, { customerId: 'cus_b', contractNo: 'HT-B', amountCents: 500 });

      // The terminated poller skipped A's events after the lane's position: the next one starts there.
      expect(await resumeCursor(env.client, poller)).toBe(laneFrom(lane));
      await ensurePoller(env.client, env.config(), gateway());
      expect(await env.client.workflow.getHandle(poller).query<number>('cursor')).toBeLessThanOrEqual(laneFrom(lane));

      await expectOneRunPerEvent(A);
      expect(await contractRuns(env, A)).toBe(FLOOD);
      await expectOneOrderEach(env, A, contracts);
      await expectOneRunPerEvent(B);
      expect(await countBySource(env.api, B, SOURCES.order(b.id))).toMatchObject({ live: 1, cancelled: 0 });
      // A was taken back by the new poller: it keeps no lane of A.
      await waitFor('A taken back', async () => {
        const lanes = await env.client.workflow.getHandle(poller).query<Record<string, unknown>>('lanes');
        return !(A in lanes);
      });
    } finally {
      await worker.stop();
    }
  });
});

it('a paused crm-to-erp holds every run, laned or not; the resume makes one order per contract', async () => {
  const ctx = opsContext(env);
  const A = uniqueTenant('paused');
  const B = uniqueTenant('single');
  // The rule control answers through a worker: one runs before the pause.
  const worker = await env.startWorker();
  let resumed = false;
  try {
    await pauseRule(
      ctx,
      'crm-to-erp',
      { by: 'ops', reason: 'hold orders' },
      { taskQueue: env.taskQueue, settleMs: 1_500 },
    );
    // Two pages' worth and more: a lane (threshold 10 of a page of 20).
    const FLOOD = 60;
    const contracts = await flood(env, A, FLOOD);
    const b = await env.api.signContract(B, { customerId: 'cus_b', contractNo: 'HT-B', amountCents: 500 });
    const held = (tenant: string) =>
      count(`LinkageTenant = "${tenant}" AND WorkflowType = "ContractSignedWorkflow" AND LinkageOutcome = "paused"`);
    await waitFor('every run held', async () => (await held(A)) === FLOOD && (await held(B)) === 1, 180_000, 500);
    // A went through a lane, B through the poller: both hold, and nothing reached ERP.
    expect(await count(laneQuery(A))).toBeGreaterThanOrEqual(1);
    expect(await env.api.list(A, '/erp/orders')).toHaveLength(0);
    expect(await env.api.list(B, '/erp/orders')).toHaveLength(0);

    await resumeRule(ctx, 'crm-to-erp', { by: 'ops', ratePerSec: 100 }, env.taskQueue);
    resumed = true;
    await expectOneRunPerEvent(A);
    await expectOneOrderEach(env, A, contracts);
    await expectOneRunPerEvent(B);
    await expectOneOrderEach(env, B, [b.id]);
  } finally {
    if (!resumed) await resumeRule(ctx, 'crm-to-erp', { by: 'ops', ratePerSec: 100 }, env.taskQueue);
    await worker.stop();
  }
});
