/**
 * The linkage, unchanged, on the multi-service Temporal cluster on PostgreSQL (frontend, two
 * history processes, matching and worker as processes of their own; scripts/cluster/cluster.ts), with a
 * PostgreSQL instance of its own so a fault test can restart it.
 *
 * 1. The full business chains and the poller.
 * 2. Faults, each with nothing lost and nothing duplicated, counted per business source: one of the two
 *    history processes SIGKILLed mid-run (its shards move to the other), the frontend restarted, the
 *    cluster's PostgreSQL restarted.
 * 3. Fair dispatch per tenant on the cluster's matching service (matching.enableFairness in
 *    scripts/cluster/dynamicconfig.yaml): another tenant's run goes past a flood's backlog.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { countBySource, SOURCES } from '../../scripts/lib/platform-client';
import { waitFor } from '../../ops/gateway-admin';
import { startCluster, type Cluster } from '../../scripts/cluster/cluster';
import { contractChain, procurementChain } from '../helpers/chains';
import { fairDispatchCase } from '../helpers/fair-dispatch';
import { createLinkageEnv, uniqueTenant, type LinkageEnv } from '../helpers/linkage-env';

let cluster: Cluster;
let env: LinkageEnv;
let dir: string;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'linkage-cluster-'));
  cluster = await startCluster({ dir, uiPort: null });
  env = await createLinkageEnv('cluster', { TEMPORAL_ADDRESS: cluster.address });
  await env.startWorker();
}, 300_000);

afterAll(async () => {
  await env?.stop();
  await cluster?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
}, 120_000);

afterEach(async () => {
  await env.api.clearFaults();
});

/**
 * Signs `n` contracts, runs `fault` while the first one's ERP call is in flight (the cell made the order and
 * holds its answer), then waits until every contract has its order and approval: one live each, per source.
 */
async function contractsThrough(n: number, fault: () => Promise<void>): Promise<void> {
  await env.api.fault({ method: 'POST', path: '/api/v1/erp/orders', times: 1, delayResponseMs: 3000 });
  const tenant = uniqueTenant();
  const contracts = [];
  for (let i = 0; i < n; i++) {
    contracts.push(await env.api.signContract(tenant, { customerId: `c-${i}`, contractNo: `HT-${i}`, amountCents: i }));
  }
  await waitFor('the first ERP call in flight', async () => (await env.api.list(tenant, '/erp/orders')).length > 0);
  await fault();
  for (const c of contracts) {
    const approvals = SOURCES.approval('crm', 'contract', c.id, 'contract');
    await waitFor(
      `contract ${c.id} linked`,
      async () =>
        (await countBySource(env.api, tenant, SOURCES.order(c.id))).live === 1 &&
        (await countBySource(env.api, tenant, approvals)).live === 1,
      180_000,
      500,
    );
  }
  // Nothing duplicated: one live and no cancelled document per source, one run per event, all completed.
  for (const c of contracts) {
    expect(await countBySource(env.api, tenant, SOURCES.order(c.id))).toMatchObject({ live: 1, cancelled: 0 });
    const approvals = SOURCES.approval('crm', 'contract', c.id, 'contract');
    expect(await countBySource(env.api, tenant, approvals)).toMatchObject({ live: 1, cancelled: 0 });
  }
  const query = `LinkageTenant = "${tenant}" AND WorkflowType = "ContractSignedWorkflow"`;
  await waitFor('the runs closed', async () => {
    const closed = await env.client.workflow.count(`${query} AND ExecutionStatus = "Completed"`);
    return closed.count === n;
  });
  expect((await env.client.workflow.count(query)).count).toBe(n);
}

describe('the linkage on the Temporal cluster', () => {
  it('runs the contract chain through the poller', () => contractChain(env));
  it('runs the procurement chain through the poller', () => procurementChain(env));
});

describe('faults on the cluster: nothing lost, nothing duplicated', () => {
  it('one of the two history processes SIGKILLed mid-run: its shards move to the other', async () => {
    await contractsThrough(8, () => cluster.kill('history-1'));
    await cluster.restart('history-1');
  }, 300_000);

  it('the frontend restarted mid-run', async () => {
    await contractsThrough(8, () => cluster.restart('frontend'));
  }, 300_000);

  it("the cluster's PostgreSQL restarted mid-run", async () => {
    await contractsThrough(8, async () => cluster.postgres.restart());
  }, 300_000);
});

describe('fairness on the cluster', () => {
  it("tenant B's contract is linked while tenant A's flood still has a backlog; one order per contract", async () => {
    // A task queue of its own, no worker yet: the case starts the flood's runs before any worker polls.
    const fair = await createLinkageEnv('cluster-fairness', { TEMPORAL_ADDRESS: cluster.address });
    try {
      await fairDispatchCase(fair);
    } finally {
      await fair.stop();
    }
  }, 300_000);
});
