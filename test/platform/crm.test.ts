/** CRM cell through the gateway: contracts, opportunities, `crm.contract.signed`. */
import { EVENT_TYPES } from '../../common/events';
import { call, expectEnvelope, startTestPlatform, waitForEvents, type TestPlatform } from './support';

let p: TestPlatform;
let crm: string;
beforeAll(async () => {
  p = await startTestPlatform();
  crm = p.cell('crm');
});
afterAll(() => p.cleanup());

const contract = { customerId: 'cus-1', contractNo: 'HT-001', amountCents: 123_400 };

describe('contracts', () => {
  test('create unsigned: 201, defaults, no event', async () => {
    const res = await call(`${crm}/contracts`, { body: contract, tenant: 'crm-a' });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      ...contract,
      id: expect.stringMatching(/^ctr_[0-9a-f]+$/),
      tenantId: 'crm-a',
      currency: 'CNY',
      opportunityId: null,
      signedAt: null,
      status: 1,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    await new Promise((r) => setTimeout(r, 100));
    expect(await waitForEvents(p.gatewayUrl, EVENT_TYPES.contractSigned, 'crm-a', 0)).toEqual([]);
  });

  test('signed: publishes crm.contract.signed with exactly the documented fields (docs/platform.md)', async () => {
    const body = { ...contract, currency: 'USD', opportunityId: 'opp_1', signedAt: '2024-05-01T08:00:00.000Z' };
    const res = await call(`${crm}/contracts`, { body, tenant: 'crm-b' });
    const [e] = await waitForEvents(p.gatewayUrl, EVENT_TYPES.contractSigned, 'crm-b');
    expectEnvelope(e, EVENT_TYPES.contractSigned, 'crm-b', 'crm');
    expect(e.payload).toEqual({
      contractId: res.body.id,
      customerId: 'cus-1',
      contractNo: 'HT-001',
      amountCents: 123_400,
      currency: 'USD',
      tenantId: 'crm-b',
      opportunityId: 'opp_1',
      signedAt: '2024-05-01T08:00:00.000Z',
    });
  });

  test('signed without opportunity: opportunityId is null, keys unchanged', async () => {
    await call(`${crm}/contracts`, { body: { ...contract, signedAt: '2024-05-02' }, tenant: 'crm-c' });
    const [e] = await waitForEvents(p.gatewayUrl, EVENT_TYPES.contractSigned, 'crm-c');
    expect(Object.keys(e.payload).sort()).toEqual(
      [
        'contractId',
        'customerId',
        'contractNo',
        'amountCents',
        'currency',
        'tenantId',
        'opportunityId',
        'signedAt',
      ].sort(),
    );
    expect(e.payload.opportunityId).toBeNull();
  });

  test('X-Request-ID replays the first answer and publishes once', async () => {
    const body = { ...contract, signedAt: '2024-05-03T00:00:00Z' };
    const first = await call(`${crm}/contracts`, { body, tenant: 'crm-d', requestId: 'k-1' });
    const again = await call(`${crm}/contracts`, { body, tenant: 'crm-d', requestId: 'k-1' });
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    expect((await call(`${crm}/contracts`, { tenant: 'crm-d' })).body.items).toHaveLength(1);
    await waitForEvents(p.gatewayUrl, EVENT_TYPES.contractSigned, 'crm-d', 1);
  });

  test('get, list, patch', async () => {
    const { body: c } = await call(`${crm}/contracts`, { body: contract, tenant: 'crm-e' });
    expect((await call(`${crm}/contracts/${c.id}`, { tenant: 'crm-e' })).body).toEqual(c);
    expect((await call(`${crm}/contracts`, { tenant: 'crm-e' })).body.items).toEqual([c]);
    const patched = await call(`${crm}/contracts/${c.id}`, { method: 'PATCH', body: { status: 2 }, tenant: 'crm-e' });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ id: c.id, status: 2 });
    expect((await call(`${crm}/contracts/${c.id}`, { tenant: 'crm-e' })).body.status).toBe(2);
  });

  test('400 names fields: create, patch whitelist and status values, missing X-Tenant-ID', async () => {
    const bad = await call(`${crm}/contracts`, { body: { amountCents: -1, signedAt: 'yesterday' }, tenant: 'crm-f' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.fields!.map((f) => f.field).sort()).toEqual([
      'amountCents',
      'contractNo',
      'customerId',
      'signedAt',
    ]);
    const { body: c } = await call(`${crm}/contracts`, { body: contract, tenant: 'crm-f' });
    const extra = await call(`${crm}/contracts/${c.id}`, {
      method: 'PATCH',
      body: { status: 2, amountCents: 1 },
      tenant: 'crm-f',
    });
    expect(extra.status).toBe(400);
    expect(extra.body.error.fields!.map((f) => f.field)).toEqual(['amountCents']);
    const badStatus = await call(`${crm}/contracts/${c.id}`, { method: 'PATCH', body: { status: 5 }, tenant: 'crm-f' });
    expect(badStatus.body.error.fields!.map((f) => f.field)).toEqual(['status']);
    const noTenant = await call(`${crm}/contracts`, { body: contract });
    expect(noTenant.status).toBe(400);
    expect(noTenant.body.error.fields!.map((f) => f.field)).toEqual(['X-Tenant-ID']);
  });

  test('404 for unknown ids', async () => {
    for (const method of ['GET', 'PATCH']) {
      const res = await call(`${crm}/contracts/ctr_missing`, {
        method,
        body: method === 'PATCH' ? { status: 2 } : undefined,
        tenant: 'crm-g',
      });
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('not_found');
    }
  });
});

describe('opportunities', () => {
  test('create, replay, list; publishes nothing', async () => {
    const body = { customerId: 'cus-1', name: 'Big deal', amountCents: 500 };
    const first = await call(`${crm}/opportunities`, { body, tenant: 'crm-o', requestId: 'o-1' });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ ...body, id: expect.stringMatching(/^opp_/), tenantId: 'crm-o' });
    const again = await call(`${crm}/opportunities`, { body, tenant: 'crm-o', requestId: 'o-1' });
    expect(again.body).toEqual(first.body);
    expect((await call(`${crm}/opportunities`, { tenant: 'crm-o' })).body.items).toEqual([first.body]);
    const bad = await call(`${crm}/opportunities`, { body: { name: '' }, tenant: 'crm-o' });
    expect(bad.body.error.fields!.map((f) => f.field).sort()).toEqual(['customerId', 'name']);
    await new Promise((r) => setTimeout(r, 100));
    const events = (await call(`${p.gatewayUrl}/api/events?after=0&limit=1000&tenantId=crm-o`)).body.events;
    expect(events).toEqual([]);
  });
});
