/**
 * Tenant caps (INTAKE_TENANT_RATES, docs/operations/intake.md): a capped tenant gets an intake lane even
 * with a page share far below POLLER_LANE_THRESHOLD, and its lane spreads the starts to the cap. Shown by
 * the runs' start times against a lower bound only (a slow machine spreads them more, never less), and by
 * one run and one order per contract.
 */
import { randomUUID } from 'node:crypto';
import { EVENT_TYPES } from '../../common/events';
import type { Rec } from '../../ops/gateway-admin';
import { tenantLanePrefix } from '../../common/workflow-ids';
import { createLinkageEnv, uniqueTenant, type LinkageEnv } from '../helpers/linkage-env';
import { settled } from '../helpers/settle';

jest.setTimeout(240_000);

const CONTRACTS = 12;
const RATE = 2;
let env: LinkageEnv;

beforeAll(async () => {
  env = await createLinkageEnv('tenant-caps', { LINK_ALL_TO_OA: '0', POLLER_LANE_THRESHOLD: '50' });
});
afterAll(async () => {
  await env?.stop();
});

it('a capped tenant gets a lane below the threshold, and its starts are spread to the cap', async () => {
  const A = uniqueTenant('capped');
  const contractIds = Array.from({ length: CONTRACTS }, () => `ctr_${randomUUID()}`);
  // On the bus before any worker reads it: one page of the main poller holds all of them.
  await Promise.all(
    contractIds.map((contractId, i) =>
      env.api.publish({
        eventId: `evt_${randomUUID()}`,
        eventType: EVENT_TYPES.contractSigned,
        tenantId: A,
        payload: {
          contractId,
          customerId: 'cus_1',
          contractNo: `HT-${i}`,
          amountCents: 1000 + i,
          tenantId: A,
          signedAt: new Date().toISOString(),
        },
      }),
    ),
  );
  await env.startWorker({ INTAKE_TENANT_RATES: `${A}=${RATE}` });
  await settled(env, A, 180_000);

  const laneStarts: number[] = [];
  for await (const w of env.client.workflow.list({
    query: `WorkflowType = "TenantLaneWorkflow" AND WorkflowId STARTS_WITH "${tenantLanePrefix(env.taskQueue, A)}"`,
  })) {
    laneStarts.push(w.startTime.getTime());
  }
  expect(laneStarts.length).toBeGreaterThanOrEqual(1);
  const starts: number[] = [];
  for await (const w of env.client.workflow.list({
    query: `LinkageTenant = "${A}" AND WorkflowType = "ContractSignedWorkflow"`,
  })) {
    starts.push(w.startTime.getTime());
  }
  expect(starts).toHaveLength(CONTRACTS);
  // The i-th start of a lane's page waits until i / RATE s after its read, which follows the lane's own start:
  // the last run started at least (CONTRACTS - 1) / RATE s after the lane did, however slow the machine.
  const spreadMs = Math.max(...starts) - Math.min(...laneStarts);
  expect(spreadMs).toBeGreaterThanOrEqual(((CONTRACTS - 1) * 1000) / RATE);

  const orders = (await env.api.list(A, '/erp/orders')).filter((o: Rec) => o.orderStatus !== 9);
  expect(orders.map((o: Rec) => String(o.sourceContractId)).sort()).toEqual([...contractIds].sort());
});
