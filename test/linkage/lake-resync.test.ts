/**
 * `npm run linkage -- resync` fills the data lake's holes. The same business scenario runs
 * in two tenants: B with the lake up (the reference), A with the lake down for longer than the ingest window.
 * Once the lake is back, a resync of A's range fills every hole: A's lake letters are resolved, its tables
 * hold as many records as B's and its three reports equal B's. A resync cancelled mid-way and resumed ends
 * the same, with nothing twice; a second resync changes nothing; a worker process SIGKILLed in the middle of a
 * page leaves the page to the next worker, and the lake ends the same; a paused all-to-datalake rule holds a
 * resync until it is resumed.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { temporal } from '@temporalio/proto';
import { EVENT_TYPES, STATUS } from '../../common/events';
import { ROOT } from '../../scripts/lib/paths';
import { countBySource, SOURCES } from '../../scripts/lib/platform-client';
import { waitFor, type Rec } from '../../ops/gateway-admin';
import type { OpsContext } from '../../ops/context';
import {
  cancelResync,
  describeResync,
  followResync,
  formatResync,
  parsePosition,
  resumeResync,
  startResync,
  type ResyncView,
} from '../../ops/commands/resync';
import { pauseRule, resumeRule } from '../../ops/commands/rules';
import { createLinkageEnv, opsContext, uniqueTenant, type LinkageEnv } from '../helpers/linkage-env';
import { settled } from '../helpers/settle';

let env: LinkageEnv;
let ctx: OpsContext;
let worker: { stop(): Promise<void> };
const HEARTBEAT = temporal.api.enums.v1.TimeoutType.TIMEOUT_TYPE_HEARTBEAT;

beforeAll(async () => {
  // A short ingest window, so the runs of the outage give up on the lake (and leave their letters) quickly;
  // wide enough for one retry of a slow cell call.
  env = await createLinkageEnv('lake-resync', { LINK_RETRY_WINDOW_SEC: '5' });
  worker = await env.startWorker();
  ctx = opsContext(env);
});
afterAll(async () => {
  await env?.stop();
});
afterEach(async () => {
  await env.api.clearFaults();
  await env.api.clearFaults(env.platform.datalakeUrl);
});

const lakeUrl = () => env.platform.datalakeUrl;
const lakeDown = () =>
  env.api.fault({ method: 'POST', path: '/api/datalake/ingest', times: -1, status: 503 }, lakeUrl());

/** Every table a linkage writes: the event tables (docs/rules-and-configuration.md) and each cell's lifecycle. */
const TABLES: Array<[cell: string, table: string]> = [
  ['crm', 'contracts'],
  ['erp', 'orders'],
  ['erp', 'purchase_requisitions'],
  ['erp', 'purchase_orders'],
  ['srm', 'quotes'],
  ['oa', 'approvals'],
  ...['crm', 'erp', 'oa', 'srm'].flatMap((cell): Array<[string, string]> => [
    [cell, 'status_changes'],
    [cell, 'events'],
  ]),
];
const REPORTS = ['sales-performance', 'purchase-cost', 'approval-efficiency'];

async function tableCounts(tenant: string): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const [cell, table] of TABLES) {
    const rows = await env.api.table(tenant, cell, table);
    // Nothing twice: one record per eventId.
    expect(new Set(rows.map((r) => r.eventId)).size).toBe(rows.length);
    counts[`${cell}/${table}`] = rows.length;
  }
  return counts;
}

/**
 * A report with the tenant's id replaced and wall-clock figures (under a key naming seconds, a duration or a
 * time, or an instant `…At`) reduced to "present and non-negative" (an instant to "present"): everything
 * else is compared exactly, whatever the shape.
 */
function normalised(value: unknown, tenant: string, timing = false): unknown {
  if (Array.isArray(value)) return value.map((v) => normalised(v, tenant, timing));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [
        k,
        normalised(v, tenant, timing || /second|duration|latency|elapsed|time/i.test(k) || /At$/.test(k)),
      ]),
    );
  }
  if (value === tenant) return '<tenant>';
  if (timing && typeof value === 'number') return value >= 0 ? '<non-negative>' : value;
  if (timing && typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(value)) return '<instant>';
  return value;
}

async function reports(tenant: string): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const name of REPORTS) {
    const url = `${lakeUrl()}/api/datalake/reports/${name}?tenantId=${encodeURIComponent(tenant)}`;
    out[name] = normalised(await env.api.ok('GET', url), tenant);
  }
  return out;
}

const one = async (what: string, tenant: string, sourcePath: string): Promise<Rec> =>
  waitFor(what, async () => {
    const items = await env.api.list(tenant, sourcePath);
    if (items.length > 1) throw new Error(`${what}: ${items.length} found, expected one`);
    return items[0];
  });

interface Scenario {
  refused: Rec;
  contracts: Rec[];
  po: Rec;
}

/**
 * The business scenario: a contract whose OA approval is refused for good (its ERP order compensated), four
 * contracts of three customers (three approved, one rejected), and a purchase from requisition to approved
 * purchase order. Resolves once every run of the tenant is closed.
 */
async function scenario(tenant: string): Promise<Scenario> {
  const { api } = env;
  await api.fault({
    method: 'POST',
    path: '/api/v1/oa/approvals',
    times: -1,
    status: 422,
    body: { error: { code: 'validation_error', message: 'approval flow closed' } },
  });
  const refused = await api.signContract(tenant, { customerId: 'cust-9', contractNo: 'HT-9', amountCents: 9_900 });
  await settled(env, tenant);
  await api.clearFaults();

  const contracts: Rec[] = [];
  for (const [customerId, contractNo, amountCents] of [
    ['cust-1', 'HT-1', 120_000],
    ['cust-2', 'HT-2', 45_000],
    ['cust-2', 'HT-3', 30_000],
    ['cust-3', 'HT-4', 80_000],
  ] as const) {
    contracts.push(await api.signContract(tenant, { customerId, contractNo, amountCents }));
  }
  const requisition = await api.createRequisition(tenant, { demandDesc: 'servers', totalAmountCents: 500_000 });
  const rfq = await one('the RFQ', tenant, SOURCES.rfq(requisition.id).path);
  const quote = await api.addQuote(tenant, rfq.id, { supplierId: 'sup-1', amountCents: 480_000 });
  await api.awardQuote(tenant, quote.id);
  const po = await one('the purchase order', tenant, SOURCES.po(quote.id).path);
  await settled(env, tenant);

  for (const [i, c] of contracts.entries()) {
    const approval = await one(
      'a contract approval',
      tenant,
      SOURCES.approval('crm', 'contract', c.id, 'contract').path,
    );
    await api.completeApproval(tenant, approval.id, i !== 3);
  }
  const poApproval = await one(
    'the PO approval',
    tenant,
    SOURCES.approval('erp', 'purchase_order', po.id, 'purchase_order').path,
  );
  await api.completeApproval(tenant, poApproval.id, true);
  // The five completions on the bus, and every run closed.
  await waitFor('the approvals completed on the bus', async () => {
    const events = (await env.events()).filter(
      (e) => e.tenantId === tenant && e.eventType === EVENT_TYPES.approvalCompleted,
    );
    return events.length === 5;
  });
  await settled(env, tenant);
  return { refused, contracts, po };
}

/** One live ERP order per contract, the compensated one's cancelled; the statuses written back. */
async function expectDocuments(tenant: string, s: Scenario): Promise<void> {
  expect(await countBySource(env.api, tenant, SOURCES.order(s.refused.id))).toMatchObject({ live: 0, cancelled: 1 });
  for (const c of s.contracts) {
    expect(await countBySource(env.api, tenant, SOURCES.order(c.id))).toMatchObject({ live: 1, cancelled: 0 });
  }
  const statuses = await Promise.all(
    s.contracts.map(async (c) => (await env.api.cell(tenant, 'GET', `/crm/contracts/${c.id}`)).status),
  );
  expect(statuses).toEqual([STATUS.approved, STATUS.approved, STATUS.approved, STATUS.rejected]);
}

const lakeLetters = async (tenant: string, status: 'open' | 'resolved' | 'all') =>
  (await env.api.deadLetters(`?tenantId=${encodeURIComponent(tenant)}&status=${status}`)).filter(
    (l) => l.step === 'datalake' || l.step === 'datalake-status',
  );

const busEventsOf = async (tenant: string) => (await env.events()).filter((e) => e.tenantId === tenant);

/** The scenario with the lake down throughout; the lake back up afterwards. */
async function outage(tenant: string) {
  await lakeDown();
  const s = await scenario(tenant);
  await env.api.clearFaults(lakeUrl());
  return { s, events: await busEventsOf(tenant), open: await lakeLetters(tenant, 'open') };
}

/** Until a lake fault matching `which` has been hit: a resync page is held up by it. */
const heldUpBy = (which: (f: { status?: number; hang?: boolean }) => boolean) =>
  waitFor(
    'the resync held up by the lake',
    async () => {
      const faults = await env.api.ok<{ items: Array<{ status?: number; hang?: boolean; hits: number }> }>(
        'GET',
        `${lakeUrl()}/api/admin/faults`,
      );
      return faults.items.some((f) => which(f) && f.hits > 0);
    },
    120_000,
    250,
  );

/** The tenant's lake as without the outage: no letter open, the reference's tables and reports. */
async function expectLikeReference(tenant: string, s: Scenario): Promise<void> {
  expect(await lakeLetters(tenant, 'open')).toEqual([]);
  expect(await tableCounts(tenant)).toEqual(B.counts);
  expect(await reports(tenant)).toEqual(B.reports);
  await expectDocuments(tenant, s);
}

/** A resync to its end; its view once closed. */
async function resyncToEnd(params: Parameters<typeof startResync>[2]): Promise<ResyncView> {
  const started = await startResync(ctx, env.taskQueue, params);
  expect(started.attached).toBe(false);
  return followResync(ctx, started.workflowId, { pollMs: 250 });
}

let B: { tenant: string; scenario: Scenario; counts: Record<string, number>; reports: Record<string, unknown> };

beforeAll(async () => {
  // The reference: the same scenario with the lake up.
  const tenant = uniqueTenant('ref');
  const s = await scenario(tenant);
  expect(await lakeLetters(tenant, 'all')).toEqual([]);
  B = { tenant, scenario: s, counts: await tableCounts(tenant), reports: await reports(tenant) };
  expect(B.counts).toMatchObject({
    'crm/contracts': 5,
    'erp/orders': 5,
    'oa/approvals': 5,
    'erp/purchase_orders': 1,
    'crm/status_changes': 4,
    'erp/status_changes': 2,
    'oa/status_changes': 0,
  });
  // Reports with something in them: each customer, supplier and approval type.
  for (const what of ['cust-1', 'cust-2', 'cust-3', 'cust-9', 'sup-1', 'contract', 'purchase_order']) {
    expect(JSON.stringify(B.reports)).toContain(what);
  }
  await expectDocuments(tenant, s);
}, 300_000);

describe('resync after a lake outage', () => {
  let A: { tenant: string; workflowId: string };

  it('fills every hole: letters resolved, tables and reports as without the outage', async () => {
    const tenant = uniqueTenant('out');
    await lakeDown();
    const s = await scenario(tenant);
    await env.api.clearFaults(lakeUrl());
    await expectDocuments(tenant, s);

    const events = await busEventsOf(tenant);
    expect(events).toHaveLength((await busEventsOf(B.tenant)).length);
    const open = await lakeLetters(tenant, 'open');
    // Every event's ingest gave up, and so did the status changes of the runs that made some.
    expect(
      open
        .filter((l) => l.step === 'datalake')
        .map((l) => l.eventId)
        .sort(),
    ).toEqual(events.map((e) => e.eventId).sort());
    expect(open.some((l) => l.step === 'datalake-status')).toBe(true);
    expect(Object.values(await tableCounts(tenant)).every((n) => n === 0)).toBe(true);
    expect(await reports(tenant)).not.toEqual(B.reports);

    const view = await resyncToEnd({ from: '0', tenant });
    expect(view.status).toBe('COMPLETED');
    const c = view.progress!.counters;
    expect(view.progress).toMatchObject({ state: 'completed', tenantId: tenant, cursor: view.progress!.range!.toSeq });
    expect(c).toMatchObject({
      read: events.length,
      matched: events.length,
      skipped: 0,
      ingested: events.length,
      alreadyThere: 0,
      statusAlreadyThere: 0,
      refused: 0,
      documentsMissing: 0,
      lettersResolved: open.length,
    });
    const referenceStatuses = Object.entries(B.counts).filter(([t]) => t.endsWith('/status_changes'));
    expect(c.statusIngested).toBe(referenceStatuses.reduce((n, [, count]) => n + count, 0));
    expect(c.documentsChecked).toBeGreaterThan(0);

    // Every lake letter of the tenant is resolved, by the resync.
    expect(await lakeLetters(tenant, 'open')).toEqual([]);
    const resolved = await lakeLetters(tenant, 'resolved');
    expect(resolved).toHaveLength(open.length);
    for (const l of resolved) expect(l.resolvedBy).toBe(`resync ${view.workflowId}`);
    // Letters of other steps stay as they were (the compensated contract's OA refusals).
    const others = (await env.api.deadLetters(`?tenantId=${tenant}`)).filter(
      (l) => !String(l.step).startsWith('datalake'),
    );
    expect(others.length).toBeGreaterThan(0);
    expect(others.every((l) => l.status === 'open')).toBe(true);

    expect(await tableCounts(tenant)).toEqual(B.counts);
    expect(await reports(tenant)).toEqual(B.reports);
    // The status changes are the reference's, written by the resync.
    for (const cell of ['crm', 'erp', 'oa']) {
      const key = (r: Rec) => [r.documentType, r.status, r.typeCode ?? null].join(':');
      const mine = await env.api.table(tenant, cell, 'status_changes');
      const ref = await env.api.table(B.tenant, cell, 'status_changes');
      expect(mine.map(key).sort()).toEqual(ref.map(key).sort());
      expect(mine.every((r) => r.by === 'resync' && r.workflowId === view.workflowId)).toBe(true);
    }
    await expectDocuments(tenant, s);
    A = { tenant, workflowId: view.workflowId };
  });

  it('a second resync of the same range (the CLI process) changes nothing', async () => {
    const before = await tableCounts(A.tenant);
    const run = await cli(['resync', '--from', '0', '--tenant', A.tenant, '--json']);
    expect(run.code).toBe(0);
    const view = JSON.parse(run.stdout) as ResyncView;
    // Same command, same workflow id: a new run of it, once the first one closed.
    expect(view.workflowId).toBe(A.workflowId);
    expect(view.status).toBe('COMPLETED');
    expect(view.progress!.counters).toMatchObject({
      ingested: 0,
      statusIngested: 0,
      lettersResolved: 0,
      alreadyThere: view.progress!.counters.matched,
    });
    expect(view.progress!.counters.statusAlreadyThere).toBeGreaterThan(0);
    expect(await tableCounts(A.tenant)).toEqual(before);
    expect(await reports(A.tenant)).toEqual(B.reports);

    const status = await cli(['resync', 'status', A.workflowId]);
    expect(status.code).toBe(0);
    expect(status.stdout).toContain(`${A.workflowId}  COMPLETED`);
    expect(status.stdout).toMatch(/records +ingested 0, already there \d+/);
    expect(status.stdout).toContain(`/workflows/${encodeURIComponent(A.workflowId)}/`);
  });

  it('cancelled mid-way and resumed: the same lake contents, nothing twice', async () => {
    const tenant = uniqueTenant('cr');
    // From a time: the first event the bus received at or after it (this tenant's first).
    const since = new Date().toISOString();
    const { s, events, open } = await outage(tenant);

    // The lake takes the next 12 ingests, then answers 503 until cleared: the resync stops on a page, retrying.
    await env.api.fault({ method: 'POST', path: '/api/datalake/ingest', times: 12 }, lakeUrl());
    await env.api.fault({ method: 'POST', path: '/api/datalake/ingest', times: -1, status: 503 }, lakeUrl());
    const from = parsePosition('from', since)!;
    const started = await startResync(ctx, env.taskQueue, { from, tenant, pageSize: 2, pagesPerRun: 2 });
    // Running it again attaches to it: one resync at a time.
    expect(await startResync(ctx, env.taskQueue, { from, tenant, pageSize: 2 })).toMatchObject({
      workflowId: started.workflowId,
      attached: true,
    });
    await expect(
      startResync(ctx, env.taskQueue, { from, tenant, pageSize: 2, id: started.workflowId, type: 'x' }),
    ).rejects.toThrow(/already running with other parameters/);
    await heldUpBy((f) => f.status === 503);
    const cancelled = await cancelResync(ctx, started.workflowId, { wait: true });
    expect(cancelled.status).toBe('CANCELLED');
    const stopped = cancelled.progress!;
    expect(stopped.state).toBe('cancelled');
    expect(stopped.range).toMatchObject({ after: events[0].seq - 1, firstSeq: events[0].seq });
    expect(started.workflowId).toBe(`paas-linkage:resync:${since.replace(/:/g, '_')}-head-${tenant}-all`);
    expect(stopped.pages).toBeGreaterThanOrEqual(2);
    expect(stopped.cursor!).toBeGreaterThan(stopped.range!.after);
    expect(stopped.cursor!).toBeLessThan(stopped.range!.toSeq);
    // The page it stopped on and those after it were not done: their letters are still open. The status of
    // a closed run is read from its memo.
    expect((await lakeLetters(tenant, 'open')).length).toBeGreaterThan(0);
    expect((await describeResync(ctx, started.workflowId)).progress).toEqual(stopped);

    await env.api.clearFaults(lakeUrl());
    const resumed = await resumeResync(ctx, env.taskQueue, started.workflowId);
    expect(resumed.workflowId).toBe(started.workflowId);
    const view = await followResync(ctx, started.workflowId, { pollMs: 250 });
    expect(view.status).toBe('COMPLETED');
    const p = view.progress!;
    expect(p.resumedFrom).toEqual({ runId: cancelled.runId, state: 'CANCELLED' });
    expect(p.startedAt).toBe(stopped.startedAt);
    // Each run does at most two pages (continue-as-new), and the counters add up across runs and the resume.
    expect(p.runs).toBeGreaterThanOrEqual(Math.ceil(p.pages / 2));
    expect(p.runs).toBeGreaterThan(stopped.runs);
    expect(p.counters.matched).toBe(events.length);
    expect(p.counters.ingested + p.counters.alreadyThere).toBe(events.length);
    expect(p.counters.lettersResolved).toBe(open.length);

    await expectLikeReference(tenant, s);
  });
});

describe('resync and a paused all-to-datalake rule', () => {
  it('holds while the rule is paused, nothing written, who and why shown; goes on once resumed', async () => {
    const tenant = uniqueTenant('held');
    const { s, events, open } = await outage(tenant);

    await pauseRule(
      ctx,
      'all-to-datalake',
      { by: 'ops-test', reason: 'lake upgrade' },
      { taskQueue: env.taskQueue, settleMs: 1_000 },
    );
    const started = await startResync(ctx, env.taskQueue, {
      from: String(events[0].seq),
      tenant,
      pageSize: 2,
      pauseCheckMs: 500,
    });
    try {
      const handle = env.client.workflow.getHandle(started.workflowId);
      // Held for a few looks at the rule, not just the first.
      await waitFor('the resync held, looking again', async () => {
        const history = await handle.fetchHistory();
        return (history.events ?? []).filter((e) => e.timerFiredEventAttributes).length >= 3;
      });
      const held = await describeResync(ctx, started.workflowId);
      expect(held.status).toBe('RUNNING');
      expect(held.progress).toMatchObject({
        state: 'paused',
        pages: 0,
        paused: { rule: 'all-to-datalake', by: 'ops-test', reason: 'lake upgrade' },
      });
      expect(formatResync(held)).toContain('paused      held: all-to-datalake is paused by ops-test since');
      // The Web UI's current details say so too.
      const metadata = await handle.query<{ currentDetails?: string }>('__temporal_workflow_metadata');
      expect(metadata.currentDetails).toMatch(
        /Lake resync: \*\*paused\*\* — held: all-to-datalake is paused by ops-test/,
      );
      // Nothing of the tenant reached the lake, and its letters are still open.
      expect(Object.values(await tableCounts(tenant)).every((n) => n === 0)).toBe(true);
      expect(await lakeLetters(tenant, 'open')).toHaveLength(open.length);
    } finally {
      // Resumed whatever happened: the crash test after this one needs the lake rule.
      await resumeRule(ctx, 'all-to-datalake', { by: 'ops-test', ratePerSec: 10 }, env.taskQueue);
    }
    const view = await followResync(ctx, started.workflowId, { pollMs: 250 });
    expect(view.status).toBe('COMPLETED');
    expect(view.progress).toMatchObject({ state: 'completed', paused: null });
    expect(view.progress!.counters).toMatchObject({
      matched: events.length,
      ingested: events.length,
      lettersResolved: open.length,
    });
    await expectLikeReference(tenant, s);
  });
});

describe('resync across a worker crash', () => {
  it('a worker process SIGKILLed mid-page: the next worker takes the page over, the same lake contents', async () => {
    const tenant = uniqueTenant('kill');
    const { s, events, open } = await outage(tenant);

    // The resync runs on a worker process alone (no poller: the bus is read by the in-process worker's).
    await worker.stop();
    const proc = await env.startWorkerProcess({ POLLER_ENABLED: '0' });
    // The lake takes 12 ingests, then never answers: the page is in flight, heartbeating, when its worker dies.
    await env.api.fault({ method: 'POST', path: '/api/datalake/ingest', times: 12 }, lakeUrl());
    await env.api.fault({ method: 'POST', path: '/api/datalake/ingest', times: -1, hang: true }, lakeUrl());
    const started = await startResync(ctx, env.taskQueue, { from: String(events[0].seq), tenant, pageSize: 2 });
    await heldUpBy((f) => f.hang === true);
    const midway = (await describeResync(ctx, started.workflowId)).progress!;
    expect(midway.state).toBe('running');
    expect(midway.cursor!).toBeLessThan(midway.range!.toSeq);
    await proc.kill();

    await env.api.clearFaults(lakeUrl());
    worker = await env.startWorker();
    const view = await followResync(ctx, started.workflowId, { pollMs: 250 });
    expect(view.status).toBe('COMPLETED');
    const c = view.progress!.counters;
    expect(c.matched).toBe(events.length);
    expect(c.ingested + c.alreadyThere).toBe(events.length);
    expect(c.lettersResolved).toBe(open.length);

    // The killed page: a later attempt of it, after its heartbeat stopped.
    const history = await env.client.workflow.getHandle(started.workflowId, view.runId).fetchHistory();
    const takenOver = (history.events ?? []).filter((e) => {
      const a = e.activityTaskStartedEventAttributes;
      return (a?.attempt ?? 0) > 1 && a?.lastFailure?.timeoutFailureInfo?.timeoutType === HEARTBEAT;
    });
    expect(takenOver.length).toBeGreaterThan(0);

    await expectLikeReference(tenant, s);
  });
});

interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** The operator CLI as a child process (what `npm run linkage --` runs), on this suite's stack. */
function cli(args: string[]): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', path.join(ROOT, 'ops/cli.ts'), ...args],
      { cwd: ROOT, env: { ...process.env, ...env.env, TEMPORAL_UI_URL: 'http://ui.test' }, timeout: 300_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}
