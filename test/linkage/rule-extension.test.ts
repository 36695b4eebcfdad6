/**
 * A rule added from a fixture file outside the product's folders (test/fixtures/rules/requisition-approval.ts,
 * named by LINKAGE_RULES_MODULES) is served by a real worker with no other file changed: a requisition
 * gets its RFQ and, from the record, an OA `purchase` approval found by its source. The approval is held
 * by a paused all-to-oa rule, withdrawn when an operator's cancel makes the run compensate, found in the
 * Web UI by its business key, and its withdrawal is filled into the data lake by a resync.
 */
import path from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import { ROOT } from '../../scripts/lib/paths';
import { countBySource, SOURCES } from '../../scripts/lib/platform-client';
import { waitFor, type Rec } from '../../ops/gateway-admin';
import type { OpsContext } from '../../ops/context';
import { followResync, startResync } from '../../ops/commands/resync';
import { pauseRule, resumeRule } from '../../ops/commands/rules';
import type { RuleName } from '../../common/rules';
import type { LinkageResult } from '../../workflows/types';
import { createLinkageEnv, opsContext, uniqueTenant, type LinkageEnv } from '../helpers/linkage-env';

const FIXTURE = path.relative(ROOT, path.join(__dirname, '../fixtures/rules/requisition-approval.ts'));

let env: LinkageEnv;
let ctx: OpsContext;

beforeAll(async () => {
  env = await createLinkageEnv('rule-extension', { LINKAGE_RULES_MODULES: path.join(ROOT, FIXTURE) });
  await env.startWorker();
  ctx = opsContext(env);
});
afterAll(async () => {
  await env?.stop();
});
afterEach(async () => {
  await env.api.clearFaults();
  await env.api.clearFaults(env.platform.datalakeUrl);
});

const purchaseApprovals = (tenant: string, requisitionId: string) =>
  countBySource(env.api, tenant, SOURCES.approval('erp', 'purchase_requisition', requisitionId, 'purchase'));
const rfqs = (tenant: string, requisitionId: string) => countBySource(env.api, tenant, SOURCES.rfq(requisitionId));

/** A requisition made through ERP, and its run as the poller started it. */
async function requisition(tenant: string) {
  const r = await env.api.createRequisition(tenant, { demandDesc: 'laptops', totalAmountCents: 120_000 });
  const run = await env.runOf(`requisition ${r.id}`, (e) => e.tenantId === tenant && e.payload.requisitionId === r.id);
  return { id: r.id, ...run };
}

/** Runs `fn` while `rule` is paused; resumes it however `fn` ends. */
async function whilePaused<T>(rule: RuleName, reason: string, fn: () => Promise<T>): Promise<T> {
  await pauseRule(ctx, rule, { by: 'ops-bob', reason }, { taskQueue: env.taskQueue, settleMs: 1_500 });
  try {
    return await fn();
  } finally {
    await resumeRule(ctx, rule, { by: 'ops-bob', ratePerSec: 10 }, env.taskQueue);
  }
}

const state = (handle: { query: (q: string) => Promise<unknown> }) => handle.query('state') as Promise<LinkageResult>;

it('the record makes its approval beside the built-in RFQ: one live document per source, found by its key', async () => {
  const tenant = uniqueTenant('ext');
  const { id, handle } = await requisition(tenant);
  const result = (await handle.result()) as LinkageResult;
  expect(result.outcome).toBe('completed');
  expect(Object.fromEntries(result.steps.map((s) => [s.name, s.state]))).toEqual({
    'srm-rfq': 'completed',
    'oa-purchase-approval': 'completed',
    datalake: 'completed',
  });
  expect(await rfqs(tenant, id)).toMatchObject({ live: 1, cancelled: 0 });
  const approvals = await purchaseApprovals(tenant, id);
  expect(approvals).toMatchObject({ live: 1, cancelled: 0 });
  const [approvalId] = approvals.liveIds;
  expect(result.businessKeys).toContain(`oa:approval:${approvalId}`);
  // The Web UI finds the run by the approval's key.
  const query = `LinkageBusinessKeys = "oa:approval:${approvalId}"`;
  const found = await waitFor('the run by its approval key', async () => {
    const ids: string[] = [];
    for await (const w of env.client.workflow.list({ query })) ids.push(w.workflowId);
    return ids.length ? ids : null;
  });
  expect(found).toEqual([handle.workflowId]);
});

it('a paused all-to-oa rule holds the approval, not the RFQ; the resume makes exactly one', async () => {
  const tenant = uniqueTenant('ext-pause');
  const { id, handle } = await whilePaused('all-to-oa', 'OA upgrade', async () => {
    const run = await requisition(tenant);
    await waitFor('the approval held', async () => {
      const s = await state(run.handle);
      return s.steps.find((x) => x.name === 'oa-purchase-approval')?.state === 'held' && s.outcome === 'paused';
    });
    expect(await rfqs(tenant, run.id)).toMatchObject({ live: 1 });
    expect(await purchaseApprovals(tenant, run.id)).toMatchObject({ live: 0, cancelled: 0 });
    return run;
  });
  expect(((await handle.result()) as LinkageResult).outcome).toBe('completed');
  expect(await purchaseApprovals(tenant, id)).toMatchObject({ live: 1, cancelled: 0 });
  expect(await rfqs(tenant, id)).toMatchObject({ live: 1, cancelled: 0 });
});

it("an operator's cancel compensates: the approval withdrawn, the RFQ cancelled; a resync fills the lake", async () => {
  const tenant = uniqueTenant('ext-cancel');
  // The lake is held (a paused all-to-datalake rule) and down: the run stays open after its steps, and its
  // lake records after the cancel cannot be written until the resync.
  const { id, event } = await whilePaused('all-to-datalake', 'lake maintenance', async () => {
    await env.api.fault(
      { method: 'POST', path: '/api/datalake/ingest', times: -1, status: 503 },
      env.platform.datalakeUrl,
    );
    const run = await requisition(tenant);
    const { handle } = run;
    await waitFor('both documents made, the ingest held', async () => {
      const s = await state(handle);
      const done = (n: string) => s.steps.find((x) => x.name === n)?.state === 'completed';
      return done('srm-rfq') && done('oa-purchase-approval') && s.outcome === 'paused';
    });
    expect(await purchaseApprovals(tenant, run.id)).toMatchObject({ live: 1, cancelled: 0 });
    await handle.cancel();
    await expect(handle.result()).rejects.toBeInstanceOf(WorkflowFailedError);
    const closed = await state(handle);
    expect(closed.outcome).toBe('cancelled');
    expect(closed.steps.find((s) => s.name === 'oa-purchase-approval')?.state).toBe('compensated');
    await env.api.clearFaults(env.platform.datalakeUrl);
    return run;
  });
  const approvals = await purchaseApprovals(tenant, id);
  expect(approvals).toMatchObject({ live: 0, cancelled: 1 });
  expect(await rfqs(tenant, id)).toMatchObject({ live: 0, cancelled: 1 });

  // The lake missed the event and the withdrawal; the resync finds the approval by the record's source.
  const approvalId = (
    await env.api.list(tenant, SOURCES.approval('erp', 'purchase_requisition', id, 'purchase').path)
  )[0].id as string;
  const started = await startResync(ctx, env.taskQueue, { from: String(event.seq), tenant });
  const view = await followResync(ctx, started.workflowId, { pollMs: 250 });
  expect(view.status).toBe('COMPLETED');
  const lake = async (cell: string, table: string) => env.api.table(tenant, cell, table);
  expect((await lake('erp', 'purchase_requisitions')).map((r: Rec) => r.eventId)).toEqual([event.eventId]);
  const oaChanges = (await lake('oa', 'status_changes')).filter((r: Rec) => r.documentId === approvalId);
  expect(oaChanges.map((r: Rec) => r.status)).toEqual([9]);
  expect((await lake('srm', 'status_changes')).map((r: Rec) => r.status)).toEqual([9]);
});
