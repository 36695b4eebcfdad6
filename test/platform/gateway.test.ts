/** Gateway: event bus (publish, duplicates, reads, long-poll) and the proxy (dead letters: dlq.test.ts). */
import { randomUUID } from 'node:crypto';
import { freePort } from '../helpers/ports';
import { call, startTestPlatform, type Json, type TestPlatform } from './support';

let p: TestPlatform;
beforeAll(async () => {
  p = await startTestPlatform();
});
afterAll(() => p.cleanup());

const ev = (over: Partial<Json> = {}) => ({
  eventId: randomUUID(),
  eventType: 'test.thing.happened',
  tenantId: 'bus-t1',
  payload: { n: 1 },
  ...over,
});
const publish = (body: unknown) => call(`${p.gatewayUrl}/api/events`, { body });
const read = (q: string) => call(`${p.gatewayUrl}/api/events?${q}`);

describe('POST /api/events', () => {
  test('201 with a seq; the same eventId again is 200 duplicate and stored once', async () => {
    const e = ev();
    const first = await publish(e);
    expect(first.status).toBe(201);
    expect(first.body).toEqual({ eventId: e.eventId, seq: expect.any(Number) });
    const again = await publish({ ...e, payload: { changed: true } });
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ eventId: e.eventId, seq: first.body.seq, duplicate: true });
    const all = await read(`after=${first.body.seq - 1}&limit=1000`);
    const stored = all.body.events.filter((x) => x.eventId === e.eventId);
    expect(stored).toHaveLength(1);
    expect(stored[0].payload).toEqual({ n: 1 });
  });

  test('defaults occurredAt and keeps source', async () => {
    const e = ev({ source: 'tests' });
    const { body } = await publish(e);
    const got = (await read(`after=${body.seq - 1}&limit=1`)).body.events[0];
    expect(got).toEqual({ ...e, seq: body.seq, occurredAt: expect.any(String) });
    expect(Number.isNaN(Date.parse(got.occurredAt as string))).toBe(false);
  });

  test('400 names the failing fields', async () => {
    const res = await publish({ eventType: 'bad type', payload: [] });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_error');
    const fields = res.body.error.fields!.map((f) => f.field);
    expect(fields).toEqual(expect.arrayContaining(['eventId', 'eventType', 'tenantId', 'payload']));
  });
});

describe('GET /api/events', () => {
  test('ordered by seq, paged by after/limit, nextAfter = last seq or after', async () => {
    const start = (await read('after=0&limit=1000')).body.nextAfter;
    const seqs: number[] = [];
    for (let i = 0; i < 5; i++) seqs.push((await publish(ev())).body.seq);
    expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
    const page1 = await read(`after=${start}&limit=3`);
    expect(page1.body.events.map((e) => e.seq)).toEqual(seqs.slice(0, 3));
    expect(page1.body.nextAfter).toBe(seqs[2]);
    const page2 = await read(`after=${page1.body.nextAfter}&limit=1000`);
    expect(page2.body.events.map((e) => e.seq)).toEqual(seqs.slice(3));
    const empty = await read(`after=${seqs[4]}`);
    expect(empty.body).toEqual({ events: [], nextAfter: seqs[4] });
  });

  test('tenantId filters', async () => {
    const mine = await publish(ev({ tenantId: 'bus-only-me' }));
    await publish(ev({ tenantId: 'bus-other' }));
    const res = await read('after=0&limit=1000&tenantId=bus-only-me');
    expect(res.body.events.map((e) => e.seq)).toEqual([mine.body.seq]);
  });

  test.each(['limit=0', 'limit=1001', 'waitMs=30001', 'after=-1', 'after=abc'])('400 on %s', async (q) => {
    const res = await read(q);
    expect(res.status).toBe(400);
    expect(res.body.error.fields!.map((f) => f.field)).toEqual([q.split('=')[0]]);
  });

  test('waitMs long-polls and wakes on a publish, not at the end of its wait', async () => {
    const after = (await read('after=0&limit=1000')).body.nextAfter;
    const poll = read(`after=${after}&waitMs=30000`);
    await new Promise((r) => setTimeout(r, 150)); // let the poll park
    const t0 = Date.now();
    const published = await publish(ev());
    const res = await poll;
    expect(res.body.events.map((e) => e.seq)).toEqual([published.body.seq]);
    // Woken by the publish: long before the 30 s wait would have ended (no speed bound: a loaded machine passes).
    expect(Date.now() - t0).toBeLessThan(15_000);
  });

  test('waitMs returns empty after the wait when nothing arrives, ignoring other tenants', async () => {
    const after = (await read('after=0&limit=1000')).body.nextAfter;
    const t0 = Date.now();
    const poll = read(`after=${after}&waitMs=400&tenantId=bus-quiet`);
    await new Promise((r) => setTimeout(r, 50));
    await publish(ev({ tenantId: 'bus-noisy' }));
    const res = await poll;
    expect(res.body).toEqual({ events: [], nextAfter: after });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(380);
  });
});

describe('proxy', () => {
  test('forwards method, sub-path, query, body and headers; returns status, body, content-type', async () => {
    const body = { customerId: 'cus-proxy', totalAmountCents: 5, sourceContractId: 'ctr_proxy' };
    const created = await call(`${p.cell('erp')}/orders`, { body, tenant: 'proxy-t', requestId: 'proxy-1' });
    expect(created.status).toBe(201);
    expect(created.headers.get('content-type')).toMatch(/application\/json/);
    const replay = await call(`${p.cell('erp')}/orders`, { body, tenant: 'proxy-t', requestId: 'proxy-1' });
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    const list = await call(`${p.cell('erp')}/orders?sourceContractId=ctr_proxy`, { tenant: 'proxy-t' });
    expect(list.body.items.map((o) => o.id)).toEqual([created.body.id]);
  });

  test('502 bad_gateway when the cell is unreachable', async () => {
    const dead = `http://127.0.0.1:${await freePort()}`;
    const q = await startTestPlatform({ services: ['gateway'], cellUrls: { erp: dead } });
    try {
      const res = await call(`${q.cell('erp')}/orders`, { tenant: 't' });
      expect(res.status).toBe(502);
      expect(res.body.error.code).toBe('bad_gateway');
    } finally {
      await q.cleanup();
    }
  });
});
