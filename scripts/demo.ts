/**
 * `npm run demo` (against a running `npm start`): acts like the business users — signs a contract,
 * raises a purchase requisition, awards a quote, completes the approvals, publishes an event no rule
 * knows — and prints the chain of effects each event caused, with the Web UI link of each run.
 */
import { Client, Connection } from '@temporalio/client';
import { loadConfig } from '../common/config';
import type { BusEvent } from '../common/events';
import { linkageWorkflowId } from '../common/linkage';
import { PlatformClient } from './lib/platform-client';
import { waitFor, type Rec } from '../ops/gateway-admin';
import type { LinkageResult } from '../workflows/types';
import { temporalConnectionOptions } from '../common/temporal-connection';

const config = loadConfig({ DATALAKE_URL: 'http://localhost:8006', ...process.env });
const api = new PlatformClient(config.gatewayUrl, config.token, config.datalakeUrl ?? undefined);
const tenant = process.env.DEMO_TENANT ?? 'demo-tenant';

async function main(): Promise<void> {
  const connection = await Connection.connect(temporalConnectionOptions(config));
  const client = new Client({ connection, namespace: config.temporal.namespace });
  const head = await busHead();
  console.log(`Demo on tenant "${tenant}" — gateway ${config.gatewayUrl}, Temporal ${config.temporal.address}\n`);

  const contract = await api.signContract(tenant, {
    customerId: 'cus-demo',
    contractNo: `HT-${Date.now()}`,
    amountCents: 1_280_000,
  });
  console.log(`1. CRM: contract ${contract.id} signed`);
  const order = await one(`/erp/orders?sourceContractId=${contract.id}`);
  const contractApproval = await one(`/oa/approvals?sourceCell=crm&sourceId=${contract.id}&sourceType=contract`);
  const orderApproval = await one(`/oa/approvals?sourceCell=erp&sourceId=${order.id}&sourceType=order`);
  console.log(
    `   → ERP sales order ${order.id}; OA approvals ${contractApproval.id} (contract), ${orderApproval.id} (sales order)`,
  );
  await api.completeApproval(tenant, contractApproval.id, true);
  await api.completeApproval(tenant, orderApproval.id, false);
  await waitFor('write-back', async () => (await api.cell(tenant, 'GET', `/erp/orders/${order.id}`)).orderStatus === 3);
  console.log('   → contract approved (status 2), sales order rejected (status 3): written back');

  const req = await api.createRequisition(tenant, { demandDesc: '服务器采购 10 台', totalAmountCents: 4_500_000 });
  console.log(`2. ERP: purchase requisition ${req.id}`);
  const rfq = await one(`/srm/rfqs?requisitionId=${req.id}`);
  console.log(`   → SRM RFQ ${rfq.id}`);
  const quote = await api.addQuote(tenant, rfq.id, { supplierId: 'sup-demo', amountCents: 4_200_000 });
  await api.awardQuote(tenant, quote.id);
  const po = await one(`/erp/mm/purchase-orders?quoteId=${quote.id}`);
  const poApproval = await one(`/oa/approvals?sourceCell=erp&sourceId=${po.id}&sourceType=purchase_order`);
  console.log(`   → quote ${quote.id} awarded → ERP purchase order ${po.id} → OA approval ${poApproval.id}`);
  await api.completeApproval(tenant, poApproval.id, true);
  await waitFor(
    'PO write-back',
    async () => (await api.cell(tenant, 'GET', `/erp/mm/purchase-orders/${po.id}`)).status === 2,
  );
  console.log('   → purchase order approved (status 2): written back');

  const other = `demo-other-${Date.now()}`;
  await api.publish({
    eventId: other,
    eventType: 'hr.employee.onboarded',
    tenantId: tenant,
    payload: { employeeId: 'e-1' },
  });
  console.log(`3. Bus: event ${other} of a type no rule knows → data lake hr/events`);

  console.log('\nRuns (one per event), with their steps:');
  const events = (await api.ok<{ events: BusEvent[] }>('GET', `/api/events?after=${head}&limit=1000`)).events.filter(
    (e) => e.tenantId === tenant,
  );
  for (const e of events) {
    const handle = client.workflow.getHandle(linkageWorkflowId(e.eventId));
    const result = await waitFor(`run of ${e.eventId}`, () => handle.result() as Promise<LinkageResult>, 60_000);
    const { runId } = await handle.describe();
    console.log(`\n  ${e.eventType}  →  ${result.outcome}`);
    for (const s of result.steps) console.log(`     - ${s.title}: ${s.state}${s.detail ? ` (${s.detail})` : ''}`);
    console.log(
      `     ${config.temporal.uiUrl}/namespaces/${config.temporal.namespace}/workflows/${handle.workflowId}/${runId}/history`,
    );
  }
  const query = encodeURIComponent(`LinkageBusinessKeys="crm:contract:${contract.id}"`);
  console.log(
    `\nEvery run of contract ${contract.id}: ${config.temporal.uiUrl}/namespaces/${config.temporal.namespace}/workflows?query=${query}`,
  );
  await connection.close();
}

async function one(path: string): Promise<Rec> {
  return waitFor(path, async () => (await api.list(tenant, path))[0], 30_000);
}

async function busHead(): Promise<number> {
  let after = 0;
  for (;;) {
    const page = await api.ok<{ events: BusEvent[]; nextAfter: number }>(
      'GET',
      `/api/events?after=${after}&limit=1000`,
    );
    if (!page.events.length) return after;
    after = page.nextAfter;
  }
}

main().catch((err) => {
  console.error(`demo failed: ${err instanceof Error ? err.message : String(err)}`);
  console.error('Is the embedded stack running? Start it with `npm start` in another terminal.');
  process.exit(1);
});
