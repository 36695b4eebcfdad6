/**
 * Every list pages (`?limit=&cursor=` → `{items, nextCursor}`): through the gateway and on the cell itself,
 * each record exactly once, in creation order, the caller's tenant only; rows added while paging are not
 * skipped; a limit over the bound or a garbage cursor is a 400 naming it; a large page streamed by the
 * gateway arrives byte for byte. The same for a data-lake table.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { PlatformClient } from '../../scripts/lib/platform-client';
import { call, startTestPlatform, type Json, type TestPlatform } from './support';

let p: TestPlatform;
beforeAll(async () => {
  p = await startTestPlatform();
});
afterAll(() => p.cleanup());

const A = 'paging-A';
const B = 'paging-B';

type Cell = 'crm' | 'erp' | 'oa' | 'srm';

/** Every page of `url` at `limit`, and the ids in the order they came. */
async function pages(url: string, tenant: string, limit: number): Promise<{ ids: string[]; sizes: number[] }> {
  const ids: string[] = [];
  const sizes: number[] = [];
  let cursor: string | null = null;
  do {
    const sep = url.includes('?') ? '&' : '?';
    const res: { status: number; body: Json } = await call(
      `${url}${sep}limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`,
      { tenant },
    );
    expect(res.status).toBe(200);
    ids.push(...res.body.items.map((r) => r.id));
    sizes.push(res.body.items.length);
    cursor = res.body.nextCursor as string | null;
  } while (cursor);
  return { ids, sizes };
}

const expectFieldError = (res: { status: number; body: Json }, field: string) => {
  expect(res.status).toBe(400);
  expect(res.body.error.code).toBe('validation_error');
  expect(res.body.error.fields?.map((f) => f.field)).toContain(field);
};

describe.each<[Cell, string, Record<string, unknown>]>([
  ['crm', '/contracts', { customerId: 'c', contractNo: 'n', amountCents: 1 }],
  ['crm', '/opportunities', { customerId: 'c', name: 'n' }],
  ['erp', '/orders?customerId=paged', { customerId: 'paged', totalAmountCents: 1 }],
  ['erp', '/mm/purchase-requisitions', { demandDesc: 'd', totalAmountCents: 1 }],
  ['erp', '/mm/purchase-orders?supplierId=paged', { supplierId: 'paged', totalAmountCents: 1 }],
  ['srm', '/rfqs', { demandDesc: 'd', totalAmountCents: 1 }],
  ['oa', '/approvals?typeCode=leave', { typeCode: 'leave' }],
  ['srm', '/rfqs/:rfq/quotes', { supplierId: 's', amountCents: 1 }],
])('%s %s', (cell, listPath, body) => {
  const ofA: string[] = [];
  const ofB: string[] = [];
  let path = listPath;
  const create = async (tenant: string, i: number) => {
    const res = await call(`${p.cell(cell)}${path.split('?')[0]}`, {
      body: cell === 'srm' && path === '/rfqs' ? { ...body, requisitionId: `${tenant}-${i}` } : body,
      tenant,
    });
    expect(res.status).toBe(201);
    (tenant === A ? ofA : ofB).push(res.body.id);
  };

  beforeAll(async () => {
    if (listPath.includes(':rfq')) {
      // Quotes list below their RFQ: one RFQ per tenant, both named by the same path would 404 for the other.
      const rfq = { requisitionId: 'quotes', demandDesc: 'd', totalAmountCents: 1 };
      const a = await call(`${p.cell('srm')}/rfqs`, { body: rfq, tenant: A });
      path = listPath.replace(':rfq', a.body.id);
    }
    // Interleaved, so the other tenant's rows sit between A's in the store.
    for (let i = 0; i < 25; i++) {
      await create(A, i);
      if (i % 5 === 0 && !listPath.includes(':rfq')) await create(B, i);
    }
  });

  test('through the gateway and on the cell: every record once, in order, only its tenant', async () => {
    for (const base of [p.cell(cell), p.urls[cell]]) {
      const { ids, sizes } = await pages(`${base}${path}`, A, 10);
      expect(ids).toEqual(ofA);
      expect(sizes).toEqual([10, 10, 5]);
    }
    if (ofB.length) expect((await pages(`${p.cell(cell)}${path}`, B, 2)).ids).toEqual(ofB);
  });

  test('no limit: the first 100; an exact last page ends with nextCursor null', async () => {
    const all = await call(`${p.cell(cell)}${path}`, { tenant: A });
    expect(all.body.items.map((r) => r.id)).toEqual(ofA);
    expect(all.body.nextCursor).toBeNull();
    const exact = await pages(`${p.cell(cell)}${path}`, A, 25);
    expect(exact.sizes).toEqual([25]);
  });

  test('limit over the bound, zero or not a number, and a garbage cursor: 400 naming the field', async () => {
    const url = `${p.cell(cell)}${path}${path.includes('?') ? '&' : '?'}`;
    for (const limit of ['1001', '0', 'ten'])
      expectFieldError(await call(`${url}limit=${limit}`, { tenant: A }), 'limit');
    const forged = Buffer.from('{"rowid":1}').toString('base64url');
    for (const cursor of ['garbage!', 'bm90IGpzb24', forged, Buffer.from('-5').toString('base64url')]) {
      expectFieldError(await call(`${url}cursor=${cursor}`, { tenant: A }), 'cursor');
    }
  });
});

test('rows added while a caller pages are neither skipped nor repeated', async () => {
  const url = `${p.cell('crm')}/opportunities`;
  const tenant = 'paging-growing';
  const made: string[] = [];
  const add = async () => made.push((await call(url, { body: { customerId: 'c', name: 'n' }, tenant })).body.id);
  for (let i = 0; i < 12; i++) await add();
  const seen: string[] = [];
  let cursor: string | null = null;
  do {
    const res: { body: Json } = await call(`${url}?limit=5${cursor ? `&cursor=${cursor}` : ''}`, { tenant });
    seen.push(...res.body.items.map((r) => r.id));
    cursor = res.body.nextCursor as string | null;
    if (made.length < 20) for (let i = 0; i < 3; i++) await add();
  } while (cursor);
  expect(seen).toEqual(made);
});

test("another tenant's cursor reads that tenant's own rows after it, nothing of the first", async () => {
  const url = `${p.cell('erp')}/mm/purchase-requisitions`;
  const first = await call(`${url}?limit=3`, { tenant: A });
  const cursor = first.body.nextCursor as string;
  const mine = (await call(`${url}?limit=1000`, { tenant: B })).body.items.map((r) => r.id);
  const res = await call(`${url}?limit=1000&cursor=${cursor}`, { tenant: B });
  expect(res.status).toBe(200);
  const got = res.body.items.map((r) => r.id);
  expect(got.every((id) => mine.includes(id))).toBe(true);
  expect(res.body.items.every((r) => r.tenantId === B)).toBe(true);
});

test('a large page streamed through the gateway arrives intact', async () => {
  const tenant = 'paging-large';
  const formData = { note: 'x'.repeat(4000) };
  for (let i = 0; i < 300; i++) {
    await call(`${p.cell('oa')}/approvals`, { body: { typeCode: 'leave', formData: { ...formData, i } }, tenant });
  }
  const headers = { authorization: 'Bearer test-token', 'x-tenant-id': tenant };
  const [proxied, direct] = await Promise.all(
    [p.cell('oa'), p.urls.oa].map((base) => fetch(`${base}/approvals?limit=1000`, { headers })),
  );
  expect(proxied.status).toBe(200);
  expect(proxied.headers.get('content-type')).toBe(direct.headers.get('content-type'));
  const [viaGateway, fromCell] = await Promise.all([proxied.text(), direct.text()]);
  expect(viaGateway.length).toBeGreaterThan(1_000_000);
  expect(viaGateway).toBe(fromCell);
  expect((JSON.parse(viaGateway) as Json).items).toHaveLength(300);
});

test("the gateway passes the cell's answer on as it comes, before the cell has finished it", async () => {
  // A cell that sends its head and a first chunk, then holds the rest until the test has read that chunk.
  let finish = (): void => undefined;
  const cell = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'idempotent-replayed': 'true' });
    res.write('{"items":[');
    finish = () => res.end('],"nextCursor":null}');
  });
  await new Promise<void>((resolve) => cell.listen(0, '127.0.0.1', resolve));
  const q = await startTestPlatform({
    services: ['gateway'],
    cellUrls: { erp: `http://127.0.0.1:${(cell.address() as AddressInfo).port}` },
  });
  try {
    const res = await fetch(`${q.cell('erp')}/orders`, {
      headers: { authorization: 'Bearer test-token', 'x-tenant-id': A },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(res.headers.get('idempotent-replayed')).toBe('true');
    const reader = res.body!.getReader();
    const first = await reader.read();
    expect(Buffer.from(first.value!).toString()).toBe('{"items":[');
    finish();
    let rest = '';
    for (let r = await reader.read(); !r.done; r = await reader.read()) rest += Buffer.from(r.value).toString();
    expect(JSON.parse(`{"items":[${rest}`)).toEqual({ items: [], nextCursor: null });
  } finally {
    finish();
    await q.cleanup();
    await new Promise((resolve) => cell.close(resolve));
  }
}, 20_000);

describe('data-lake table', () => {
  const lake = () => `${p.datalakeUrl}/api/datalake`;
  const table = (tenant: string) => `${lake()}/tables/crm/contracts?tenantId=${tenant}`;
  const ofA: string[] = [];

  beforeAll(async () => {
    const records = (tenant: string, n: number) =>
      Array.from({ length: n }, (_, i) => ({ eventId: `${tenant}-${i}`, contractId: `ctr_${i}` }));
    // Several ingests, interleaved with the other tenant's.
    for (let batch = 0; batch < 5; batch++) {
      const a = records(A, 25).slice(batch * 5, batch * 5 + 5);
      ofA.push(...a.map((r) => r.eventId));
      expect(
        (await call(`${lake()}/ingest`, { body: { tenantId: A, cellId: 'crm', table: 'contracts', records: a } }))
          .status,
      ).toBe(200);
      const b = records(B, 5).slice(batch, batch + 1);
      expect(
        (await call(`${lake()}/ingest`, { body: { tenantId: B, cellId: 'crm', table: 'contracts', records: b } }))
          .status,
      ).toBe(200);
    }
  });

  const lakePages = async (tenant: string, limit: number) => {
    const seen: string[] = [];
    const sizes: number[] = [];
    let cursor: string | null = null;
    do {
      const res: { status: number; body: Json } = await call(
        `${table(tenant)}&limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(res.status).toBe(200);
      seen.push(...res.body.items.map((r) => r.eventId));
      sizes.push(res.body.items.length);
      cursor = res.body.nextCursor as string | null;
    } while (cursor);
    return { seen, sizes };
  };

  test('pages in ingest order, each record once, only its tenant', async () => {
    expect(await lakePages(A, 10)).toEqual({ seen: ofA, sizes: [10, 10, 5] });
    expect((await lakePages(B, 2)).seen).toEqual([0, 1, 2, 3, 4].map((i) => `${B}-${i}`));
  });

  test('the platform client follows the cursor to the last page', async () => {
    const tenant = 'paging-many';
    const records = Array.from({ length: 1500 }, (_, i) => ({ eventId: `many-${i}` }));
    const res = await call(`${lake()}/ingest`, {
      body: { tenantId: tenant, cellId: 'crm', table: 'contracts', records },
    });
    expect(res.status).toBe(200);
    const api = new PlatformClient(p.gatewayUrl, 'test-token', p.datalakeUrl);
    expect((await api.table(tenant, 'crm', 'contracts')).map((r) => r.eventId)).toEqual(records.map((r) => r.eventId));
  });

  test('limit over the bound and a garbage cursor: 400 naming the field', async () => {
    expectFieldError(await call(`${table(A)}&limit=1001`), 'limit');
    expectFieldError(await call(`${table(A)}&cursor=garbage!`), 'cursor');
    expectFieldError(await call(`${table(A)}&cursor=${Buffer.from('"x"').toString('base64url')}`), 'cursor');
  });
});
