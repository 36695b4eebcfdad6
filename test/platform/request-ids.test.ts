/**
 * X-Request-ID is bound to its request (method, path without the cell prefix, body): a reused key for
 * another request is a 422 `request_id_reused` and changes nothing; the same request replays, whichever
 * way it reached the cell; DLQ keys are the caller's own; rows of an older table are refused, not replayed.
 */
import Database from 'better-sqlite3';
import path from 'node:path';
import { postDeadLetter } from '../../activities/dead-letters';
import { HttpClient } from '../../activities/http-client';
import type { TokenConfig } from '../../platform';
import { call, startTestPlatform, tempDir, TOKEN, type TestPlatform } from './support';

const T = { serviceA: 'tok-svc-a-0123456789', serviceB: 'tok-svc-b-0123456789' };
const A = 'rid-tenant-a';
const B = 'rid-tenant-b';
const tokens: TokenConfig = {
  tokens: [
    { token: TOKEN, role: 'admin', name: 'admin' },
    { token: T.serviceA, role: 'service', tenants: [A], name: 'worker-a' },
    { token: T.serviceB, role: 'service', tenants: [B], name: 'worker-b' },
  ],
};

let p: TestPlatform;
let erp: string;
beforeAll(async () => {
  p = await startTestPlatform({ services: ['gateway', 'erp'], tokens });
  erp = p.cell('erp');
});
afterAll(() => p.cleanup());

const order = { customerId: 'cus-rid', totalAmountCents: 700 };

describe('a reused key for another request', () => {
  test('POST then PATCH with the same key: 422 request_id_reused naming the key, and the order is not cancelled', async () => {
    const t = 'rid-patch';
    const created = await call(`${erp}/orders`, { body: order, tenant: t, requestId: 'r1' });
    expect(created.status).toBe(201);
    const cancel = await call(`${erp}/orders/${created.body.id}`, {
      method: 'PATCH',
      body: { orderStatus: 9 },
      tenant: t,
      requestId: 'r1',
    });
    expect([cancel.status, cancel.body.error.code]).toEqual([422, 'request_id_reused']);
    expect(cancel.body.error.message).toContain('"r1"');
    expect(cancel.body.error).toMatchObject({ requestId: 'r1' });
    expect(cancel.headers.get('idempotent-replayed')).toBeNull();
    const stored = await call(`${erp}/orders/${created.body.id}`, { tenant: t });
    expect(stored.body).toEqual(created.body);
    expect(stored.body.orderStatus).toBe(1);
  });

  test('the same key with another body: 422, and nothing more is created', async () => {
    const t = 'rid-body';
    const first = await call(`${erp}/orders`, { body: order, tenant: t, requestId: 'r2' });
    const other = await call(`${erp}/orders`, { body: { ...order, totalAmountCents: 1 }, tenant: t, requestId: 'r2' });
    expect([other.status, other.body.error.code]).toEqual([422, 'request_id_reused']);
    expect((await call(`${erp}/orders`, { tenant: t })).body.items).toEqual([first.body]);
  });
});

describe('the same request', () => {
  test('an identical replay answers the first answer with the replay header, keys in any order', async () => {
    const t = 'rid-same';
    const first = await call(`${erp}/orders`, { body: order, tenant: t, requestId: 'r3' });
    const reordered = { totalAmountCents: order.totalAmountCents, customerId: order.customerId };
    const again = await call(`${erp}/orders?ignored=1`, { body: reordered, tenant: t, requestId: 'r3' });
    expect([again.status, again.body]).toEqual([201, first.body]);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect((await call(`${erp}/orders`, { tenant: t })).body.items).toHaveLength(1);
  });

  test('through the gateway proxy, at the cell root and under /api/v1/erp on the cell: one request', async () => {
    const t = 'rid-paths';
    const viaGateway = await call(`${erp}/orders`, { body: order, tenant: t, requestId: 'r4' });
    expect(viaGateway.status).toBe(201);
    for (const url of [`${p.urls.erp}/orders`, `${p.urls.erp}/api/v1/erp/orders`]) {
      const direct = await call(url, { body: order, tenant: t, requestId: 'r4' });
      expect([direct.status, direct.body, direct.headers.get('idempotent-replayed')]).toEqual([
        201,
        viaGateway.body,
        'true',
      ]);
    }
    const patch = { method: 'PATCH', body: { orderStatus: 9 }, tenant: t, requestId: 'r5' };
    const cancelled = await call(`${p.urls.erp}/orders/${viaGateway.body.id}`, patch);
    const again = await call(`${erp}/orders/${viaGateway.body.id}`, patch);
    expect([again.status, again.body, again.headers.get('idempotent-replayed')]).toEqual([200, cancelled.body, 'true']);
  });
});

describe('dead letters', () => {
  const dlq = () => `${p.gatewayUrl}/api/admin/events/dlq`;
  const letter = (tenantId: string) => ({ reason: `failed for ${tenantId}`, tenantId, step: 'erp-order' });

  test("tenant B's caller reusing tenant A's key gets its own letter, never A's", async () => {
    const a = await call(dlq(), { body: letter(A), token: T.serviceA, requestId: 'dl-1' });
    expect(a.status).toBe(201);
    const b = await call(dlq(), { body: letter(B), token: T.serviceB, requestId: 'dl-1' });
    expect(b.status).toBe(201);
    expect(b.headers.get('idempotent-replayed')).toBeNull();
    expect(b.body).toMatchObject({ tenantId: B, reason: `failed for ${B}` });
    expect(b.body.id).not.toBe(a.body.id);
    // Each caller's own repeat still replays, and another letter under the same key is refused.
    const again = await call(dlq(), { body: letter(B), token: T.serviceB, requestId: 'dl-1' });
    expect([again.body.id, again.headers.get('idempotent-replayed')]).toEqual([b.body.id, 'true']);
    const other = await call(dlq(), { body: { ...letter(B), reason: 'x' }, token: T.serviceB, requestId: 'dl-1' });
    expect([other.status, other.body.error.code]).toEqual([422, 'request_id_reused']);
  });

  test("a bulk resolve's key is per caller and tenant", async () => {
    const bulk = (tenantId: string, token: string) =>
      call(`${dlq()}/bulk-resolve`, {
        body: { tenantId, eventIds: ['ev-rid'], steps: ['datalake'], by: 'resync', note: 'n' },
        token,
        requestId: 'bulk-1',
      });
    const a = await bulk(A, T.serviceA);
    const b = await bulk(B, T.serviceB);
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(b.headers.get('idempotent-replayed')).toBeNull();
  });
});

describe("the worker's re-posts (activities/dead-letters.ts)", () => {
  test('the same letter is one letter; a re-post whose reason changed is a letter of its own, never a 422', async () => {
    const gateway = new HttpClient(p.gatewayUrl, T.serviceA, 10_000);
    const dl = { reason: 'start refused: attempt 1', eventId: 'ev-rid-worker', tenantId: A, step: 'start' };
    const base = 'poller:seq-7:ev-rid-worker';
    const first = await postDeadLetter(gateway, dl, base);
    expect((await postDeadLetter(gateway, { ...dl }, base)).id).toBe(first.id);
    const changed = await postDeadLetter(gateway, { ...dl, reason: 'start refused: attempt 2' }, base);
    expect(changed.id).not.toBe(first.id);
    const listed = await call(`${p.gatewayUrl}/api/admin/events/dlq?eventId=ev-rid-worker`);
    expect(listed.body.items.map((l) => l.id).sort()).toEqual([first.id, changed.id].sort());
  });
});

test('a key stored before request ids were bound is replayed as before (a call in flight across the upgrade is answered); a new key works', async () => {
  const dataDir = tempDir('rid-legacy');
  const db = new Database(path.join(dataDir, 'erp.db'));
  db.exec(`CREATE TABLE idempotency (
    scope TEXT NOT NULL, request_id TEXT NOT NULL, status INTEGER NOT NULL, body TEXT NOT NULL,
    created_at TEXT NOT NULL, PRIMARY KEY (scope, request_id))`);
  db.prepare('INSERT INTO idempotency VALUES (?, ?, ?, ?, ?)').run(
    'rid-old',
    'old-key',
    201,
    JSON.stringify({ id: 'ord_old' }),
    new Date().toISOString(),
  );
  db.close();
  const q = await startTestPlatform({ services: ['erp'], dataDir });
  try {
    const reused = await call(`${q.urls.erp}/orders`, { body: order, tenant: 'rid-old', requestId: 'old-key' });
    expect([reused.status, reused.body.id]).toEqual([201, 'ord_old']);
    const fresh = await call(`${q.urls.erp}/orders`, { body: order, tenant: 'rid-old', requestId: 'new-key' });
    expect(fresh.status).toBe(201);
  } finally {
    await q.cleanup();
  }
});
