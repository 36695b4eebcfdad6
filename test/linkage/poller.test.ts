/**
 * The poller's cursor survives the poller itself: after an operator terminates it, the next worker
 * starts a poller that resumes from where the last one stopped (not from seq 0), and nothing is lost.
 */
import { defaultPayloadConverter, fromPayloadsAtIndex } from '@temporalio/common';
import { pollerWorkflowId } from '../../common/linkage';
import { waitFor } from '../../ops/gateway-admin';
import type { PollerInput } from '../../workflows/types';
import { createLinkageEnv, uniqueTenant, type LinkageEnv } from '../helpers/linkage-env';

let env: LinkageEnv;

beforeAll(async () => {
  env = await createLinkageEnv('poller');
});
afterAll(async () => {
  await env?.stop();
});

it('a terminated poller is succeeded by one that resumes from its cursor', async () => {
  const { api, client } = env;
  const tenant = uniqueTenant();
  const orders = (contractId: string) => api.list(tenant, `/erp/orders?sourceContractId=${contractId}`);

  const worker = await env.startWorker();
  const first = await api.signContract(tenant, { customerId: 'c', contractNo: 'P-1', amountCents: 1 });
  await waitFor('the first contract linked', async () => (await orders(first.id)).length === 1);
  const poller = client.workflow.getHandle(pollerWorkflowId(env.taskQueue));
  const cursor = await waitFor('the cursor past the first events', async () => {
    const c = await poller.query<number>('cursor');
    return c > 0 ? c : null;
  });
  await poller.terminate('operator test: poller terminated');
  await worker.stop();

  // While no poller runs, the business goes on.
  const second = await api.signContract(tenant, { customerId: 'c', contractNo: 'P-2', amountCents: 2 });
  const restarted = await env.startWorker();
  try {
    await waitFor('the second contract linked', async () => (await orders(second.id)).length === 1);
    const history = await poller.fetchHistory();
    const started = history.events![0].workflowExecutionStartedEventAttributes!;
    const input = fromPayloadsAtIndex<PollerInput>(defaultPayloadConverter, 0, started.input!.payloads!);
    expect(input.after).toBeGreaterThanOrEqual(cursor);
    expect(await orders(first.id)).toHaveLength(1);
  } finally {
    await restarted.stop();
  }
});
