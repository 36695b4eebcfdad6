/** SRM cell through the gateway: RFQs, quotes, award → `srm.quote.awarded`. */
import { EVENT_TYPES } from '../../common/events';
import { call, expectEnvelope, startTestPlatform, waitForEvents, type TestPlatform } from './support';

let p: TestPlatform;
let srm: string;
beforeAll(async () => {
  p = await startTestPlatform();
  srm = p.cell('srm');
});
afterAll(() => p.cleanup());

const rfqBody = { requisitionId: 'req_1', demandDesc: 'steel', totalAmountCents: 10_000 };
const fields = (res: { body: { error: { fields?: Array<{ field: string }> } } }) =>
  res.body.error.fields!.map((f) => f.field).sort();

test('rfq: create, replay, get, list by requisitionId, patch (cancel), 400, 404', async () => {
  const t = 'srm-a';
  const rfq = await call(`${srm}/rfqs`, { body: rfqBody, tenant: t, requestId: 'rfq-1' });
  expect(rfq.status).toBe(201);
  expect(rfq.body).toMatchObject({ ...rfqBody, id: expect.stringMatching(/^rfq_/), status: 1, tenantId: t });
  expect((await call(`${srm}/rfqs`, { body: rfqBody, tenant: t, requestId: 'rfq-1' })).body).toEqual(rfq.body);
  await call(`${srm}/rfqs`, { body: { ...rfqBody, requisitionId: 'req_2' }, tenant: t });
  expect((await call(`${srm}/rfqs?requisitionId=req_1`, { tenant: t })).body.items).toEqual([rfq.body]);
  expect((await call(`${srm}/rfqs/${rfq.body.id}`, { tenant: t })).body).toEqual(rfq.body);
  const cancelled = await call(`${srm}/rfqs/${rfq.body.id}`, { method: 'PATCH', body: { status: 9 }, tenant: t });
  expect(cancelled.body.status).toBe(9);
  expect(fields(await call(`${srm}/rfqs`, { body: { demandDesc: 1 }, tenant: t }))).toEqual([
    'demandDesc',
    'requisitionId',
    'totalAmountCents',
  ]);
  expect(fields(await call(`${srm}/rfqs/${rfq.body.id}`, { method: 'PATCH', body: { status: 0 }, tenant: t }))).toEqual(
    ['status'],
  );
  expect((await call(`${srm}/rfqs/rfq_nope`, { tenant: t })).status).toBe(404);
  expect((await call(`${srm}/rfqs/rfq_nope`, { method: 'PATCH', body: { status: 9 }, tenant: t })).status).toBe(404);
  // a cancelled RFQ takes no more quotes
  const late = await call(`${srm}/rfqs/${rfq.body.id}/quotes`, {
    body: { supplierId: 's', amountCents: 1 },
    tenant: t,
  });
  expect(late.status).toBe(409);
});

test('quotes and award: event with exactly its fields; replay; second award 409', async () => {
  const t = 'srm-b';
  const { body: rfq } = await call(`${srm}/rfqs`, { body: rfqBody, tenant: t });
  const q1 = await call(`${srm}/rfqs/${rfq.id}/quotes`, {
    body: { supplierId: 'sup-1', amountCents: 9_000 },
    tenant: t,
    requestId: 'q-1',
  });
  expect(q1.status).toBe(201);
  expect(q1.body).toEqual({
    id: expect.stringMatching(/^quo_/),
    tenantId: t,
    rfqId: rfq.id,
    supplierId: 'sup-1',
    amountCents: 9_000,
    currency: 'CNY',
    status: 1,
    createdAt: expect.any(String),
    updatedAt: expect.any(String),
  });
  expect(
    (
      await call(`${srm}/rfqs/${rfq.id}/quotes`, {
        body: { supplierId: 'sup-1', amountCents: 9_000 },
        tenant: t,
        requestId: 'q-1',
      })
    ).body,
  ).toEqual(q1.body);
  const q2 = await call(`${srm}/rfqs/${rfq.id}/quotes`, {
    body: { supplierId: 'sup-2', amountCents: 8_000, currency: 'USD' },
    tenant: t,
  });
  expect(fields(await call(`${srm}/rfqs/${rfq.id}/quotes`, { body: { amountCents: 'x' }, tenant: t }))).toEqual([
    'amountCents',
    'supplierId',
  ]);
  expect(
    (await call(`${srm}/rfqs/rfq_nope/quotes`, { body: { supplierId: 's', amountCents: 1 }, tenant: t })).status,
  ).toBe(404);

  const award = await call(`${srm}/quotes/${q2.body.id}/award`, { method: 'POST', tenant: t, requestId: 'award-1' });
  expect(award.status).toBe(200);
  expect(award.body).toMatchObject({ id: q2.body.id, status: 2 });
  const replay = await call(`${srm}/quotes/${q2.body.id}/award`, { method: 'POST', tenant: t, requestId: 'award-1' });
  expect([replay.status, replay.body]).toEqual([200, award.body]);
  const twice = await call(`${srm}/quotes/${q2.body.id}/award`, { method: 'POST', tenant: t, requestId: 'award-2' });
  expect([twice.status, twice.body.error.code]).toEqual([409, 'conflict']);
  const other = await call(`${srm}/quotes/${q1.body.id}/award`, { method: 'POST', tenant: t });
  expect(other.status).toBe(409);

  const [e] = await waitForEvents(p.gatewayUrl, EVENT_TYPES.quoteAwarded, t);
  expectEnvelope(e, EVENT_TYPES.quoteAwarded, t, 'srm');
  expect(e.payload).toEqual({
    quoteId: q2.body.id,
    tenantId: t,
    rfqId: rfq.id,
    supplierId: 'sup-2',
    amountCents: 8_000,
    currency: 'USD',
  });
  expect((await call(`${srm}/quotes/${q2.body.id}`, { tenant: t })).body.status).toBe(2);
  expect((await call(`${srm}/quotes/quo_nope`, { tenant: t })).status).toBe(404);
  expect((await call(`${srm}/quotes/quo_nope/award`, { method: 'POST', tenant: t })).status).toBe(404);
});
