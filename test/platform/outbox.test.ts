/**
 * A cell keeps working while the bus is down, and its events reach the bus once it is back, also when the
 * cell restarted in between (transactional outbox).
 */
import { EVENT_TYPES } from '../../common/events';
import { formatDeadLetters, formatLetter } from '../../ops/commands/dlq';
import { freePort } from '../helpers/ports';
import { busEvents, call, eventually, startTestPlatform, tempDir, waitForEvents, type TestPlatform } from './support';

test('cell request succeeds with the bus down; event arrives after the gateway comes back', async () => {
  const gatewayPort = await freePort();
  const busUrl = `http://127.0.0.1:${gatewayPort}`;
  const cellsDir = tempDir('cells');
  let cells: TestPlatform | undefined = await startTestPlatform({ services: ['erp', 'oa'], busUrl, dataDir: cellsDir });
  let gateway: TestPlatform | undefined;
  try {
    const order = await call(`${cells.urls.erp}/orders`, {
      body: { customerId: 'c', totalAmountCents: 42 },
      tenant: 'ob-t',
    });
    // Answered while no bus exists at all: the cell never waits for the delivery.
    expect(order.status).toBe(201);

    // Restart the cell while the event is still undelivered: the outbox row is on disk.
    await new Promise((r) => setTimeout(r, 300));
    await cells.stop();
    cells = await startTestPlatform({ services: ['erp', 'oa'], busUrl, dataDir: cellsDir });
    const apv = await call(`${cells.urls.oa}/approvals`, { body: { typeCode: 'leave' }, tenant: 'ob-t' });
    await call(`${cells.urls.oa}/approvals/${apv.body.id}/complete`, { body: { approved: true }, tenant: 'ob-t' });

    gateway = await startTestPlatform({ services: ['gateway'], ports: { gateway: gatewayPort } });
    const events = await eventually(async () => {
      const found = await busEvents(gateway!.gatewayUrl, undefined, 'ob-t');
      return found.length >= 2 && found;
    }, 15_000);
    expect(events.map((e) => e.eventType)).toEqual([EVENT_TYPES.orderCreated, EVENT_TYPES.approvalCompleted]);
    expect(events[0].payload.orderId).toBe(order.body.id);
  } finally {
    await cells.cleanup();
    await gateway?.cleanup();
  }
});

test('with the bus up, a parked long-poll is woken by the delivery, long before its 30 s wait', async () => {
  const p = await startTestPlatform({ services: ['gateway', 'crm'] });
  try {
    const since = (await call(`${p.gatewayUrl}/api/events?after=0&limit=1000`)).body.nextAfter;
    const poll = call(`${p.gatewayUrl}/api/events?after=${since}&waitMs=30000`);
    const t0 = Date.now();
    await call(`${p.cell('crm')}/contracts`, {
      body: { customerId: 'c', contractNo: 'n', amountCents: 1, signedAt: '2024-01-01' },
      tenant: 'fast',
    });
    const res = await poll;
    expect(res.body.events).toHaveLength(1);
    // The parked poll was woken by the delivery, long before its 30 s wait ended (speed is the bench's).
    expect(Date.now() - t0).toBeLessThan(15_000);
  } finally {
    await p.cleanup();
  }
});

test('an event the bus refuses for good becomes one gateway dead letter naming its document; rows behind it flow', async () => {
  const p = await startTestPlatform({ services: ['gateway', 'oa'], faultsEnabled: true });
  const tenant = 'ob-dead';
  const oa = p.cell('oa');
  const faults = `${p.gatewayUrl}/api/admin/faults`;
  const approve = async () => {
    const a = await call(`${oa}/approvals`, { body: { typeCode: 'leave' }, tenant });
    expect((await call(`${oa}/approvals/${a.body.id}/complete`, { body: { approved: true }, tenant })).status).toBe(
      200,
    );
    return a.body.id;
  };
  try {
    // The bus refuses the event twice (413); the first dead letter post fails (503): the row is kept and
    // delivered again, the second post stores the letter.
    await call(faults, { body: { method: 'POST', path: '/api/events', status: 413, times: 2 } });
    await call(faults, { body: { method: 'POST', path: '/api/admin/events/dlq', status: 503, times: 1 } });
    const refusedId = await approve();
    const letters = await eventually(async () => {
      const items = (await call(`${p.gatewayUrl}/api/admin/events/dlq?tenantId=${tenant}`)).body.items;
      return items.length > 0 && items;
    });
    // Every fault was used: two refusals by the bus and one failed post of the letter.
    expect((await call(faults)).body.items).toEqual([]);

    // The next event is delivered, so the refused row is settled, not retried in front of it.
    const nextId = await approve();
    const [delivered] = await waitForEvents(p.gatewayUrl, EVENT_TYPES.approvalCompleted, tenant);
    expect(delivered.payload.instanceId).toBe(nextId);
    const after = (await call(`${p.gatewayUrl}/api/admin/events/dlq?tenantId=${tenant}`)).body.items;
    expect(after).toHaveLength(1);
    expect(after[0]).toEqual(letters[0]);
    expect(after[0]).toMatchObject({
      status: 'open',
      step: 'publish',
      tenantId: tenant,
      eventType: EVENT_TYPES.approvalCompleted,
      eventId: expect.any(String),
      businessKeys: [`oa:approvals:${refusedId}`],
      reason: expect.stringContaining(`oa approvals/${refusedId}: 413`),
      details: { cell: 'oa', collection: 'approvals', documentId: refusedId, busStatus: 413 },
    });
    expect(after[0].eventId).not.toBe(delivered.eventId);
    // The operator's CLI lists it and shows its document.
    expect(formatDeadLetters(after)).toMatch(new RegExp(`${tenant} +${EVENT_TYPES.approvalCompleted} +publish +-`));
    expect(formatLetter(after[0])).toContain(`document    oa approvals/${refusedId}`);
  } finally {
    await p.cleanup();
  }
});
