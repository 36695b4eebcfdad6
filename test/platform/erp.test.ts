/** ERP cell through the gateway: orders, purchase requisitions, purchase orders and their events. */
import { EVENT_TYPES } from '../../common/events';
import { call, expectEnvelope, startTestPlatform, waitForEvents, type TestPlatform } from './support';

let p: TestPlatform;
let erp: string;
beforeAll(async () => {
  p = await startTestPlatform();
  erp = p.cell('erp');
});
afterAll(() => p.cleanup());

const fields = (res: { body: { error: { fields?: Array<{ field: string }> } } }) =>
  res.body.error.fields!.map((f) => f.field).sort();

describe('orders', () => {
  test('create → 201 orderStatus 1 and erp.order.created with exactly its fields', async () => {
    const res = await call(`${erp}/orders`, {
      body: { customerId: 'cus-9', totalAmountCents: 9900, sourceContractId: 'ctr_1' },
      tenant: 'erp-a',
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      id: expect.stringMatching(/^ord_/),
      orderStatus: 1,
      currency: 'CNY',
      sourceContractId: 'ctr_1',
    });
    const [e] = await waitForEvents(p.gatewayUrl, EVENT_TYPES.orderCreated, 'erp-a');
    expectEnvelope(e, EVENT_TYPES.orderCreated, 'erp-a', 'erp');
    expect(e.payload).toEqual({
      orderId: res.body.id,
      tenantId: 'erp-a',
      customerId: 'cus-9',
      totalAmountCents: 9900,
      currency: 'CNY',
    });
  });

  test('replay by X-Request-ID, list by sourceContractId, get, patch', async () => {
    const body = { customerId: 'cus-9', totalAmountCents: 1, sourceContractId: 'ctr_2' };
    const first = await call(`${erp}/orders`, { body, tenant: 'erp-b', requestId: 'ord-1' });
    const again = await call(`${erp}/orders`, { body, tenant: 'erp-b', requestId: 'ord-1' });
    expect([again.status, again.body]).toEqual([201, first.body]);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    await call(`${erp}/orders`, { body: { customerId: 'x', totalAmountCents: 2 }, tenant: 'erp-b' });
    expect((await call(`${erp}/orders?sourceContractId=ctr_2`, { tenant: 'erp-b' })).body.items).toEqual([first.body]);
    expect((await call(`${erp}/orders`, { tenant: 'erp-b' })).body.items).toHaveLength(2);
    expect((await call(`${erp}/orders/${first.body.id}`, { tenant: 'erp-b' })).body).toEqual(first.body);
    const patch = await call(`${erp}/orders/${first.body.id}`, {
      method: 'PATCH',
      body: { orderStatus: 9 },
      tenant: 'erp-b',
      requestId: 'p-1',
    });
    expect(patch.body.orderStatus).toBe(9);
    const patchAgain = await call(`${erp}/orders/${first.body.id}`, {
      method: 'PATCH',
      body: { orderStatus: 9 },
      tenant: 'erp-b',
      requestId: 'p-1',
    });
    expect(patchAgain.body).toEqual(patch.body);
    expect((await call(`${erp}/orders/${first.body.id}`, { tenant: 'erp-b' })).body.orderStatus).toBe(9);
    await waitForEvents(p.gatewayUrl, EVENT_TYPES.orderCreated, 'erp-b', 2);
  });

  test('400 and 404', async () => {
    expect(fields(await call(`${erp}/orders`, { body: { totalAmountCents: 1.5 }, tenant: 'erp-c' }))).toEqual([
      'customerId',
      'totalAmountCents',
    ]);
    const { body: o } = await call(`${erp}/orders`, {
      body: { customerId: 'c', totalAmountCents: 1 },
      tenant: 'erp-c',
    });
    expect(
      fields(await call(`${erp}/orders/${o.id}`, { method: 'PATCH', body: { status: 2 }, tenant: 'erp-c' })),
    ).toEqual(['orderStatus', 'status']);
    expect(
      fields(await call(`${erp}/orders/${o.id}`, { method: 'PATCH', body: { orderStatus: 4 }, tenant: 'erp-c' })),
    ).toEqual(['orderStatus']);
    expect((await call(`${erp}/orders/ord_nope`, { tenant: 'erp-c' })).status).toBe(404);
    expect(
      (await call(`${erp}/orders/ord_nope`, { method: 'PATCH', body: { orderStatus: 2 }, tenant: 'erp-c' })).status,
    ).toBe(404);
  });
});

describe('purchase requisitions', () => {
  test('create → erp.purchase_requisition.created; get; replay; 400; 404', async () => {
    const body = { demandDesc: '100 laptops', totalAmountCents: 50_000 };
    const res = await call(`${erp}/mm/purchase-requisitions`, { body, tenant: 'erp-r', requestId: 'r-1' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ ...body, id: expect.stringMatching(/^req_/), status: 1 });
    expect((await call(`${erp}/mm/purchase-requisitions`, { body, tenant: 'erp-r', requestId: 'r-1' })).body).toEqual(
      res.body,
    );
    const [e] = await waitForEvents(p.gatewayUrl, EVENT_TYPES.requisitionCreated, 'erp-r');
    expectEnvelope(e, EVENT_TYPES.requisitionCreated, 'erp-r', 'erp');
    expect(e.payload).toEqual({
      requisitionId: res.body.id,
      tenantId: 'erp-r',
      demandDesc: '100 laptops',
      totalAmountCents: 50_000,
    });
    expect((await call(`${erp}/mm/purchase-requisitions/${res.body.id}`, { tenant: 'erp-r' })).body).toEqual(res.body);
    expect(fields(await call(`${erp}/mm/purchase-requisitions`, { body: {}, tenant: 'erp-r' }))).toEqual([
      'demandDesc',
      'totalAmountCents',
    ]);
    expect((await call(`${erp}/mm/purchase-requisitions/req_nope`, { tenant: 'erp-r' })).status).toBe(404);
  });
});

describe('purchase orders', () => {
  test('create → documentNo per tenant and erp.purchase_order.created; list by quoteId/rfqId; patch', async () => {
    const body = { supplierId: 'sup-1', totalAmountCents: 7_000, rfqId: 'rfq_1', quoteId: 'quo_1' };
    const a = await call(`${erp}/mm/purchase-orders`, { body, tenant: 'erp-p' });
    const b = await call(`${erp}/mm/purchase-orders`, {
      body: { supplierId: 'sup-2', totalAmountCents: 1 },
      tenant: 'erp-p',
    });
    const other = await call(`${erp}/mm/purchase-orders`, {
      body: { supplierId: 's', totalAmountCents: 1 },
      tenant: 'erp-p2',
    });
    expect(a.status).toBe(201);
    expect(a.body).toMatchObject({
      ...body,
      id: expect.stringMatching(/^po_/),
      status: 1,
      currency: 'CNY',
      documentNo: 'PO-000001',
    });
    expect(b.body).toMatchObject({ documentNo: 'PO-000002', rfqId: null, quoteId: null });
    expect(other.body.documentNo).toBe('PO-000001');
    const events = await waitForEvents(p.gatewayUrl, EVENT_TYPES.purchaseOrderCreated, 'erp-p', 2);
    expectEnvelope(events[0], EVENT_TYPES.purchaseOrderCreated, 'erp-p', 'erp');
    expect(events[0].payload).toEqual({
      poId: a.body.id,
      tenantId: 'erp-p',
      supplierId: 'sup-1',
      documentNo: 'PO-000001',
      totalAmountCents: 7_000,
    });
    expect((await call(`${erp}/mm/purchase-orders?quoteId=quo_1`, { tenant: 'erp-p' })).body.items).toEqual([a.body]);
    expect((await call(`${erp}/mm/purchase-orders?rfqId=rfq_1`, { tenant: 'erp-p' })).body.items).toEqual([a.body]);
    expect((await call(`${erp}/mm/purchase-orders?quoteId=quo_none`, { tenant: 'erp-p' })).body.items).toEqual([]);
    const patched = await call(`${erp}/mm/purchase-orders/${a.body.id}`, {
      method: 'PATCH',
      body: { status: 3 },
      tenant: 'erp-p',
    });
    expect(patched.body.status).toBe(3);
    expect(
      fields(
        await call(`${erp}/mm/purchase-orders/${a.body.id}`, {
          method: 'PATCH',
          body: { documentNo: 'x' },
          tenant: 'erp-p',
        }),
      ),
    ).toEqual(['documentNo', 'status']);
    expect((await call(`${erp}/mm/purchase-orders/po_nope`, { tenant: 'erp-p' })).status).toBe(404);
  });

  test('replay keeps the document number and publishes once', async () => {
    const body = { supplierId: 'sup-1', totalAmountCents: 1 };
    const first = await call(`${erp}/mm/purchase-orders`, { body, tenant: 'erp-q', requestId: 'po-1' });
    const again = await call(`${erp}/mm/purchase-orders`, { body, tenant: 'erp-q', requestId: 'po-1' });
    expect(again.body).toEqual(first.body);
    expect((await call(`${erp}/mm/purchase-orders`, { body, tenant: 'erp-q' })).body.documentNo).toBe('PO-000002');
    await waitForEvents(p.gatewayUrl, EVENT_TYPES.purchaseOrderCreated, 'erp-q', 2);
  });
});
