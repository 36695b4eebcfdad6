/**
 * Transient ERP trouble is retried to one order; a rejection is not
 * retried, compensates what was done, leaves a dead letter and fails the run with the cell's reason;
 * an operator's cancel compensates too.
 */
import { WorkflowFailedError } from '@temporalio/client';
import { EVENT_TYPES, STATUS, type BusEvent } from '../../common/events';
import { linkageWorkflowId } from '../../common/linkage';
import { waitFor, type Rec } from '../../ops/gateway-admin';
import { activitySteps } from '../../ops/history';
import { createLinkageEnv, uniqueTenant, type LinkageEnv } from '../helpers/linkage-env';

let env: LinkageEnv;

beforeAll(async () => {
  env = await createLinkageEnv('failures');
  await env.startWorker();
});
afterAll(async () => {
  await env?.stop();
});
afterEach(async () => {
  await env.api.clearFaults();
});

async function contractEvent(contractId: string): Promise<BusEvent> {
  return waitFor('the contract event on the bus', async () =>
    (await env.events()).find((e) => e.eventType === EVENT_TYPES.contractSigned && e.payload.contractId === contractId),
  );
}

async function signAndGetHandle(tenant: string) {
  const contract = await env.api.signContract(tenant, { customerId: 'c-9', contractNo: 'HT-9', amountCents: 900 });
  const event = await contractEvent(contract.id);
  const handle = env.client.workflow.getHandle(linkageWorkflowId(event.eventId));
  await waitFor('the linkage workflow', () => handle.describe());
  return { contract, event, handle };
}

const orders = (tenant: string, contractId: string): Promise<Rec[]> =>
  env.api.list(tenant, `/erp/orders?sourceContractId=${contractId}`);

describe('failure handling', () => {
  it('ERP answering 503 three times: the step retries and the run completes with one order', async () => {
    await env.api.fault({ method: 'POST', path: '/api/v1/erp/orders', times: 3, status: 503 });
    const tenant = uniqueTenant();
    const { contract, handle } = await signAndGetHandle(tenant);
    const result = await handle.result();
    expect(result.outcome).toBe('completed');
    expect(await orders(tenant, contract.id)).toHaveLength(1);

    // Every attempt is in the history (a local activity's marker per attempt).
    const erp = activitySteps(await handle.fetchHistory()).filter((s) => s.activity === 'createErpOrder');
    expect(erp.map((s) => [s.attempt, s.state])).toEqual([
      [1, 'failed'],
      [2, 'failed'],
      [3, 'failed'],
      [4, 'completed'],
    ]);
  });

  it('ERP answering 422: no retry, a dead letter, the run Failed with the reason', async () => {
    // One 422 only: a retry would succeed and create an order, so "no order" proves there was none.
    await env.api.fault({
      method: 'POST',
      path: '/api/v1/erp/orders',
      times: 1,
      status: 422,
      body: { error: { code: 'validation_error', message: 'customer c-9 is blocked' } },
    });
    const tenant = uniqueTenant();
    const { contract, event, handle } = await signAndGetHandle(tenant);
    const err = await handle.result().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    const cause = (err as WorkflowFailedError).cause!;
    expect(cause.message).toContain('erp-order failed');
    expect(cause.message).toContain('422');
    expect(cause.message).toContain('customer c-9 is blocked');
    expect(await orders(tenant, contract.id)).toHaveLength(0);
    expect((await handle.query<{ outcome: string }>('state')).outcome).toBe('failed');

    const letters = await env.api.deadLetters(`?eventId=${event.eventId}`);
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({ step: 'erp-order', workflowId: handle.workflowId });
    expect(String(letters[0].reason)).toContain('customer c-9 is blocked');
  });

  it('OA rejecting the approval: the ERP order already made is compensated (status 9)', async () => {
    await env.api.fault({ method: 'POST', path: '/api/v1/oa/approvals', times: -1, status: 400 });
    const tenant = uniqueTenant();
    const { contract, event, handle } = await signAndGetHandle(tenant);
    await expect(handle.result()).rejects.toThrow(WorkflowFailedError);
    const [order] = await orders(tenant, contract.id);
    expect(order.orderStatus).toBe(STATUS.cancelled);
    const state = await handle.query<{ outcome: string; steps: { name: string; state: string }[] }>('state');
    expect(state.outcome).toBe('compensated');
    expect(state.steps.find((s) => s.name === 'erp-order')?.state).toBe('compensated');
    const letters = await env.api.deadLetters(`?eventId=${event.eventId}`);
    expect(String(letters[0]?.reason)).toMatch(/Compensated: erp-order/);
  });

  it('an operator cancelling a run compensates the steps already done', async () => {
    await env.api.fault({ method: 'POST', path: '/api/v1/oa/approvals', times: -1, status: 503 });
    const tenant = uniqueTenant();
    const { contract, handle } = await signAndGetHandle(tenant);
    await waitFor('the ERP order', async () => (await orders(tenant, contract.id)).length === 1);
    await handle.cancel();
    await expect(handle.result()).rejects.toThrow(WorkflowFailedError);
    const [order] = await orders(tenant, contract.id);
    expect(order.orderStatus).toBe(STATUS.cancelled);
    const { status } = await handle.describe();
    expect(status.name).toBe('CANCELLED');
  });
});
