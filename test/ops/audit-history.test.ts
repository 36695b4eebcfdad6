/**
 * Still an audit history: with the calls as local activities, a call that failed and was retried
 * shows in the run's history one event per attempt with its failure, a server timer before each retry, then
 * the result, each named by the step's title; `show` reads them from the history. And the retries made one
 * document: counted by its source.
 */
import { temporal } from '@temporalio/proto';
import { countBySource, SOURCES } from '../../scripts/lib/platform-client';
import { activitySteps } from '../../ops/history';
import { createLinkageEnv, uniqueTenant, type LinkageEnv } from '../helpers/linkage-env';

let env: LinkageEnv;

beforeAll(async () => {
  env = await createLinkageEnv('audit');
  await env.startWorker();
}, 120_000);

afterAll(async () => {
  await env?.stop();
});

it('an ERP call answered 503 twice: three attempts in the history, two timers, one live order', async () => {
  await env.api.fault({ method: 'POST', path: '/api/v1/erp/orders', times: 2, status: 503 });
  const tenant = uniqueTenant();
  const contract = await env.api.signContract(tenant, { customerId: 'c-21', contractNo: 'HT-21', amountCents: 21 });
  const { handle } = await env.runOf('the contract run', (e) => e.payload.contractId === contract.id);
  expect((await handle.result()).outcome).toBe('completed');

  const history = await handle.fetchHistory();
  const erp = activitySteps(history).filter((s) => s.activity === 'createErpOrder');
  expect(erp.map((s) => [s.attempt, s.state, s.summary])).toEqual([
    [1, 'failed', 'Create ERP sales order'],
    [2, 'failed', 'Create ERP sales order'],
    [3, 'completed', 'Create ERP sales order'],
  ]);
  expect(erp[0].failure).toContain('answered 503');
  const timers = (history.events ?? []).filter(
    (e) => e.eventType === temporal.api.enums.v1.EventType.EVENT_TYPE_TIMER_STARTED,
  );
  expect(timers).toHaveLength(2);
  expect(await countBySource(env.api, tenant, SOURCES.order(contract.id))).toMatchObject({ live: 1, cancelled: 0 });
});
