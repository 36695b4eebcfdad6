/** OA cell through the gateway: approvals, complete → `oa.approval.completed`, withdraw. */
import { EVENT_TYPES } from '../../common/events';
import { call, expectEnvelope, startTestPlatform, waitForEvents, type TestPlatform } from './support';

let p: TestPlatform;
let oa: string;
beforeAll(async () => {
  p = await startTestPlatform();
  oa = p.cell('oa');
});
afterAll(() => p.cleanup());

const formData = { sourceCell: 'erp', sourceId: 'ord_1', sourceType: 'order', amount: 5 };
const create = (tenant: string, over: object = {}, requestId?: string) =>
  call(`${oa}/approvals`, { body: { typeCode: 'sales_order', title: 'SO', formData, ...over }, tenant, requestId });

test('create, replay, get, list filtered by formData source', async () => {
  const t = 'oa-a';
  const a = await create(t, {}, 'apv-1');
  expect(a.status).toBe(201);
  expect(a.body).toMatchObject({
    id: expect.stringMatching(/^apv_/),
    typeCode: 'sales_order',
    formData,
    status: 1,
    completedAt: null,
  });
  expect((await create(t, {}, 'apv-1')).body).toEqual(a.body);
  const b = await create(t, { typeCode: 'leave', formData: undefined });
  expect(b.body.formData).toEqual({});
  expect((await call(`${oa}/approvals/${a.body.id}`, { tenant: t })).body).toEqual(a.body);
  const q = 'sourceCell=erp&sourceId=ord_1&sourceType=order';
  expect((await call(`${oa}/approvals?${q}`, { tenant: t })).body.items).toEqual([a.body]);
  expect((await call(`${oa}/approvals?sourceId=ord_2`, { tenant: t })).body.items).toEqual([]);
  expect((await call(`${oa}/approvals`, { tenant: t })).body.items).toHaveLength(2);
});

test('400 and 404', async () => {
  const t = 'oa-b';
  const bad = await call(`${oa}/approvals`, { body: { typeCode: 'holiday', formData: 'x' }, tenant: t });
  expect(bad.body.error.fields!.map((f) => f.field).sort()).toEqual(['formData', 'typeCode']);
  const { body: a } = await create(t);
  const badComplete = await call(`${oa}/approvals/${a.id}/complete`, { body: { approved: 'yes' }, tenant: t });
  expect(badComplete.body.error.fields!.map((f) => f.field)).toEqual(['approved']);
  for (const path of ['', '/complete', '/withdraw']) {
    const res = await call(`${oa}/approvals/apv_nope${path}`, {
      method: path ? 'POST' : 'GET',
      body: path === '/complete' ? { approved: true } : undefined,
      tenant: t,
    });
    expect(res.status).toBe(404);
  }
});

test('complete: approved → 2 and rejected → 3 with exactly the documented fields (docs/platform.md); completing twice is 409', async () => {
  const t = 'oa-c';
  const { body: a } = await create(t);
  const { body: r } = await create(t, {
    typeCode: 'purchase_order',
    formData: { sourceCell: 'erp', sourceId: 'po_1', sourceType: 'purchase_order' },
  });
  const done = await call(`${oa}/approvals/${a.id}/complete`, {
    body: { approved: true },
    tenant: t,
    requestId: 'c-1',
  });
  expect(done.status).toBe(200);
  expect(done.body).toMatchObject({ id: a.id, status: 2, completedAt: expect.any(String) });
  expect(
    (await call(`${oa}/approvals/${a.id}/complete`, { body: { approved: true }, tenant: t, requestId: 'c-1' })).body,
  ).toEqual(done.body);
  const twice = await call(`${oa}/approvals/${a.id}/complete`, { body: { approved: false }, tenant: t });
  expect([twice.status, twice.body.error.code]).toEqual([409, 'conflict']);
  await call(`${oa}/approvals/${r.id}/complete`, { body: { approved: false }, tenant: t });

  const [e1, e2] = await waitForEvents(p.gatewayUrl, EVENT_TYPES.approvalCompleted, t, 2);
  expectEnvelope(e1, EVENT_TYPES.approvalCompleted, t, 'oa');
  // With when the approval was asked for and decided: the data lake's time to decision.
  const times = (x: unknown) => {
    const { createdAt, completedAt } = x as { createdAt: string; completedAt: string };
    return { createdAt, completedAt };
  };
  expect(e1.payload).toEqual({
    instanceId: a.id,
    tenantId: t,
    status: 2,
    formData,
    typeCode: 'sales_order',
    ...times((await call(`${oa}/approvals/${a.id}`, { tenant: t })).body),
  });
  expect(e2.payload).toEqual({
    instanceId: r.id,
    tenantId: t,
    status: 3,
    formData: { sourceCell: 'erp', sourceId: 'po_1', sourceType: 'purchase_order' },
    typeCode: 'purchase_order',
    ...times((await call(`${oa}/approvals/${r.id}`, { tenant: t })).body),
  });
  expect(Date.parse(String(e2.payload.completedAt))).toBeGreaterThanOrEqual(Date.parse(String(e2.payload.createdAt)));
});

test('withdraw: 9, idempotent when already withdrawn, 409 once completed; withdrawn cannot complete', async () => {
  const t = 'oa-d';
  const { body: a } = await create(t);
  const w = await call(`${oa}/approvals/${a.id}/withdraw`, { method: 'POST', tenant: t });
  expect([w.status, w.body.status]).toEqual([200, 9]);
  const again = await call(`${oa}/approvals/${a.id}/withdraw`, { method: 'POST', tenant: t });
  expect([again.status, again.body.status]).toEqual([200, 9]);
  expect((await call(`${oa}/approvals/${a.id}/complete`, { body: { approved: true }, tenant: t })).status).toBe(409);
  const { body: b } = await create(t);
  await call(`${oa}/approvals/${b.id}/complete`, { body: { approved: true }, tenant: t });
  const late = await call(`${oa}/approvals/${b.id}/withdraw`, { method: 'POST', tenant: t });
  expect([late.status, late.body.error.code]).toEqual([409, 'conflict']);
});
