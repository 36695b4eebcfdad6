/**
 * A cell stores nothing it could never finish: an approval whose completion event would fail the event
 * contract, or be too large for the bus, is refused at create (400 naming the field) and not stored.
 */
import { EVENT_TYPES } from '../../common/events';
import { MAX_PAYLOAD_BYTES } from '../../platform/shared/outbox';
import { call, startTestPlatform, waitForEvents, type TestPlatform } from './support';

let p: TestPlatform;
let oa: string;
beforeAll(async () => {
  p = await startTestPlatform({ services: ['gateway', 'oa'] });
  oa = p.cell('oa');
});
afterAll(() => p.cleanup());

const source = { sourceCell: 'erp', sourceId: 'ord_1', sourceType: 'order' };
const create = (tenant: string, formData: object) =>
  call(`${oa}/approvals`, { body: { typeCode: 'sales_order', formData }, tenant });
const stored = async (tenant: string) => (await call(`${oa}/approvals`, { tenant })).body.items.length;

test.each([
  ['sourceCell 5', { ...source, sourceCell: 5 }, 'formData.sourceCell'],
  ['sourceId ""', { ...source, sourceId: '' }, 'formData.sourceId'],
  ['sourceType []', { ...source, sourceType: [] }, 'formData.sourceType'],
])('formData with %s → 400 naming the field, nothing stored', async (_what, formData, field) => {
  const tenant = `ref-${field}`;
  const res = await create(tenant, formData);
  expect(res.status).toBe(400);
  expect(res.body.error.code).toBe('validation_error');
  expect(res.body.error.fields!.map((f) => f.field)).toEqual([field]);
  expect(await stored(tenant)).toBe(0);
});

test('a valid approval completes and its event reaches the bus', async () => {
  const tenant = 'ref-ok';
  const a = await create(tenant, { ...source, amount: 5 });
  expect(a.status).toBe(201);
  const done = await call(`${oa}/approvals/${a.body.id}/complete`, { body: { approved: true }, tenant });
  expect(done.status).toBe(200);
  const [e] = await waitForEvents(p.gatewayUrl, EVENT_TYPES.approvalCompleted, tenant);
  expect(e.payload).toMatchObject({ instanceId: a.body.id, formData: { ...source, amount: 5 } });
});

test('formData whose completion event would exceed the bus limit → 400 naming formData, nothing stored', async () => {
  const tenant = 'ref-big';
  // The request itself is under the body limit; the event it would publish is not.
  const res = await create(tenant, { ...source, note: 'x'.repeat(MAX_PAYLOAD_BYTES) });
  expect(res.status).toBe(400);
  expect(res.body.error.fields).toEqual([{ field: 'formData', message: expect.stringContaining('bytes') }]);
  expect(await stored(tenant)).toBe(0);
});

test('formData just under the bound is stored, completes, and its event is accepted by the bus', async () => {
  const tenant = 'ref-edge';
  const a = await create(tenant, { ...source, note: 'x'.repeat(MAX_PAYLOAD_BYTES - 1_000) });
  expect(a.status).toBe(201);
  const done = await call(`${oa}/approvals/${a.body.id}/complete`, { body: { approved: false }, tenant });
  expect(done.status).toBe(200);
  const [e] = await waitForEvents(p.gatewayUrl, EVENT_TYPES.approvalCompleted, tenant);
  expect(e.payload.instanceId).toBe(a.body.id);
});
