/** Test-only fault injection: N× 503 then normal, custom 422 bodies, delays, hangs; 404 when disabled. */
import { call, startTestPlatform, type TestPlatform } from './support';

let p: TestPlatform;
beforeAll(async () => {
  p = await startTestPlatform({ faultsEnabled: true });
});
afterAll(() => p.cleanup());
afterEach(async () => {
  await call(`${p.gatewayUrl}/api/admin/faults`, { method: 'DELETE' });
  await call(`${p.datalakeUrl}/api/admin/faults`, { method: 'DELETE' });
});

const fault = (base: string, body: object) => call(`${base}/api/admin/faults`, { body });
const order = (requestId?: string) =>
  call(`${p.cell('erp')}/orders`, { body: { customerId: 'c', totalAmountCents: 1 }, tenant: 'flt', requestId });

test('503 for the next N matching calls, then normal; nothing is created while faulted', async () => {
  const created = await fault(p.gatewayUrl, { method: 'POST', path: '/api/v1/erp/orders', times: 2, status: 503 });
  expect(created.status).toBe(201);
  expect(created.body.id).toEqual(expect.any(String));
  expect((await call(`${p.gatewayUrl}/api/admin/faults`)).body.items).toHaveLength(1);
  // GET does not match a POST fault
  expect((await call(`${p.cell('erp')}/orders`, { tenant: 'flt' })).status).toBe(200);
  const r1 = await order('f-1');
  const r2 = await order('f-1');
  expect([r1.status, r2.status]).toEqual([503, 503]);
  expect(r1.body.error.code).toBe('injected_fault');
  expect((await order('f-1')).status).toBe(201);
  expect((await call(`${p.cell('erp')}/orders`, { tenant: 'flt' })).body.items).toHaveLength(1);
  expect((await call(`${p.gatewayUrl}/api/admin/faults`)).body.items).toEqual([]);
});

test('422 with a custom body; times -1 lasts until cleared', async () => {
  await fault(p.gatewayUrl, {
    path: '/api/v1/oa',
    times: -1,
    status: 422,
    body: { error: { code: 'rule', message: 'no' } },
  });
  for (let i = 0; i < 3; i++) {
    const res = await call(`${p.cell('oa')}/approvals`, { body: { typeCode: 'leave' }, tenant: 'flt' });
    expect([res.status, res.body]).toEqual([422, { error: { code: 'rule', message: 'no' } }]);
  }
  await call(`${p.gatewayUrl}/api/admin/faults`, { method: 'DELETE' });
  expect((await call(`${p.cell('oa')}/approvals`, { body: { typeCode: 'leave' }, tenant: 'flt' })).status).toBe(201);
});

test('hang: never answers until the client gives up; the next call is normal', async () => {
  await fault(p.gatewayUrl, { path: '/api/v1/erp/orders', hang: true });
  const t0 = Date.now();
  await expect(
    fetch(`${p.cell('erp')}/orders`, {
      headers: { authorization: 'Bearer test-token', 'x-tenant-id': 'flt' },
      signal: AbortSignal.timeout(300),
    }),
  ).rejects.toThrow();
  expect(Date.now() - t0).toBeGreaterThanOrEqual(290);
  expect((await call(`${p.cell('erp')}/orders`, { tenant: 'flt' })).status).toBe(200);
});

test('delayMs delays, then proceeds normally', async () => {
  await fault(p.gatewayUrl, { path: '/api/events', delayMs: 200 });
  const t0 = Date.now();
  const res = await call(`${p.gatewayUrl}/api/events?after=0`);
  expect(res.status).toBe(200);
  expect(Date.now() - t0).toBeGreaterThanOrEqual(190);
});

test('data lake faults', async () => {
  await fault(p.datalakeUrl, { path: '/api/datalake/ingest', status: 503 });
  const body = { tenantId: 't', cellId: 'crm', table: 'contracts', records: [{ eventId: 'e1' }] };
  expect((await call(`${p.datalakeUrl}/api/datalake/ingest`, { body })).status).toBe(503);
  expect((await call(`${p.datalakeUrl}/api/datalake/ingest`, { body })).body).toEqual({ inserted: 1, duplicates: 0 });
});

test('400 on a bad fault spec', async () => {
  const res = await fault(p.gatewayUrl, { path: 'no-slash', times: -5, nope: 1 });
  expect(res.status).toBe(400);
  expect(res.body.error.fields!.map((f) => f.field).sort()).toEqual(['nope', 'path', 'times']);
});

test('admin fault routes are 404 when fault injection is disabled', async () => {
  const off = await startTestPlatform({ services: ['gateway', 'datalake'] });
  try {
    for (const base of [off.gatewayUrl, off.datalakeUrl]) {
      expect((await fault(base, { path: '/api/events' })).status).toBe(404);
      expect((await call(`${base}/api/admin/faults`)).status).toBe(404);
      expect((await call(`${base}/api/admin/faults`, { method: 'DELETE' })).status).toBe(404);
    }
  } finally {
    await off.cleanup();
  }
});
