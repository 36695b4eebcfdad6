/**
 * Every rule of docs/rules-and-configuration.md makes exactly the documented calls with the documented bodies;
 * with its toggle at 0 it makes none; with DATALAKE_URL empty nothing is ingested. The matrix runs each
 * real event through its workflow under each toggle setting (the poller is off here so each setting is
 * applied to exactly the events of its row).
 */
import { EVENT_TYPES, type BusEvent } from '../../common/events';
import { linkageWorkflowId } from '../../common/linkage';
import { waitFor, type Rec } from '../../ops/gateway-admin';
import { createLinkageEnv, uniqueTenant, type LinkageEnv } from '../helpers/linkage-env';

let env: LinkageEnv;

beforeAll(async () => {
  env = await createLinkageEnv('toggles', { POLLER_ENABLED: '0' });
  await env.startWorker();
});
afterAll(async () => {
  await env?.stop();
});

type Setting = Record<'LINK_CRM_TO_ERP' | 'LINK_ERP_TO_SRM' | 'LINK_ALL_TO_OA' | 'LINK_ALL_TO_DATALAKE', '0' | '1'> & {
  DATALAKE_URL?: string;
};
const ALL_ON: Setting = { LINK_CRM_TO_ERP: '1', LINK_ERP_TO_SRM: '1', LINK_ALL_TO_OA: '1', LINK_ALL_TO_DATALAKE: '1' };
const ROWS: [string, Setting][] = [
  ['all on', ALL_ON],
  ['LINK_CRM_TO_ERP=0', { ...ALL_ON, LINK_CRM_TO_ERP: '0' }],
  ['LINK_ERP_TO_SRM=0', { ...ALL_ON, LINK_ERP_TO_SRM: '0' }],
  ['LINK_ALL_TO_OA=0', { ...ALL_ON, LINK_ALL_TO_OA: '0' }],
  ['LINK_ALL_TO_DATALAKE=0', { ...ALL_ON, LINK_ALL_TO_DATALAKE: '0' }],
  ['DATALAKE_URL empty', { ...ALL_ON, DATALAKE_URL: '' }],
  ['all off', { LINK_CRM_TO_ERP: '0', LINK_ERP_TO_SRM: '0', LINK_ALL_TO_OA: '0', LINK_ALL_TO_DATALAKE: '0' }],
];

/** Runs the event's workflow with `setting` and waits for it to finish. */
async function link(event: BusEvent, setting: Setting): Promise<void> {
  expect(await env.startFromEvent(event, setting as Record<string, string>)).toBe(true);
  await env.client.workflow.getHandle(linkageWorkflowId(event.eventId)).result();
}

async function eventOf(type: string, match: (p: Record<string, unknown>) => boolean): Promise<BusEvent> {
  return waitFor(type, async () => (await env.events()).find((e) => e.eventType === type && match(e.payload)));
}

describe.each(ROWS)('linkage rules with %s', (_name, setting) => {
  const on = (k: keyof Setting) => setting[k] === '1';
  const ingests = on('LINK_ALL_TO_DATALAKE') && setting.DATALAKE_URL !== '';
  const tenant = uniqueTenant();

  it('crm.contract.signed → ERP order and contract approval', async () => {
    const { api } = env;
    const c = await api.signContract(tenant, {
      customerId: 'cus-7',
      contractNo: 'HT-7',
      amountCents: 7_700,
      currency: 'USD',
    });
    await link(await eventOf(EVENT_TYPES.contractSigned, (p) => p.contractId === c.id), setting);

    const orders = await api.list(tenant, `/erp/orders?sourceContractId=${c.id}`);
    if (on('LINK_CRM_TO_ERP')) {
      expect(orders).toHaveLength(1);
      expect(orders[0]).toMatchObject({
        customerId: 'cus-7',
        totalAmountCents: 7_700,
        currency: 'USD',
        sourceContractId: c.id,
      });
    } else expect(orders).toHaveLength(0);

    const approvals = await api.list(tenant, `/oa/approvals?sourceCell=crm&sourceId=${c.id}&sourceType=contract`);
    if (on('LINK_ALL_TO_OA')) {
      expect(approvals).toHaveLength(1);
      expect(approvals[0]).toMatchObject({ typeCode: 'contract' });
      expect(approvals[0].formData).toMatchObject({ sourceCell: 'crm', sourceId: c.id, sourceType: 'contract' });
    } else expect(approvals).toHaveLength(0);
    expect(await api.table(tenant, 'crm', 'contracts')).toHaveLength(ingests ? 1 : 0);
  });

  it('erp.order.created → sales-order approval', async () => {
    const { api } = env;
    const order = await api.cell(tenant, 'POST', '/erp/orders', { customerId: 'cus-8', totalAmountCents: 800 });
    await link(await eventOf(EVENT_TYPES.orderCreated, (p) => p.orderId === order.id), setting);
    const approvals = await api.list(tenant, `/oa/approvals?sourceCell=erp&sourceId=${order.id}&sourceType=order`);
    expect(approvals).toHaveLength(on('LINK_ALL_TO_OA') ? 1 : 0);
    if (on('LINK_ALL_TO_OA')) expect(approvals[0]).toMatchObject({ typeCode: 'sales_order' });
    expect((await api.table(tenant, 'erp', 'orders')).filter((r) => r.orderId === order.id)).toHaveLength(
      ingests ? 1 : 0,
    );
  });

  it('erp.purchase_requisition.created → RFQ; srm.quote.awarded → PO; erp.purchase_order.created → approval', async () => {
    const { api } = env;
    const req = await api.createRequisition(tenant, { demandDesc: '笔记本 5 台', totalAmountCents: 50_000 });
    await link(await eventOf(EVENT_TYPES.requisitionCreated, (p) => p.requisitionId === req.id), setting);
    const rfqs = await api.list(tenant, `/srm/rfqs?requisitionId=${req.id}`);
    expect(rfqs).toHaveLength(on('LINK_ERP_TO_SRM') ? 1 : 0);
    if (rfqs[0])
      expect(rfqs[0]).toMatchObject({ requisitionId: req.id, demandDesc: '笔记本 5 台', totalAmountCents: 50_000 });

    // The quote needs an RFQ: make one by hand when the linkage is off.
    const rfq: Rec =
      rfqs[0] ??
      (await api.cell(tenant, 'POST', '/srm/rfqs', { requisitionId: req.id, demandDesc: 'x', totalAmountCents: 1 }));
    const quote = await api.addQuote(tenant, rfq.id, { supplierId: 'sup-1', amountCents: 45_000 });
    await api.awardQuote(tenant, quote.id);
    await link(await eventOf(EVENT_TYPES.quoteAwarded, (p) => p.quoteId === quote.id), setting);
    const pos = await api.list(tenant, `/erp/mm/purchase-orders?quoteId=${quote.id}`);
    expect(pos).toHaveLength(on('LINK_ERP_TO_SRM') ? 1 : 0);
    if (pos[0])
      expect(pos[0]).toMatchObject({
        supplierId: 'sup-1',
        totalAmountCents: 45_000,
        currency: 'CNY',
        rfqId: rfq.id,
        quoteId: quote.id,
      });

    const po: Rec =
      pos[0] ??
      (await api.cell(tenant, 'POST', '/erp/mm/purchase-orders', { supplierId: 'sup-1', totalAmountCents: 45_000 }));
    await link(await eventOf(EVENT_TYPES.purchaseOrderCreated, (p) => p.poId === po.id), setting);
    const approvals = await api.list(
      tenant,
      `/oa/approvals?sourceCell=erp&sourceId=${po.id}&sourceType=purchase_order`,
    );
    expect(approvals).toHaveLength(on('LINK_ALL_TO_OA') ? 1 : 0);
  });

  it('oa.approval.completed → status written back; no source → nothing written', async () => {
    const { api } = env;
    const c = await api.cell(tenant, 'POST', '/crm/contracts', { customerId: 'c', contractNo: 'N', amountCents: 1 });
    const approval = await api.cell(tenant, 'POST', '/oa/approvals', {
      typeCode: 'contract',
      formData: { sourceCell: 'crm', sourceId: c.id, sourceType: 'contract' },
    });
    await api.completeApproval(tenant, approval.id, false);
    await link(await eventOf(EVENT_TYPES.approvalCompleted, (p) => p.instanceId === approval.id), setting);
    expect((await api.cell(tenant, 'GET', `/crm/contracts/${c.id}`)).status).toBe(on('LINK_ALL_TO_OA') ? 3 : 1);

    const bare = await api.cell(tenant, 'POST', '/oa/approvals', { typeCode: 'leave', formData: {} });
    await api.completeApproval(tenant, bare.id, true);
    const event = await eventOf(EVENT_TYPES.approvalCompleted, (p) => p.instanceId === bare.id);
    await link(event, setting);
    const state = await env.client.workflow
      .getHandle(linkageWorkflowId(event.eventId))
      .query<{ steps: Rec[] }>('state');
    expect(state.steps.find((s) => s.name === 'write-back')?.state).toBe('skipped');
  });

  it('any other event → ingested into <cell>/events only', async () => {
    const eventId = `other-${Math.random().toString(36).slice(2)}`;
    await env.api.publish({ eventId, eventType: 'hr.employee.hired', tenantId: tenant, payload: { employeeId: 'e1' } });
    await link(
      await waitFor('the event', async () => (await env.events()).find((e) => e.eventId === eventId)),
      setting,
    );
    const rows = await env.api.table(tenant, 'hr', 'events');
    expect(rows.filter((r) => r.eventId === eventId)).toHaveLength(ingests ? 1 : 0);
  });
});
