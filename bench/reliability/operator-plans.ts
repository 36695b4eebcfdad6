/**
 * The operator-path scenarios: what an operator does to repair linkages — retry after a
 * permanent refusal, terminate, cancel with calls in flight, a worker moved to a fresh namespace, an
 * approval of a compensated order — must still leave exactly one live document per business source.
 * The checker counts live documents per source, so a second live one is a duplicate.
 */
import { Client, WorkflowNotFoundError, type WorkflowHandle } from '@temporalio/client';
import { STATUS } from '../../common/events';
import { pollerWorkflowId } from '../../common/linkage';
import { SOURCES } from '../../scripts/lib/platform-client';
import { retryAll, SUCCESSFUL_OUTCOMES } from '../../ops/commands/retry';
import type { OpsContext } from '../../ops/context';
import { createNamespace } from '../../scripts/temporal-namespace';
import type { Plan, RunContext } from './scenarios';
import type { Stack } from './stack';
import { linkageRunsOf } from './linkage-query';

export type OperatorScenarioName =
  'oa-4xx-retry-all' | 'terminate-retry' | 'cancel-in-flight-retry' | 'fresh-namespace-replay' | 'cascade-approved';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const eventIdOf = (workflowId: string) => workflowId.replace(/^linkage-/, '');

/** A permanent refusal (400) of every OA approval POST from 30 % to 60 % of publishing. */
const oaRefusedWindow: Plan['faults'] = [
  {
    at: 0.3,
    what: 'OA approvals refused (400)',
    async run(s, ctx) {
      await s.api.fault({ method: 'POST', path: '/api/v1/oa/approvals', times: -1, status: 400 });
      ctx.note('OA approvals answer 400');
    },
  },
  {
    at: 0.6,
    what: 'cause fixed',
    async run(s, ctx) {
      await s.api.clearFaults();
      ctx.note('OA fixed');
    },
  },
];

/** The operator's linkage runs of the scenario's tenants that are still running. */
async function runningRuns(s: Stack, ctx: RunContext): Promise<string[]> {
  const ids: string[] = [];
  const query = `${linkageRunsOf(ctx.tenants.map((t) => t.tenant))} AND ExecutionStatus = "Running"`;
  for await (const wf of s.client.workflow.list({ query })) ids.push(wf.workflowId);
  return ids;
}

/** `npm run linkage -- retry --all --all-statuses --tenant <t> --wait`, then quiescence again. */
async function retryEverything(s: Stack, ctx: RunContext): Promise<void> {
  const ops: OpsContext = { client: s.client, namespace: s.client.options.namespace, api: s.api, uiUrl: null };
  const results = [];
  for (const t of ctx.tenants) {
    results.push(...(await retryAll(ops, { tenant: t.tenant, allStatuses: true }, { wait: true })));
  }
  for (const r of results) ctx.repaired.add(eventIdOf(r.workflowId));
  const bad = results.filter((r) => r.error || !SUCCESSFUL_OUTCOMES.has(r.outcome ?? ''));
  ctx.note(`retry --all: ${results.length} runs retried, ${bad.length} did not complete`);
  ctx.checks.push({
    name: 'retry --all: every retried run completed',
    ok: results.length > 0 && bad.length === 0,
    detail: `${results.length} retried${bad.length ? `; ${bad.map((r) => `${r.workflowId}: ${r.error ?? r.outcome}`).join('; ')}` : ''}`,
  });
  await ctx.settle('after retry --all');
}

/** How many of the tenants' orders made by a linkage (with a source contract) are cancelled. */
async function compensatedOrders(s: Stack, ctx: RunContext): Promise<number> {
  let n = 0;
  for (const t of ctx.tenants) {
    const orders = await s.api.list(t.tenant, '/erp/orders');
    n += orders.filter((o) => o.sourceContractId && o.orderStatus === STATUS.cancelled).length;
  }
  return n;
}

/**
 * From 30 % of publishing OA misbehaves (`oaFault`); a while later an operator stops (`stop`) every
 * running linkage of the tenants, the cause is fixed, and after quiescence every stopped run is retried.
 */
function stopThenRetry(o: {
  title: string;
  fault: string;
  oaFault: { status?: number; delayResponseMs?: number };
  holdMsPerPublishSec: number;
  verb: 'terminated' | 'cancelled';
  stop(handle: WorkflowHandle): Promise<unknown>;
}): Plan {
  return {
    title: o.title,
    fault: o.fault,
    workers: 1,
    faults: [
      {
        at: 0.3,
        what: `OA fault, then every running linkage ${o.verb}`,
        async run(s, ctx) {
          await s.api.fault({ method: 'POST', path: '/api/v1/oa/approvals', times: -1, ...o.oaFault });
          await sleep(ctx.opts.publishSec * o.holdMsPerPublishSec);
          const ids = await runningRuns(s, ctx);
          // A run listed as running may close before the operator reaches it (its calls are fast): that one
          // is not stopped, and the fault is still cleared below.
          const stopped = await Promise.all(
            ids.map((id) =>
              o.stop(s.client.workflow.getHandle(id)).then(
                () => true,
                (err: unknown) => {
                  if (err instanceof WorkflowNotFoundError) return false;
                  throw err;
                },
              ),
            ),
          );
          ctx.state.stopped = stopped.filter(Boolean).length;
          ctx.note(`${ctx.state.stopped} runs ${o.verb}`);
          await sleep(2000);
          await s.api.clearFaults();
        },
      },
    ],
    async after(s, ctx) {
      const n = Number(ctx.state.stopped ?? 0);
      ctx.checks.push({ name: `runs ${o.verb} mid-run`, ok: n > 0, detail: `${n}` });
      await retryEverything(s, ctx);
    },
  };
}

export const OPERATOR_PLANS: Record<OperatorScenarioName, Plan> = {
  'oa-4xx-retry-all': {
    title: 'Permanent OA failure (4xx) → compensation → fix → retry --all',
    fault:
      'from 30 % to 60 % of publishing every OA approval POST answers 400: contract runs cancel their ERP order and fail; then the cause is fixed and `retry --all --all-statuses` re-runs every failed linkage',
    workers: 1,
    faults: oaRefusedWindow,
    async after(s, ctx) {
      const compensated = await compensatedOrders(s, ctx);
      ctx.checks.push({ name: 'orders compensated before the retry', ok: compensated > 0, detail: `${compensated}` });
      await retryEverything(s, ctx);
    },
  },
  'terminate-retry': stopThenRetry({
    title: 'Terminate mid-run → retry',
    fault:
      'from 30 % of publishing OA answers 503 for a while, so runs stop after their ERP order; an operator terminates every running linkage, the cause is fixed, then `retry --all --all-statuses`',
    oaFault: { status: 503 },
    holdMsPerPublishSec: 300,
    verb: 'terminated',
    stop: (h) => h.terminate('stuck on OA: terminated by an operator'),
  }),
  'cancel-in-flight-retry': stopThenRetry({
    title: 'Cancel with a step in flight → retry',
    fault:
      'from 30 % of publishing every OA approval is made but its answer held 1.5 s; an operator cancels every running linkage while calls are in flight, then `retry --all --all-statuses`',
    oaFault: { delayResponseMs: 1500 },
    holdMsPerPublishSec: 200,
    verb: 'cancelled',
    stop: (h) => h.cancel(),
  }),
  'fresh-namespace-replay': {
    title: 'A second worker on a fresh namespace replays the whole bus from seq 0',
    fault:
      'after every event is linked, a worker on a new namespace (no workflow ids, no poller cursor) starts with POLLER_START_AFTER=0 and links the whole bus again',
    workers: 1,
    async after(s, ctx) {
      const namespace = `reliability-fresh-${Date.now().toString(36)}`;
      await createNamespace(s.client, namespace);
      await s.startWorker({ TEMPORAL_NAMESPACE: namespace, POLLER_START_AFTER: '0' });
      const fresh = new Client({ connection: s.client.connection, namespace });
      ctx.note(`worker on namespace ${namespace} replaying from seq 0`);
      await ctx.settle('in the fresh namespace', fresh);
      const replayed = (await fresh.workflow.count(linkageRunsOf(ctx.tenants.map((t) => t.tenant)))).count;
      const events = (await Promise.all(ctx.tenants.map((t) => s.busEvents(t.tenant)))).flat().length;
      ctx.checks.push({
        name: 'every bus event linked again in the fresh namespace',
        ok: replayed === events,
        detail: `${replayed} runs, ${events} events`,
      });
      await fresh.workflow
        .getHandle(pollerWorkflowId(s.taskQueue))
        .terminate('reliability scenario finished')
        .catch(() => undefined);
    },
  },
  'cascade-approved': {
    title: 'The cascade approval of a compensated order approved',
    fault:
      "OA refuses approvals (400) from 30 % to 60 % of publishing, so contract runs cancel their orders; `retry --all --all-statuses` re-runs the failed linkages (the cancelled orders' own approval runs included), then an operator approves every sales-order approval of every linked order, cancelled ones included",
    workers: 1,
    faults: oaRefusedWindow,
    async after(s, ctx) {
      await retryEverything(s, ctx);
      const tally = { approved: 0, refused: 0, refusedLive: 0, approvedCancelled: 0 };
      const cancelled: { tenant: string; id: string }[] = [];
      for (const { tenant } of ctx.tenants) {
        for (const order of await s.api.list(tenant, '/erp/orders')) {
          if (!order.sourceContractId) continue;
          const isCancelled = order.orderStatus === STATUS.cancelled;
          if (isCancelled) cancelled.push({ tenant, id: order.id });
          const source = SOURCES.approval('erp', 'order', order.id, 'sales_order');
          for (const a of await s.api.list(tenant, source.path)) {
            const res = await s.api.call('POST', `/api/v1/oa/approvals/${a.id}/complete`, {
              tenant,
              body: { approved: true },
            });
            if (res.status === 200) {
              tally.approved++;
              if (isCancelled) tally.approvedCancelled++;
            } else if (res.status === 409) {
              tally.refused++;
              if (!isCancelled) tally.refusedLive++;
            }
          }
        }
      }
      ctx.note(`approvals: ${JSON.stringify(tally)}; ${cancelled.length} cancelled orders`);
      ctx.checks.push({
        name: 'approving the approval of a cancelled order is refused (409)',
        ok: tally.refused > 0 && tally.approvedCancelled === 0,
        detail: `${tally.refused} refused, ${tally.approvedCancelled} approved on a cancelled order`,
      });
      ctx.checks.push({
        name: 'approvals of live orders approved',
        ok: tally.approved > 0 && tally.refusedLive === 0,
        detail: `${tally.approved} approved, ${tally.refusedLive} refused on a live order`,
      });
      await ctx.settle('after the approvals');
      const revived = [];
      for (const c of cancelled) {
        const o = await s.api.cell(c.tenant, 'GET', `/erp/orders/${c.id}`);
        if (o.orderStatus !== STATUS.cancelled) revived.push(`${c.id}=${String(o.orderStatus)}`);
      }
      ctx.checks.push({
        name: 'no cancelled order revived',
        ok: cancelled.length > 0 && revived.length === 0,
        detail: revived.length ? revived.join(', ') : `${cancelled.length} stay cancelled`,
      });
    },
  },
};
