/**
 * The rules that make no document: ApprovalCompletedWorkflow (writes the approval's result back to its
 * source) and GenericEventWorkflow (the data-lake ingest only). Activities are MOCKED on purpose
 * (test/helpers/fake-activities.ts): these tests pin the steps, skips, failures, cancel and hold in
 * seconds. The real activities, platform and dev server are covered by test/linkage (chains, toggles,
 * failures, repair, the lake's lifecycle, rule-pause) and test/ops.
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
  stepOf,
  type FastEnv,
  useFastEnv,
  acknowledgeHold,
} from '../helpers/fast-env';

let env: FastEnv;
useFastEnv('no-document', (e) => (env = e));

const cellCalls = () => cellCallsOf(env);

function approvalCompleted(tenant: string, status: number, formData: Record<string, unknown>) {
  return busEvent(EVENT_TYPES.approvalCompleted, tenant, {
    instanceId: `apv-${tenant}`,
    status,
    formData,
    typeCode: 'sales_order',
  });
}
const ofOrder = (t: string) => ({ sourceCell: 'erp', sourceId: `ord-${t}`, sourceType: 'order' });

describe('ApprovalCompletedWorkflow (mocked activities)', () => {
  it('approved: writes 2 back to the order and records the change in the lake', async () => {
    const t = fastTenant();
    env.cells.seed('erp:order', `ord-${t}`, t);
    const { state } = await env.run(approvalCompleted(t, STATUS.approved, ofOrder(t)));

    expect(state.outcome).toBe('completed');
    expect(cellCalls()).toEqual(['setDocumentStatus']);
    expect(env.cells.documents.get(`ord-${t}`)?.status).toBe(STATUS.approved);
    expect(stepOf(state, 'write-back')).toMatchObject({ state: 'completed', detail: `erp:order:ord-${t} status 2` });
    expect(env.cells.lake.get('oa/approvals')?.size).toBe(1);
    expect([...(env.cells.lake.get('erp/status_changes')?.values() ?? [])]).toEqual([
      expect.objectContaining({ documentId: `ord-${t}`, status: STATUS.approved }),
    ]);
  });

  it('rejected: writes 3 back to a contract', async () => {
    const t = fastTenant();
    env.cells.seed('crm:contract', `ctr-${t}`, t);
    const formData = { sourceCell: 'crm', sourceId: `ctr-${t}`, sourceType: 'contract' };
    const { state } = await env.run(approvalCompleted(t, STATUS.rejected, formData));

    expect(state.outcome).toBe('completed');
    expect(env.cells.documents.get(`ctr-${t}`)?.status).toBe(STATUS.rejected);
  });

  it.each([
    ['LINK_ALL_TO_OA=0', { ...ALL_ON, allToOa: false }, (t: string) => ofOrder(t)],
    ['no source in formData', ALL_ON, () => ({})],
    ['no write-back for srm/rfq', ALL_ON, () => ({ sourceCell: 'srm', sourceId: 'rfq-1', sourceType: 'rfq' })],
  ])('skips the write-back: %s', async (detail, toggles, formData) => {
    const t = fastTenant();
    const { state } = await env.run(approvalCompleted(t, STATUS.approved, formData(t)), { toggles });

    expect(state.outcome).toBe('completed');
    expect(cellCalls()).toEqual([]);
    expect(stepOf(state, 'write-back')).toMatchObject({ state: 'skipped', detail });
  });

  it('the source refused (404): failed, nothing to undo, a dead letter', async () => {
    const t = fastTenant();
    const { state, failure } = await env.run(approvalCompleted(t, STATUS.approved, ofOrder(t)));

    expect(failure?.type).toBe('LinkageFailed');
    expect(state.outcome).toBe('failed');
    expect(cellCalls()).toEqual(['setDocumentStatus']);
    expect(env.cells.deadLetters).toEqual([expect.objectContaining({ step: 'write-back' })]);
  });

  it('cancelled while the write-back is in flight: cancelled, nothing to undo', async () => {
    const t = fastTenant();
    env.cells.seed('erp:order', `ord-${t}`, t);
    const blocked = env.cells.block('setDocumentStatus');
    const handle = await env.start(approvalCompleted(t, STATUS.approved, ofOrder(t)), {}, QUICK_CANCEL);
    await blocked.started;
    await handle.cancel();
    const { state, failure } = await env.closed(handle);
    blocked.release();

    expect(failure).toBeInstanceOf(CancelledFailure);
    expect(state.outcome).toBe('cancelled');
    expect(cellCalls()).toEqual(['setDocumentStatus']);
    expect(env.cells.deadLetters).toEqual([expect.objectContaining({ step: 'cancel' })]);
  });

  it('all-to-oa paused: the write-back holds until released', async () => {
    const t = fastTenant();
    env.cells.seed('erp:order', `ord-${t}`, t);
    env.cells.pause('all-to-oa', 1);
    const event = approvalCompleted(t, STATUS.approved, ofOrder(t));
    const handle = await env.start(event);
    await env.cells.heldCalls(1);
    await acknowledgeHold(handle, { rule: 'all-to-oa', step: 'write-back', seq: event.seq });
    expect(env.cells.documents.get(`ord-${t}`)?.status).toBe(STATUS.pending);

    env.cells.resume('all-to-oa');
    await handle.signal(releaseRuleSignal, { rule: 'all-to-oa', version: 2 });
    const { state } = await env.closed(handle);

    expect(state.outcome).toBe('completed');
    expect(env.cells.documents.get(`ord-${t}`)?.status).toBe(STATUS.approved);
  });
});

describe('GenericEventWorkflow (mocked activities)', () => {
  const generic = (t: string) => busEvent('hr.leave.requested', t, { leaveId: `lv-${t}` });

  it('ingests the event into <cell>/events', async () => {
    const t = fastTenant();
    const { state } = await env.run(generic(t));

    expect(state.outcome).toBe('completed');
    expect(env.cells.callNames()).toEqual(['ingestRecords']);
    expect(env.cells.lake.get('hr/events')?.size).toBe(1);
  });

  it('LINK_ALL_TO_DATALAKE=0: nothing called, outcome skipped', async () => {
    const t = fastTenant();
    const { state } = await env.run(generic(t), { toggles: { ...ALL_ON, allToDatalake: false } });

    expect(state.outcome).toBe('skipped');
    expect(env.cells.calls).toEqual([]);
  });

  it('a 503 from the lake is retried after the steps: completed', async () => {
    const t = fastTenant();
    env.cells.fail('ingestRecords', { kind: 'retryable' });
    const { state } = await env.run(generic(t));

    expect(state.outcome).toBe('completed');
    expect(env.cells.callNames()).toEqual(['ingestRecords', 'ingestRecords']);
  });

  it('the lake refusing for good: partial, a dead letter for the ingest', async () => {
    const t = fastTenant();
    env.cells.fail('ingestRecords', { kind: 'rejected' });
    const { state, failure } = await env.run(generic(t));

    expect(failure).toBeUndefined();
    expect(state.outcome).toBe('partial');
    expect(stepOf(state, 'datalake')?.state).toBe('failed');
    expect(env.cells.deadLetters).toEqual([expect.objectContaining({ step: 'datalake' })]);
  });

  it('all-to-datalake paused: the ingest holds until released', async () => {
    const t = fastTenant();
    env.cells.pause('all-to-datalake', 5);
    const event = generic(t);
    const handle = await env.start(event);
    await env.cells.heldCalls(1);
    await acknowledgeHold(handle, { rule: 'all-to-datalake', step: 'datalake', seq: event.seq });
    env.cells.resume('all-to-datalake');
    await handle.signal(releaseRuleSignal, { rule: 'all-to-datalake', version: 6 });
    const { state } = await env.closed(handle);

    expect(state.outcome).toBe('completed');
    expect(env.cells.lake.get('hr/events')?.size).toBe(1);
  });
});

describe('the no-document runs (mocked activities)', () => {
  it('replay against the same bundle', async () => {
    expect(await env.replayAll()).toEqual([]);
  });
});
