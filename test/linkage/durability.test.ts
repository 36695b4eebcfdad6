/**
 * One run per event however often it is published or started, no
 * duplicate after a SIGKILLed worker, data-lake trouble isolated, poison events isolated, and two
 * worker processes sharing the bus without a duplicate effect.
 */
import { WorkflowFailedError } from '@temporalio/client';
import { EVENT_TYPES, type BusEvent } from '../../common/events';
import { linkageWorkflowId } from '../../common/linkage';
import { waitFor, type Rec } from '../../ops/gateway-admin';
import { createLinkageEnv, uniqueTenant, type LinkageEnv } from '../helpers/linkage-env';

let env: LinkageEnv;

beforeAll(async () => {
  env = await createLinkageEnv('durability');
});
afterAll(async () => {
  await env?.stop();
});
afterEach(async () => {
  await env.api.clearFaults();
  await env.api.clearFaults(env.platform.datalakeUrl);
});

const contractPayload = (tenant: string, contractId: string) => ({
  contractId,
  customerId: 'cus-d',
  contractNo: `HT-${contractId}`,
  amountCents: 1000,
  currency: 'CNY',
  tenantId: tenant,
  opportunityId: null,
  signedAt: new Date().toISOString(),
});

async function busEvent(eventId: string): Promise<BusEvent> {
  return waitFor(`event ${eventId}`, async () => (await env.events()).find((e) => e.eventId === eventId));
}

const ordersOf = (tenant: string, contractId: string): Promise<Rec[]> =>
  env.api.list(tenant, `/erp/orders?sourceContractId=${contractId}`);

describe('one linkage per event, whatever happens', () => {
  it('the same eventId published five times and started five times: one run, one ERP order', async () => {
    const worker = await env.startWorker();
    try {
      const tenant = uniqueTenant();
      const eventId = `dup-${tenant}`;
      const event = {
        eventId,
        eventType: EVENT_TYPES.contractSigned,
        tenantId: tenant,
        payload: contractPayload(tenant, `ctr-${tenant}`),
      };
      const answers = [];
      for (let i = 0; i < 5; i++) answers.push((await env.api.publish(event)).status);
      expect(answers).toEqual([201, 200, 200, 200, 200]);
      const bus = await busEvent(eventId);
      const starts = await Promise.all(Array.from({ length: 5 }, () => env.startFromEvent(bus)));
      expect(starts.filter(Boolean).length).toBeLessThanOrEqual(1); // the poller may have been first
      await env.client.workflow.getHandle(linkageWorkflowId(eventId)).result();
      const runs = await env.client.workflow.count(`LinkageEventId = "${eventId}"`);
      expect(runs.count).toBe(1);
      expect(await ordersOf(tenant, `ctr-${tenant}`)).toHaveLength(1);
    } finally {
      await worker.stop();
    }
  });

  it('a worker SIGKILLed while an ERP call is in flight: after a restart the run completes with one order', async () => {
    // The gateway lets the order be made, then holds the answer 3 s: the worker dies before it hears it.
    await env.api.fault({ method: 'POST', path: '/api/v1/erp/orders', times: 1, delayResponseMs: 3000 });
    const first = await env.startWorkerProcess();
    const tenant = uniqueTenant();
    const contract = await env.api.signContract(tenant, { customerId: 'cus-k', contractNo: 'HT-K', amountCents: 5 });
    const event = await waitFor('the contract event', async () =>
      (await env.events()).find((e) => e.payload.contractId === contract.id),
    );
    const handle = env.client.workflow.getHandle(linkageWorkflowId(event.eventId));
    // A local activity is not a pending activity of the server: the call is seen in flight at the cell, which
    // has made the order and holds its answer.
    await waitFor('the ERP call in flight (the order made, its answer held)', async () => {
      return (await ordersOf(tenant, contract.id)).length === 1;
    });
    await first.kill();

    const second = await env.startWorkerProcess();
    const result = await handle.result();
    expect(result.outcome).toBe('completed');
    expect(await ordersOf(tenant, contract.id)).toHaveLength(1);
    const approvals = await env.api.list(
      tenant,
      `/oa/approvals?sourceCell=crm&sourceId=${contract.id}&sourceType=contract`,
    );
    expect(approvals).toHaveLength(1);
    expect(first.child.signalCode).toBe('SIGKILL');
    await second.stop();
  });
});

describe('isolation', () => {
  let worker: { stop(): Promise<void> };
  beforeAll(async () => {
    worker = await env.startWorker();
  });
  afterAll(async () => {
    await worker.stop();
  });

  it('data lake down: the other linkages complete; ingest completes once it is back', async () => {
    await env.api.fault(
      { method: 'POST', path: '/api/datalake/ingest', times: -1, status: 503 },
      env.platform.datalakeUrl,
    );
    const tenant = uniqueTenant();
    const contract = await env.api.signContract(tenant, { customerId: 'cus-l', contractNo: 'HT-L', amountCents: 7 });
    await waitFor('ERP order despite the lake', async () => (await ordersOf(tenant, contract.id)).length === 1);
    await waitFor(
      'contract approval despite the lake',
      async () =>
        (await env.api.list(tenant, `/oa/approvals?sourceCell=crm&sourceId=${contract.id}&sourceType=contract`))
          .length === 1,
    );
    const event = await waitFor('event', async () =>
      (await env.events()).find((e) => e.payload.contractId === contract.id),
    );
    const handle = env.client.workflow.getHandle(linkageWorkflowId(event.eventId));
    const state = await handle.query<{ steps: Rec[] }>('state');
    expect(state.steps.find((s) => s.name === 'datalake')?.state).toBe('running');
    expect(await env.api.table(tenant, 'crm', 'contracts')).toHaveLength(0);

    await env.api.clearFaults(env.platform.datalakeUrl);
    expect((await handle.result()).outcome).toBe('completed');
    expect(await env.api.table(tenant, 'crm', 'contracts')).toHaveLength(1);
  });

  it('data lake down past the retry window: the linkage completes, ingest leaves a dead letter', async () => {
    // Its own platform and worker with a 3 s retry window, so the window closes within the test.
    const short = await createLinkageEnv('lake-window', { LINK_RETRY_WINDOW_SEC: '3' });
    try {
      await short.startWorker();
      await short.api.fault(
        { method: 'POST', path: '/api/datalake/ingest', times: -1, status: 503 },
        short.platform.datalakeUrl,
      );
      const tenant = uniqueTenant();
      const contract = await short.api.signContract(tenant, {
        customerId: 'cus-w',
        contractNo: 'HT-W',
        amountCents: 4,
      });
      const event = await waitFor('the contract event', async () =>
        (await short.events()).find((e) => e.payload.contractId === contract.id),
      );
      const handle = short.client.workflow.getHandle(linkageWorkflowId(event.eventId));
      await waitFor('the run', () => handle.describe());
      const result = await handle.result();
      expect(result.outcome).toBe('partial');
      // The linkage itself happened.
      expect(await short.api.list(tenant, `/erp/orders?sourceContractId=${contract.id}`)).toHaveLength(1);
      const [letter] = await short.api.deadLetters(`?eventId=${event.eventId}`);
      expect(letter).toMatchObject({ step: 'datalake' });
      expect(String(letter.reason)).toContain('crm/contracts');
    } finally {
      await short.stop();
    }
  });

  it('a malformed event fails its own run naming the field; the events behind it are linked', async () => {
    const tenant = uniqueTenant();
    const bad = { ...contractPayload(tenant, 'ctr-bad'), amountCents: 'lots', customerId: undefined };
    await env.api.publish({
      eventId: `bad-${tenant}`,
      eventType: EVENT_TYPES.contractSigned,
      tenantId: tenant,
      payload: bad,
    });
    const good = await env.api.signContract(tenant, { customerId: 'cus-g', contractNo: 'HT-G', amountCents: 3 });

    const badRun = env.client.workflow.getHandle(linkageWorkflowId(`bad-${tenant}`));
    await waitFor('the bad run', () => badRun.describe());
    const err = (await badRun.result().catch((e: unknown) => e)) as WorkflowFailedError;
    expect(err).toBeInstanceOf(WorkflowFailedError);
    expect(err.cause?.message).toMatch(/payload\.customerId/);
    expect(err.cause?.message).toMatch(/payload\.amountCents/);
    const [letter] = await env.api.deadLetters(`?eventId=bad-${tenant}`);
    expect(letter).toMatchObject({ step: 'validate' });

    await waitFor('the good contract linked', async () => (await ordersOf(tenant, good.id)).length === 1);
  });
});

describe('two worker processes at once', () => {
  it('200 events: 200 runs, no duplicate effect', async () => {
    const workers = [await env.startWorkerProcess(), await env.startWorkerProcess()];
    const tenant = uniqueTenant('two');
    const contracts: Rec[] = [];
    for (let i = 0; i < 200; i++) {
      contracts.push(
        await env.api.signContract(tenant, { customerId: `cus-${i % 7}`, contractNo: `HT2-${i}`, amountCents: i + 1 }),
      );
    }
    const contractIds = new Set(contracts.map((c) => c.id));
    const query = `LinkageTenant = "${tenant}" AND WorkflowType = "ContractSignedWorkflow"`;
    await waitFor(
      '200 completed contract runs',
      async () => (await env.client.workflow.count(`${query} AND ExecutionStatus = "Completed"`)).count === 200,
      240_000,
      500,
    );
    expect((await env.client.workflow.count(query)).count).toBe(200);

    const orders = await env.api.list(tenant, '/erp/orders');
    expect(orders).toHaveLength(200);
    expect(new Set(orders.map((o) => o.sourceContractId))).toEqual(contractIds);
    // Each ERP order's own event gets its sales-order approval: 400 approvals in all, none twice.
    await waitFor(
      '400 approvals',
      async () => (await env.api.list(tenant, '/oa/approvals')).length >= 400,
      240_000,
      500,
    );
    const approvals = await env.api.list(tenant, '/oa/approvals');
    expect(approvals).toHaveLength(400);
    const sources = approvals.map((a) => `${(a.formData as Rec).sourceType}:${(a.formData as Rec).sourceId}`);
    expect(new Set(sources).size).toBe(400);
    // Both processes ran throughout.
    for (const w of workers) expect(w.child.exitCode).toBeNull();
  }, 600_000);
});
