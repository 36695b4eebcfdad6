/**
 * Pausing a rule holds its runs without losing an event. crm-to-erp is paused, 50
 * contracts are signed: no ERP order is made while their approvals and lake ingests go on; the held runs
 * are found by LinkageOutcome="paused"; the worker and Temporal restart while paused; a resume at 10/s
 * makes exactly 50 orders, in bus order, one per contract. The lake answers 503 to the first ingests, so
 * each run's ingest retries while its order step is held (the restart replays both), and every history
 * replays against the code at the end.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EVENT_TYPES } from '../../common/events';
import { linkageWorkflowId } from '../../common/linkage';
import { countBySource, SOURCES } from '../../scripts/lib/platform-client';
import { waitFor, type Rec } from '../../ops/gateway-admin';
import { freeMetricsPort, freePort } from '../helpers/ports';
import { fetchHistories, replayHistories } from '../../ops/commands/replay';
import { listRules, pauseRule, resumeRule } from '../../ops/commands/rules';
import type { OpsContext } from '../../ops/context';
import { startDevServer, type DevServer } from '../../scripts/dev-server';
import type { ServiceProcess } from '../../scripts/service-process';
import { createLinkageEnv, uniqueTenant, type LinkageEnv } from '../helpers/linkage-env';
import { settled } from '../helpers/settle';

const CONTRACTS = 50;
// Two Temporal restarts and 50 runs held and released: a shared machine may take minutes.
jest.setTimeout(420_000);

let dir: string;
let port: number;
let server: DevServer;
let env: LinkageEnv;
let worker: ServiceProcess;
let metricsPort: number;

const startTemporal = () => startDevServer({ dbFile: path.join(dir, 'temporal.db'), port, ui: false });
const startWorker = async () => {
  metricsPort = await freeMetricsPort();
  return env.startWorkerProcess({ METRICS_PORT: String(metricsPort) });
};

beforeAll(async () => {
  // A Temporal of its own, on a file: the test restarts it.
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rule-pause-'));
  port = await freePort();
  server = await startTemporal();
  env = await createLinkageEnv('rule-pause', { TEMPORAL_ADDRESS: server.address });
  worker = await startWorker();
});
afterAll(async () => {
  await env?.stop();
  await server?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

const ops = (): OpsContext => ({ client: env.client, namespace: 'default', api: env.api, uiUrl: null });

/** Runs found in visibility (what the Web UI lists) by a query. */
async function count(query: string): Promise<number> {
  return (await env.client.workflow.count(query)).count;
}

async function heldGauge(): Promise<string | undefined> {
  const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  return text.split('\n').find((l) => l.startsWith('linkage_rule_held_runs{rule="crm-to-erp"}'));
}

it('pause crm-to-erp, sign 50 contracts, restart everything, resume at 10/s: 50 orders in bus order', async () => {
  const tenant = uniqueTenant('pause');
  const paused = await pauseRule(
    ops(),
    'crm-to-erp',
    { by: 'ops-alice', reason: 'ERP upgrade this weekend' },
    { taskQueue: env.taskQueue, settleMs: 1_000 },
  );
  expect(paused.rules.find((r) => r.rule === 'crm-to-erp')?.paused).toMatchObject({ by: 'ops-alice' });

  await env.api.fault(
    { method: 'POST', path: '/api/datalake/ingest', times: CONTRACTS + 10, status: 503 },
    env.platform.datalakeUrl,
  );
  const contracts: Rec[] = [];
  for (let i = 0; i < CONTRACTS; i++) {
    contracts.push(
      await env.api.signContract(tenant, { customerId: `cust-${i % 5}`, contractNo: `HT-P${i}`, amountCents: 100 + i }),
    );
  }

  // Every contract run holds at its ERP order: found in the Web UI by its outcome.
  const heldQuery = `LinkageTenant="${tenant}" AND LinkageOutcome="paused"`;
  await waitFor('50 runs paused', async () => (await count(heldQuery)) === CONTRACTS, 120_000, 500);
  // Nothing was made in ERP; the approvals (which need no order) and the lake ingests went on.
  expect(await env.api.list(tenant, '/erp/orders')).toEqual([]);
  await waitFor(
    'every contract approval and lake record',
    async () =>
      (await env.api.list(tenant, '/oa/approvals')).length === CONTRACTS &&
      (await env.api.table(tenant, 'crm', 'contracts')).length === CONTRACTS,
    60_000,
    500,
  );
  for (const c of contracts.slice(0, 5)) {
    const approvals = SOURCES.approval('crm', 'contract', c.id, 'contract');
    expect(await countBySource(env.api, tenant, approvals)).toMatchObject({ live: 1, cancelled: 0 });
  }
  const one = await env.runOf('a held run', (e) => e.payload.contractId === contracts[0].id);
  const state = await one.handle.query<{ outcome: string; steps: Rec[] }>('state');
  expect(state.outcome).toBe('paused');
  expect(state.steps.find((s) => s.name === 'erp-order')).toMatchObject({
    state: 'held',
    detail: expect.stringContaining('paused by ops-alice'),
  });
  await waitFor('the held-runs gauge', async () => (await heldGauge())?.endsWith(` ${CONTRACTS}`), 30_000, 500);

  // The worker and Temporal restart while paused: the pause and the held runs survive.
  await worker.stop();
  await server.stop();
  server = await startTemporal();
  worker = await startWorker();
  await waitFor(
    'the pause after the restart',
    async () => {
      const rule = (await listRules(ops(), env.taskQueue)).rules.find((r) => r.rule === 'crm-to-erp');
      return rule?.paused?.by === 'ops-alice' && rule.held === CONTRACTS;
    },
    60_000,
    500,
  );
  expect(await count(heldQuery)).toBe(CONTRACTS);
  expect(await env.api.list(tenant, '/erp/orders')).toEqual([]);

  await resumeRule(ops(), 'crm-to-erp', { by: 'ops-alice', ratePerSec: 10 }, env.taskQueue);
  const events = await settled(env, tenant, 300_000);
  expect(await count(heldQuery)).toBe(0);

  // Exactly one order per contract, none duplicated, made in the order the contracts reached the bus.
  const orders = await env.api.list(tenant, '/erp/orders');
  expect(orders).toHaveLength(CONTRACTS);
  const busOrder = events
    .filter((e) => e.eventType === EVENT_TYPES.contractSigned)
    .sort((a, b) => a.seq - b.seq)
    .map((e) => e.payload.contractId);
  expect(orders.map((o) => o.sourceContractId)).toEqual(busOrder);
  for (const c of contracts) {
    expect(await countBySource(env.api, tenant, SOURCES.order(c.id))).toMatchObject({ live: 1, cancelled: 0 });
  }
  const rule = (await listRules(ops(), env.taskQueue)).rules.find((r) => r.rule === 'crm-to-erp');
  expect(rule).toMatchObject({ paused: null, held: 0, resumed: { by: 'ops-alice', ratePerSec: 10 } });

  // Every run replays: holding, retrying the ingest meanwhile, released.
  const ids = events.filter((e) => e.eventType === EVENT_TYPES.contractSigned).map((e) => linkageWorkflowId(e.eventId));
  const replays = await replayHistories(await fetchHistories(ops(), ids));
  expect(replays.filter((r) => !r.ok)).toEqual([]);
  expect(replays).toHaveLength(CONTRACTS);
});
