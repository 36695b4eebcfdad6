/**
 * Dead letters (docs/failure-handling.md): every posted field kept, newest first with a cursor (past 1000),
 * filters, resolve (who, when, note; once), redrive records, X-Request-ID replay, and letters of an older
 * table version still listed.
 */
import Database from 'better-sqlite3';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { PlatformClient } from '../../scripts/lib/platform-client';
import { call, startTestPlatform, tempDir, TOKEN, type TestPlatform } from './support';

let p: TestPlatform;
let dlq: string;
beforeAll(async () => {
  p = await startTestPlatform({ services: ['gateway'] });
  dlq = `${p.gatewayUrl}/api/admin/events/dlq`;
});
afterAll(() => p.cleanup());

interface Letter {
  [key: string]: unknown;
  id: string;
  createdAt: string;
  status: string;
}
interface Page {
  items: Letter[];
  nextCursor: string | null;
}
let n = 0;
/** A letter shaped like the worker's (activities/dead-letters.ts). */
const workerLetter = (over: Record<string, unknown> = {}) => {
  const eventId = `ev-${++n}-${Math.random().toString(36).slice(2, 8)}`;
  return {
    reason: `erp-order failed: 422 customer blocked (${n})`,
    workflowId: `linkage-${eventId}`,
    runId: `run-${n}`,
    eventId,
    eventType: 'crm.contract.signed',
    tenantId: 'dlq-t',
    step: 'erp-order',
    businessKeys: [`crm:contract:ctr_${n}`, `erp:order:ord_${n}`],
    details: { status: 422, body: { error: { code: 'validation_error' } } },
    ...over,
  };
};
const post = (body: unknown, requestId?: string) => call<Letter>(dlq, { body, requestId });
const list = (q = '') => call<Page>(`${dlq}${q}`);
const resolve = (id: string, body: unknown) => call<Letter>(`${dlq}/${id}/resolve`, { body });

describe('POST keeps every field', () => {
  test('runId, businessKeys, details and unknown keys (under extra) are stored and listed', async () => {
    const body = workerLetter();
    const created = await post({ ...body, attempt: 7, status: 'resolved', id: 'mine' });
    expect(created.status).toBe(201);
    const expected = {
      ...body,
      id: expect.stringMatching(/^dlq_/),
      createdAt: expect.any(String),
      extra: { attempt: 7, status: 'resolved', id: 'mine' },
      status: 'open',
      resolvedBy: null,
      resolvedAt: null,
      resolutionNote: null,
      redriveCount: 0,
      redrivenAt: null,
      redrivenBy: null,
      redriveRunId: null,
    };
    expect(created.body).toEqual(expected);
    expect((await call(`${dlq}/${created.body.id}`)).body).toEqual(created.body);
    expect((await list(`?workflowId=${body.workflowId}`)).body).toEqual({ items: [created.body], nextCursor: null });
  });

  test('bounds: reason up to 20 000, ids up to 1000 characters; over that 400 naming the field', async () => {
    const big = workerLetter({ reason: 'r'.repeat(20_000), workflowId: `linkage-${'w'.repeat(992)}` });
    const ok = await post(big);
    expect(ok.status).toBe(201);
    expect(ok.body.reason).toHaveLength(20_000);
    expect(ok.body.workflowId).toHaveLength(1000);
    for (const [field, value] of [
      ['reason', 'r'.repeat(20_001)],
      ['eventId', 'e'.repeat(1001)],
      ['runId', ''],
      ['businessKeys', 'not-a-list'],
    ] as const) {
      const res = await post(workerLetter({ [field]: value }));
      expect([res.status, res.body.error]).toEqual([400, expect.objectContaining({ code: 'validation_error' })]);
      expect((res.body.error as { fields: Array<{ field: string }> }).fields.map((f) => f.field)).toEqual([field]);
    }
    const noReason = await post({ workflowId: 'x' });
    expect((noReason.body.error as { fields: Array<{ field: string }> }).fields.map((f) => f.field)).toEqual([
      'reason',
    ]);
  });

  test('X-Request-ID answers the first letter again, as it is now', async () => {
    const body = workerLetter();
    const first = await post(body, `dlq-key-${n}`);
    const replay = await post(body, `dlq-key-${n}`);
    expect([replay.status, replay.headers.get('idempotent-replayed')]).toEqual([201, 'true']);
    expect(replay.body).toEqual(first.body);
    await resolve(first.body.id, { by: 'ops', note: 'handled' });
    const later = await post(body, `dlq-key-${n}`);
    expect(later.body).toMatchObject({ id: first.body.id, status: 'resolved', resolvedBy: 'ops' });
    expect((await list(`?workflowId=${body.workflowId}`)).body.items).toHaveLength(1);
  });
});

describe('listing', () => {
  test('newest first; a cursor pages past 1000 letters, unaffected by letters posted meanwhile', async () => {
    const tenantId = 'dlq-paging';
    const ids: string[] = [];
    for (let i = 0; i < 1100; i++) ids.push((await post(workerLetter({ tenantId, reason: `r${i}` }))).body.id);
    const newestFirst = [...ids].reverse();

    const first = await list(`?tenantId=${tenantId}&limit=1000`);
    expect(first.body.items.map((l) => l.id)).toEqual(newestFirst.slice(0, 1000));
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const newer = (await post(workerLetter({ tenantId }))).body.id;
    const second = await list(`?tenantId=${tenantId}&limit=1000&cursor=${first.body.nextCursor}`);
    expect(second.body).toEqual({ items: expect.any(Array), nextCursor: null });
    expect(second.body.items.map((l) => l.id)).toEqual(newestFirst.slice(1000));

    // Default page size 100; the newest letter leads.
    const byDefault = await list(`?tenantId=${tenantId}`);
    expect(byDefault.body.items.map((l) => l.id)).toEqual([newer, ...newestFirst.slice(0, 99)]);
    // Small pages chain to the same sequence.
    const chained: string[] = [];
    let cursor: string | null = null;
    do {
      const page: Page = (await list(`?tenantId=${tenantId}&limit=333${cursor ? `&cursor=${cursor}` : ''}`)).body;
      chained.push(...page.items.map((l) => l.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(chained).toEqual([newer, ...newestFirst]);

    // The client follows the cursor to the end (so callers get every letter, not the first page).
    const api = new PlatformClient(p.gatewayUrl, TOKEN);
    expect((await api.deadLetters(`?tenantId=${tenantId}`)).map((l) => l.id)).toEqual([newer, ...newestFirst]);
    const everything = await api.deadLetters();
    expect(everything.length).toBeGreaterThan(1101);
    expect(new Set(everything.map((l) => l.id)).size).toBe(everything.length);
  });

  test('filters: tenant, event type, event id, workflow id, status (default all)', async () => {
    const tenantId = `dlq-f-${Date.now()}`;
    const a = (await post(workerLetter({ tenantId, eventType: 'erp.order.created' }))).body;
    const b = (await post(workerLetter({ tenantId, eventType: 'oa.approval.completed' }))).body;
    const c = (await post(workerLetter({ tenantId, eventType: 'erp.order.created' }))).body;
    await post(workerLetter({ tenantId: `${tenantId}-other`, eventType: 'erp.order.created' }));
    await resolve(c.id, { by: 'ops', note: 'fixed by hand' });
    const ids = async (q: string) => (await list(`?tenantId=${tenantId}${q}`)).body.items.map((l) => l.id);

    expect(await ids('')).toEqual([c.id, b.id, a.id]);
    expect(await ids('&status=all')).toEqual([c.id, b.id, a.id]);
    expect(await ids('&status=open')).toEqual([b.id, a.id]);
    expect(await ids('&status=resolved')).toEqual([c.id]);
    expect(await ids('&eventType=erp.order.created')).toEqual([c.id, a.id]);
    expect(await ids('&eventType=erp.order.created&status=open')).toEqual([a.id]);
    expect(await ids(`&eventId=${b.eventId as string}`)).toEqual([b.id]);
    expect(await ids(`&workflowId=${a.workflowId as string}`)).toEqual([a.id]);
  });

  test.each(['limit=0', 'limit=1001', 'cursor=abc', 'cursor=0', 'status=closed'])('400 on %s', async (q) => {
    const res = await list(`?${q}`);
    expect(res.status).toBe(400);
    expect((res.body as unknown as { error: { fields: Array<{ field: string }> } }).error.fields[0].field).toBe(
      q.split('=')[0],
    );
  });
});

describe('resolve and redrive', () => {
  test('resolve records who, when and the note; a second resolve is 409 with the resolution in force', async () => {
    const letter = (await post(workerLetter())).body;
    const res = await resolve(letter.id, { by: 'alice', note: 'customer unblocked, order made by hand' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      ...letter,
      status: 'resolved',
      resolvedBy: 'alice',
      resolvedAt: expect.any(String),
      resolutionNote: 'customer unblocked, order made by hand',
    });
    // A real instant, not before the letter itself.
    expect(Date.parse(res.body.resolvedAt as string)).toBeGreaterThanOrEqual(Date.parse(letter.createdAt as string));
    expect((await call(`${dlq}/${letter.id}`)).body).toEqual(res.body);

    const again = await resolve(letter.id, { by: 'bob', note: 'me too' });
    expect(again.status).toBe(409);
    expect(again.body.error).toEqual({
      code: 'conflict',
      message: `dead letter ${letter.id} is already resolved`,
      currentStatus: 'resolved',
      resolvedBy: 'alice',
      resolvedAt: res.body.resolvedAt,
      resolutionNote: 'customer unblocked, order made by hand',
    });
    expect((await call(`${dlq}/${letter.id}`)).body.resolvedBy).toBe('alice');
  });

  test('resolve: 404 for an unknown letter, 400 without by or note', async () => {
    const unknown = await resolve('dlq_nope', { by: 'a', note: 'n' });
    expect([unknown.status, unknown.body.error]).toEqual([404, expect.objectContaining({ code: 'not_found' })]);
    expect((await call(`${dlq}/dlq_nope`)).status).toBe(404);
    const letter = (await post(workerLetter())).body;
    const bad = await resolve(letter.id, { by: 'a' });
    expect(bad.status).toBe(400);
    expect((bad.body.error as { fields: Array<{ field: string }> }).fields.map((f) => f.field)).toEqual(['note']);
    expect((await call(`${dlq}/${letter.id}`)).body.status).toBe('open');
  });

  test('redriven counts each redrive with who, when and the new run; 404 for an unknown letter', async () => {
    const letter = (await post(workerLetter())).body;
    const redriven = (body: unknown) => call<Letter>(`${dlq}/${letter.id}/redriven`, { body });
    const one = await redriven({ by: 'alice', newRunId: 'run-2' });
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({
      status: 'open',
      redriveCount: 1,
      redrivenBy: 'alice',
      redriveRunId: 'run-2',
      redrivenAt: expect.any(String),
    });
    const two = await redriven({ by: 'bob', newRunId: 'run-3' });
    expect(two.body).toMatchObject({ redriveCount: 2, redrivenBy: 'bob', redriveRunId: 'run-3' });
    expect((await call(`${dlq}/dlq_nope/redriven`, { body: { by: 'a' } })).status).toBe(404);
  });
});

test('letters of the older table (no event_type, no status) still list, filter and resolve', async () => {
  const dataDir = tempDir('dlq-old');
  const db = new Database(path.join(dataDir, 'gateway.db'));
  db.exec(`CREATE TABLE dlq (
    id TEXT PRIMARY KEY, created_at TEXT NOT NULL, workflow_id TEXT, event_id TEXT, tenant_id TEXT,
    data TEXT NOT NULL);
    CREATE INDEX dlq_created ON dlq (created_at);`);
  const old = [1, 2].map((i) => ({
    id: `dlq_old${i}`,
    createdAt: `2024-01-0${i}T00:00:00.000Z`,
    reason: `old reason ${i}`,
    workflowId: `linkage-old-${i}`,
    eventId: `old-${i}`,
    eventType: 'erp.order.created',
    tenantId: 'old-t',
    step: 'oa-approval',
  }));
  for (const l of old) {
    db.prepare('INSERT INTO dlq VALUES (?, ?, ?, ?, ?, ?)').run(
      l.id,
      l.createdAt,
      l.workflowId,
      l.eventId,
      l.tenantId,
      JSON.stringify(l),
    );
  }
  db.close();
  const q = await startTestPlatform({ services: ['gateway'], dataDir });
  try {
    const url = `${q.gatewayUrl}/api/admin/events/dlq`;
    const listed = await call<Page>(`${url}?eventType=erp.order.created&status=open`);
    expect(listed.body.items).toEqual(
      [old[1], old[0]].map((l) => expect.objectContaining({ ...l, status: 'open', redriveCount: 0 })),
    );
    expect((await call(`${url}/dlq_old1/resolve`, { body: { by: 'ops', note: 'old one' } })).status).toBe(200);
    const fresh = (await call<Letter>(url, { body: { reason: 'new', tenantId: 'old-t' } })).body;
    const all = await call<Page>(`${url}?tenantId=old-t`);
    expect(all.body.items.map((l) => [l.id, l.status])).toEqual([
      [fresh.id, 'open'],
      ['dlq_old2', 'open'],
      ['dlq_old1', 'resolved'],
    ]);
  } finally {
    await q.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

describe('bulk resolve (a data-lake resync)', () => {
  const bulk = (body: unknown, requestId?: string) =>
    call<{ resolved: Array<{ id: string; eventId: string; step: string }>; alreadyResolved: number }>(
      `${dlq}/bulk-resolve`,
      { body, requestId },
    );
  const resolution = { by: 'resync lake-resync-1-head-all-all', note: 're-ingested by the resync' };

  test('resolves the open letters of those events, tenant and steps only; a repeat resolves nothing more', async () => {
    const tenantId = `dlq-bulk-${Date.now()}`;
    const e1 = `ev-bulk-1-${tenantId}`;
    const e2 = `ev-bulk-2-${tenantId}`;
    const lake1 = (await post(workerLetter({ tenantId, eventId: e1, step: 'datalake' }))).body;
    const status1 = (await post(workerLetter({ tenantId, eventId: e1, step: 'datalake-status' }))).body;
    const lake2 = (await post(workerLetter({ tenantId, eventId: e2, step: 'datalake' }))).body;
    // Not touched: another step of the same event, another tenant's letter of the same event id, another event.
    const order = (await post(workerLetter({ tenantId, eventId: e1, step: 'erp-order' }))).body;
    const otherTenant = (await post(workerLetter({ tenantId: `${tenantId}-x`, eventId: e1, step: 'datalake' }))).body;
    const otherEvent = (await post(workerLetter({ tenantId, step: 'datalake' }))).body;
    // Resolved before by an operator: counted, left as it was.
    const byHand = (await post(workerLetter({ tenantId, eventId: e2, step: 'datalake-status' }))).body;
    await resolve(byHand.id, { by: 'alice', note: 'by hand' });

    const res = await bulk({ tenantId, eventIds: [e1, e2, e1], steps: ['datalake', 'datalake-status'], ...resolution });
    expect(res.status).toBe(200);
    expect(res.body.alreadyResolved).toBe(1);
    expect(res.body.resolved.map((l) => l.id).sort()).toEqual([lake1.id, status1.id, lake2.id].sort());
    for (const l of [lake1, status1, lake2]) {
      const got = (await call<Letter>(`${dlq}/${l.id}`)).body;
      expect(got).toEqual({
        ...l,
        status: 'resolved',
        resolvedBy: resolution.by,
        resolvedAt: expect.any(String),
        resolutionNote: resolution.note,
      });
    }
    for (const l of [order, otherTenant, otherEvent]) expect((await call<Letter>(`${dlq}/${l.id}`)).body).toEqual(l);
    expect((await call<Letter>(`${dlq}/${byHand.id}`)).body).toMatchObject({ resolvedBy: 'alice' });

    // Idempotent: again, nothing more is resolved and nothing resolved changes.
    const again = await bulk({ tenantId, eventIds: [e1, e2], steps: ['datalake', 'datalake-status'], ...resolution });
    expect(again.body).toEqual({ resolved: [], alreadyResolved: 4 });
    expect((await list(`?tenantId=${tenantId}&status=open`)).body.items.map((l) => l.id).sort()).toEqual(
      [order.id, otherEvent.id].sort(),
    );
  });

  test('the same X-Request-ID answers the first answer; a letter posted since stays open', async () => {
    const tenantId = `dlq-bulk-rid-${Date.now()}`;
    const eventId = `ev-bulk-rid-${tenantId}`;
    const first = (await post(workerLetter({ tenantId, eventId, step: 'datalake' }))).body;
    const body = { tenantId, eventIds: [eventId], steps: ['datalake'], ...resolution };
    const one = await bulk(body, 'resync-page-7');
    expect(one.body.resolved.map((l) => l.id)).toEqual([first.id]);
    const later = (await post(workerLetter({ tenantId, eventId, step: 'datalake' }))).body;
    const two = await bulk(body, 'resync-page-7');
    expect(two.headers.get('idempotent-replayed')).toBe('true');
    expect(two.body).toEqual(one.body);
    expect((await call<Letter>(`${dlq}/${later.id}`)).body.status).toBe('open');
    // The same request id for another tenant is another request.
    const other = await bulk({ ...body, tenantId: `${tenantId}-x` }, 'resync-page-7');
    expect(other.body).toEqual({ resolved: [], alreadyResolved: 0 });
  });

  test.each([
    ['no tenantId', { eventIds: ['e'], steps: ['datalake'] }, 'tenantId'],
    ['no event ids', { tenantId: 't', eventIds: [], steps: ['datalake'] }, 'eventIds'],
    ['no steps', { tenantId: 't', eventIds: ['e'], steps: [] }, 'steps'],
    ['an unknown key', { tenantId: 't', eventIds: ['e'], steps: ['datalake'], status: 'open' }, 'status'],
    [
      '1001 event ids',
      { tenantId: 't', eventIds: Array.from({ length: 1001 }, (_, i) => `e${i}`), steps: ['x'] },
      'eventIds',
    ],
  ])('400 on %s', async (_what, body, field) => {
    const res = await bulk({ ...resolution, ...body });
    expect(res.status).toBe(400);
    expect((res.body as unknown as { error: { fields: Array<{ field: string }> } }).error.fields[0].field).toBe(field);
  });
});

test('bulk resolve with a token map: a service token may (for its tenants), a tenant token may not', async () => {
  const tokens = {
    tokens: [
      { token: 'tok-svc-acme-0123456789', role: 'service' as const, tenants: ['acme-dlq'] },
      { token: 'tok-tenant-0123456789', role: 'tenant' as const, tenants: ['acme-dlq'] },
      { token: TOKEN, role: 'admin' as const },
    ],
  };
  const q = await startTestPlatform({ services: ['gateway'], tokens });
  try {
    const url = `${q.gatewayUrl}/api/admin/events/dlq`;
    const letter = (await call<Letter>(url, { body: workerLetter({ tenantId: 'acme-dlq', step: 'datalake' }) })).body;
    const body = (tenantId: string) => ({
      tenantId,
      eventIds: [letter.eventId],
      steps: ['datalake'],
      by: 'resync x',
      note: 'n',
    });
    const asTenant = await call(`${url}/bulk-resolve`, { body: body('acme-dlq'), token: 'tok-tenant-0123456789' });
    expect(asTenant.status).toBe(403);
    const otherTenant = await call(`${url}/bulk-resolve`, {
      body: body('globex-dlq'),
      token: 'tok-svc-acme-0123456789',
    });
    expect(otherTenant.status).toBe(403);
    const asService = await call<{ resolved: unknown[] }>(`${url}/bulk-resolve`, {
      body: body('acme-dlq'),
      token: 'tok-svc-acme-0123456789',
    });
    expect([asService.status, asService.body.resolved.length]).toEqual([200, 1]);
    // The service token still reads no letters: listing stays admin only.
    expect((await call(url, { token: 'tok-svc-acme-0123456789' })).status).toBe(403);
  } finally {
    await q.cleanup();
  }
});
