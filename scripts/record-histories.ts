/**
 * Records the committed replay fixtures `test/histories/<WorkflowType>.json` from real runs: a Temporal
 * dev server (TEMPORAL_ADDRESS if set, else an in-memory one), a real platform with fault injection, an
 * in-process worker with its poller; drives one event per workflow type, plus a failed-and-compensated
 * contract, a contract cancelled with a call in flight, an invalid payload, a held contract and a lake resync
 * (plain, and held by a paused rule), and exports each history
 * with the operator CLI's export code. Histories of earlier workflow code stay in `test/histories/<change>/`.
 *
 *   npx tsx scripts/record-histories.ts [outDir]
 *
 * Re-record after a deliberate, versioned workflow change (see docs/operations/changing-workflow-code.md); never to make a
 * failing replay test pass.
 */
import path from 'node:path';
import { EVENT_TYPES, type BusEvent } from '../common/events';
import { linkageWorkflowId, pollerWorkflowId } from '../common/linkage';
import { waitFor, type Rec } from '../ops/gateway-admin';
import { exportHistoryToFile } from '../ops/commands/export';
import { describeResync, followResync, startResync } from '../ops/commands/resync';
import { pauseRule, resumeRule } from '../ops/commands/rules';
import { ruleControlWorkflowId } from '../common/rules';
import type { OpsContext } from '../ops/context';
import { createLinkageEnv, uniqueTenant, type LinkageEnv } from '../test/helpers/linkage-env';
import { startDevServer, type DevServer } from './dev-server';
import { freePort } from './lib/ports';

const OUT = path.resolve(process.argv[2] ?? path.join(__dirname, '..', 'test', 'histories'));

async function main(): Promise<void> {
  let server: DevServer | undefined;
  if (!process.env.TEMPORAL_ADDRESS) {
    server = await startDevServer({ dbFile: null, port: await freePort(), ui: false, logFile: '/dev/null' });
    process.env.TEMPORAL_ADDRESS = server.address;
  }
  let env: LinkageEnv | undefined;
  try {
    env = await createLinkageEnv('record');
    await env.startWorker();
    await record(env);
  } finally {
    await env?.stop();
    await server?.stop();
  }
}

async function record(env: LinkageEnv): Promise<void> {
  const { api } = env;
  const ctx: OpsContext = { client: env.client, namespace: env.client.options.namespace, api, uiUrl: null };
  const tenant = uniqueTenant('rec');

  /** Waits for the event's run to close, then writes its history as `<name>.json`. */
  const save = async (name: string, match: (e: BusEvent) => boolean): Promise<void> => {
    const event = await waitFor(`${name}: its event`, async () => (await env.events()).find(match));
    const handle = env.client.workflow.getHandle(linkageWorkflowId(event.eventId));
    await waitFor(`${name}: its workflow`, () => handle.describe());
    await handle.result().catch(() => undefined);
    const file = await exportHistoryToFile(ctx, handle.workflowId, path.join(OUT, `${name}.json`));
    console.log(`recorded ${file}`);
  };
  const one = (what: string, p: string): Promise<Rec> => waitFor(what, async () => (await api.list(tenant, p))[0]);

  // crm.contract.signed → ERP order (→ erp.order.created) and contract approval.
  const contract = await api.signContract(tenant, {
    customerId: 'cus-1',
    contractNo: 'HT-REC-1',
    amountCents: 120_000,
  });
  await save(
    'ContractSignedWorkflow',
    (e) => e.eventType === EVENT_TYPES.contractSigned && e.payload.contractId === contract.id,
  );
  const order = await one('ERP order', `/erp/orders?sourceContractId=${contract.id}`);
  await save(
    'SalesOrderCreatedWorkflow',
    (e) => e.eventType === EVENT_TYPES.orderCreated && e.payload.orderId === order.id,
  );

  // oa.approval.completed → write-back to the contract.
  const approval = await one(
    'contract approval',
    `/oa/approvals?sourceCell=crm&sourceId=${contract.id}&sourceType=contract`,
  );
  await api.completeApproval(tenant, approval.id, true);
  await save(
    'ApprovalCompletedWorkflow',
    (e) => e.eventType === EVENT_TYPES.approvalCompleted && e.payload.instanceId === approval.id,
  );

  // Requisition → RFQ; quote awarded → PO (→ erp.purchase_order.created).
  const req = await api.createRequisition(tenant, { demandDesc: 'laptops', totalAmountCents: 50_000 });
  await save(
    'PurchaseRequisitionCreatedWorkflow',
    (e) => e.eventType === EVENT_TYPES.requisitionCreated && e.payload.requisitionId === req.id,
  );
  const rfq = await one('RFQ', `/srm/rfqs?requisitionId=${req.id}`);
  const quote = await api.addQuote(tenant, rfq.id, { supplierId: 'sup-1', amountCents: 48_000 });
  await api.awardQuote(tenant, quote.id);
  await save('QuoteAwardedWorkflow', (e) => e.eventType === EVENT_TYPES.quoteAwarded && e.payload.quoteId === quote.id);
  const po = await one('purchase order', `/erp/mm/purchase-orders?quoteId=${quote.id}`);
  await save(
    'PurchaseOrderCreatedWorkflow',
    (e) => e.eventType === EVENT_TYPES.purchaseOrderCreated && e.payload.poId === po.id,
  );

  // Any other event type: ingest only.
  const genericId = `rec-generic-${Date.now()}`;
  await api.ok('POST', '/api/events', {
    body: {
      eventId: genericId,
      eventType: 'crm.opportunity.created',
      tenantId: tenant,
      payload: { opportunityId: 'opp-1', tenantId: tenant },
    },
  });
  await save('GenericEventWorkflow', (e) => e.eventId === genericId);

  // A contract whose OA approval is rejected for good: the ERP order is compensated, the run fails.
  await api.fault({ method: 'POST', path: '/api/v1/oa/approvals', times: -1, status: 400 });
  const failing = await api.signContract(tenant, { customerId: 'cus-2', contractNo: 'HT-REC-2', amountCents: 9_900 });
  await save(
    'ContractSignedWorkflow-compensated',
    (e) => e.eventType === EVENT_TYPES.contractSigned && e.payload.contractId === failing.id,
  );
  await api.clearFaults();

  // An operator's cancel while the OA call is in flight: the call is awaited, then both documents undone.
  await api.fault({ method: 'POST', path: '/api/v1/oa/approvals', times: 1, delayResponseMs: 1500 });
  const cancelled = await api.signContract(tenant, { customerId: 'cus-3', contractNo: 'HT-REC-3', amountCents: 3_300 });
  const cancelledEvent = await waitFor('the cancelled contract event', async () =>
    (await env.events()).find(
      (e) => e.eventType === EVENT_TYPES.contractSigned && e.payload.contractId === cancelled.id,
    ),
  );
  await one('the in-flight approval', `/oa/approvals?sourceCell=crm&sourceId=${cancelled.id}&sourceType=contract`);
  await env.client.workflow.getHandle(linkageWorkflowId(cancelledEvent.eventId)).cancel();
  await save('ContractSignedWorkflow-cancelled', (e) => e.eventId === cancelledEvent.eventId);
  await api.clearFaults();

  // A contract held by the paused crm-to-erp rule: its approval is asked for meanwhile, its order once resumed.
  const rules = { taskQueue: env.taskQueue, settleMs: 1_000 };
  await pauseRule(ctx, 'crm-to-erp', { by: 'recorder', reason: 'recording a held run' }, rules);
  const held = await api.signContract(tenant, { customerId: 'cus-4', contractNo: 'HT-REC-4', amountCents: 4_400 });
  const heldEvent = await waitFor('the held contract event', async () =>
    (await env.events()).find((e) => e.eventType === EVENT_TYPES.contractSigned && e.payload.contractId === held.id),
  );
  const heldRun = env.client.workflow.getHandle(linkageWorkflowId(heldEvent.eventId));
  await waitFor('the held run', async () => (await heldRun.query<{ outcome: string }>('state')).outcome === 'paused');
  await resumeRule(ctx, 'crm-to-erp', { by: 'recorder', ratePerSec: 10 }, env.taskQueue);
  await save('ContractSignedWorkflow-paused', (e) => e.eventId === heldEvent.eventId);
  const control = ruleControlWorkflowId(env.taskQueue);
  console.log(`recorded ${await exportHistoryToFile(ctx, control, path.join(OUT, 'RuleControlWorkflow.json'))}`);

  // A contract event with an invalid payload: fails its own run with a validation error.
  const invalidId = `rec-invalid-${Date.now()}`;
  await api.ok('POST', '/api/events', {
    body: {
      eventId: invalidId,
      eventType: EVENT_TYPES.contractSigned,
      tenantId: tenant,
      payload: { contractId: 'ctr-bad', tenantId: tenant },
    },
  });
  await save('ContractSignedWorkflow-invalid', (e) => e.eventId === invalidId);

  // A lake resync of this tenant's events, in pages of 4 (everything in the lake already: "already there");
  // then the same range again, held by a paused all-to-datalake rule until it is resumed.
  const first = (await env.events()).find((e) => e.tenantId === tenant)!;
  const range = { from: String(first.seq), tenant, pageSize: 4 };
  const plain = await startResync(ctx, env.taskQueue, range);
  await followResync(ctx, plain.workflowId, { pollMs: 250 });
  const saveResync = async (id: string, name: string) =>
    console.log(`recorded ${await exportHistoryToFile(ctx, id, path.join(OUT, `${name}.json`))}`);
  await saveResync(plain.workflowId, 'LakeResyncWorkflow');
  await pauseRule(ctx, 'all-to-datalake', { by: 'recorder', reason: 'recording a held resync' }, rules);
  const heldResync = await startResync(ctx, env.taskQueue, {
    ...range,
    id: `${plain.workflowId}-held`,
    pauseCheckMs: 500,
  });
  await waitFor(
    'the held resync',
    async () => (await describeResync(ctx, heldResync.workflowId)).progress?.state === 'paused',
  );
  await resumeRule(ctx, 'all-to-datalake', { by: 'recorder', ratePerSec: 10 }, env.taskQueue);
  await followResync(ctx, heldResync.workflowId, { pollMs: 250 });
  await saveResync(heldResync.workflowId, 'LakeResyncWorkflow-paused');

  // The poller, still running: its history so far (several pages handed over).
  const poller = pollerWorkflowId(env.taskQueue);
  console.log(`recorded ${await exportHistoryToFile(ctx, poller, path.join(OUT, 'EventPollerWorkflow.json'))}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
