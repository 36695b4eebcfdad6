/**
 * The full linkage chains (docs/rules-and-configuration.md), through the real poller, worker, platform and a Temporal (the dev server, or
 * the cluster): shared by test/linkage/chains.test.ts and test/cluster/cluster.test.ts.
 */
import { STATUS } from '../../common/events';
import { waitFor, type Rec } from '../../ops/gateway-admin';
import { uniqueTenant, type LinkageEnv } from './linkage-env';

const one = async (env: LinkageEnv, what: string, tenant: string, path: string): Promise<Rec> =>
  waitFor(what, async () => {
    const items = await env.api.list(tenant, path);
    if (items.length > 1) throw new Error(`${what}: ${items.length} found, expected one`);
    return items[0];
  });

/** The one OA approval made for a source document. */
const approvalOf = (env: LinkageEnv, what: string, tenant: string, cell: string, type: string, id: unknown) =>
  one(env, what, tenant, `/oa/approvals?sourceCell=${cell}&sourceId=${String(id)}&sourceType=${type}`);

/** Contract signed → ERP order → sales-order and contract approvals → completed → statuses written back. */
export async function contractChain(env: LinkageEnv): Promise<void> {
  const { api } = env;
  const tenant = uniqueTenant();
  const contract = await api.signContract(tenant, {
    customerId: 'cus-1',
    contractNo: 'HT-001',
    amountCents: 120_000,
  });

  const order = await one(env, 'ERP order', tenant, `/erp/orders?sourceContractId=${contract.id}`);
  expect(order).toMatchObject({ customerId: 'cus-1', totalAmountCents: 120_000, currency: 'CNY', orderStatus: 1 });

  const contractApproval = await approvalOf(env, 'contract approval', tenant, 'crm', 'contract', contract.id);
  expect(contractApproval).toMatchObject({ typeCode: 'contract', status: STATUS.pending });
  const orderApproval = await approvalOf(env, 'sales-order approval', tenant, 'erp', 'order', order.id);
  expect(orderApproval).toMatchObject({ typeCode: 'sales_order' });

  await api.completeApproval(tenant, contractApproval.id, true);
  await api.completeApproval(tenant, orderApproval.id, false);
  await waitFor('contract approved (2)', async () => {
    const c = await api.cell(tenant, 'GET', `/crm/contracts/${contract.id}`);
    return c.status === STATUS.approved;
  });
  await waitFor('order rejected (3)', async () => {
    const o = await api.cell(tenant, 'GET', `/erp/orders/${order.id}`);
    return o.orderStatus === STATUS.rejected;
  });

  // Every event of the chain was ingested into the data lake, in its table.
  await waitFor('contract in the data lake', async () => (await api.table(tenant, 'crm', 'contracts')).length === 1);
  await waitFor('order in the data lake', async () => (await api.table(tenant, 'erp', 'orders')).length === 1);
  await waitFor('approvals in the data lake', async () => (await api.table(tenant, 'oa', 'approvals')).length === 2);
}

/** Requisition → RFQ → quote awarded → PO → PO approval → written back. */
export async function procurementChain(env: LinkageEnv): Promise<void> {
  const { api } = env;
  const tenant = uniqueTenant();
  const req = await api.createRequisition(tenant, { demandDesc: '服务器 10 台', totalAmountCents: 5_000_000 });
  const rfq = await one(env, 'RFQ', tenant, `/srm/rfqs?requisitionId=${req.id}`);
  expect(rfq).toMatchObject({ demandDesc: '服务器 10 台', totalAmountCents: 5_000_000 });

  const quote = await api.addQuote(tenant, rfq.id, { supplierId: 'sup-9', amountCents: 4_800_000 });
  await api.awardQuote(tenant, quote.id);
  const po = await one(env, 'purchase order', tenant, `/erp/mm/purchase-orders?quoteId=${quote.id}`);
  expect(po).toMatchObject({ supplierId: 'sup-9', totalAmountCents: 4_800_000, rfqId: rfq.id, status: 1 });

  const poApproval = await approvalOf(env, 'PO approval', tenant, 'erp', 'purchase_order', po.id);
  expect(poApproval).toMatchObject({ typeCode: 'purchase_order' });
  await api.completeApproval(tenant, poApproval.id, true);
  await waitFor('PO approved (2)', async () => {
    const p = await api.cell(tenant, 'GET', `/erp/mm/purchase-orders/${po.id}`);
    return p.status === STATUS.approved;
  });
}
