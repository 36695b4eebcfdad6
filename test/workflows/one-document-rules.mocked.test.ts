/**
 * The rules that make one document, table-driven: SalesOrderCreated and PurchaseOrderCreated (an OA
 * approval, then the check that its source is still live), PurchaseRequisitionCreated (an SRM RFQ) and
 * QuoteAwarded (an ERP purchase order). Activities are MOCKED on purpose (test/helpers/fake-activities.ts):
 * these tests pin each rule's steps, toggles, compensation and hold in seconds. The real activities,
 * platform and dev server are covered by test/linkage (chains, toggles, failures, repair, rule-pause)
 * and test/ops.
 */
import { CancelledFailure } from '@temporalio/common';
import type { ActivityName, FakeKind } from '../helpers/fake-activities';
import type { BusEvent } from '../../common/events';
import { EVENT_TYPES, STATUS } from '../../common/events';
import type { RuleName } from '../../common/rules';
import { releaseRuleSignal } from '../../workflows/rule-control';
import type { Toggles } from '../../workflows/types';
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
useFastEnv('one-document', (e) => (env = e));

const cellCalls = () => cellCallsOf(env);

interface Rule {
  workflow: string;
  event(tenant: string): BusEvent;
  /** The document the event is about, as its cell holds it (the approval rules read it again). */
  seed?(tenant: string, status?: number): void;
  step: string;
  rule: RuleName;
  toggle: keyof Toggles;
  toggleName: string;
  kind: FakeKind;
  create: ActivityName;
  /** The calls of a run that succeeds, in order. */
  calls: ActivityName[];
  /** How a document made and answered is undone; how one whose call did not answer is. */
  undo: ActivityName;
  undoBySource: ActivityName;
  lakeTable: string;
}

const approvalRule = (
  workflow: string,
  eventType: string,
  sourceKind: 'erp:order' | 'erp:purchase_order',
  payload: (id: string) => Record<string, unknown>,
  lakeTable: string,
): Rule => ({
  workflow,
  event: (t) => busEvent(eventType, t, payload(`src-${t}`)),
  seed: (t, status = STATUS.pending) => env.cells.seed(sourceKind, `src-${t}`, t, { status }),
  step: 'oa-approval',
  rule: 'all-to-oa',
  toggle: 'allToOa',
  toggleName: 'LINK_ALL_TO_OA',
  kind: 'oa:approval',
  // The source is read in the create's own call: one call, and `source-check` shown without a call of its own.
  create: 'createApprovalAndCheckSource',
  calls: ['createApprovalAndCheckSource'],
  undo: 'withdrawApproval',
  undoBySource: 'withdrawApprovalsBySource',
  lakeTable,
});

const RULES: Rule[] = [
  approvalRule(
    'SalesOrderCreatedWorkflow',
    EVENT_TYPES.orderCreated,
    'erp:order',
    (orderId) => ({ orderId, customerId: 'cus-1', totalAmountCents: 5_000 }),
    'erp/orders',
  ),
  approvalRule(
    'PurchaseOrderCreatedWorkflow',
    EVENT_TYPES.purchaseOrderCreated,
    'erp:purchase_order',
    (poId) => ({ poId, supplierId: 'sup-1', documentNo: 'PO-1', totalAmountCents: 7_000 }),
    'erp/purchase_orders',
  ),
  {
    workflow: 'PurchaseRequisitionCreatedWorkflow',
    event: (t) =>
      busEvent(EVENT_TYPES.requisitionCreated, t, {
        requisitionId: `pr-${t}`,
        demandDesc: 'bolts',
        totalAmountCents: 900,
      }),
    step: 'srm-rfq',
    rule: 'erp-to-srm',
    toggle: 'erpToSrm',
    toggleName: 'LINK_ERP_TO_SRM',
    kind: 'srm:rfq',
    create: 'createRfq',
    calls: ['createRfq'],
    undo: 'cancelDocument',
    undoBySource: 'cancelBySource',
    lakeTable: 'erp/purchase_requisitions',
  },
  {
    workflow: 'QuoteAwardedWorkflow',
    event: (t) =>
      busEvent(EVENT_TYPES.quoteAwarded, t, {
        quoteId: `q-${t}`,
        rfqId: 'rfq-1',
        supplierId: 'sup-1',
        amountCents: 800,
      }),
    step: 'erp-po',
    rule: 'erp-to-srm',
    toggle: 'erpToSrm',
    toggleName: 'LINK_ERP_TO_SRM',
    kind: 'erp:purchase_order',
    create: 'createPurchaseOrder',
    calls: ['createPurchaseOrder'],
    undo: 'cancelDocument',
    undoBySource: 'cancelBySource',
    lakeTable: 'srm/quotes',
  },
];

describe.each(RULES)('$workflow (mocked activities)', (r) => {
  /** The documents of the rule's kind this run made (not the seeded source). */
  const made = (t: string) => env.cells.docs(r.kind, t).filter((d) => !d.id.startsWith('src-'));

  it('makes its document and ingests the event', async () => {
    const t = fastTenant();
    r.seed?.(t);
    const { state, failure } = await env.run(r.event(t));

    expect(failure).toBeUndefined();
    expect(state.outcome).toBe('completed');
    expect(cellCalls()).toEqual(r.calls);
    expect(made(t).map((d) => d.status)).toEqual([STATUS.pending]);
    expect(stepOf(state, r.step)?.state).toBe('completed');
    if (r.seed) expect(stepOf(state, 'source-check')?.detail).toMatch(/status 1$/);
    expect(env.cells.lake.get(r.lakeTable)?.size).toBe(1);
  });

  it(`${r.toggle} off: the step is skipped, only the lake ingest runs`, async () => {
    const t = fastTenant();
    const { state } = await env.run(r.event(t), { toggles: { ...ALL_ON, [r.toggle]: false } });

    expect(state.outcome).toBe('completed');
    expect(cellCalls()).toEqual([]);
    expect(stepOf(state, r.step)).toMatchObject({ state: 'skipped', detail: `${r.toggleName}=0` });
    expect(stepOf(state, 'datalake')?.state).toBe('completed');
  });

  it('its create refused for good: nothing made, nothing undone, a dead letter', async () => {
    const t = fastTenant();
    r.seed?.(t);
    env.cells.fail(r.create, { kind: 'rejected' });
    const { state, failure } = await env.run(r.event(t));

    expect(failure?.type).toBe('LinkageFailed');
    expect(state.outcome).toBe('failed');
    expect(cellCalls()).toEqual([r.create]);
    expect(env.cells.deadLetters).toEqual([expect.objectContaining({ step: r.step })]);
  });

  it('cancelled while its create is in flight: what it made is undone by source', async () => {
    const t = fastTenant();
    r.seed?.(t);
    const blocked = env.cells.block(r.create);
    const handle = await env.start(r.event(t), {}, QUICK_CANCEL);
    await blocked.started;
    await handle.cancel();
    const { state, failure } = await env.closed(handle);

    expect(failure).toBeInstanceOf(CancelledFailure);
    expect(state.outcome).toBe('cancelled');
    expect(cellCalls()).toContain(r.undoBySource);
    expect(made(t).map((d) => d.status)).toEqual([STATUS.cancelled]);
  });

  it(`${r.rule} paused: the step holds until released, then makes one document`, async () => {
    const t = fastTenant();
    r.seed?.(t);
    env.cells.pause(r.rule, 3);
    const event = r.event(t);
    const handle = await env.start(event);
    await env.cells.heldCalls(1);
    const held = await acknowledgeHold(handle, { rule: r.rule, step: r.step, seq: event.seq });
    expect(stepOf(held, r.step)?.state).toBe('held');
    expect(made(t)).toEqual([]);

    env.cells.resume(r.rule);
    await handle.signal(releaseRuleSignal, { rule: r.rule, version: 4 });
    const { state } = await env.closed(handle);

    expect(state.outcome).toBe('completed');
    expect(made(t)).toHaveLength(1);
    expect(env.cells.calls.find((c) => c.name === r.create && 'minVersion' in (c.ctx ?? {}))?.ctx).toMatchObject({
      minVersion: 4,
    });
  });

  if (r.seed) {
    const seed = r.seed;
    it('a later step failing for good (the source check) withdraws the approval it made', async () => {
      const t = fastTenant();
      seed(t);
      // The read in the create's call, then the separate check's: both answered 422.
      env.cells.fail('documentStatus', { kind: 'rejected', times: 2 });
      const { state, failure } = await env.run(r.event(t));

      expect(failure?.type).toBe('LinkageFailed');
      expect(state.outcome).toBe('compensated');
      expect(cellCalls()).toEqual([...r.calls, 'documentStatus', r.undo]);
      expect(made(t).map((d) => d.status)).toEqual([STATUS.cancelled]);
      expect(stepOf(state, r.step)?.state).toBe('compensated');
      expect(env.cells.deadLetters).toEqual([expect.objectContaining({ step: 'source-check' })]);
    });

    it("the create's read of its source failing: the approval stands, the separate check reads it", async () => {
      const t = fastTenant();
      seed(t);
      env.cells.fail('documentStatus', { kind: 'rejected' });
      const { state } = await env.run(r.event(t));

      expect(state.outcome).toBe('completed');
      expect(cellCalls()).toEqual([...r.calls, 'documentStatus']);
      expect(stepOf(state, 'source-check')).toMatchObject({
        state: 'completed',
        detail: expect.stringMatching(/status 1$/),
      });
      expect(made(t).map((d) => d.status)).toEqual([STATUS.pending]);
    });

    it('its source cancelled meanwhile: the approval is withdrawn by the cascade check', async () => {
      const t = fastTenant();
      seed(t, STATUS.cancelled);
      const { state } = await env.run(r.event(t));

      expect(state.outcome).toBe('completed');
      expect(cellCalls()).toEqual([...r.calls, 'withdrawApprovalsBySource']);
      expect(stepOf(state, 'oa-approval-withdraw')?.state).toBe('completed');
      expect(made(t).map((d) => d.status)).toEqual([STATUS.cancelled]);
    });
  }
});

describe('the one-document runs (mocked activities)', () => {
  it('replay against the same bundle', async () => {
    expect(await env.replayAll()).toEqual([]);
  });
});
