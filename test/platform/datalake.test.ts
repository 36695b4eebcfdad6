/** Data lake: idempotent ingest, tables, and the three reports on a fixture. */
import { call, startTestPlatform, type TestPlatform } from './support';

let p: TestPlatform;
let lake: string;
beforeAll(async () => {
  p = await startTestPlatform({ services: ['datalake'] });
  lake = `${p.datalakeUrl}/api/datalake`;
});
afterAll(() => p.cleanup());

const ingest = (tenantId: string, cellId: string, table: string, records: object[], requestId?: string) =>
  call(`${lake}/ingest`, { body: { tenantId, cellId, table, records }, requestId });
let n = 0;
const rec = (eventType: string, payload: object) => ({
  eventId: `ev-${++n}`,
  eventType,
  occurredAt: '2024-01-01T00:00:00Z',
  ...payload,
});

test('the same record ingested twice is stored once', async () => {
  const r = rec('crm.contract.signed', { contractId: 'ctr_1', customerId: 'c1', amountCents: 100 });
  expect((await ingest('dl-a', 'crm', 'contracts', [r])).body).toEqual({ inserted: 1, duplicates: 0 });
  expect((await ingest('dl-a', 'crm', 'contracts', [r, rec('x', {})])).body).toEqual({ inserted: 1, duplicates: 1 });
  const items = (await call(`${lake}/tables/crm/contracts?tenantId=dl-a`)).body.items;
  expect(items).toHaveLength(2);
  expect(items[0]).toEqual(r);
  // same eventId in another tenant or table is a different record
  expect((await ingest('dl-b', 'crm', 'contracts', [r])).body.inserted).toBe(1);
  expect((await ingest('dl-a', 'erp', 'orders', [r])).body.inserted).toBe(1);
  expect((await call(`${lake}/tables/crm/contracts?tenantId=dl-none`)).body.items).toEqual([]);
});

test('400 names the failing fields', async () => {
  const res = await ingest('dl-a', 'crm', 'contracts', [{ eventId: 'ok' }, { amountCents: 1 }]);
  expect(res.status).toBe(400);
  expect(res.body.error.fields!.map((f) => f.field)).toEqual(['records.1.eventId']);
  const bad = await call(`${lake}/ingest`, { body: { records: 'x' } });
  expect(bad.body.error.fields!.map((f) => f.field).sort()).toEqual(['cellId', 'records', 'table', 'tenantId']);
  const noTenant = await call(`${lake}/tables/crm/contracts`);
  expect([noTenant.status, noTenant.body.error.fields![0].field]).toEqual([400, 'tenantId']);
  for (const r of ['sales-performance', 'purchase-cost', 'approval-efficiency']) {
    expect((await call(`${lake}/reports/${r}`)).status).toBe(400);
  }
});

describe('reports', () => {
  const t = 'dl-report';
  beforeAll(async () => {
    await ingest(t, 'crm', 'contracts', [
      rec('crm.contract.signed', { customerId: 'cA', amountCents: 1000 }),
      rec('crm.contract.signed', { customerId: 'cA', amountCents: 500 }),
      rec('crm.contract.signed', { customerId: 'cB', amountCents: 200 }),
    ]);
    await ingest(t, 'erp', 'orders', [
      rec('erp.order.created', { customerId: 'cA', totalAmountCents: 1500 }),
      rec('erp.order.created', { customerId: 'cC', totalAmountCents: 70 }),
    ]);
    await ingest(t, 'erp', 'purchase_orders', [
      rec('erp.purchase_order.created', { supplierId: 's1', totalAmountCents: 300 }),
      rec('erp.purchase_order.created', { supplierId: 's1', totalAmountCents: 400 }),
      rec('erp.purchase_order.created', { supplierId: 's2', totalAmountCents: 50 }),
    ]);
    await ingest(t, 'srm', 'quotes', [rec('srm.quote.awarded', { supplierId: 's1', amountCents: 300 })]);
    await ingest(t, 'oa', 'approvals', [
      rec('oa.approval.completed', { typeCode: 'contract', status: 2 }),
      rec('oa.approval.completed', { typeCode: 'contract', status: 3 }),
      rec('oa.approval.completed', { typeCode: 'contract', status: 2 }),
      rec('oa.approval.completed', { typeCode: 'sales_order', status: 2 }),
    ]);
    // another tenant's data never leaks into the report
    await ingest('dl-other', 'crm', 'contracts', [
      rec('crm.contract.signed', { customerId: 'cA', amountCents: 999_999 }),
    ]);
  });

  test('sales performance', async () => {
    const res = await call(`${lake}/reports/sales-performance?tenantId=${t}`);
    expect(res.body).toEqual({
      tenantId: t,
      contracts: { count: 3, totalAmountCents: 1700 },
      orders: { count: 2, totalAmountCents: 1570 },
      byCustomer: [
        { customerId: 'cA', contractCount: 2, contractAmountCents: 1500, orderCount: 1, orderAmountCents: 1500 },
        { customerId: 'cB', contractCount: 1, contractAmountCents: 200, orderCount: 0, orderAmountCents: 0 },
        { customerId: 'cC', contractCount: 0, contractAmountCents: 0, orderCount: 1, orderAmountCents: 70 },
      ],
    });
  });

  test('purchase cost', async () => {
    const res = await call(`${lake}/reports/purchase-cost?tenantId=${t}`);
    expect(res.body).toEqual({
      tenantId: t,
      purchaseOrders: { count: 3, totalAmountCents: 750 },
      quotesAwarded: { count: 1, totalAmountCents: 300 },
      bySupplier: [
        { supplierId: 's1', poCount: 2, poAmountCents: 700, quotesAwarded: 1, awardedAmountCents: 300 },
        { supplierId: 's2', poCount: 1, poAmountCents: 50, quotesAwarded: 0, awardedAmountCents: 0 },
      ],
    });
  });

  test('approval efficiency', async () => {
    const res = await call(`${lake}/reports/approval-efficiency?tenantId=${t}`);
    expect(res.body).toEqual({
      tenantId: t,
      total: 4,
      approved: 3,
      rejected: 1,
      approvalRate: 0.75,
      byTypeCode: [
        { typeCode: 'contract', total: 3, approved: 2, rejected: 1, approvalRate: 0.6667 },
        { typeCode: 'sales_order', total: 1, approved: 1, rejected: 0, approvalRate: 1 },
      ],
    });
  });

  test('empty tenant gives zeros', async () => {
    const res = await call(`${lake}/reports/approval-efficiency?tenantId=dl-empty`);
    expect(res.body).toEqual({
      tenantId: 'dl-empty',
      total: 0,
      approved: 0,
      rejected: 0,
      approvalRate: 0,
      byTypeCode: [],
    });
  });
});
