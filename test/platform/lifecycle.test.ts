/**
 * The cells keep one live document per business source (a create for a source with a live
 * document answers it, 200), and document lifecycles (a refused transition answers 409 with the status).
 */
import { EVENT_TYPES } from '../../common/events';
import { call, startTestPlatform, waitForEvents, type TestPlatform } from './support';

let p: TestPlatform;
beforeAll(async () => {
  p = await startTestPlatform();
});
afterAll(() => p.cleanup());

/** Each document kind: its create route and body for one source, its record path and status field. */
const kinds = () => ({
  order: {
    create: [`${p.cell('erp')}/orders`, { customerId: 'c', totalAmountCents: 1, sourceContractId: 'ctr_1' }],
    path: (id: string) => `${p.cell('erp')}/orders/${id}`,
    status: 'orderStatus',
  },
  po: {
    create: [`${p.cell('erp')}/mm/purchase-orders`, { supplierId: 's', totalAmountCents: 1, quoteId: 'quo_1' }],
    path: (id: string) => `${p.cell('erp')}/mm/purchase-orders/${id}`,
    status: 'status',
  },
  rfq: {
    create: [`${p.cell('srm')}/rfqs`, { requisitionId: 'req_1', demandDesc: 'd', totalAmountCents: 1 }],
    path: (id: string) => `${p.cell('srm')}/rfqs/${id}`,
    status: 'status',
  },
});

describe.each(['order', 'po', 'rfq'] as const)('one live %s per source', (kind) => {
  it('a second create (another request id) answers the live one; after it is cancelled a new one is made', async () => {
    const t = `live-${kind}`;
    const k = kinds()[kind];
    const [url, body] = k.create as [string, object];
    const first = await call(url, { body, tenant: t, requestId: 'run-1' });
    const again = await call(url, { body, tenant: t, requestId: 'run-2' });
    expect([first.status, again.status]).toEqual([201, 200]);
    expect(again.body.id).toBe(first.body.id);
    expect(
      (await call(k.path(String(first.body.id)), { method: 'PATCH', body: { [k.status]: 9 }, tenant: t })).status,
    ).toBe(200);
    const next = await call(url, { body, tenant: t, requestId: 'run-3' });
    expect(next.status).toBe(201);
    expect(next.body.id).not.toBe(first.body.id);
    // Another tenant's source of the same id is its own.
    expect((await call(url, { body, tenant: `${t}-other`, requestId: 'run-1' })).status).toBe(201);
  });

  it('twenty concurrent creates for one source (two workers, retries) make one document', async () => {
    const t = `race-${kind}`;
    const [url, body] = kinds()[kind].create as [string, object];
    const all = await Promise.all(
      Array.from({ length: 20 }, (_, i) => call(url, { body, tenant: t, requestId: `r-${i}` })),
    );
    expect(new Set(all.map((r) => r.body.id)).size).toBe(1);
    expect(all.filter((r) => r.status === 201)).toHaveLength(1);
  });
});

test('an order made twice for one contract publishes erp.order.created once; orders without a source are not deduped', async () => {
  const t = 'live-events';
  const url = `${p.cell('erp')}/orders`;
  const body = { customerId: 'c', totalAmountCents: 1, sourceContractId: 'ctr_e' };
  await call(url, { body, tenant: t });
  await call(url, { body, tenant: t });
  const free = { customerId: 'c', totalAmountCents: 1 };
  const a = await call(url, { body: free, tenant: t });
  const b = await call(url, { body: free, tenant: t });
  expect([a.status, b.status]).toEqual([201, 201]);
  expect(a.body.id).not.toBe(b.body.id);
  // Three orders, three events: the second create for ctr_e published nothing.
  expect(await waitForEvents(p.gatewayUrl, EVENT_TYPES.orderCreated, t, 3)).toHaveLength(3);
});

test('one live approval per (sourceCell, sourceId, sourceType, typeCode); a withdrawn one makes room', async () => {
  const t = 'live-approval';
  const url = `${p.cell('oa')}/approvals`;
  const formData = { sourceCell: 'erp', sourceId: 'ord_1', sourceType: 'order' };
  const a = await call(url, { body: { typeCode: 'sales_order', formData }, tenant: t });
  const again = await call(url, { body: { typeCode: 'sales_order', formData: { ...formData, x: 1 } }, tenant: t });
  const otherType = await call(url, { body: { typeCode: 'purchase', formData }, tenant: t });
  expect([a.status, again.status, otherType.status]).toEqual([201, 200, 201]);
  expect(again.body.id).toBe(a.body.id);
  expect(otherType.body.id).not.toBe(a.body.id);
  await call(`${url}/${a.body.id}/withdraw`, { method: 'POST', tenant: t });
  const next = await call(url, { body: { typeCode: 'sales_order', formData }, tenant: t });
  expect(next.status).toBe(201);
  // A decided approval is live: it stands for its source.
  await call(`${url}/${next.body.id}/complete`, { body: { approved: false }, tenant: t });
  expect((await call(url, { body: { typeCode: 'sales_order', formData }, tenant: t })).body.id).toBe(next.body.id);
});

test('lifecycle: pending → decided → cancelled; never back; the same status is a no-op; 409 names the status', async () => {
  const t = 'lifecycle';
  const { body: order } = await call(`${p.cell('erp')}/orders`, {
    body: { customerId: 'c', totalAmountCents: 1 },
    tenant: t,
  });
  const patch = (orderStatus: number) =>
    call<{ error: { code: string; message: string; currentStatus: number } }>(`${p.cell('erp')}/orders/${order.id}`, {
      method: 'PATCH',
      body: { orderStatus },
      tenant: t,
    });
  expect((await patch(2)).status).toBe(200);
  expect((await patch(2)).status).toBe(200);
  for (const back of [1, 3]) {
    const refused = await patch(back);
    expect([refused.status, refused.body.error.code, refused.body.error.currentStatus]).toEqual([409, 'conflict', 2]);
  }
  expect((await patch(9)).status).toBe(200);
  for (const revive of [1, 2, 3]) {
    const refused = await patch(revive);
    expect([refused.status, refused.body.error.currentStatus]).toEqual([409, 9]);
    expect(refused.body.error.message).toBe(`order ${order.id} has status 9 and cannot become ${revive}`);
  }
  expect((await patch(9)).status).toBe(200);
  const { body: contract } = await call(`${p.cell('crm')}/contracts`, {
    body: { customerId: 'c', contractNo: 'L-1', amountCents: 1 },
    tenant: t,
  });
  const crm = (status: number) =>
    call(`${p.cell('crm')}/contracts/${contract.id}`, { method: 'PATCH', body: { status }, tenant: t });
  expect([(await crm(3)).status, (await crm(2)).status, (await crm(9)).status]).toEqual([200, 409, 200]);
});
