/**
 * Fair intake (docs/operations/intake.md): tenant A floods the bus; the poller hands A to an intake lane of
 * its own and goes on with the other tenants, so a new tenant B's contract is started before most of A's
 * (shown by the order of the starts, never by durations), and every contract still gets exactly one order.
 */
import { waitFor } from '../../ops/gateway-admin';
import { countBySource, SOURCES } from '../../scripts/lib/platform-client';
import { tenantLanePrefix } from '../../common/workflow-ids';
import { createLinkageEnv, uniqueTenant, type LinkageEnv } from '../helpers/linkage-env';
import { settled } from '../helpers/settle';
import { contractRuns, expectOneOrderEach, flood } from '../helpers/tenant-flood';

jest.setTimeout(300_000);

const FLOOD = 300;
let env: LinkageEnv;

beforeAll(async () => {
  // No approvals: the flood's cascades stay small. Pages of 100, a lane for a tenant with 50 in one, and the
  // lane waiting while 20 runs wait for the worker (the default 200 is a whole flood this size).
  env = await createLinkageEnv('tenant-lanes', {
    LINK_ALL_TO_OA: '0',
    POLLER_PAGE_SIZE: '100',
    POLLER_LANE_THRESHOLD: '50',
    INTAKE_LANE_MAX_BACKLOG: '20',
  });
});
afterAll(async () => {
  await env?.stop();
});

it("a flood of A: a new tenant B's contract starts before most of A's; one order per contract", async () => {
  const A = uniqueTenant('flood');
  const B = uniqueTenant('new');
  // The backlog is on the bus before any worker reads it: A's flood first, then B's one contract.
  const aContracts = await flood(env, A, FLOOD);
  const b = await env.api.signContract(B, { customerId: 'cus_b', contractNo: 'HT-B', amountCents: 500 });
  await env.startWorker();

  const bRun = await waitFor("B's run", async () => {
    for await (const w of env.client.workflow.list({ query: `LinkageTenant = "${B}"` })) return w;
    return null;
  });
  await waitFor("B's order", async () => (await countBySource(env.api, B, SOURCES.order(b.id))).live === 1, 120_000);
  // The order of the starts: few of A's runs began before B's.
  const startedBefore = await contractRuns(env, A, ` AND StartTime < "${bRun.startTime.toISOString()}"`);
  expect(startedBefore).toBeLessThan(FLOOD / 2);
  // A got a lane of its own, findable by its tenant.
  const lanes = await env.client.workflow.count(
    `WorkflowType = "TenantLaneWorkflow" AND WorkflowId STARTS_WITH "${tenantLanePrefix(env.taskQueue, A)}"`,
  );
  expect(lanes.count).toBeGreaterThanOrEqual(1);

  await settled(env, A, 240_000);
  await settled(env, B);
  expect(await contractRuns(env, A)).toBe(FLOOD);
  await expectOneOrderEach(env, A, aContracts);
  expect(await countBySource(env.api, B, SOURCES.order(b.id))).toMatchObject({ live: 1, cancelled: 0 });
});
