/**
 * One live document per business source on the paths operators take to
 * repair things. Each case counts the live documents per source, with cancelled / withdrawn ones apart.
 *
 * The worker here runs without the poller: each test starts the runs it needs from the bus events
 * itself, so the order of the runs (a compensation before or after a cascade approval) is the test's.
 */
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { EVENT_TYPES, STATUS, type BusEvent } from '../../common/events';
import { linkageWorkflowId, pollerWorkflowId } from '../../common/linkage';
import { countBySource, SOURCES, type SourceQuery } from '../../scripts/lib/platform-client';
import { waitFor, type Rec } from '../../ops/gateway-admin';
import { retryRun } from '../../ops/commands/retry';
import { activitySteps } from '../../ops/history';
import type { OpsContext } from '../../ops/context';
import { createLinkageEnv, uniqueTenant, type LinkageEnv } from '../helpers/linkage-env';
import { LinkageOutcome } from '../../common/search-attributes';
import { createNamespace } from '../../scripts/temporal-namespace';
import { Client } from '@temporalio/client';

let env: LinkageEnv;
let ops: OpsContext;

beforeAll(async () => {
  env = await createLinkageEnv('repair');
  await env.startWorker({ POLLER_ENABLED: '0' });
  ops = { client: env.client, namespace: env.client.options.namespace, api: env.api, uiUrl: null };
});
afterAll(async () => {
  await env?.stop();
});
afterEach(async () => {
  await env.api.clearFaults();
});

const count = (tenant: string, source: SourceQuery) => countBySource(env.api, tenant, source);
const contractApprovals = (contractId: string) => SOURCES.approval('crm', 'contract', contractId, 'contract');
const orderApprovals = (orderId: string) => SOURCES.approval('erp', 'order', orderId, 'sales_order');

/** Signs a contract and starts its linkage run from the bus event. */
async function signAndStart(tenant: string) {
  const contract = await env.api.signContract(tenant, { customerId: 'c-10', contractNo: 'HT-10', amountCents: 1000 });
  const event = await env.busEvent(
    'the contract event',
    (e) => e.eventType === EVENT_TYPES.contractSigned && e.payload.contractId === contract.id,
  );
  await env.startFromEvent(event);
  const handle = env.client.workflow.getHandle(linkageWorkflowId(event.eventId));
  return { contract, event, handle };
}

async function orderOf(tenant: string, contractId: string): Promise<Rec> {
  return waitFor('the ERP order', async () => (await env.api.list(tenant, SOURCES.order(contractId).path))[0]);
}

async function startRunOf(eventType: string, match: (e: BusEvent) => boolean): Promise<WorkflowHandle> {
  const event = await env.busEvent(eventType, (e) => e.eventType === eventType && match(e));
  await env.startFromEvent(event);
  return env.client.workflow.getHandle(linkageWorkflowId(event.eventId));
}

/** Signs a contract and cancels its run while the OA approval is made but its answer is held. */
async function cancelWithApprovalInFlight(tenant: string) {
  await env.api.fault({ method: 'POST', path: '/api/v1/oa/approvals', times: 1, delayResponseMs: 1500 });
  const { contract, handle } = await signAndStart(tenant);
  await waitFor('the contract approval', async () => (await count(tenant, contractApprovals(contract.id))).live);
  await handle.cancel();
  await expect(handle.result()).rejects.toThrow(WorkflowFailedError);
  return { contract, handle };
}

/** A contract linked end to end: its run, its ERP order and the order's own (sales-order approval) run. */
async function linkedContract(tenant: string) {
  const { contract, handle } = await signAndStart(tenant);
  await handle.result();
  const order = await orderOf(tenant, contract.id);
  await (await startRunOf(EVENT_TYPES.orderCreated, (e) => e.payload.orderId === order.id)).result();
  return { contract, order };
}

describe('one live document per business source', () => {
  it('terminate mid-run, then retry: the new run gets the order the terminated one left live', async () => {
    await env.api.fault({ method: 'POST', path: '/api/v1/oa/approvals', times: -1, status: 503 });
    const tenant = uniqueTenant();
    const { contract, handle } = await signAndStart(tenant);
    await orderOf(tenant, contract.id);
    await handle.terminate('stuck on OA: terminated by an operator');
    await env.api.clearFaults();

    const retried = await retryRun(ops, handle.workflowId, { wait: true });
    expect(retried).toMatchObject({ outcome: 'completed', status: 'COMPLETED' });
    expect(await count(tenant, SOURCES.order(contract.id))).toMatchObject({ live: 1, cancelled: 0 });
    expect(await count(tenant, contractApprovals(contract.id))).toMatchObject({ live: 1, cancelled: 0 });
  });

  it('terminated before any workflow task ran: retry starts the same input again, and it links once', async () => {
    // A task queue no worker polls yet: the run is terminated before its first workflow task.
    const queue = `${env.taskQueue}-idle`;
    const tenant = uniqueTenant();
    const contract = await env.api.signContract(tenant, { customerId: 'c-13', contractNo: 'HT-13', amountCents: 13 });
    const event = await env.busEvent('the contract event', (e) => e.payload.contractId === contract.id);
    await env.startFromEvent(event, { TEMPORAL_TASK_QUEUE: queue });
    const handle = env.client.workflow.getHandle(linkageWorkflowId(event.eventId));
    await handle.terminate('terminated before it ran');

    const retried = await retryRun(ops, handle.workflowId);
    expect(retried.error).toBeUndefined();
    expect(retried.newRunId).not.toBe(retried.oldRunId);
    await env.startWorker({ TEMPORAL_TASK_QUEUE: queue, POLLER_ENABLED: '0' });
    const result = await env.client.workflow.getHandle(handle.workflowId, retried.newRunId).result();
    expect(result.outcome).toBe('completed');
    expect(await count(tenant, SOURCES.order(contract.id))).toMatchObject({ live: 1, cancelled: 0 });
  });

  it('cancel with the OA call in flight: the approval made is withdrawn, and a retry leaves one of each', async () => {
    // The approval is made, then its answer is held: the cancel arrives while the call is in flight.
    const tenant = uniqueTenant();
    const { contract, handle } = await cancelWithApprovalInFlight(tenant);
    expect((await handle.describe()).status.name).toBe('CANCELLED');
    expect((await handle.query<{ outcome: string }>('state')).outcome).toBe('cancelled');
    expect(await count(tenant, contractApprovals(contract.id))).toMatchObject({ live: 0, cancelled: 1 });
    expect(await count(tenant, SOURCES.order(contract.id))).toMatchObject({ live: 0, cancelled: 1 });

    const retried = await retryRun(ops, handle.workflowId, { wait: true });
    expect(retried.outcome).toBe('completed');
    expect(await count(tenant, contractApprovals(contract.id))).toMatchObject({ live: 1, cancelled: 1 });
    expect(await count(tenant, SOURCES.order(contract.id))).toMatchObject({ live: 1, cancelled: 1 });
  });

  it('a compensated order: its sales-order approval is withdrawn, and a late approval cannot revive it', async () => {
    // The contract approval is refused for good, so the contract run cancels its ERP order.
    await env.api.fault({ method: 'POST', path: '/api/v1/oa/approvals', times: 1, status: 400 });
    const tenant = uniqueTenant();
    const { contract, handle } = await signAndStart(tenant);
    await expect(handle.result()).rejects.toThrow(WorkflowFailedError);
    const order = await orderOf(tenant, contract.id);
    expect(order.orderStatus).toBe(STATUS.cancelled);

    // The order's own linkage runs after the compensation: its approval is withdrawn at once.
    const salesRun = await startRunOf(EVENT_TYPES.orderCreated, (e) => e.payload.orderId === order.id);
    await salesRun.result();
    expect(await count(tenant, orderApprovals(order.id as string))).toMatchObject({ live: 0, cancelled: 1 });
    // The create's own call read the order (cancelled): the check is shown as its step, with no call of its own.
    const { steps } = await salesRun.query<{ steps: { name: string; state: string; detail?: string }[] }>('state');
    const documentSteps = steps.filter((s) => !s.name.startsWith('datalake'));
    expect(documentSteps.map((s) => [s.name, s.state])).toEqual([
      ['oa-approval', 'completed'],
      ['source-check', 'completed'],
      ['oa-approval-withdraw', 'completed'],
    ]);
    expect(documentSteps[1].detail).toMatch(/status 9$/);
    const calls = activitySteps(await salesRun.fetchHistory()).map((s) => s.activity);
    expect(calls.filter((c) => c !== 'ingestRecords')).toEqual([
      'createApprovalAndCheckSource',
      'withdrawApprovalsBySource',
    ]);
    const [approval] = await env.api.list(tenant, orderApprovals(order.id as string).path);
    const late = await env.api.call<{ error: { code: string; currentStatus: number } }>(
      'POST',
      `/api/v1/oa/approvals/${approval.id}/complete`,
      { tenant, body: { approved: true } },
    );
    expect(late.status).toBe(409);
    expect(late.body.error.currentStatus).toBe(STATUS.cancelled);
    expect((await env.api.list(tenant, SOURCES.order(contract.id).path))[0].orderStatus).toBe(STATUS.cancelled);
  });

  it("the create's read of its order refused (a 4xx): the approval stands, and the separate check reads it", async () => {
    const tenant = uniqueTenant();
    const { contract, handle } = await signAndStart(tenant);
    await handle.result();
    const order = await orderOf(tenant, contract.id);
    // The first read of the order answers 422: had it failed the create, the run would leave the approval open.
    await env.api.fault({ method: 'GET', path: `/api/v1/erp/orders/${order.id}`, times: 1, status: 422 });
    const salesRun = await startRunOf(EVENT_TYPES.orderCreated, (e) => e.payload.orderId === order.id);
    expect((await salesRun.result()).outcome).toBe('completed');
    expect(await count(tenant, orderApprovals(order.id as string))).toMatchObject({ live: 1, cancelled: 0 });
    const { steps } = await salesRun.query<{ steps: { name: string; state: string; detail?: string }[] }>('state');
    expect(steps.find((s) => s.name === 'source-check')).toMatchObject({ state: 'completed' });
    expect(steps.find((s) => s.name === 'source-check')?.detail).toMatch(/status 1$/);
    const calls = activitySteps(await salesRun.fetchHistory()).map((s) => s.activity);
    expect(calls.filter((c) => c !== 'ingestRecords')).toEqual(['createApprovalAndCheckSource', 'documentStatus']);
  });

  it('an order cancelled by hand: approving its pending approval is refused at write-back, with a dead letter', async () => {
    const tenant = uniqueTenant();
    const { contract, order } = await linkedContract(tenant);
    // An ERP user cancels the order; its sales-order approval is still pending and gets approved.
    await env.api.cell(tenant, 'PATCH', `/erp/orders/${order.id}`, { orderStatus: STATUS.cancelled });
    const [approval] = await env.api.list(tenant, orderApprovals(order.id as string).path);
    await env.api.completeApproval(tenant, approval.id as string, true);

    // The write-back is refused (409): the run fails with a dead letter naming the order and why.
    const writeBack = await startRunOf(EVENT_TYPES.approvalCompleted, (e) => e.payload.instanceId === approval.id);
    const err = await writeBack.result().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    expect(String((err as WorkflowFailedError).cause?.message)).toContain('409');
    const [letter] = await env.api.deadLetters(`?workflowId=${writeBack.workflowId}`);
    expect(String(letter.reason)).toContain(`${order.id} has status 9 and cannot become 2`);
    expect(await count(tenant, SOURCES.order(contract.id))).toMatchObject({ live: 0, cancelled: 1 });
  });

  it('a cancel while only the data-lake ingest is left: compensated, and the outcome is cancelled, not running', async () => {
    await env.api.fault(
      { method: 'POST', path: '/api/datalake/ingest', times: -1, status: 503 },
      env.platform.datalakeUrl,
    );
    const tenant = uniqueTenant();
    const { contract, handle } = await signAndStart(tenant);
    await waitFor('the contract approval', async () => (await count(tenant, contractApprovals(contract.id))).live);
    await handle.cancel();
    await expect(handle.result()).rejects.toThrow(WorkflowFailedError);
    await env.api.clearFaults(env.platform.datalakeUrl);
    const d = await handle.describe();
    expect([d.status.name, d.typedSearchAttributes.get(LinkageOutcome)]).toEqual(['CANCELLED', 'cancelled']);
    expect(await count(tenant, SOURCES.order(contract.id))).toMatchObject({ live: 0, cancelled: 1 });
    expect(await count(tenant, contractApprovals(contract.id))).toMatchObject({ live: 0, cancelled: 1 });
  });

  it('a cancel with a call in flight while the ingest retries: the run closes cancelled, nothing live', async () => {
    // Both the OA call (awaited on cancel) and the ingest (cancelled at once) are in flight: the ingest's
    // rejection arrives while the run still compensates, and must not fail its workflow task.
    await env.api.fault(
      { method: 'POST', path: '/api/datalake/ingest', times: -1, status: 503 },
      env.platform.datalakeUrl,
    );
    const tenant = uniqueTenant();
    const { contract, handle } = await cancelWithApprovalInFlight(tenant);
    await env.api.clearFaults(env.platform.datalakeUrl);
    expect((await handle.describe()).status.name).toBe('CANCELLED');
    expect(await count(tenant, SOURCES.order(contract.id))).toMatchObject({ live: 0, cancelled: 1 });
    expect(await count(tenant, contractApprovals(contract.id))).toMatchObject({ live: 0, cancelled: 1 });
  });

  it('a dead letter that cannot be posted: the run still closes failed, naming it, never running', async () => {
    await env.api.refuseOrders('customer c-12 is blocked');
    await env.api.fault({ method: 'POST', path: '/api/admin/events/dlq', times: -1, status: 503 });
    const tenant = uniqueTenant();
    const contract = await env.api.signContract(tenant, { customerId: 'c-12', contractNo: 'HT-12', amountCents: 12 });
    const event = await env.busEvent('the contract event', (e) => e.payload.contractId === contract.id);
    // A short retry window, so the dead-letter post gives up within the test.
    await env.startFromEvent(event, { LINK_RETRY_WINDOW_SEC: '3' });
    const handle = env.client.workflow.getHandle(linkageWorkflowId(event.eventId));
    const err = await handle.result().catch((e: unknown) => e);
    expect(String((err as WorkflowFailedError).cause?.message)).toContain('the dead letter could not be posted');
    const d = await handle.describe();
    expect([d.status.name, d.typedSearchAttributes.get(LinkageOutcome)]).toEqual(['FAILED', 'failed']);
    expect(await count(tenant, SOURCES.order(contract.id))).toMatchObject({ live: 0, cancelled: 0 });
  });

  it('a 190-character event id links: the derived request ids stay bounded', async () => {
    const tenant = uniqueTenant();
    const eventId = `long-${'x'.repeat(185)}`;
    const contractId = `ctr_long_${Date.now()}`;
    const publish = await env.api.publish({
      eventId,
      eventType: EVENT_TYPES.contractSigned,
      tenantId: tenant,
      payload: {
        contractId,
        customerId: 'c-11',
        contractNo: 'HT-11',
        amountCents: 1100,
        tenantId: tenant,
        signedAt: new Date().toISOString(),
      },
    });
    expect(publish.status).toBe(201);
    const handle = await startRunOf(EVENT_TYPES.contractSigned, (e) => e.eventId === eventId);
    expect((await handle.result()).outcome).toBe('completed');
    expect(await count(tenant, SOURCES.order(contractId))).toMatchObject({ live: 1, cancelled: 0 });
    expect(await count(tenant, contractApprovals(contractId))).toMatchObject({ live: 1, cancelled: 0 });
  });

  it('a worker on a fresh namespace replays the bus from seq 0 and duplicates no document', async () => {
    const tenant = uniqueTenant();
    const { contract, order } = await linkedContract(tenant);

    // A second namespace: no workflow ids remembered, no poller cursor. Its worker reads from seq 0.
    const namespace = `repair-fresh-${Date.now().toString(36)}`;
    await createNamespace(env.client, namespace);
    await env.startWorker({ TEMPORAL_NAMESPACE: namespace, POLLER_START_AFTER: '0' });
    const fresh = new Client({ connection: env.client.connection, namespace });
    const head = (await env.events()).at(-1)!.seq;
    await waitFor(
      'the fresh poller to pass the bus head',
      async () => (await fresh.workflow.getHandle(pollerWorkflowId(env.taskQueue)).query<number>('cursor')) >= head,
      120_000,
    );
    await waitFor(
      'every replayed run to close',
      async () =>
        (await fresh.workflow.count(`LinkageEventId IS NOT NULL AND ExecutionStatus = "Running"`)).count === 0,
      120_000,
    );
    expect((await fresh.workflow.count(`LinkageTenant = "${tenant}"`)).count).toBeGreaterThanOrEqual(2);
    expect(await count(tenant, SOURCES.order(contract.id))).toMatchObject({ live: 1, cancelled: 0 });
    expect(await count(tenant, contractApprovals(contract.id))).toMatchObject({ live: 1, cancelled: 0 });
    expect(await count(tenant, orderApprovals(order.id as string))).toMatchObject({ live: 1, cancelled: 0 });
  });

  it('POLLER_START_AFTER=head: a worker on a fresh namespace starts after the newest event', async () => {
    const namespace = `repair-head-${Date.now().toString(36)}`;
    await createNamespace(env.client, namespace);
    const head = (await env.events()).at(-1)!.seq;
    await env.startWorker({ TEMPORAL_NAMESPACE: namespace, POLLER_START_AFTER: 'head' });
    const fresh = new Client({ connection: env.client.connection, namespace });
    const cursor = await waitFor('the poller', () =>
      fresh.workflow.getHandle(pollerWorkflowId(env.taskQueue)).query<number>('cursor'),
    );
    expect(cursor).toBe(head);
    expect((await fresh.workflow.count('LinkageEventId IS NOT NULL')).count).toBe(0);
  });
});
