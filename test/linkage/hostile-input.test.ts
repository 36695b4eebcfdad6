/**
 * Hostile input never stalls the bus. An event the bus accepts never fails
 * for its size; a malformed one gets a dead letter naming it and the cause, and the cursor moves on; a
 * failing bus read is visible in health and metrics; bad poller settings and a refused token stop the
 * worker at start.
 */
import { EVENT_TYPES } from '../../common/events';
import { linkageWorkflowId } from '../../common/linkage';
import { countBySource, SOURCES } from '../../scripts/lib/platform-client';
import { waitFor, type Rec } from '../../ops/gateway-admin';
import { startService } from '../../scripts/service-process';
import { createLinkageEnv, uniqueTenant, type LinkageEnv } from '../helpers/linkage-env';
import { freePort } from '../helpers/ports';

let env: LinkageEnv;
let metricsPort: number;

beforeAll(async () => {
  env = await createLinkageEnv('hostile');
  metricsPort = await freePort();
  await env.startWorker({ METRICS_PORT: String(metricsPort), POLLER_PAGE_SIZE: '200' });
});
afterAll(async () => {
  await env?.stop();
});
afterEach(async () => {
  await env.api.clearFaults();
});

const requisition = (tenant: string, id: string) => ({
  eventId: `${tenant}-${id}`,
  eventType: EVENT_TYPES.requisitionCreated,
  tenantId: tenant,
  payload: { requisitionId: `req-${id}`, tenantId: tenant, demandDesc: `d ${id}`, totalAmountCents: 1 },
});
const generic = (tenant: string, id: string) => ({
  eventId: `${tenant}-${id}`,
  eventType: 'hr.employee.onboarded',
  tenantId: tenant,
  payload: { tenantId: tenant, ref: id },
});

async function publishAll(events: { eventId: string; eventType: string; tenantId: string; payload: object }[]) {
  for (let i = 0; i < events.length; i += 25) {
    const results = await Promise.all(
      events.slice(i, i + 25).map((e) => env.api.publish(e as Parameters<typeof env.api.publish>[0])),
    );
    for (const r of results) expect(r.status).toBe(201);
  }
}

/** Every event's workflow has closed; returns how many closed each way. */
async function allClosed(events: { eventId: string }[]): Promise<Map<string, string>> {
  return waitFor(
    `${events.length} runs closed`,
    async () => {
      const statuses = new Map<string, string>();
      for (const e of events) {
        const d = await env.client.workflow
          .getHandle(linkageWorkflowId(e.eventId))
          .describe()
          .catch(() => null);
        if (!d || d.status.name === 'RUNNING') return null;
        statuses.set(e.eventId, d.status.name);
      }
      return statuses;
    },
    180_000,
    500,
  );
}

const lettersOf = async (eventId: string): Promise<Rec[]> =>
  env.api.deadLetters(`?eventId=${encodeURIComponent(eventId)}`);

describe('hostile input', () => {
  it('a 20,000-character formData.sourceId, then 300 good events: all 300 linked, the bad one dead-lettered', async () => {
    const tenant = uniqueTenant();
    const bad = {
      eventId: `${tenant}-huge`,
      eventType: EVENT_TYPES.approvalCompleted,
      tenantId: tenant,
      payload: {
        instanceId: 'apv-huge',
        tenantId: tenant,
        status: 2,
        typeCode: 'sales_order',
        formData: { sourceCell: 'erp', sourceType: 'order', sourceId: 'x'.repeat(20_000) },
      },
    };
    const good = Array.from({ length: 300 }, (_, i) =>
      i % 3 ? generic(tenant, `g${i}`) : requisition(tenant, `r${i}`),
    );
    await publishAll([bad, ...good]);

    const closed = await allClosed(good);
    expect([...closed.values()].filter((s) => s !== 'COMPLETED')).toEqual([]);
    for (const e of good.filter((g) => g.eventType === EVENT_TYPES.requisitionCreated)) {
      const id = (e.payload as { requisitionId: string }).requisitionId;
      expect(await countBySource(env.api, tenant, SOURCES.rfq(id))).toMatchObject({ live: 1 });
    }
    const [letter] = await waitFor('the dead letter of the huge event', async () => {
      const l = await lettersOf(bad.eventId);
      return l.length ? l : null;
    });
    expect(String(letter.reason)).toMatch(/write-back|not linked/);
    expect(String(letter.reason).length).toBeLessThan(5000);
  });

  it('200 malformed payloads interleaved with good events: every good one linked, every bad one dead-lettered', async () => {
    const tenant = uniqueTenant();
    const malformed = Array.from({ length: 200 }, (_, i) => {
      const eventId = `${tenant}-bad${i}`;
      const kinds = [
        { eventType: EVENT_TYPES.contractSigned, payload: { tenantId: tenant } }, // missing fields
        {
          eventType: EVENT_TYPES.requisitionCreated,
          payload: { requisitionId: 5, tenantId: tenant, demandDesc: [], totalAmountCents: 'lots' }, // wrong types
        },
        {
          eventType: EVENT_TYPES.quoteAwarded,
          payload: {
            quoteId: 'q'.repeat(5000), // oversized
            tenantId: tenant,
            rfqId: 'r',
            supplierId: 's',
            amountCents: 1,
          },
        },
        { eventType: EVENT_TYPES.orderCreated, payload: { orderId: 'o', tenantId: 'someone-else' } }, // foreign tenant
      ];
      return { eventId, tenantId: tenant, ...kinds[i % kinds.length] };
    });
    const good = Array.from({ length: 100 }, (_, i) => requisition(tenant, `ok${i}`));
    const mixed = malformed.flatMap((m, i) => (i % 2 ? [m] : [m, good[i / 2]]));
    await publishAll(mixed);

    const closed = await allClosed(mixed);
    for (const g of good) expect(closed.get(g.eventId)).toBe('COMPLETED');
    for (const m of malformed) expect(closed.get(m.eventId)).toBe('FAILED');
    const letters = await env.api.deadLetters(`?tenantId=${tenant}&limit=1000`);
    const lettered = new Set(letters.map((l) => l.eventId));
    expect(malformed.filter((m) => !lettered.has(m.eventId))).toEqual([]);
    expect(good.filter((g) => lettered.has(g.eventId))).toEqual([]);
  });

  it('malformed events in a bus answer: dead letters naming them, and the cursor moves on', async () => {
    const tenant = uniqueTenant();
    const [a, b] = [requisition(tenant, 'around-a'), requisition(tenant, 'around-b')];
    await publishAll([a]);
    const head = (await env.events()).at(-1)!.seq;
    const linked = (eventId: string) =>
      waitFor(`${eventId} linked`, async () => {
        const d = await env.client.workflow
          .getHandle(linkageWorkflowId(eventId))
          .describe()
          .catch(() => null);
        return d?.status.name === 'COMPLETED';
      });
    await linked(a.eventId);
    // The poller's next bus answer carries malformed events (from here on the test reads no bus page
    // itself, so the poller gets it): no event id, a type that is not a string, an event id no workflow
    // id can hold.
    const broken = [
      { seq: head, eventType: EVENT_TYPES.requisitionCreated, tenantId: tenant, occurredAt: 'now', payload: {} },
      { seq: head, eventId: `${tenant}-typeless`, eventType: 42, tenantId: tenant, occurredAt: 'now', payload: {} },
      { seq: head, eventId: `${tenant}-${'l'.repeat(1500)}`, eventType: 'x.y.z', tenantId: tenant, payload: {} },
    ];
    await env.api.fault({
      method: 'GET',
      path: '/api/events',
      times: 1,
      status: 200,
      body: { events: broken, nextAfter: head },
    });
    const letters = await waitFor('three dead letters', async () => {
      const l = (await env.api.deadLetters(`?tenantId=${tenant}`)).filter((d) => d.step === 'start');
      return l.length >= 3 ? l : null;
    });
    const reasons = letters.map((l) => String(l.reason)).join('\n');
    expect(reasons).toContain('eventId: Required');
    expect(reasons).toContain('eventType: Expected string, received number');
    expect(reasons).toMatch(/eventId: String must contain at most 200 character/);
    // The bus was not held back: the next event is linked.
    await publishAll([b]);
    await linked(b.eventId);
  });

  it('a bus answering 401 is visible in /healthz and the metrics, and back to ok once it answers again', async () => {
    await env.api.fault({ method: 'GET', path: '/api/events', times: -1, status: 401 });
    const health = async () => {
      const res = await fetch(`http://127.0.0.1:${metricsPort}/healthz`);
      return { status: res.status, body: (await res.json()) as { ok: boolean; status: string } };
    };
    const failing = await waitFor('health to show the poller failing', async () => {
      const h = await health();
      return h.status === 503 ? h : null;
    });
    expect(failing.body.status).toMatch(/poller failing since .*: .*GET \/api\/events answered 401/);
    const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    expect(metrics).toMatch(/^linkage_poller_healthy 0$/m);
    expect(metrics).toMatch(/^linkage_http_auth_failures_total\{service="gateway"\} [1-9]/m);
    await env.api.clearFaults();
    await waitFor('health back to ok', async () => (await health()).status === 200);
  });

  it('ERP refusing the token (401) for a while, as in a rotation: the run retries and links, the metric counts it', async () => {
    const authFailures = async () => {
      const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
      return Number(/^linkage_http_auth_failures_total\{service="gateway"\} (\S+)/m.exec(text)?.[1] ?? 0);
    };
    const before = await authFailures();
    await env.api.fault({ method: 'POST', path: '/api/v1/erp/orders', times: 3, status: 401 });
    const tenant = uniqueTenant();
    const contract = await env.api.signContract(tenant, { customerId: 'c', contractNo: 'R-1', amountCents: 1 });
    await waitFor('the contract linked', async () => {
      const orders = await countBySource(env.api, tenant, SOURCES.order(contract.id));
      return orders.live === 1;
    });
    expect((await authFailures()) - before).toBe(3);
  });

  it('a refused bus token and an out-of-range page size stop the worker at start, naming the cause', async () => {
    for (const [over, message] of [
      [{ GATEWAY_TOKEN: 'not-the-token' }, /GATEWAY_TOKEN \/ EVENT_BUS_TOKEN: the bus at .* refused it: .*401/],
      [{ POLLER_PAGE_SIZE: '5000' }, /POLLER_PAGE_SIZE.*must be an integer from 1 to 1000/],
      [{ POLLER_WAIT_MS: '60000' }, /POLLER_WAIT_MS.*must be an integer from 0 to 30000/],
    ] as const) {
      const out: string[] = [];
      const proc = startService({
        name: 'worker',
        entry: 'worker/main.ts',
        env: { ...env.env, ...over },
        readyLine: 'WORKER_READY',
        readyTimeoutMs: 60_000,
        onOutput: (chunk) => out.push(chunk),
      });
      await expect(proc).rejects.toThrow(/exited before it was ready \(code 2/);
      expect(out.join('')).toMatch(message);
    }
  });
});
