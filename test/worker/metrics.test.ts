/**
 * The worker's Prometheus endpoint. A real worker with METRICS_PORT on a free port,
 * real events through the real platform and poller: the linkage counters move (started, completed by
 * outcome, failed, compensated, events read), the poller's lag is exposed, a capped tenant's intake lane
 * shows per tenant, and a worker *process* merges the SDK's own `temporal_*` metrics into the same endpoint.
 */
import { Registry } from 'prom-client';
import { waitFor } from '../../ops/gateway-admin';
import { createLaneMetrics, MAX_TENANT_LABELS, OTHER_TENANTS } from '../../worker/lane-metrics';
import type { BusEvent } from '../../common/events';
import { createLinkageEnv, uniqueTenant, type LinkageEnv } from '../helpers/linkage-env';
import { freeMetricsPort, freePort } from '../helpers/ports';

let env: LinkageEnv;
let port: number;
const CONTRACT = 'crm.contract.signed';
/** Capped: always given an intake lane, whose metrics carry its tenant. */
const CAPPED = uniqueTenant('capped');

beforeAll(async () => {
  env = await createLinkageEnv('metrics');
  port = await freePort();
  await env.startWorker({ METRICS_PORT: String(port), INTAKE_TENANT_RATES: `${CAPPED}=50` });
});
afterAll(async () => {
  await env?.api.clearFaults().catch(() => undefined);
  await env?.stop();
});
afterEach(async () => {
  await env.api.clearFaults();
});

async function scrape(p = port): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${p}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
  return res.text();
}

/** The value of one sample (`name{labels} value`); 0 when the series does not exist yet. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m || m[1] !== name) continue;
    const found = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => found[k] === v)) return Number(m[3]);
  }
  return 0;
}

async function value(name: string, labels: Record<string, string> = {}): Promise<number> {
  return sample(await scrape(), name, labels);
}

/** Waits until the sample reaches `target`; returns the whole scrape at that point. */
async function reach(name: string, labels: Record<string, string>, target: number): Promise<string> {
  return waitFor(`${name}${JSON.stringify(labels)} ≥ ${target}`, async () => {
    const text = await scrape();
    return sample(text, name, labels) >= target ? text : null;
  });
}

const sign = (tenant: string) =>
  env.api.signContract(tenant, { customerId: 'cus-m', contractNo: `HT-${tenant}`, amountCents: 10_000 });

describe('worker metrics endpoint (METRICS_PORT)', () => {
  it('serves the linkage counters and the poller gauges, with HELP and TYPE', async () => {
    const text = await scrape();
    for (const name of [
      'linkage_workflows_started_total',
      'linkage_workflows_completed_total',
      'linkage_workflows_failed_total',
      'linkage_workflows_compensated_total',
      'linkage_poller_events_read_total',
    ]) {
      expect(text).toContain(`# TYPE ${name} counter`);
    }
    expect(text).toContain('# TYPE linkage_poller_lag_events gauge');
    expect(text).toContain('# TYPE nodejs_heap_size_used_bytes gauge');
    expect((await fetch(`http://127.0.0.1:${port}/nope`)).status).toBe(404);
  });

  it('a completed linkage moves started, completed{outcome="completed"} and events read', async () => {
    const before = await scrape();
    const started0 = sample(before, 'linkage_workflows_started_total', { event_type: CONTRACT });
    const done0 = sample(before, 'linkage_workflows_completed_total', { event_type: CONTRACT, outcome: 'completed' });
    const failed0 = sample(before, 'linkage_workflows_failed_total', { event_type: CONTRACT });
    const read0 = sample(before, 'linkage_poller_events_read_total');

    await sign(uniqueTenant());
    const after = await reach(
      'linkage_workflows_completed_total',
      { event_type: CONTRACT, outcome: 'completed' },
      done0 + 1,
    );

    expect(sample(after, 'linkage_workflows_started_total', { event_type: CONTRACT })).toBe(started0 + 1);
    expect(sample(after, 'linkage_workflows_completed_total', { event_type: CONTRACT, outcome: 'completed' })).toBe(
      done0 + 1,
    );
    expect(sample(after, 'linkage_workflows_failed_total', { event_type: CONTRACT })).toBe(failed0);
    expect(sample(after, 'linkage_poller_events_read_total')).toBeGreaterThanOrEqual(read0 + 1);
    // The poller caught up with a short page: nothing behind its cursor.
    expect(sample(after, 'linkage_poller_lag_events')).toBe(0);
    expect(sample(after, 'linkage_poller_cursor')).toBeGreaterThanOrEqual(1);
    // The chain goes on: the ERP order's own run is counted under its event type.
    await reach('linkage_workflows_started_total', { event_type: 'erp.order.created' }, 1);
  });

  it('an ERP 422 fails the run: failed_total and completed{outcome="failed"} move', async () => {
    const failed0 = await value('linkage_workflows_failed_total', { event_type: CONTRACT });
    const outcome0 = await value('linkage_workflows_completed_total', { event_type: CONTRACT, outcome: 'failed' });
    const ok0 = await value('linkage_workflows_completed_total', { event_type: CONTRACT, outcome: 'completed' });
    await env.api.fault({ method: 'POST', path: '/api/v1/erp/orders', times: -1, status: 422 });

    await sign(uniqueTenant());
    const after = await reach('linkage_workflows_failed_total', { event_type: CONTRACT }, failed0 + 1);

    expect(sample(after, 'linkage_workflows_completed_total', { event_type: CONTRACT, outcome: 'failed' })).toBe(
      outcome0 + 1,
    );
    expect(sample(after, 'linkage_workflows_completed_total', { event_type: CONTRACT, outcome: 'completed' })).toBe(
      ok0,
    );
  });

  it('an OA 422 after the ERP order compensates it: compensated_total moves', async () => {
    const comp0 = await value('linkage_workflows_compensated_total', { event_type: CONTRACT });
    const failed0 = await value('linkage_workflows_failed_total', { event_type: CONTRACT });
    const outcome0 = await value('linkage_workflows_completed_total', { event_type: CONTRACT, outcome: 'compensated' });
    await env.api.fault({ method: 'POST', path: '/api/v1/oa/approvals', times: -1, status: 422 });

    await sign(uniqueTenant());
    const after = await reach('linkage_workflows_compensated_total', { event_type: CONTRACT }, comp0 + 1);

    expect(sample(after, 'linkage_workflows_completed_total', { event_type: CONTRACT, outcome: 'compensated' })).toBe(
      outcome0 + 1,
    );
    // A compensated run ended Failed: it counts as failed too.
    expect(sample(after, 'linkage_workflows_failed_total', { event_type: CONTRACT })).toBe(failed0 + 1);
  });

  it("a capped tenant's lane: its starts and pages under its tenant label, the lanes open", async () => {
    await sign(CAPPED);
    // The lane reads the contract's event, starts its run, and its page is short: caught up.
    const text = await reach('linkage_intake_lane_starts_total', { tenant: CAPPED }, 1);
    expect(
      sample(text, 'linkage_intake_lane_pages_total', { tenant: CAPPED, caught_up: 'true' }),
    ).toBeGreaterThanOrEqual(1);
    expect(text).toContain(`linkage_intake_lane_behind{tenant="${CAPPED}"} 0`);
    expect(text).toMatch(new RegExp(`^linkage_intake_lane_lag_seconds\\{tenant="${CAPPED}"\\} \\d`, 'm'));
    expect(text).toContain('# TYPE linkage_intake_lanes_open gauge');
    // Another tenant, uncapped and alone on its pages, has no lane.
    const plain = uniqueTenant();
    await sign(plain);
    await waitFor(
      `${plain}'s run`,
      async () => (await env.client.workflow.count(`LinkageTenant = "${plain}"`)).count > 0,
    );
    expect(await scrape()).not.toContain(`tenant="${plain}"`);
  });

  it(`lane labels stay bounded: ${MAX_TENANT_LABELS} tenants, the rest as "${OTHER_TENANTS}"`, async () => {
    const registry = new Registry();
    const lanes = createLaneMetrics(registry);
    const readAt = Date.parse('2026-01-01T00:01:00Z');
    const page = (tenantId: string): { events: BusEvent[]; nextAfter: number } => ({
      events: [{ seq: 1, tenantId, occurredAt: '2026-01-01T00:00:00Z' } as BusEvent],
      nextAfter: 1,
    });
    const behind = { nextAfter: 1, read: 1, started: 1, duplicates: 0, caughtUp: false };
    const tenants = Array.from({ length: MAX_TENANT_LABELS + 5 }, (_, i) => `t${i}`);
    for (const t of tenants) lanes.onLanePage(t, page(t), behind, readAt);
    let text = await registry.metrics();
    const labels = new Set([...text.matchAll(/tenant="([^"]+)"/g)].map((m) => m[1]));
    expect(labels.size).toBe(MAX_TENANT_LABELS + 1);
    expect(sample(text, 'linkage_intake_lane_behind', { tenant: 't0' })).toBe(1);
    expect(sample(text, 'linkage_intake_lane_lag_seconds', { tenant: 't0' })).toBe(60);
    expect(sample(text, 'linkage_intake_lane_behind', { tenant: OTHER_TENANTS })).toBe(5);
    expect(sample(text, 'linkage_intake_lane_starts_total', { tenant: OTHER_TENANTS })).toBe(5);
    // t0's lane is done: its label goes to the next new lane, which no longer counts as other.
    lanes.onLanePage('t0', page('t0'), { ...behind, caughtUp: true }, readAt);
    lanes.onLanePage('fresh', page('fresh'), behind, readAt);
    text = await registry.metrics();
    expect(text).not.toContain('tenant="t0"');
    expect(sample(text, 'linkage_intake_lane_behind', { tenant: 'fresh' })).toBe(1);
    expect(sample(text, 'linkage_intake_lane_behind', { tenant: OTHER_TENANTS })).toBe(5);
    // The main poller's page: its lanes open, and the one it hands over now.
    lanes.onPollerPage(
      { nextAfter: 9, read: 9, started: 0, duplicates: 0, delegated: [{ tenantId: 'new', from: 8 }] },
      { lanes: { a: { from: 1 }, b: { catchUpFrom: 5 } } },
    );
    expect(sample(await registry.metrics(), 'linkage_intake_lanes_open')).toBe(2);
  });

  it('a worker process merges the SDK metrics (temporal_*) into the same endpoint', async () => {
    const p = await freeMetricsPort();
    // Its own task queue and no poller: it must not take runs from the in-process worker above.
    await env.startWorkerProcess({
      METRICS_PORT: String(p),
      TEMPORAL_TASK_QUEUE: `${env.taskQueue}-sdk`,
      POLLER_ENABLED: '0',
    });
    const text = await waitFor('SDK metrics merged', async () => {
      const t = await scrape(p);
      return /^temporal_\w+/m.test(t) ? t : null;
    });
    expect(text).toContain('# TYPE linkage_workflows_started_total counter');
    expect(text).toMatch(/^temporal_\w+\{[^}]*task_queue="[^"]*-sdk"/m);
  });
});
