/**
 * Data lake on DuckDB: idempotent ingest, raw tables, the three reports (current status from status
 * changes, months, time ranges, approval times), tenant isolation, restarts and the SQLite import.
 */
import Database from 'better-sqlite3';
import path from 'node:path';
import { STATUS_CHANGED, statusChangeIngests, type DocumentStatusChange } from '../../common/lake';
import { openLakeStore } from '../../platform/datalake/store';
import { optionsFromEnv } from '../../platform/shared/config';
import { call, startTestPlatform, tempDir, type Json, type TestPlatform } from './support';

let p: TestPlatform;
let lake: string;
beforeAll(async () => {
  p = await startTestPlatform({ services: ['datalake'] });
  lake = `${p.datalakeUrl}/api/datalake`;
});
afterAll(() => p.cleanup());

const ingest = (tenantId: string, cellId: string, table: string, records: object[]) =>
  call(`${lake}/ingest`, { body: { tenantId, cellId, table, records } });
const report = async (name: string, query: string) => {
  const res = await call(`${lake}/reports/${name}?${query}`);
  expect(res.status).toBe(200);
  return res.body as Json;
};
/** One page of up to 1000: the tables here hold fewer (paging itself: paging.test.ts). */
const items = async (tenantId: string, cell: string, table: string) =>
  (await call(`${lake}/tables/${cell}/${table}?tenantId=${tenantId}&limit=1000`)).body.items;

let n = 0;
const rec = (eventType: string, occurredAt: string, payload: object) => ({
  eventId: `ev-${++n}`,
  eventType,
  occurredAt,
  ...payload,
});
const contract = (at: string, contractId: string, customerId: string, amountCents: number) =>
  rec('crm.contract.signed', at, { contractId, customerId, amountCents, currency: 'CNY', signedAt: at });
const order = (at: string, orderId: string, customerId: string, totalAmountCents: number) =>
  rec('erp.order.created', at, { orderId, customerId, totalAmountCents });
/** Status changes as the linkage sends them (common/lake.ts), one ingest per cell. */
const changeStatus = async (tenantId: string, changes: DocumentStatusChange[]) => {
  for (const body of statusChangeIngests(tenantId, changes, { by: 'linkage', workflowId: 'linkage-test' })) {
    expect((await call(`${lake}/ingest`, { body })).status).toBe(200);
  }
};
const zero = { count: 0, amountCents: 0 };
const states = (s: Partial<Record<'live' | 'rejected' | 'cancelled', { count: number; amountCents: number }>>) => ({
  live: zero,
  rejected: zero,
  cancelled: zero,
  ...s,
});

describe('ingest', () => {
  test('the same record ingested twice is stored once', async () => {
    const r = contract('2024-01-01T00:00:00Z', 'ctr_1', 'c1', 100);
    expect((await ingest('dl-a', 'crm', 'contracts', [r])).body).toEqual({ inserted: 1, duplicates: 0 });
    const other = rec('x', '2024-01-01T00:00:00Z', {});
    expect((await ingest('dl-a', 'crm', 'contracts', [r, other, other])).body).toEqual({
      inserted: 1,
      duplicates: 2,
    });
    const stored = await items('dl-a', 'crm', 'contracts');
    expect(stored).toEqual([r, other]);
    // same eventId in another tenant or table is a different record
    expect((await ingest('dl-b', 'crm', 'contracts', [r])).body.inserted).toBe(1);
    expect((await ingest('dl-a', 'erp', 'orders', [r])).body.inserted).toBe(1);
    expect(await items('dl-none', 'crm', 'contracts')).toEqual([]);
  });

  test('records come back exactly as ingested, in ingest order', async () => {
    const odd = [
      { eventId: 'z-last-id', nested: { a: [1, 'two', null] }, amountCents: 'not a number', occurredAt: 'garbage' },
      { eventId: 'a-first-id', big: 12345678901234, unicode: '合同 ✓', status: 1e12 },
      // not valid UTF-16: DuckDB cannot read it as JSON, the lake still keeps it (without report columns)
      { eventId: 'lone-surrogate', contractId: 'ctr-\ud800', customerId: 'c' },
    ];
    expect((await ingest('dl-raw', 'crm', 'contracts', odd)).body).toEqual({ inserted: 3, duplicates: 0 });
    expect(await items('dl-raw', 'crm', 'contracts')).toEqual(odd);
  });

  test('concurrent ingests of overlapping batches count every record once', async () => {
    const records = Array.from({ length: 200 }, (_, i) => ({ eventId: `cc-${i}`, occurredAt: '2024-01-01T00:00:00Z' }));
    const batches = Array.from({ length: 8 }, (_, k) => records.slice(k * 20, k * 20 + 60));
    const answers = await Promise.all(batches.map((b) => ingest('dl-cc', 'erp', 'orders', b)));
    const inserted = answers.reduce((a, r) => a + (r.body.inserted as number), 0);
    const duplicates = answers.reduce((a, r) => a + (r.body.duplicates as number), 0);
    const sent = batches.reduce((a, b) => a + b.length, 0);
    const unique = new Set(batches.flat().map((r) => r.eventId)).size;
    expect([inserted, duplicates]).toEqual([unique, sent - unique]);
    expect(await items('dl-cc', 'erp', 'orders')).toHaveLength(unique);
  });

  test('400 names the failing fields', async () => {
    const res = await ingest('dl-a', 'crm', 'contracts', [{ eventId: 'ok' }, { amountCents: 1 }]);
    expect(res.status).toBe(400);
    expect(res.body.error.fields!.map((f) => f.field)).toEqual(['records.1.eventId']);
    const bad = await call(`${lake}/ingest`, { body: { records: 'x' } });
    expect(bad.body.error.fields!.map((f) => f.field).sort()).toEqual(['cellId', 'records', 'table', 'tenantId']);
    const noTenant = await call(`${lake}/tables/crm/contracts`);
    expect([noTenant.status, noTenant.body.error.fields![0].field]).toEqual([400, 'tenantId']);
  });
});

describe('report queries', () => {
  const REPORTS = ['sales-performance', 'purchase-cost', 'approval-efficiency'];
  test.each(REPORTS)('%s: 400 without tenantId or with a bad range', async (name) => {
    const fieldOf = async (query: string) => {
      const res = await call(`${lake}/reports/${name}?${query}`);
      expect(res.status).toBe(400);
      return res.body.error.fields!.map((f) => f.field);
    };
    expect(await fieldOf('')).toEqual(['tenantId']);
    expect(await fieldOf('tenantId=t&from=yesterday')).toEqual(['from']);
    expect(await fieldOf('tenantId=t&to=2024-13-01')).toEqual(['to']);
    expect(await fieldOf('tenantId=t&from=2024-02-01&to=2024-01-01')).toEqual(['to']);
    for (const bad of ['8', '%2B8:00', '%2B15:00', '-13:00', 'Asia/Shanghai']) {
      expect(await fieldOf(`tenantId=t&utcOffset=${bad}`)).toEqual(['utcOffset']);
    }
  });

  test('dates and datetimes are read as UTC and echoed as ISO instants', async () => {
    const body = await report('approval-efficiency', 'tenantId=t&from=2024-01-01&to=2024-02-01T12:30:00%2B02:00');
    expect([body.from, body.to]).toEqual(['2024-01-01T00:00:00.000Z', '2024-02-01T10:30:00.000Z']);
    const local = await report('approval-efficiency', 'tenantId=t&from=2024-01-01T08:00:00');
    expect(local.from).toBe('2024-01-01T08:00:00.000Z');
    expect(local.utcOffset).toBe('+00:00');
  });

  test('with utcOffset, bounds without an offset are read at it; explicit ones stay as given', async () => {
    const body = await report(
      'approval-efficiency',
      'tenantId=t&utcOffset=%2B08:00&from=2024-02-01&to=2024-02-01T12:00:00Z',
    );
    expect([body.from, body.to, body.utcOffset]).toEqual([
      '2024-01-31T16:00:00.000Z',
      '2024-02-01T12:00:00.000Z',
      '+08:00',
    ]);
    const west = await report('approval-efficiency', 'tenantId=t&utcOffset=-05:30&from=2024-01-01T08:00:00');
    expect(west.from).toBe('2024-01-01T13:30:00.000Z');
  });
});

describe('sales performance', () => {
  const t = 'dl-sales';
  beforeAll(async () => {
    await ingest(t, 'crm', 'contracts', [
      contract('2024-01-10T09:00:00Z', 'ctr_a1', 'cA', 1000),
      contract('2024-01-31T23:59:59Z', 'ctr_a2', 'cA', 500), // still January in UTC
      contract('2024-02-01T00:00:00Z', 'ctr_a3', 'cA', 300),
      contract('2024-01-15T00:00:00Z', 'ctr_b1', 'cB', 200),
      // the same contract again under another eventId: counted once, at its earliest record
      contract('2024-03-01T00:00:00Z', 'ctr_a1', 'cA', 1000),
    ]);
    await ingest(t, 'erp', 'orders', [
      order('2024-01-10T09:00:01Z', 'ord_a1', 'cA', 1000),
      order('2024-02-01T00:00:01Z', 'ord_a3', 'cA', 300),
      order('2024-01-20T00:00:00Z', 'ord_c1', 'cC', 70),
    ]);
    await changeStatus(t, [
      // ctr_a2 rejected by its approval; ctr_b1 approved; ord_a1 compensated (cancelled)
      { cell: 'crm', type: 'contract', id: 'ctr_a2', status: 3, changedAt: '2024-02-02T00:00:00Z' },
      { cell: 'crm', type: 'contract', id: 'ctr_b1', status: 2, changedAt: '2024-01-16T00:00:00Z' },
      { cell: 'erp', type: 'order', id: 'ord_a1', status: 9, changedAt: '2024-01-10T09:05:00Z' },
    ]);
    // another tenant's data never leaks into the report
    await ingest('dl-sales-other', 'crm', 'contracts', [contract('2024-01-10T00:00:00Z', 'x', 'cA', 999_999)]);
  });

  const expected = {
    tenantId: t,
    from: null,
    to: null,
    utcOffset: '+00:00',
    totals: {
      contracts: states({ live: { count: 3, amountCents: 1500 }, rejected: { count: 1, amountCents: 500 } }),
      orders: states({ live: { count: 2, amountCents: 370 }, cancelled: { count: 1, amountCents: 1000 } }),
    },
    rows: [
      {
        customerId: 'cA',
        month: '2024-01',
        contracts: states({ live: { count: 1, amountCents: 1000 }, rejected: { count: 1, amountCents: 500 } }),
        orders: states({ cancelled: { count: 1, amountCents: 1000 } }),
      },
      {
        customerId: 'cA',
        month: '2024-02',
        contracts: states({ live: { count: 1, amountCents: 300 } }),
        orders: states({ live: { count: 1, amountCents: 300 } }),
      },
      {
        customerId: 'cB',
        month: '2024-01',
        contracts: states({ live: { count: 1, amountCents: 200 } }),
        orders: states({}),
      },
      {
        customerId: 'cC',
        month: '2024-01',
        contracts: states({}),
        orders: states({ live: { count: 1, amountCents: 70 } }),
      },
    ],
  };

  test('by customer and month, split by current status', async () => {
    expect(await report('sales-performance', `tenantId=${t}`)).toEqual(expected);
  });

  test('re-sent records and status changes change nothing', async () => {
    const tableBefore = await items(t, 'erp', 'status_changes');
    await changeStatus(t, [{ cell: 'erp', type: 'order', id: 'ord_a1', status: 9, changedAt: '2024-01-10T09:05:00Z' }]);
    const again = await ingest(t, 'crm', 'contracts', [
      { ...contract('2024-01-10T09:00:00Z', 'ctr_a1', 'cA', 1000), eventId: 'ev-1000' },
    ]);
    expect(again.body).toEqual({ inserted: 1, duplicates: 0 });
    expect((await ingest(t, 'crm', 'contracts', [(await items(t, 'crm', 'contracts'))[0]])).body).toEqual({
      inserted: 0,
      duplicates: 1,
    });
    expect(await items(t, 'erp', 'status_changes')).toEqual(tableBefore);
    expect(tableBefore).toEqual([expect.objectContaining({ eventType: STATUS_CHANGED, documentId: 'ord_a1' })]);
    expect(await report('sales-performance', `tenantId=${t}`)).toEqual(expected);
  });

  test('the range filters by the creation time, half-open', async () => {
    const feb = await report('sales-performance', `tenantId=${t}&from=2024-02-01&to=2024-03-01`);
    expect(feb.from).toBe('2024-02-01T00:00:00.000Z');
    expect(feb.rows).toEqual([expected.rows[1]]);
    const jan = await report('sales-performance', `tenantId=${t}&to=2024-02-01T00:00:00Z`);
    expect((jan.rows as Json[]).map((r) => [r.customerId, r.month])).toEqual([
      ['cA', '2024-01'],
      ['cB', '2024-01'],
      ['cC', '2024-01'],
    ]);
    expect(jan.totals).toEqual({
      contracts: states({ live: { count: 2, amountCents: 1200 }, rejected: { count: 1, amountCents: 500 } }),
      orders: states({ live: { count: 1, amountCents: 70 }, cancelled: { count: 1, amountCents: 1000 } }),
    });
  });

  test('utcOffset=+08:00: months and bounds in Beijing time', async () => {
    // ctr_a2 (2024-01-31T23:59:59Z) and ctr_a3 (2024-02-01T00:00:00Z) are both February 1st in Beijing.
    const [janA, febA, ...rest] = expected.rows;
    const beijing = await report('sales-performance', `tenantId=${t}&utcOffset=%2B08:00`);
    expect(beijing).toEqual({
      ...expected,
      utcOffset: '+08:00',
      // ctr_a2, rejected, moves from January to February; nothing else changes month.
      rows: [
        { ...janA, contracts: states({ live: janA.contracts.live }) },
        { ...febA, contracts: states({ live: febA.contracts.live, rejected: janA.contracts.rejected }) },
        ...rest,
      ],
    });
    // February in Beijing: from its first midnight there, the same two contracts.
    const feb = await report('sales-performance', `tenantId=${t}&utcOffset=%2B08:00&from=2024-02-01&to=2024-03-01`);
    expect(feb.from).toBe('2024-01-31T16:00:00.000Z');
    expect(feb.rows).toEqual([(beijing.rows as Json[])[1]]);
  });

  test('a tenant without data gets zeros', async () => {
    expect(await report('sales-performance', 'tenantId=dl-empty')).toEqual({
      tenantId: 'dl-empty',
      from: null,
      to: null,
      utcOffset: '+00:00',
      totals: { contracts: states({}), orders: states({}) },
      rows: [],
    });
  });
});

describe('purchase cost', () => {
  const t = 'dl-purchase';
  beforeAll(async () => {
    await ingest(t, 'srm', 'quotes', [
      rec('srm.quote.awarded', '2024-01-05T00:00:00Z', {
        quoteId: 'q1',
        supplierId: 's1',
        amountCents: 300,
        rfqId: 'r1',
      }),
      rec('srm.quote.awarded', '2024-02-05T00:00:00Z', {
        quoteId: 'q2',
        supplierId: 's2',
        amountCents: 50,
        rfqId: 'r2',
      }),
    ]);
    await ingest(t, 'erp', 'purchase_orders', [
      rec('erp.purchase_order.created', '2024-01-06T00:00:00Z', {
        poId: 'po1',
        supplierId: 's1',
        totalAmountCents: 300,
      }),
      rec('erp.purchase_order.created', '2024-01-07T00:00:00Z', {
        poId: 'po2',
        supplierId: 's1',
        totalAmountCents: 400,
      }),
      rec('erp.purchase_order.created', '2024-02-06T00:00:00Z', {
        poId: 'po3',
        supplierId: 's2',
        totalAmountCents: 50,
      }),
    ]);
    await changeStatus(t, [
      { cell: 'erp', type: 'purchase_order', id: 'po2', status: 2, changedAt: '2024-01-08T00:00:00Z' },
      { cell: 'erp', type: 'purchase_order', id: 'po2', status: 9, changedAt: '2024-01-09T00:00:00Z' },
      { cell: 'erp', type: 'purchase_order', id: 'po3', status: 3, changedAt: '2024-02-07T00:00:00Z' },
    ]);
  });

  test('awarded quotes and purchase orders by supplier and month', async () => {
    expect(await report('purchase-cost', `tenantId=${t}`)).toEqual({
      tenantId: t,
      from: null,
      to: null,
      utcOffset: '+00:00',
      totals: {
        quotesAwarded: { count: 2, amountCents: 350 },
        purchaseOrders: states({
          live: { count: 1, amountCents: 300 },
          rejected: { count: 1, amountCents: 50 },
          cancelled: { count: 1, amountCents: 400 },
        }),
      },
      rows: [
        {
          supplierId: 's1',
          month: '2024-01',
          quotesAwarded: { count: 1, amountCents: 300 },
          purchaseOrders: states({ live: { count: 1, amountCents: 300 }, cancelled: { count: 1, amountCents: 400 } }),
        },
        {
          supplierId: 's2',
          month: '2024-02',
          quotesAwarded: { count: 1, amountCents: 50 },
          purchaseOrders: states({ rejected: { count: 1, amountCents: 50 } }),
        },
      ],
    });
  });
});

describe('approval efficiency', () => {
  const t = 'dl-approvals';
  const approval = (id: string, typeCode: string, status: number, createdAt?: string, completedAt?: string) =>
    rec('oa.approval.completed', completedAt ?? '2024-01-20T00:00:00Z', {
      instanceId: id,
      typeCode,
      status,
      formData: {},
      ...(createdAt ? { createdAt } : {}),
      ...(completedAt ? { completedAt } : {}),
    });
  beforeAll(async () => {
    await ingest(t, 'oa', 'approvals', [
      // contract approvals decided after 60 s, 120 s, 300 s (the last one rejected)
      approval('a1', 'contract', 2, '2024-01-10T00:00:00Z', '2024-01-10T00:01:00Z'),
      approval('a2', 'contract', 2, '2024-01-11T00:00:00Z', '2024-01-11T00:02:00Z'),
      approval('a3', 'contract', 3, '2024-01-12T00:00:00Z', '2024-01-12T00:05:00Z'),
      // an older record without createdAt / completedAt: counted, not timed; decided at its occurredAt
      approval('a4', 'sales_order', 2),
      // decided in February
      approval('a5', 'sales_order', 3, '2024-02-01T00:00:00Z', '2024-02-01T01:00:00Z'),
    ]);
    // withdrawn approvals only exist as status changes; withdrawing one twice is a no-op
    const withdrawn: DocumentStatusChange = {
      cell: 'oa',
      type: 'approval',
      id: 'a6',
      status: 9,
      changedAt: '2024-01-25T00:00:00Z',
      typeCode: 'contract',
    };
    await changeStatus(t, [withdrawn]);
    await changeStatus(t, [withdrawn]);
  });

  test('per type code: approved, rejected, withdrawn, rate and decision times', async () => {
    expect(await report('approval-efficiency', `tenantId=${t}`)).toEqual({
      tenantId: t,
      from: null,
      to: null,
      utcOffset: '+00:00',
      totals: {
        total: 6,
        approved: 3,
        rejected: 2,
        withdrawn: 1,
        approvalRate: 0.6,
        // 60, 120, 300, 3600 s
        decisionSeconds: { p50: 210, p90: 2610 },
      },
      rows: [
        {
          typeCode: 'contract',
          total: 4,
          approved: 2,
          rejected: 1,
          withdrawn: 1,
          approvalRate: 0.6667,
          decisionSeconds: { p50: 120, p90: 264 },
        },
        {
          typeCode: 'sales_order',
          total: 2,
          approved: 1,
          rejected: 1,
          withdrawn: 0,
          approvalRate: 0.5,
          decisionSeconds: { p50: 3600, p90: 3600 },
        },
      ],
    });
  });

  test('the range filters by decision or withdrawal time', async () => {
    const jan = await report('approval-efficiency', `tenantId=${t}&from=2024-01-11&to=2024-02-01`);
    expect(jan.totals).toEqual({
      total: 4, // a2, a3, a4 (its occurredAt), a6 (withdrawn on the 25th)
      approved: 2,
      rejected: 1,
      withdrawn: 1,
      approvalRate: 0.6667,
      decisionSeconds: { p50: 210, p90: 282 },
    });
    const empty = await report('approval-efficiency', `tenantId=${t}&from=2025-01-01`);
    expect(empty.totals).toEqual({
      total: 0,
      approved: 0,
      rejected: 0,
      withdrawn: 0,
      approvalRate: 0,
      decisionSeconds: { p50: null, p90: null },
    });
    expect(empty.rows).toEqual([]);
  });
});

test('reports keep tenants apart, even for the same document id', async () => {
  await ingest('dl-iso-1', 'erp', 'orders', [order('2024-01-01T00:00:00Z', 'o1', 'c', 5)]);
  await ingest('dl-iso-2', 'erp', 'orders', [order('2024-01-01T00:00:00Z', 'o1', 'c', 7)]);
  // the same document id in another tenant is another document: its cancellation stays there
  await changeStatus('dl-iso-2', [
    { cell: 'erp', type: 'order', id: 'o1', status: 9, changedAt: '2024-01-02T00:00:00Z' },
  ]);
  const one = await report('sales-performance', 'tenantId=dl-iso-1');
  const two = await report('sales-performance', 'tenantId=dl-iso-2');
  expect((one.totals as Json).orders).toEqual(states({ live: { count: 1, amountCents: 5 } }));
  expect((two.totals as Json).orders).toEqual(states({ cancelled: { count: 1, amountCents: 7 } }));
});

test('data survives a restart of the lake', async () => {
  const dataDir = tempDir('lake-restart');
  const first = await startTestPlatform({ services: ['datalake'], dataDir });
  const r = order('2024-05-01T00:00:00Z', 'o-restart', 'c', 42);
  await call(`${first.datalakeUrl}/api/datalake/ingest`, {
    body: { tenantId: 'dl-restart', cellId: 'erp', table: 'orders', records: [r] },
  });
  await first.stop();
  const second = await startTestPlatform({ services: ['datalake'], dataDir });
  try {
    const base = `${second.datalakeUrl}/api/datalake`;
    expect((await call(`${base}/tables/erp/orders?tenantId=dl-restart`)).body.items).toEqual([r]);
    const again = await call(`${base}/ingest`, {
      body: { tenantId: 'dl-restart', cellId: 'erp', table: 'orders', records: [r, { ...r, eventId: 'after' }] },
    });
    expect(again.body).toEqual({ inserted: 1, duplicates: 1 });
    expect((await call(`${base}/tables/erp/orders?tenantId=dl-restart`)).body.items).toHaveLength(2);
  } finally {
    await second.cleanup();
  }
});

test('DATALAKE_THREADS and DATALAKE_MEMORY_LIMIT size DuckDB; bad values are refused, named', async () => {
  /** DuckDB's own settings of a store opened with the sizing the environment gives. */
  const settingsOf = async (env: NodeJS.ProcessEnv) => {
    const store = await openLakeStore(tempDir('lake-sizing'), undefined, optionsFromEnv(env).datalake);
    try {
      const [s] = await store.query<{ threads: string; memory: string }>(
        "SELECT current_setting('threads')::VARCHAR AS threads, current_setting('memory_limit') AS memory",
      );
      return s;
    } finally {
      await store.close();
    }
  };
  expect(await settingsOf({ DATALAKE_THREADS: '2', DATALAKE_MEMORY_LIMIT: '256MiB' })).toEqual({
    threads: '2',
    memory: '256.0 MiB',
  });
  // Unset: one thread, 1 GB (10^9 bytes, as DuckDB reads "1GB").
  expect(await settingsOf({})).toEqual({
    threads: '1',
    memory: '953.6 MiB',
  });
  for (const [variable, value] of [
    ['DATALAKE_THREADS', '0'],
    ['DATALAKE_THREADS', 'two'],
    ['DATALAKE_MEMORY_LIMIT', 'lots'],
    ['DATALAKE_MEMORY_LIMIT', '1G'],
  ]) {
    expect(() => optionsFromEnv({ [variable]: value })).toThrow(
      new RegExp(`^invalid platform configuration:\\n  ${variable}: `),
    );
  }
});

test('a data directory of the SQLite lake is imported once', async () => {
  const dataDir = tempDir('lake-legacy');
  const legacy = new Database(path.join(dataDir, 'datalake.db'));
  legacy.exec(`CREATE TABLE lake_records (tenant_id TEXT NOT NULL, cell_id TEXT NOT NULL, tbl TEXT NOT NULL,
    event_id TEXT NOT NULL, data TEXT NOT NULL, ingested_at TEXT NOT NULL, PRIMARY KEY (tenant_id, cell_id, tbl, event_id))`);
  const old = [order('2023-12-01T00:00:00Z', 'o-old-1', 'c', 10), order('2023-12-02T00:00:00Z', 'o-old-2', 'c', 20)];
  const insert = legacy.prepare('INSERT INTO lake_records VALUES (?, ?, ?, ?, ?, ?)');
  old.forEach((r, i) =>
    insert.run('dl-legacy', 'erp', 'orders', r.eventId, JSON.stringify(r), `2023-12-0${i + 1}T00:00:00Z`),
  );
  legacy.close();

  const lakeOn = async () => startTestPlatform({ services: ['datalake'], dataDir });
  const first = await lakeOn();
  const table = (base: string) => `${base}/api/datalake/tables/erp/orders?tenantId=dl-legacy`;
  expect((await call(table(first.datalakeUrl))).body.items).toEqual(old);
  await first.stop();
  const second = await lakeOn(); // not imported again
  try {
    expect((await call(table(second.datalakeUrl))).body.items).toEqual(old);
    const sales = await call(`${second.datalakeUrl}/api/datalake/reports/sales-performance?tenantId=dl-legacy`);
    expect((sales.body.totals as Json).orders).toEqual(states({ live: { count: 2, amountCents: 30 } }));
  } finally {
    await second.cleanup();
  }
});
