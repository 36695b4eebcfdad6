/**
 * The worker's Prometheus endpoint. A real worker with METRICS_PORT on a free port,
 * real events through the real platform and poller: the linkage counters move (started, completed by
 * outcome, failed, compensated, events read), the poller's lag is exposed, and a worker *process* merges
 * the SDK's own `temporal_*` metrics into the same endpoint.
 */
import { waitFor } from '../../ops/gateway-admin';
import { createLinkageEnv, uniqueTenant, type LinkageEnv } from '../helpers/linkage-env';
import { freeMetricsPort, freePort } from '../helpers/ports';

let env: LinkageEnv;
let port: number;
const CONTRACT = 'crm.contract.signed';

beforeAll(async () => {
  env = await createLinkageEnv('metrics');
  port = await freePort();
  await env.startWorker({ METRICS_PORT: String(port) });
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
