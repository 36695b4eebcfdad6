/**
 * Cross-cutting contract of every endpoint (docs/platform.md): bearer auth, the 1 MiB limit, malformed JSON,
 * unknown routes, and healthz without a token.
 */
import { call, startTestPlatform, type TestPlatform } from './support';

let p: TestPlatform;
beforeAll(async () => {
  p = await startTestPlatform({ faultsEnabled: true });
});
afterAll(() => p.cleanup());

type Ep = [method: string, path: string];
// Paths starting with /api/datalake or /lake go to the data lake, everything else to the gateway.
const g = (s: string) => s;
const d = (s: string) => (s.startsWith('/api/datalake') ? s : `/lake${s}`);
const url = (path: string): string =>
  path.startsWith('/lake')
    ? `${p.datalakeUrl}${path.slice(5)}`
    : path.startsWith('/api/datalake')
      ? `${p.datalakeUrl}${path}`
      : `${p.gatewayUrl}${path}`;
const ENDPOINTS: Ep[] = [
  ['POST', g('/api/events')],
  ['GET', g('/api/events')],
  ['GET', g('/api/admin/events/dlq')],
  ['POST', g('/api/admin/events/dlq')],
  ['POST', g('/api/admin/faults')],
  ['GET', g('/api/admin/faults')],
  ['DELETE', g('/api/admin/faults')],
  ['POST', g('/api/v1/crm/contracts')],
  ['GET', g('/api/v1/crm/contracts')],
  ['GET', g('/api/v1/crm/contracts/ctr_x')],
  ['PATCH', g('/api/v1/crm/contracts/ctr_x')],
  ['POST', g('/api/v1/crm/opportunities')],
  ['GET', g('/api/v1/crm/opportunities')],
  ['POST', g('/api/v1/erp/orders')],
  ['GET', g('/api/v1/erp/orders')],
  ['GET', g('/api/v1/erp/orders/ord_x')],
  ['PATCH', g('/api/v1/erp/orders/ord_x')],
  ['POST', g('/api/v1/erp/mm/purchase-requisitions')],
  ['GET', g('/api/v1/erp/mm/purchase-requisitions/req_x')],
  ['POST', g('/api/v1/erp/mm/purchase-orders')],
  ['GET', g('/api/v1/erp/mm/purchase-orders')],
  ['GET', g('/api/v1/erp/mm/purchase-orders/po_x')],
  ['PATCH', g('/api/v1/erp/mm/purchase-orders/po_x')],
  ['POST', g('/api/v1/srm/rfqs')],
  ['GET', g('/api/v1/srm/rfqs')],
  ['GET', g('/api/v1/srm/rfqs/rfq_x')],
  ['PATCH', g('/api/v1/srm/rfqs/rfq_x')],
  ['POST', g('/api/v1/srm/rfqs/rfq_x/quotes')],
  ['GET', g('/api/v1/srm/quotes/quo_x')],
  ['POST', g('/api/v1/srm/quotes/quo_x/award')],
  ['POST', g('/api/v1/oa/approvals')],
  ['GET', g('/api/v1/oa/approvals')],
  ['GET', g('/api/v1/oa/approvals/apv_x')],
  ['POST', g('/api/v1/oa/approvals/apv_x/complete')],
  ['POST', g('/api/v1/oa/approvals/apv_x/withdraw')],
  ['POST', d('/api/datalake/ingest')],
  ['GET', d('/api/datalake/tables/crm/contracts?tenantId=t')],
  ['GET', d('/api/datalake/reports/sales-performance?tenantId=t')],
  ['GET', d('/api/datalake/reports/purchase-cost?tenantId=t')],
  ['GET', d('/api/datalake/reports/approval-efficiency?tenantId=t')],
  ['POST', d('/api/admin/faults')],
];
const MUTATING = ENDPOINTS.filter(([m]) => m === 'POST' || m === 'PATCH');

describe('auth', () => {
  test.each(ENDPOINTS)('%s %s answers 401 without or with a wrong token', async (method, path) => {
    for (const token of [null, 'wrong-token', '']) {
      const res = await call(url(path), { method, token, tenant: 't1', body: method === 'GET' ? undefined : {} });
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('unauthorized');
    }
  });

  test('a non-Bearer scheme is refused', async () => {
    const res = await fetch(`${p.gatewayUrl}/api/events`, { headers: { authorization: `Basic ${'x'}` } });
    expect(res.status).toBe(401);
  });

  test('healthz needs no token on every service', async () => {
    for (const url of Object.values(p.urls)) {
      const res = await call(`${url}/healthz`, { token: null });
      expect(res.status).toBe(200);
    }
  });
});

describe('body limits and malformed JSON', () => {
  const big = JSON.stringify({ blob: 'x'.repeat(1024 * 1024 + 10) });

  test.each(MUTATING)('%s %s answers 413 over 1 MiB', async (method, path) => {
    const res = await call(url(path), { method, raw: big, tenant: 't1' });
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('payload_too_large');
  });

  test.each(MUTATING)('%s %s answers 400 invalid_json on malformed JSON', async (method, path) => {
    const res = await call(url(path), { method, raw: '{"a": ', tenant: 't1' });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_json');
    expect(res.body.error.fields).toEqual([expect.objectContaining({ field: '(body)' })]);
  });
});

describe('unknown routes', () => {
  test.each([
    ['GET', g('/api/nope')],
    ['POST', g('/api/v1/unknown-cell/things')],
    ['GET', g('/api/v1/crm/no-such-collection')],
    ['GET', d('/api/datalake/reports/nope?tenantId=t')],
    ['DELETE', g('/api/v1/erp/orders')],
  ])('%s %s answers 404 not_found', async (method, path) => {
    const res = await call(url(path), { method, tenant: 't1' });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('not_found');
  });

  test('cells answer directly too, with or without the /api/v1/<cell> prefix', async () => {
    const direct = await call(`${p.urls.erp}/orders`, { tenant: 't1' });
    const prefixed = await call(`${p.urls.erp}/api/v1/erp/orders`, { tenant: 't1' });
    expect([direct.status, prefixed.status]).toEqual([200, 200]);
  });
});
