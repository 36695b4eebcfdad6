/**
 * Tenant-bound credentials (docs/platform.md): a tenant's token acts for its own tenant only, on the bus,
 * through the proxy, at a cell directly and at the data lake; the service token acts for every tenant and
 * may post dead letters; admin routes need an admin token; an eventId of another tenant is a 409.
 */
import { randomUUID } from 'node:crypto';
import type { TokenConfig } from '../../platform';
import { call, eventually, startTestPlatform, TOKEN, type Json, type TestPlatform } from './support';

const ACME = 'acme-tok';
const GLOBEX = 'globex-tok';
const T = {
  acme: 'tok-acme-0123456789',
  globex: 'tok-globex-0123456789',
  both: 'tok-both-0123456789',
  service: 'tok-service-0123456789',
  admin: TOKEN,
};
const tokens: TokenConfig = {
  tokens: [
    { token: T.acme, role: 'tenant', tenants: [ACME], name: 'acme' },
    { token: T.globex, role: 'tenant', tenants: [GLOBEX] },
    { token: T.both, role: 'tenant', tenants: [ACME, GLOBEX] },
    { token: T.service, role: 'service', name: 'linkage-worker' },
    { token: T.admin, role: 'admin', tenants: ['*'] },
  ],
};

let p: TestPlatform;
beforeAll(async () => {
  p = await startTestPlatform({ tokens, faultsEnabled: true });
});
afterAll(() => p.cleanup());

const ev = (tenantId: string, over: Record<string, unknown> = {}) => ({
  eventId: randomUUID(),
  eventType: 'test.tokens.happened',
  tenantId,
  payload: { n: 1 },
  ...over,
});
const publish = (token: string, body: unknown) => call(`${p.gatewayUrl}/api/events`, { token, body });
const read = (token: string, q = '') => call(`${p.gatewayUrl}/api/events?after=0&limit=1000${q}`, { token });
/** What the bus holds of one event id, as the admin sees it. */
const stored = async (eventId: string) => (await read(T.admin)).body.events.filter((e) => e.eventId === eventId);
const expect403 = (res: { status: number; body: Json }, text: string | RegExp) => {
  expect(res.status).toBe(403);
  expect(res.body.error.code).toBe('forbidden');
  expect(res.body.error.message).toMatch(text);
};

test('no token or an unknown one: 401 everywhere', async () => {
  for (const url of [`${p.gatewayUrl}/api/events`, `${p.urls.erp}/orders`, `${p.datalakeUrl}/api/admin/faults`]) {
    expect((await call(url, { token: null, tenant: ACME })).status).toBe(401);
    expect((await call(url, { token: 'tok-nobody', tenant: ACME })).status).toBe(401);
  }
});

describe('the bus', () => {
  test("a tenant token publishes its own tenant's events; another tenant's: 403 and nothing stored", async () => {
    const mine = ev(ACME);
    expect((await publish(T.acme, mine)).status).toBe(201);
    const theirs = ev(GLOBEX);
    expect403(await publish(T.acme, theirs), `tenant "${GLOBEX}"`);
    expect(await stored(theirs.eventId)).toEqual([]);
    expect403(await publish(T.globex, ev(ACME)), `tenant "${ACME}"`);
    // A token for two tenants publishes for both.
    expect((await publish(T.both, ev(GLOBEX))).status).toBe(201);
  });

  test("a tenant token reads only its own tenant's events, and must say which", async () => {
    const a = ev(ACME);
    const g = ev(GLOBEX);
    await publish(T.service, a);
    await publish(T.service, g);
    expect403(await read(T.acme), 'tenantId=');
    expect403(await read(T.acme, `&tenantId=${GLOBEX}`), GLOBEX);
    const own = await read(T.acme, `&tenantId=${ACME}`);
    expect(own.status).toBe(200);
    expect(own.body.events.map((e) => e.tenantId)).toEqual(expect.arrayContaining([ACME]));
    expect(new Set(own.body.events.map((e) => e.tenantId))).toEqual(new Set([ACME]));
    expect(own.body.events.map((e) => e.eventId)).toContain(a.eventId);
    // The service token reads every tenant.
    const all = (await read(T.service)).body.events.map((e) => e.eventId);
    expect(all).toEqual(expect.arrayContaining([a.eventId, g.eventId]));
  });

  test('an eventId another tenant used: 409 conflict, nothing stored; the same tenant again: 200 duplicate', async () => {
    const a = ev(ACME, { payload: { first: true } });
    const created = await publish(T.acme, a);
    expect(created.status).toBe(201);
    for (const token of [T.globex, T.service, T.admin]) {
      const res = await publish(token, { ...a, tenantId: GLOBEX, payload: { second: true } });
      expect(res.status).toBe(409);
      expect(res.body.error.code).toBe('conflict');
      expect(res.body.error.message).toContain('another tenant');
      expect(JSON.stringify(res.body)).not.toContain(ACME);
    }
    expect(await stored(a.eventId)).toEqual([expect.objectContaining({ tenantId: ACME, payload: { first: true } })]);
    const again = await publish(T.acme, a);
    expect([again.status, again.body]).toEqual([200, { eventId: a.eventId, seq: created.body.seq, duplicate: true }]);
  });
});

describe('cells', () => {
  const order = { customerId: 'c-tok', totalAmountCents: 1 };
  const orders = async (base: string, tenant: string) =>
    (await call(`${base}/orders`, { token: T.admin, tenant })).body.items;

  test.each([
    ['through the gateway proxy', () => p.cell('erp')],
    ['at the cell directly', () => p.urls.erp],
  ])('%s: a tenant token acts for its own tenant only', async (_where, base) => {
    const before = (await orders(base(), GLOBEX)).length;
    const own = await call(`${base()}/orders`, { token: T.acme, tenant: ACME, body: order });
    expect(own.status).toBe(201);
    expect(own.body.tenantId).toBe(ACME);
    expect((await call(`${base()}/orders/${own.body.id}`, { token: T.acme, tenant: ACME })).status).toBe(200);

    expect403(await call(`${base()}/orders`, { token: T.acme, tenant: GLOBEX, body: order }), 'X-Tenant-ID');
    expect403(await call(`${base()}/orders`, { token: T.acme, tenant: GLOBEX }), GLOBEX);
    expect403(
      await call(`${base()}/orders/${own.body.id}`, {
        token: T.globex,
        tenant: ACME,
        method: 'PATCH',
        body: { orderStatus: 9 },
      }),
      ACME,
    );
    expect((await orders(base(), GLOBEX)).length).toBe(before);
    expect((await call(`${base()}/orders/${own.body.id}`, { token: T.admin, tenant: ACME })).body.orderStatus).toBe(1);
    // The service token acts for every tenant.
    expect((await call(`${base()}/orders`, { token: T.service, tenant: GLOBEX, body: order })).status).toBe(201);
  });

  test("a cell's event, published by the platform itself, reaches the bus (the outbox's service token)", async () => {
    const contract = await call(`${p.cell('crm')}/contracts`, {
      token: T.acme,
      tenant: ACME,
      body: { customerId: 'c', contractNo: 'HT-tok', amountCents: 5, signedAt: new Date().toISOString() },
    });
    expect(contract.status).toBe(201);
    const found = await eventually(async () =>
      (await read(T.acme, `&tenantId=${ACME}`)).body.events.find(
        (e) => (e.payload as { contractId?: string }).contractId === contract.body.id,
      ),
    );
    expect(found).toMatchObject({ eventType: 'crm.contract.signed', tenantId: ACME });
  });
});

describe('data lake', () => {
  const ingest = (token: string, tenantId: string) =>
    call(`${p.datalakeUrl}/api/datalake/ingest`, {
      token,
      body: { tenantId, cellId: 'crm', table: 'contracts', records: [{ eventId: randomUUID() }] },
    });
  test("a tenant token ingests and reads its own tenant's tables only", async () => {
    expect((await ingest(T.acme, ACME)).status).toBe(200);
    expect403(await ingest(T.acme, GLOBEX), 'body tenantId');
    const table = (tenant: string) => `${p.datalakeUrl}/api/datalake/tables/crm/contracts?tenantId=${tenant}`;
    expect((await call(table(ACME), { token: T.acme })).body.items).toHaveLength(1);
    expect403(await call(table(GLOBEX), { token: T.acme }), 'query tenantId');
    expect403(
      await call(`${p.datalakeUrl}/api/datalake/reports/sales-performance?tenantId=${GLOBEX}`, { token: T.acme }),
      GLOBEX,
    );
    expect((await call(table(GLOBEX), { token: T.admin })).body.items).toEqual([]);
    expect((await ingest(T.service, GLOBEX)).status).toBe(200);
  });
});

describe('admin routes', () => {
  const dlq = () => `${p.gatewayUrl}/api/admin/events/dlq`;
  const letter = { reason: 'r', workflowId: 'linkage-tok', tenantId: ACME, step: 'erp-order' };

  test('a tenant token: 403 on every admin route (DLQ, faults on the gateway, a cell and the data lake)', async () => {
    const created = await call(dlq(), { token: T.admin, body: letter });
    const id = created.body.id;
    const routes: Array<[string, string, unknown?]> = [
      ['GET', dlq()],
      ['POST', dlq(), letter],
      ['GET', `${dlq()}/${id}`],
      ['POST', `${dlq()}/${id}/resolve`, { by: 'x', note: 'y' }],
      ['POST', `${dlq()}/${id}/redriven`, { by: 'x' }],
      ['GET', `${p.gatewayUrl}/api/admin/faults`],
      ['POST', `${p.gatewayUrl}/api/admin/faults`, { path: '/api/events' }],
      ['DELETE', `${p.gatewayUrl}/api/admin/faults`],
      ['GET', `${p.urls.erp}/api/admin/faults`],
      ['GET', `${p.cell('erp')}/api/admin/faults`],
      ['POST', `${p.datalakeUrl}/api/admin/faults`, { path: '/api/datalake' }],
    ];
    for (const [method, url, body] of routes) {
      expect403(await call(url, { method, body, token: T.acme, tenant: ACME }), 'needs an admin token');
    }
    // Nothing changed: no fault installed, the letter still open.
    expect((await call(`${p.gatewayUrl}/api/admin/faults`, { token: T.admin })).body.items).toEqual([]);
    expect((await call(`${dlq()}/${id}`, { token: T.admin })).body.status).toBe('open');
  });

  test('the service token posts dead letters (for any tenant) and nothing else of the admin routes', async () => {
    const posted = await call(dlq(), { token: T.service, tenant: GLOBEX, body: { ...letter, tenantId: GLOBEX } });
    expect(posted.status).toBe(201);
    const id = posted.body.id;
    for (const [method, url, body] of [
      ['GET', dlq()],
      ['GET', `${dlq()}/${id}`],
      ['POST', `${dlq()}/${id}/resolve`, { by: 'x', note: 'y' }],
      ['POST', `${dlq()}/${id}/redriven`, { by: 'x' }],
      ['POST', `${p.gatewayUrl}/api/admin/faults`, { path: '/api/events' }],
      ['DELETE', `${p.gatewayUrl}/api/admin/faults`],
      ['GET', `${p.urls.oa}/api/admin/faults`],
    ] as Array<[string, string, unknown?]>) {
      expect403(await call(url, { method, body, token: T.service }), 'needs an admin token');
    }
  });

  test('the admin token: DLQ and faults', async () => {
    expect((await call(dlq(), { token: T.admin })).status).toBe(200);
    const f = await call(`${p.urls.srm}/api/admin/faults`, { token: T.admin, body: { path: '/nothing', times: 1 } });
    expect(f.status).toBe(201);
    expect((await call(`${p.urls.srm}/api/admin/faults`, { token: T.admin, method: 'DELETE' })).body).toEqual({
      cleared: 1,
    });
  });
});
