/**
 * `GET /api/events/position?at=<ISO>`: where a time falls on the bus (a data-lake resync's `--from <time>`),
 * by the bus's own receive time, found by a binary search on seq; `GET /api/events` unchanged beside it.
 */
import { call, startTestPlatform, type TestPlatform } from './support';

let p: TestPlatform;
beforeAll(async () => {
  p = await startTestPlatform({ services: ['gateway'] });
});
afterAll(() => p.cleanup());

interface Position {
  at: string;
  seq: number | null;
  receivedAt: string | null;
  after: number;
  head: number;
}
const position = (q: string) => call<Position>(`${p.gatewayUrl}/api/events/position?${q}`);
const publish = async (tenantId: string, n: number) =>
  (
    await call<{ seq: number }>(`${p.gatewayUrl}/api/events`, {
      body: { eventId: `pos-${tenantId}-${n}`, eventType: 'test.position.happened', tenantId, payload: { n } },
    })
  ).body.seq;
const pause = () => new Promise((r) => setTimeout(r, 15));

test('an empty bus: no seq, the cursor at 0', async () => {
  expect((await position(`at=${encodeURIComponent(new Date().toISOString())}`)).body).toEqual({
    at: expect.any(String),
    seq: null,
    receivedAt: null,
    after: 0,
    head: 0,
  });
});

test('the first event received at or after a time, for every time between events; per tenant too', async () => {
  // Each event after a distinct instant; the instant just before each is asked for.
  const marks: Array<{ before: string; seq: number; tenant: string }> = [];
  for (let i = 0; i < 40; i++) {
    await pause();
    const before = new Date().toISOString();
    await pause();
    const tenant = i % 3 === 0 ? 'pos-a' : 'pos-b';
    marks.push({ before, seq: await publish(tenant, i), tenant });
  }
  const head = marks[marks.length - 1].seq;
  for (const [i, m] of marks.entries()) {
    const res = await position(`at=${encodeURIComponent(m.before)}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ at: m.before, seq: m.seq, receivedAt: expect.any(String), after: m.seq - 1, head });
    expect(res.body.receivedAt! >= m.before).toBe(true);
    // Per tenant: that tenant's first event from then on.
    const nextA = marks.slice(i).find((x) => x.tenant === 'pos-a');
    const forA = (await position(`at=${encodeURIComponent(m.before)}&tenantId=pos-a`)).body;
    expect(forA.seq).toBe(nextA?.seq ?? null);
    // The bus read from that cursor starts at that seq (the bus is unchanged).
    const read = await call<{ events: Array<{ seq: number }> }>(
      `${p.gatewayUrl}/api/events?after=${res.body.after}&limit=1`,
    );
    expect(read.body.events[0].seq).toBe(m.seq);
  }
  // After the newest event: none yet, the cursor at the head.
  await pause();
  const later = await position(`at=${encodeURIComponent(new Date().toISOString())}`);
  expect(later.body).toMatchObject({ seq: null, after: head, head });
  // Before everything: the first event.
  expect((await position('at=2000-01-01T00:00:00Z')).body).toMatchObject({
    seq: marks[0].seq,
    after: marks[0].seq - 1,
  });
  // Any ISO form with an offset is normalised to UTC.
  const offset = (await position('at=2000-01-01T08:00:00%2B08:00')).body;
  expect(offset.at).toBe('2000-01-01T00:00:00.000Z');
});

test.each(['', 'at=yesterday', 'at=2026-13-01T00:00:00Z'])('400 on %j', async (q) => {
  const res = await position(q);
  expect(res.status).toBe(400);
});
