/**
 * The lifecycle reaches the data lake. A compensated contract's order is reported as
 * cancelled, not sold; a rejected approval is counted with its time to decision; the same status change
 * ingested twice (its first answer lost in transit) is stored once.
 */
import { EVENT_TYPES, STATUS } from '../../common/events';
import { linkageWorkflowId } from '../../common/linkage';
import { countBySource, SOURCES } from '../../scripts/lib/platform-client';
import { waitFor, type Rec } from '../../ops/gateway-admin';
import { activitySteps } from '../../ops/history';
import { pauseRule, resumeRule } from '../../ops/commands/rules';
import { createLinkageEnv, uniqueTenant, type LinkageEnv } from '../helpers/linkage-env';
import { settled } from '../helpers/settle';

let env: LinkageEnv;

beforeAll(async () => {
  env = await createLinkageEnv('lake-lifecycle');
  await env.startWorker();
});
afterAll(async () => {
  await env?.stop();
});
afterEach(async () => {
  await env.api.clearFaults();
  await env.api.clearFaults(env.platform.datalakeUrl);
});

type Split = Record<'live' | 'rejected' | 'cancelled', { count: number; amountCents: number }>;
interface SalesReport {
  totals: { contracts: Split; orders: Split };
  rows: Array<{ customerId: string; month: string; contracts: Split; orders: Split }>;
}
interface ApprovalRow {
  typeCode: string;
  total: number;
  approved: number;
  rejected: number;
  withdrawn: number;
  approvalRate: number;
  decisionSeconds: { p50: number | null; p90: number | null };
}

const report = <T>(name: string, tenant: string): Promise<T> =>
  env.api.ok<T>('GET', `${env.platform.datalakeUrl}/api/datalake/reports/${name}?tenantId=${tenant}`);
const approvalRows = async (tenant: string): Promise<ApprovalRow[]> =>
  (await report<{ rows: ApprovalRow[] }>('approval-efficiency', tenant)).rows;
const split = (count: number, amountCents: number) => ({ count, amountCents });

it('a compensated contract: its order leaves the sales figures and is shown as cancelled', async () => {
  const tenant = uniqueTenant('lake');
  // OA refuses every approval: the contract's run made its order, then fails for good and cancels it.
  await env.api.fault({
    method: 'POST',
    path: '/api/v1/oa/approvals',
    times: -1,
    status: 422,
    body: { error: { code: 'validation_error', message: 'approval flow closed' } },
  });
  const refused = await env.api.signContract(tenant, { customerId: 'cust-1', contractNo: 'HT-1', amountCents: 900 });
  await settled(env, tenant);
  await env.api.clearFaults();
  const kept = await env.api.signContract(tenant, { customerId: 'cust-1', contractNo: 'HT-2', amountCents: 500 });
  await settled(env, tenant);

  // One live order per source: none for the compensated contract, one for the other.
  expect(await countBySource(env.api, tenant, SOURCES.order(refused.id))).toMatchObject({ live: 0, cancelled: 1 });
  expect(await countBySource(env.api, tenant, SOURCES.order(kept.id))).toMatchObject({ live: 1, cancelled: 0 });

  // The cancellation reached the lake as a status change, written by the contract's run.
  const [cancelledOrder] = await env.api.list(tenant, SOURCES.order(refused.id).path);
  const changes = await env.api.table(tenant, 'erp', 'status_changes');
  expect(changes.map((c) => [c.documentType, c.documentId, c.status, c.by])).toEqual([
    ['order', cancelledOrder.id, STATUS.cancelled, 'linkage'],
  ]);

  const sales = await report<SalesReport>('sales-performance', tenant);
  expect(sales.totals.orders).toEqual({ live: split(1, 500), rejected: split(0, 0), cancelled: split(1, 900) });
  expect(sales.totals.contracts.live).toEqual(split(2, 1400));
  expect(sales.rows.map((r) => [r.customerId, r.orders.live.count, r.orders.cancelled.count])).toEqual([
    ['cust-1', 1, 1],
  ]);
});

it('a rejected approval: counted with its time to decision; its status change sent twice is stored once', async () => {
  const tenant = uniqueTenant('lake');
  const contract = await env.api.signContract(tenant, { customerId: 'cust-2', contractNo: 'HT-3', amountCents: 300 });
  await settled(env, tenant);
  const approvalSource = SOURCES.approval('crm', 'contract', contract.id, 'contract');
  const [approval] = await env.api.list(tenant, approvalSource.path);

  // The write-back is held (all-to-oa paused) while the event's own ingest goes through; then the lake
  // keeps what it is sent but its next answer is lost (held beyond the worker's 3 s HTTP timeout): the
  // status change's ingest is sent again.
  const ops = { client: env.client, namespace: 'default', api: env.api, uiUrl: null };
  const rules = { taskQueue: env.taskQueue, settleMs: 1_000 };
  await pauseRule(ops, 'all-to-oa', { by: 'test', reason: 'hold the write-back' }, rules);
  let completed;
  try {
    await env.api.completeApproval(tenant, approval.id, false);
    completed = await env.busEvent(
      'the approval event',
      (e) => e.tenantId === tenant && e.eventType === EVENT_TYPES.approvalCompleted,
    );
    await waitFor('the event ingested', async () => (await env.api.table(tenant, 'oa', 'approvals')).length === 1);
    await env.api.fault(
      { method: 'POST', path: '/api/datalake/ingest', times: 1, delayResponseMs: 4_000 },
      env.platform.datalakeUrl,
    );
  } finally {
    // Resumed whatever happened: the tests after this one need the rule.
    await resumeRule(ops, 'all-to-oa', { by: 'test', ratePerSec: 10 }, env.taskQueue);
  }
  await settled(env, tenant);
  const handle = env.client.workflow.getHandle(linkageWorkflowId(completed.eventId));
  expect((await handle.result()).outcome).toBe('completed');

  const statusIngests = activitySteps(await handle.fetchHistory()).filter(
    (s) => s.activity === 'ingestRecords' && s.summary === 'Ingest status changes into the data lake',
  );
  expect(statusIngests.length).toBeGreaterThanOrEqual(2);
  const state = await handle.query<{ steps: Rec[] }>('state');
  expect(state.steps.find((s) => s.name === 'datalake-status')).toMatchObject({
    state: 'completed',
    detail: '1 status changes, 0 new',
  });
  const changes = await env.api.table(tenant, 'crm', 'status_changes');
  expect(changes.map((c) => [c.documentId, c.status])).toEqual([[contract.id, STATUS.rejected]]);
  expect(await env.api.table(tenant, 'oa', 'approvals')).toHaveLength(1);

  // One approval per source, decided; the contract written back as rejected and reported so.
  expect(await countBySource(env.api, tenant, approvalSource)).toMatchObject({ live: 1, cancelled: 0 });
  const sales = await report<SalesReport>('sales-performance', tenant);
  expect(sales.totals.contracts).toEqual({ live: split(0, 0), rejected: split(1, 300), cancelled: split(0, 0) });

  const row = (await approvalRows(tenant)).find((r) => r.typeCode === 'contract');
  expect(row).toMatchObject({ total: 1, approved: 0, rejected: 1, withdrawn: 0, approvalRate: 0 });
  expect(row!.decisionSeconds.p50).toEqual(expect.any(Number));
  expect(row!.decisionSeconds.p50!).toBeGreaterThanOrEqual(0);
  expect(row!.decisionSeconds.p90!).toBeGreaterThanOrEqual(row!.decisionSeconds.p50!);
});

it('approvals withdrawn by a cancel and its cascade are reported as withdrawn, by type', async () => {
  const tenant = uniqueTenant('lake');
  // Approvals are made but their answers held 2.5 s: an operator cancels the contract's run meanwhile.
  await env.api.fault({ method: 'POST', path: '/api/v1/oa/approvals', times: 2, delayResponseMs: 2_500 });
  const contract = await env.api.signContract(tenant, { customerId: 'cust-3', contractNo: 'HT-4', amountCents: 100 });
  const { handle } = await env.runOf('the contract run', (e) => e.payload.contractId === contract.id);
  const contractApprovals = SOURCES.approval('crm', 'contract', contract.id, 'contract');
  await waitFor('the contract approval', async () => (await countBySource(env.api, tenant, contractApprovals)).live);
  await handle.cancel();
  await settled(env, tenant);

  // The run undid its order and its approval; the order's approval (made by the order's own run) was
  // withdrawn by the cascade or by that run's check of its source. Nothing stays live.
  const [order] = await env.api.list(tenant, SOURCES.order(contract.id).path);
  expect(order.orderStatus).toBe(STATUS.cancelled);
  const orderApprovals = SOURCES.approval('erp', 'order', order.id, 'sales_order');
  expect(await countBySource(env.api, tenant, contractApprovals)).toMatchObject({ live: 0, cancelled: 1 });
  expect(await countBySource(env.api, tenant, orderApprovals)).toMatchObject({ live: 0, cancelled: 1 });

  const withdrawn = [
    ...(await env.api.list(tenant, contractApprovals.path)),
    ...(await env.api.list(tenant, orderApprovals.path)),
  ];
  const changes = await env.api.table(tenant, 'oa', 'status_changes');
  expect(changes.map((c) => [c.documentId, c.status, c.typeCode]).sort()).toEqual(
    withdrawn.map((a) => [a.id, STATUS.cancelled, a.typeCode]).sort(),
  );
  const rows = await approvalRows(tenant);
  expect(rows.map((r) => [r.typeCode, r.total, r.approved, r.rejected, r.withdrawn])).toEqual([
    ['contract', 1, 0, 0, 1],
    ['sales_order', 1, 0, 0, 1],
  ]);
  const sales = await report<SalesReport>('sales-performance', tenant);
  expect(sales.totals.orders.cancelled).toEqual(split(1, 100));
});
