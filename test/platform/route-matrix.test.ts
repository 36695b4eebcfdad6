/**
 * Who may call what, for every route the gateway, the cells and the data lake register (their route tables,
 * so a new route is covered without editing this file), called directly and, for cell routes, through the
 * gateway's proxy: every role × every spelling of the target, sent raw so nothing normalizes it.
 * A non-normalized spelling is 400 `invalid_target` for every caller; the plain one is 401/403 exactly when
 * the route's declared access says so; a tenant-B token never receives tenant A's data in a 2xx answer.
 */
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import type { Access, Role, RouteEntry, TokenConfig } from '../../platform';
import { createServer } from '../../platform/shared/server';
import { access, routeTable } from '../../platform/shared/access';
import { createLogger } from '../../common/logger';
import { call, startTestPlatform, TOKEN, type TestPlatform } from './support';

const A = 'acme-matrix';
const B = 'globex-matrix';
const T = { tenantA: 'tok-matrix-a-0123456789', tenantB: 'tok-matrix-b-0123456789', service: 'tok-matrix-svc-0123' };
const tokens: TokenConfig = {
  tokens: [
    { token: T.tenantA, role: 'tenant', tenants: [A] },
    { token: T.tenantB, role: 'tenant', tenants: [B] },
    { token: T.service, role: 'service' },
    { token: TOKEN, role: 'admin' },
  ],
};

interface Caller {
  name: string;
  token?: string;
  role?: Role;
  tenant: string;
}
const CALLERS: Caller[] = [
  { name: 'admin', token: TOKEN, role: 'admin', tenant: A },
  { name: 'service', token: T.service, role: 'service', tenant: A },
  { name: 'tenant A', token: T.tenantA, role: 'tenant', tenant: A },
  { name: 'tenant B', token: T.tenantB, role: 'tenant', tenant: B },
  { name: 'no token', tenant: A },
  { name: 'bad token', token: 'tok-nobody-0123456789', tenant: A },
];

const RANK = { public: 0, tenant: 1, service: 2, admin: 3 } as const;
const ROLE_RANK: Record<Role, number> = { tenant: 1, service: 2, admin: 3 };

interface Raw {
  status: number;
  text: string;
}

/**
 * One request on its own connection, with the target sent byte for byte (http.request does not normalize
 * `path`); a refused target may close the connection, so none is reused.
 */
function raw(base: string, method: string, target: string, caller: Caller, body?: string): Promise<Raw> {
  const u = new URL(base);
  const headers: Record<string, string> = { 'x-tenant-id': caller.tenant };
  if (caller.token) headers.authorization = `Bearer ${caller.token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  return new Promise((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, method, path: target, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** `path` with its last separator (never the leading one) spelled `sep`. */
const lastSlash = (path: string, sep: string): string => {
  const at = path.lastIndexOf('/');
  return at > 0 ? `${path.slice(0, at)}${sep}${path.slice(at + 1)}` : `/x${sep}${path.slice(1)}`;
};

/** Spellings of `prefix + path` that route to the same handler in a lenient server; `plain` is the only valid one. */
const SPELLINGS: Record<string, (prefix: string, path: string, origin: string) => string> = {
  plain: (pre, p) => pre + p,
  'encoded letter': (pre, p) => pre + p.replace(/[a-z]/, (c) => `%${c.charCodeAt(0).toString(16)}`),
  'encoded slash': (pre, p) => lastSlash(pre + p, '%2F'),
  'encoded backslash': (pre, p) => lastSlash(pre + p, '%5c'),
  backslash: (pre, p) => lastSlash(pre + p, '\\'),
  'double slash': (pre, p) => `${pre}/${p}`,
  'dot segment': (pre, p) => `${pre}/.${p}`,
  'dot-dot segment': (pre, p) => `${pre}/x/..${p}`,
  'encoded dot-dot': (pre, p) => `${pre}/x/%2e%2e${p}`,
  'trailing slash': (pre, p) => `${pre}${p}/`,
  'absolute form': (pre, p, origin) => origin + pre + p,
};

interface Target {
  service: string;
  base: string;
  prefix: string;
  route: RouteEntry;
  path: string;
}

let p: TestPlatform;
/** Tenant A's ids by the collection a `:id` follows, and every string of A's data that B must never see. */
const ids: Record<string, string> = {};
const secrets: string[] = [A];

async function create(url: string, body: unknown, tenant = A): Promise<string> {
  const res = await call(url, { body, tenant, token: TOKEN });
  if (res.status >= 300) throw new Error(`fixture ${url}: ${res.status} ${JSON.stringify(res.body)}`);
  secrets.push(res.body.id);
  return res.body.id;
}

beforeAll(async () => {
  p = await startTestPlatform({ tokens, faultsEnabled: true });
  const mark = `${A}-${randomUUID().slice(0, 8)}`;
  ids.contracts = await create(`${p.urls.crm}/contracts`, { customerId: mark, contractNo: mark, amountCents: 1 });
  ids.opportunities = await create(`${p.urls.crm}/opportunities`, { customerId: mark, name: mark });
  ids.orders = await create(`${p.urls.erp}/orders`, { customerId: mark, totalAmountCents: 1 });
  ids['purchase-requisitions'] = await create(`${p.urls.erp}/mm/purchase-requisitions`, {
    demandDesc: mark,
    totalAmountCents: 1,
  });
  ids['purchase-orders'] = await create(`${p.urls.erp}/mm/purchase-orders`, { supplierId: mark, totalAmountCents: 1 });
  ids.rfqs = await create(`${p.urls.srm}/rfqs`, { requisitionId: mark, demandDesc: mark, totalAmountCents: 1 });
  ids.quotes = await create(`${p.urls.srm}/rfqs/${ids.rfqs}/quotes`, { supplierId: mark, amountCents: 1 });
  ids.approvals = await create(`${p.urls.oa}/approvals`, { typeCode: 'leave', title: mark });
  const eventId = randomUUID();
  secrets.push(eventId, mark);
  ids.dlq = await create(`${p.gatewayUrl}/api/admin/events/dlq`, {
    reason: mark,
    tenantId: A,
    eventId,
    workflowId: `linkage-${eventId}`,
    businessKeys: [mark],
  });
  expect(
    (await call(`${p.gatewayUrl}/api/events`, { body: { eventId, eventType: 'm.x', tenantId: A, payload: { mark } } }))
      .status,
  ).toBe(201);
  const ingest = { tenantId: A, cellId: 'crm', table: 'contracts', records: [{ eventId, contractId: mark }] };
  expect((await call(`${p.datalakeUrl}/api/datalake/ingest`, { body: ingest })).status).toBe(200);
});
afterAll(() => p.cleanup());

const PARAMS: Record<string, string> = { cell: 'crm', table: 'contracts' };

/** A route's url with its params filled by tenant A's real ids; an unknown param fails the test. */
function fill(url: string): string {
  return url.replace(/:(\w+)/g, (_m, name: string, at: number) => {
    if (name === 'id') {
      const collection = url
        .slice(0, at - 1)
        .split('/')
        .pop()!;
      const id = ids[collection];
      if (!id) throw new Error(`no tenant-A fixture for ${url}: add one to beforeAll`);
      return id;
    }
    if (!PARAMS[name]) throw new Error(`no value for :${name} in ${url}`);
    return PARAMS[name];
  });
}

const PROXY = /^\/api\/v1\/:cell/;

function targets(): Target[] {
  const out: Target[] = [];
  for (const [service, table] of Object.entries(p.routes)) {
    for (const route of table) {
      // HEAD mirrors GET; the proxy's own routes are exercised by the cell routes sent through it.
      if (route.method === 'HEAD' || PROXY.test(route.url)) continue;
      out.push({ service, base: p.urls[service as keyof typeof p.urls], prefix: '', route, path: fill(route.url) });
      const isCell = ['crm', 'erp', 'oa', 'srm'].includes(service);
      if (isCell && route.url !== '/healthz' && !route.url.startsWith('/api/v1/')) {
        out.push({
          service: `gateway→${service}`,
          base: p.gatewayUrl,
          prefix: `/api/v1/${service}`,
          route,
          path: fill(route.url),
        });
      }
    }
  }
  return out;
}

const allowed = (level: Access, c: Caller): boolean =>
  level === 'public' || (!!c.role && ROLE_RANK[c.role] >= RANK[level]);

/** Runs `fn` over `items`, `n` at a time. */
async function pool<T>(items: T[], n: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < items.length) await fn(items[next++]);
    }),
  );
}

test('every route × every caller × every spelling answers as its declared access says', async () => {
  const ts = targets();
  // The route tables hold what they should: a change that drops a service's routes fails here.
  for (const s of ['gateway', 'crm', 'erp', 'oa', 'srm', 'datalake'])
    expect(ts.some((t) => t.service === s)).toBe(true);
  expect(ts.some((t) => t.route.access === 'admin' && t.service === 'gateway→erp')).toBe(true);
  const cases = ts.flatMap((t) => CALLERS.flatMap((c) => Object.keys(SPELLINGS).map((s) => ({ t, c, s }))));
  const failures: string[] = [];
  await pool(cases, 8, async ({ t, c, s }) => {
    const { method, access: level } = t.route;
    const target = SPELLINGS[s](t.prefix, `${t.path}`, new URL(t.base).origin) + `?tenantId=${c.tenant}`;
    const body = ['POST', 'PATCH', 'PUT'].includes(method) ? '{}' : undefined;
    const res = await raw(t.base, method, target, c, body).catch((err: Error) => ({ status: 0, text: err.message }));
    const where = `${t.service} ${method} ${target} as ${c.name}: ${res.status} ${res.text.slice(0, 200)}`;
    let expected: string | undefined;
    if (s !== 'plain') {
      if (res.status !== 400 || !res.text.includes('"invalid_target"')) expected = '400 invalid_target';
    } else if (level !== 'public' && !c.role) {
      if (res.status !== 401) expected = '401';
    } else if (!allowed(level, c)) {
      if (res.status !== 403) expected = '403';
    } else if (res.status === 401 || res.status === 403 || res.status >= 500) {
      expected = 'neither 401/403 nor 5xx';
    }
    if (expected) failures.push(`${where} (expected ${expected})`);
    if (c.name === 'tenant B' && res.status < 300) {
      const leaked = secrets.filter((x) => res.text.includes(x));
      if (leaked.length) failures.push(`${where} leaks tenant A's ${leaked.join(', ')}`);
    }
  });
  console.log(
    `route matrix: ${ts.length} routes × ${CALLERS.length} callers × ${Object.keys(SPELLINGS).length} spellings = ${cases.length} cases`,
  );
  expect(failures).toEqual([]);
  expect(cases.length).toBeGreaterThan(5000);
});

test('the admin routes are declared admin (service only where the worker posts)', () => {
  const serviceOnes = ['POST /api/admin/events/dlq', 'POST /api/admin/events/dlq/bulk-resolve'];
  for (const [service, table] of Object.entries(p.routes)) {
    for (const r of table.filter((e) => e.url.includes('/api/admin/'))) {
      const want = serviceOnes.includes(`${r.method} ${r.url}`) ? 'service' : 'admin';
      expect(`${service} ${r.method} ${r.url} ${r.access}`).toBe(`${service} ${r.method} ${r.url} ${want}`);
    }
  }
  expect(p.routes.gateway!.filter((r) => r.access === 'public').map((r) => `${r.method} ${r.url}`)).toEqual([
    'GET /healthz',
    'HEAD /healthz',
  ]);
});

describe('the disguised admin path', () => {
  const dlq = () => `${p.gatewayUrl}/api/admin/events/dlq`;
  const tenantB = CALLERS.find((c) => c.name === 'tenant B')!;

  test("a tenant token reading the DLQ as /api/%61dmin/…: refused, none of A's letters", async () => {
    const res = await raw(p.gatewayUrl, 'GET', '/api/%61dmin/events/dlq', tenantB);
    expect(res.status).toBe(400);
    expect(res.text).not.toContain(ids.dlq);
  });

  test("a tenant token resolving another tenant's letter through a disguised path: refused, still open", async () => {
    for (const target of [
      `/api/%61dmin/events/dlq/${ids.dlq}/resolve`,
      `/api/admin/events/dl%71/${ids.dlq}/resolve`,
      `/x/../api/admin/events/dlq/${ids.dlq}/resolve`,
    ]) {
      expect((await raw(p.gatewayUrl, 'POST', target, tenantB, '{"by":"b","note":"n"}')).status).toBe(400);
    }
    expect((await call(`${dlq()}/${ids.dlq}`)).body.status).toBe('open');
  });

  test('an absolute-form target is refused', async () => {
    const res = await raw(p.gatewayUrl, 'GET', `${p.gatewayUrl}/api/admin/events/dlq`, tenantB);
    expect(res.status).toBe(400);
  });

  test("a cell's fault route reached as /api/v1/erp/api/%61dmin/faults: refused, no fault installed", async () => {
    const res = await raw(p.gatewayUrl, 'POST', '/api/v1/erp/api/%61dmin/faults', tenantB, '{"path":"/orders"}');
    expect(res.status).toBe(400);
    expect((await call(`${p.urls.erp}/api/admin/faults`)).body.items).toEqual([]);
  });

  test('percent-encoded reserved and non-ASCII bytes in an id stay allowed (404 for a missing letter)', async () => {
    const admin = CALLERS[0];
    for (const id of ['a%20b', '%C3%A9t%C3%A9', 'a%3Ab']) {
      const res = await raw(p.gatewayUrl, 'GET', `/api/admin/events/dlq/${id}`, admin);
      expect([res.status, res.text]).toEqual([404, expect.stringContaining('not_found')]);
    }
  });

  test('a fault matches the decoded path, however the id is encoded', async () => {
    const admin = CALLERS[0];
    const f = await call(`${p.urls.erp}/api/admin/faults`, { body: { path: '/orders/a b', status: 418 } });
    expect(f.status).toBe(201);
    expect((await raw(p.urls.erp, 'GET', '/orders/a%20b', admin)).status).toBe(418);
  });
});

describe('route registration', () => {
  const logger = createLogger('route-matrix');
  logger.level = 'silent';

  test('a route without an access rule is refused at start-up', async () => {
    const app = createServer({ logger, token: 't' });
    expect(() => app.get('/no-rule', async () => 'x')).toThrow(/declares no access/);
    await app.close();
  });

  test('a route in a plugin without an access rule fails the start', async () => {
    const app = createServer({ logger, token: 't' });
    app.register(async (child) => {
      child.post('/nested', async () => 'x');
    });
    await expect(app.ready()).rejects.toThrow(/declares no access/);
    await app.close();
  });

  test('the route table lists each route with its access', async () => {
    const app = createServer({ logger, token: 't' });
    app.get('/x', access('service'), async () => 'x');
    await app.ready();
    expect(routeTable(app)).toEqual(
      expect.arrayContaining([
        { method: 'GET', url: '/healthz', access: 'public' },
        { method: 'GET', url: '/x', access: 'service' },
      ]),
    );
    await app.close();
  });
});
