/**
 * ContractSignedWorkflow's step logic in seconds. Activities are MOCKED on purpose (test/helpers/
 * fake-activities.ts: in-memory cells, lake, dead letters, rule guard): these tests pin which documents
 * the rule makes, in which order, what is skipped, undone or held, not the HTTP or the platform. The
 * real activities against the real platform and Temporal dev server are covered by test/linkage (chains,
 * toggles, failures, repair, rule-pause) and test/ops (retry, dead letters, the committed histories).
 */
import { CancelledFailure } from '@temporalio/common';
import { EVENT_TYPES, STATUS } from '../../common/events';
import { releaseRuleSignal } from '../../workflows/rule-control';
import {
  ALL_ON,
  busEvent,
  cellCallsOf,
  fastTenant,
  QUICK_CANCEL,
  stateWhen,
  stepOf,
  type FastEnv,
  useFastEnv,
  acknowledgeHold,
} from '../helpers/fast-env';

let env: FastEnv;
useFastEnv('contract', (e) => (env = e));

const cellCalls = () => cellCallsOf(env);

function contractSigned(tenant: string) {
  return busEvent(EVENT_TYPES.contractSigned, tenant, {
    contractId: `ctr-${tenant}`,
    customerId: 'cus-1',
    contractNo: 'HT-001',
    amountCents: 120_000,
    signedAt: '2026-01-01T00:00:00Z',
  });
}

describe('ContractSignedWorkflow (mocked activities)', () => {
  it('makes the ERP order, then the contract approval naming it, and ingests the event', async () => {
    const t = fastTenant();
    const { state, failure } = await env.run(contractSigned(t));

    expect(failure).toBeUndefined();
    expect(state.outcome).toBe('completed');
    expect(cellCalls()).toEqual(['createErpOrder', 'createApproval']);
    const [order] = env.cells.docs('erp:order', t);
    expect(order).toMatchObject({ sourceContractId: `ctr-${t}`, totalAmountCents: 120_000, currency: 'CNY' });
    const [approval] = env.cells.docs('oa:approval', t);
    expect(approval).toMatchObject({ typeCode: 'contract', formData: { sourceId: `ctr-${t}`, erpOrderId: order.id } });
    expect(state.steps.map((s) => [s.name, s.state])).toEqual(
      expect.arrayContaining([
        ['erp-order', 'completed'],
        ['oa-approval', 'completed'],
        ['datalake', 'completed'],
      ]),
    );
    expect(state.businessKeys).toEqual(
      expect.arrayContaining([`crm:contract:ctr-${t}`, `erp:order:${order.id}`, `oa:approval:${approval.id}`]),
    );
    expect([...(env.cells.lake.get('crm/contracts')?.keys() ?? [])]).toHaveLength(1);
    expect(env.cells.deadLetters).toEqual([]);
  });

  it('LINK_CRM_TO_ERP=0: no order, the approval is asked for without one', async () => {
    const t = fastTenant();
    const { state } = await env.run(contractSigned(t), { toggles: { ...ALL_ON, crmToErp: false } });

    expect(state.outcome).toBe('completed');
    expect(cellCalls()).toEqual(['createApproval']);
    expect(stepOf(state, 'erp-order')).toMatchObject({ state: 'skipped', detail: 'LINK_CRM_TO_ERP=0' });
    expect(env.cells.docs('oa:approval', t)[0].formData).toMatchObject({ erpOrderId: null });
  });

  it('LINK_ALL_TO_OA=0: the order only', async () => {
    const t = fastTenant();
    const { state } = await env.run(contractSigned(t), { toggles: { ...ALL_ON, allToOa: false } });

    expect(state.outcome).toBe('completed');
    expect(cellCalls()).toEqual(['createErpOrder']);
    expect(stepOf(state, 'oa-approval')).toMatchObject({ state: 'skipped', detail: 'LINK_ALL_TO_OA=0' });
  });

  it('every toggle off: nothing called, outcome skipped', async () => {
    const t = fastTenant();
    const off = { crmToErp: false, erpToSrm: false, allToOa: false, allToDatalake: false };
    const { state } = await env.run(contractSigned(t), { toggles: off });

    expect(state.outcome).toBe('skipped');
    expect(env.cells.calls).toEqual([]);
    expect(state.steps.every((s) => s.state === 'skipped')).toBe(true);
  });

  it('a transient 503 of the order is retried: one order, completed', async () => {
    const t = fastTenant();
    env.cells.fail('createErpOrder', { kind: 'retryable', times: 1 });
    const { state } = await env.run(contractSigned(t));

    expect(state.outcome).toBe('completed');
    expect(cellCalls()).toEqual(['createErpOrder', 'createErpOrder', 'createApproval']);
    expect(env.cells.docs('erp:order', t)).toHaveLength(1);
  });

  it('the approval refused for good: the order is cancelled, a dead letter names the step', async () => {
    const t = fastTenant();
    env.cells.fail('createApproval', { kind: 'rejected' });
    const { state, failure } = await env.run(contractSigned(t));

    expect(failure?.type).toBe('LinkageFailed');
    expect(state.outcome).toBe('compensated');
    // A definite "no" made nothing: only the order is undone, by its id.
    expect(cellCalls()).toEqual(['createErpOrder', 'createApproval', 'cancelDocument']);
    expect(env.cells.docs('erp:order', t)[0].status).toBe(STATUS.cancelled);
    expect(env.cells.docs('oa:approval', t)).toEqual([]);
    expect(stepOf(state, 'erp-order')?.state).toBe('compensated');
    expect(stepOf(state, 'oa-approval')?.state).toBe('failed');
    expect(env.cells.deadLetters).toEqual([expect.objectContaining({ step: 'oa-approval' })]);
    const changes = [...(env.cells.lake.get('erp/status_changes')?.values() ?? [])];
    expect(changes).toEqual([expect.objectContaining({ documentType: 'order', status: STATUS.cancelled })]);
  });

  it('the approval made but its answer lost until the window closes: undone by source, then the order', async () => {
    const t = fastTenant();
    env.cells.fail('createApproval', { kind: 'retryable', times: Infinity, afterWrite: true });
    const { state, failure } = await env.run(contractSigned(t), {
      retry: { windowMs: 1_000, maxIntervalMs: 1_000, httpTimeoutMs: 500 },
    });

    expect(failure?.type).toBe('LinkageFailed');
    expect(state.outcome).toBe('compensated');
    const undo = cellCalls().filter((n) => n === 'withdrawApprovalsBySource' || n === 'cancelDocument');
    expect(undo).toEqual(['withdrawApprovalsBySource', 'cancelDocument']);
    expect(env.cells.docs('oa:approval', t).map((a) => a.status)).toEqual([STATUS.cancelled]);
    expect(env.cells.docs('erp:order', t).map((o) => o.status)).toEqual([STATUS.cancelled]);
  });

  it('cancelled while the approval is in flight: both documents undone, outcome cancelled', async () => {
    const t = fastTenant();
    const blocked = env.cells.block('createApproval');
    const handle = await env.start(contractSigned(t), {}, QUICK_CANCEL);
    await blocked.started;
    await handle.cancel();
    const { state, failure } = await env.closed(handle);

    expect(failure).toBeInstanceOf(CancelledFailure);
    expect(state.outcome).toBe('cancelled');
    expect(env.cells.docs('erp:order', t).map((o) => o.status)).toEqual([STATUS.cancelled]);
    expect(env.cells.docs('oa:approval', t).map((a) => a.status)).toEqual([STATUS.cancelled]);
    expect(env.cells.deadLetters).toEqual([expect.objectContaining({ step: 'cancel' })]);
  });

  it('crm-to-erp paused: the order is held, the approval goes first, a release makes the order', async () => {
    const t = fastTenant();
    env.cells.pause('crm-to-erp', 1);
    const event = contractSigned(t);
    const handle = await env.start(event);
    await env.cells.heldCalls(1);
    const held = await stateWhen(
      handle,
      'approval made while held',
      (s) => stepOf(s, 'oa-approval')?.state === 'completed',
    );
    expect(stepOf(held, 'erp-order')).toMatchObject({ state: 'held', detail: expect.stringContaining('crm-to-erp') });
    expect(env.cells.docs('erp:order', t)).toEqual([]);

    // The test plays the rule-control workflow: it acknowledges the hold, then releases under a newer version.
    await acknowledgeHold(handle, { rule: 'crm-to-erp', step: 'erp-order', seq: event.seq });
    env.cells.resume('crm-to-erp');
    await handle.signal(releaseRuleSignal, { rule: 'crm-to-erp', version: 2 });
    const { state } = await env.closed(handle);

    expect(state.outcome).toBe('completed');
    expect(cellCalls()).toEqual(['createErpOrder', 'createApproval', 'createErpOrder']);
    expect(env.cells.calls.filter((c) => c.name === 'createErpOrder').map((c) => c.ctx)).toEqual([
      expect.not.objectContaining({ minVersion: expect.anything() }),
      expect.objectContaining({ rule: 'crm-to-erp', minVersion: 2 }),
    ]);
    expect(env.cells.docs('oa:approval', t)[0].formData).toMatchObject({ erpOrderId: null });
    expect(env.cells.docs('erp:order', t)).toHaveLength(1);
  });

  it('every run above replays against the same bundle', async () => {
    expect(await env.replayAll()).toEqual([]);
  });
});
