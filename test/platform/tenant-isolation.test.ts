/** Tenant B can neither read, list, patch nor act on tenant A's records (404, never 403: no existence leak). */
import { call, startTestPlatform, type TestPlatform } from './support';

let p: TestPlatform;
beforeAll(async () => {
  p = await startTestPlatform();
});
afterAll(() => p.cleanup());

const A = 'tenant-A';
const B = 'tenant-B';

test.each([
  ['crm', '/contracts', { customerId: 'c', contractNo: 'n', amountCents: 1 }, { status: 2 }],
  ['erp', '/orders', { customerId: 'c', totalAmountCents: 1 }, { orderStatus: 2 }],
  ['erp', '/mm/purchase-orders', { supplierId: 's', totalAmountCents: 1 }, { status: 2 }],
  ['erp', '/mm/purchase-requisitions', { demandDesc: 'd', totalAmountCents: 1 }, undefined],
  ['srm', '/rfqs', { requisitionId: 'r', demandDesc: 'd', totalAmountCents: 1 }, { status: 9 }],
  ['oa', '/approvals', { typeCode: 'leave' }, undefined],
  ['crm', '/opportunities', { customerId: 'c', name: 'n' }, undefined],
] as const)('%s %s', async (cell, path, body, patch) => {
  const base = `${p.cell(cell)}${path}`;
  const { body: rec } = await call(base, { body, tenant: A });
  expect(rec.tenantId).toBe(A);
  if (path !== '/opportunities') {
    const read = await call(`${base}/${rec.id}`, { tenant: B });
    expect([read.status, read.body.error.code]).toEqual([404, 'not_found']);
  }
  expect((await call(base, { tenant: B })).body.items).toEqual([]);
  expect((await call(base, { tenant: A })).body.items.map((r) => r.id)).toEqual([rec.id]);
  if (patch) {
    const res = await call(`${base}/${rec.id}`, { method: 'PATCH', body: patch, tenant: B });
    expect(res.status).toBe(404);
    expect((await call(`${base}/${rec.id}`, { tenant: A })).body).toEqual(rec);
  }
});

test('actions on another tenant: quotes, award, complete, withdraw', async () => {
  const { body: rfq } = await call(`${p.cell('srm')}/rfqs`, {
    body: { requisitionId: 'r', demandDesc: 'd', totalAmountCents: 1 },
    tenant: A,
  });
  expect(
    (await call(`${p.cell('srm')}/rfqs/${rfq.id}/quotes`, { body: { supplierId: 's', amountCents: 1 }, tenant: B }))
      .status,
  ).toBe(404);
  const { body: quote } = await call(`${p.cell('srm')}/rfqs/${rfq.id}/quotes`, {
    body: { supplierId: 's', amountCents: 1 },
    tenant: A,
  });
  expect((await call(`${p.cell('srm')}/quotes/${quote.id}`, { tenant: B })).status).toBe(404);
  expect((await call(`${p.cell('srm')}/quotes/${quote.id}/award`, { method: 'POST', tenant: B })).status).toBe(404);
  const { body: apv } = await call(`${p.cell('oa')}/approvals`, { body: { typeCode: 'leave' }, tenant: A });
  expect(
    (await call(`${p.cell('oa')}/approvals/${apv.id}/complete`, { body: { approved: true }, tenant: B })).status,
  ).toBe(404);
  expect((await call(`${p.cell('oa')}/approvals/${apv.id}/withdraw`, { method: 'POST', tenant: B })).status).toBe(404);
  expect((await call(`${p.cell('oa')}/approvals/${apv.id}`, { tenant: A })).body.status).toBe(1);
});

test('X-Request-ID keys are per tenant: the same key in tenant B creates its own record', async () => {
  const body = { customerId: 'c', totalAmountCents: 1 };
  const a = await call(`${p.cell('erp')}/orders`, { body, tenant: A, requestId: 'shared-key' });
  const b = await call(`${p.cell('erp')}/orders`, { body, tenant: B, requestId: 'shared-key' });
  expect(b.status).toBe(201);
  expect(b.body.id).not.toBe(a.body.id);
  expect(b.body.tenantId).toBe(B);
  expect(b.headers.get('idempotent-replayed')).toBeNull();
});
