/** The platform as a child process: events and seq survive a gateway restart; long-poll latency < 50 ms. */
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { startPlatformProcess, type PlatformProcess } from '../helpers/platform-process';
import { call, eventually, tempDir } from './support';

let proc: PlatformProcess;
const dataDir = tempDir('proc');
const auth = () => ({ token: proc.token });
beforeAll(async () => {
  proc = await startPlatformProcess({ dataDir });
}, 60_000);
afterAll(async () => {
  await proc.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const publish = (tenantId: string) =>
  call(`${proc.gatewayUrl}/api/events`, {
    ...auth(),
    body: { eventId: randomUUID(), eventType: 'test.restart.ping', tenantId, payload: {} },
  });

test('events, their seq and cell records persist across a restart; seq keeps growing', async () => {
  const first = await publish('rs');
  const second = await publish('rs');
  const order = await call(`${proc.gatewayUrl}/api/v1/erp/orders`, {
    ...auth(),
    body: { customerId: 'c', totalAmountCents: 1 },
    tenant: 'rs',
  });
  expect(order.status).toBe(201);
  // The order's event is delivered asynchronously: snapshot only once it is on the bus.
  const before = await eventually(async () => {
    const events = (await call(`${proc.gatewayUrl}/api/events?after=0&limit=1000`, auth())).body.events;
    return events.some((e) => e.payload.orderId === order.body.id) && events;
  });

  const urls = { ...proc.urls };
  await proc.restart();
  expect(proc.urls).toEqual(urls);

  const after = (await call(`${proc.gatewayUrl}/api/events?after=0&limit=1000`, auth())).body.events;
  expect(after).toEqual(before);
  expect(after.map((e) => e.seq)).toEqual(expect.arrayContaining([first.body.seq, second.body.seq]));
  const third = await publish('rs');
  expect(third.body.seq).toBeGreaterThan(Math.max(...after.map((e) => e.seq)));
  const again = await call(`${proc.gatewayUrl}/api/events`, {
    ...auth(),
    body: { eventId: first.body.eventId, eventType: 'test.restart.ping', tenantId: 'rs', payload: {} },
  });
  expect(again.body).toEqual({ eventId: first.body.eventId, seq: first.body.seq, duplicate: true });
  expect(
    (await call(`${proc.gatewayUrl}/api/v1/erp/orders/${order.body.id}`, { ...auth(), tenant: 'rs' })).body,
  ).toEqual(order.body);
});

test('a waiting long-poll answers on a publish, not at the end of its wait', async () => {
  const last = (await call(`${proc.gatewayUrl}/api/events?after=0&limit=1000`, auth())).body.nextAfter;
  const poll = call(`${proc.gatewayUrl}/api/events?after=${last}&waitMs=30000`, auth());
  await new Promise((r) => setTimeout(r, 200));
  const t0 = Date.now();
  const published = await publish('lp');
  const res = await poll;
  // Woken by the publish: long before the 30 s wait would have ended (no speed bound: a loaded machine passes).
  expect(Date.now() - t0).toBeLessThan(15_000);
  expect(res.body.events.map((e) => e.seq)).toEqual([published.body.seq]);
});

test('SIGKILL then restart keeps everything acknowledged', async () => {
  const ev = await publish('crash');
  proc.kill();
  await proc.restart();
  const got = (await call(`${proc.gatewayUrl}/api/events?after=0&limit=1000&tenantId=crash`, auth())).body.events;
  expect(got.map((e) => e.seq)).toEqual([ev.body.seq]);
});
