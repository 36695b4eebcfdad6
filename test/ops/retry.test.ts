/**
 * A linkage failed on purpose is found by `list-failed` with its reason, and
 * after the cause is fixed `retry` (a reset to the first workflow task, same workflow id) completes it with
 * exactly one live ERP order for the contract.
 */
import { WorkflowFailedError } from '@temporalio/client';
import { EVENT_TYPES, STATUS } from '../../common/events';
import { businessKey } from '../../common/linkage';
import { waitFor, type Rec } from '../../ops/gateway-admin';
import { listDeadLetters } from '../../ops/commands/dlq';
import { listFailed } from '../../ops/commands/list-failed';
import { retryRun } from '../../ops/commands/retry';
import { showRun } from '../../ops/commands/show';
import type { OpsContext } from '../../ops/context';
import { createLinkageEnv, uniqueTenant, type LinkageEnv } from '../helpers/linkage-env';

let env: LinkageEnv;
let ctx: OpsContext;

beforeAll(async () => {
  env = await createLinkageEnv('ops-retry');
  await env.startWorker();
  ctx = { client: env.client, namespace: env.client.options.namespace, api: env.api, uiUrl: null };
});
afterAll(async () => {
  await env?.stop();
});
afterEach(async () => {
  await env.api.clearFaults();
});

async function signAndFail(tenant: string, contractNo: string) {
  const contract = await env.api.signContract(tenant, { customerId: 'c-7', contractNo, amountCents: 700 });
  const { event, handle } = await env.runOf(
    'the contract',
    (e) => e.eventType === EVENT_TYPES.contractSigned && e.payload.contractId === contract.id,
  );
  await expect(handle.result()).rejects.toThrow(WorkflowFailedError);
  return { contract, event, handle };
}

const liveOrders = async (tenant: string, contractId: string): Promise<Rec[]> =>
  (await env.api.list(tenant, `/erp/orders?sourceContractId=${contractId}`)).filter(
    (o) => o.orderStatus !== STATUS.cancelled,
  );

describe('operator retry of a failed linkage', () => {
  it('ERP 422 until fixed: list-failed shows it with the reason, retry completes it with one live order', async () => {
    await env.api.refuseOrders('customer c-7 is blocked');
    const tenant = uniqueTenant();
    const { contract, event, handle } = await signAndFail(tenant, 'HT-7');

    // Found by tenant and by business key, with the cell's reason.
    const [failed] = await waitFor('the run in list-failed', async () => {
      const runs = await listFailed(ctx, { tenant, type: EVENT_TYPES.contractSigned });
      return runs.length ? runs : null;
    });
    expect(failed).toMatchObject({ workflowId: handle.workflowId, status: 'FAILED', tenant, eventId: event.eventId });
    expect(failed.businessKeys).toContain(businessKey('crm', 'contract', contract.id));
    expect(failed.reason).toContain('erp-order failed');
    expect(failed.reason).toContain('customer c-7 is blocked');
    const byKey = await listFailed(ctx, { key: businessKey('crm', 'contract', contract.id) });
    expect(byKey.map((r) => r.workflowId)).toEqual([handle.workflowId]);

    const view = await showRun(ctx, handle.workflowId);
    expect(view.status).toBe('FAILED');
    expect(view.toggles).toMatchObject({ crmToErp: true, allToOa: true });
    expect(view.state?.outcome).toBe('failed');
    expect(view.failure[0].message).toContain('422');
    expect(await listDeadLetters(ctx, { workflowId: handle.workflowId })).toHaveLength(1);
    expect(await liveOrders(tenant, contract.id)).toHaveLength(0);

    // The cause fixed, the operator retries: same workflow id, a new run, which completes.
    await env.api.clearFaults();
    const retried = await retryRun(ctx, handle.workflowId, { wait: true });
    expect(retried).toMatchObject({ workflowId: handle.workflowId, oldRunId: failed.runId, outcome: 'completed' });
    expect(retried.newRunId).toBeDefined();
    expect(retried.newRunId).not.toBe(failed.runId);
    expect(await liveOrders(tenant, contract.id)).toHaveLength(1);

    // The failed run is superseded: no longer listed (unless asked for).
    expect(await listFailed(ctx, { tenant })).toEqual([]);
    const all = await listFailed(ctx, { tenant, includeSuperseded: true });
    expect(all).toEqual([expect.objectContaining({ runId: failed.runId, superseded: true })]);
  });

  it('OA rejecting after the ERP order: the retry makes a new order, the compensated one stays cancelled', async () => {
    await env.api.fault({ method: 'POST', path: '/api/v1/oa/approvals', times: -1, status: 400 });
    const tenant = uniqueTenant();
    const { contract, handle } = await signAndFail(tenant, 'HT-8');
    const before = await env.api.list(tenant, `/erp/orders?sourceContractId=${contract.id}`);
    expect(before.map((o) => o.orderStatus)).toEqual([STATUS.cancelled]);

    await env.api.clearFaults();
    const retried = await retryRun(ctx, handle.workflowId, { wait: true });
    expect(retried.outcome).toBe('completed');
    const live = await liveOrders(tenant, contract.id);
    expect(live).toHaveLength(1);
    expect(live[0].id).not.toBe(before[0].id);
    const approvals = await env.api.list(
      tenant,
      `/oa/approvals?sourceCell=crm&sourceId=${contract.id}&sourceType=contract`,
    );
    expect(approvals).toHaveLength(1);
  });
});
